"""The real saved news pages of ../shared/realpages and their true items, and a score of what the listing
reader makes of them (issue 18). Used by `test_realpages.py`; run it to print the figures README gives:

    .venv/bin/python -m tests.source.realpages [--probe]

Every page named in SOURCES.md's tables is scored on its true item count; the pages SOURCES.md lists item by
item ("### file" sections: a Markdown link per item, then the date or "?") and the pages below that were read
by hand before (`HAND`) are scored item by item: title, link and date. The pages are never copied here.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from scraper.config import SelectorConfig
from scraper.models import ListingItem, SiteDate
from scraper.source.listing import parse_listing
from scraper.source.selectors import suggest_selectors
from tests.fixture_site import REPO

# Beside the repository (CI clones it next to shared/); AKTUELLT_REALPAGES points elsewhere (a worktree).
REALPAGES = Path(os.environ.get("AKTUELLT_REALPAGES") or REPO.parent / "shared" / "realpages")

TZ = ZoneInfo("Europe/Stockholm")
#: The day the municipal pages were saved (about): the year of dates printed without one.
TODAY = dt.date(2026, 6, 9)

#: The URL each page was saved from, where the page itself does not say it (og:url, canonical).
URLS = {
    "goteborg-home.html": "https://goteborg.se/wps/portal/start",
    "goteborg-kommun-politik.html": "https://goteborg.se/wps/portal/start/kommun-och-politik",
    "malmo-utbildning.html": "https://malmo.se/Bo-och-leva/Utbildning-och-forskola.html",
    "uppsala-home.html": "https://www.uppsala.se/",
    "regjeringen-hoyringar.html": "https://www.regjeringen.no/no/dokument/hoyringar/id1763/",
    "stockholm-home.html": "https://start.stockholm/",
    "bayern-home.html": "http://bayern.de/",
    "wordpress-blog-home.html": "https://en.blog.wordpress.com/",
    "chip-werkzeug-list.html": "https://www.chip.de/tests/werkzeug",
    "mozilla-blog-home.html": "https://blog.mozilla.org/",
    "nature-news.html": "https://www.nature.com/news",
    "googleblog-developers-home.html": "https://developers.googleblog.com/",
    "telepolis-home.html": "https://www.heise.de/tp/",
    "brandonsmith-blog.html": "https://brandonsmith.ninja/blog",
}

#: Pages read by hand before SOURCES.md listed items: (title start, link end, date or None) in page order.
HAND: dict[str, list[tuple[str, str, str | None]]] = {
    "goteborg-home.html": [
        ("Midsommarfirande i Slottsskogen 19 juni", "", "2026-06-02"),  # not 19 June: the date element wins
        ("Kampanj mot våld inför sommaren", "", "2026-06-08"),
        ("Plaskis öppnar igen – välkomna på invigning 17 juni", "", "2025-06-04"),
        ("Ta badbussen till Delsjön, Lilleby och Sillvik i sommar", "", "2026-06-08"),
        ("Tio göteborgare hyllades på stadens födelsedag", "", "2026-06-05"),
        ("Fotbollsfest i Göteborg när Sveriges herrar spelar VM", "", "2026-05-29"),
    ],
    "malmo-utbildning.html": [
        ("Arkitekttävlingen för Malmös nya konstmuseum startar efter sommaren", "", "2026-06-05"),
        ("Nytt kompetenscentrum för el och energi föreslås placeras i Västra hamnen", "", "2026-06-05"),
        ("Därför är lekplatsen fortfarande avstängd", "", "2026-06-08"),  # "(08/6)", the link says 06-05
        ("Sveriges matcher i fotbolls-VM visas på storbildsskärm", "", "2026-06-05"),
        ("Problemet med Malmöinitiativet löst", "", "2026-06-05"),
    ],
    "uppsala-home.html": [
        ("Ung aura – ett sommarhäng för unga vuxna", "", "2026-06-08T14:25"),
        ("Vinnare av Open Call utsedda", "", "2026-06-08T14:16"),
        ("Gång- och cykelvägen mellan Uppsala och Björklinge är klar", "", "2026-06-08T10:43"),
        ("Grattis till Studenten!", "", "2026-06-05T08:01"),
        ("Vinnaren av arkitkturpriset 2026", "", "2026-06-04T22:20"),
        ("Nya stipendiater inom kultur", "", "2026-06-04T11:56"),
    ],
    "regjeringen-hoyringar.html": [
        ("Høyring – framlegg om presiseringar i reglane om Nav", "", "2026-07-03"),
        ("Kort høring - Avskogingsforordningen", "", "2026-07-03"),
        ("Høring av forslag til endringer i forskrift om kost-nytteanalyse", "", "2026-07-03"),
        ("Høring - NOU 2026: 8 Samarbeid og informasjonsdeling", "", "2026-07-02"),
        ("Forslag til forskrift om auksjon av tillatelser til lakseoppdrett", "", "2026-07-02"),
        ("Forslag til lov om rettidig tilgjengelighet", "", "2026-07-01"),
        ("Høring om forslag til forskrift om unntak fra åpenhetsloven", "", "2026-07-01"),
        ("Høring - Forslag til forskrifter om boligkjøpsmodeller", "", "2026-07-01"),
        ("Høring - Forslag til endringer i gjødselbrukforskriften", "", "2026-06-30"),
        ("Høring om endringer i forskrift om fosterhjem", "", "2026-06-30"),
        ("Høring - Selskapers bevegelighet over landegrensene i EØS", "", "2026-06-30"),
        ("Høring - Forslag til endringer i husbankloven", "", "2026-06-30"),
        ("Høring – Forslag til endring i forskrift om elsertifikater", "", "2026-06-29"),
        ("Høring av arbeidsgrupperapport om åpen gruppe", "", "2026-06-29"),
        ("Høring - forslag til forskrift om forenklet forelegg", "", "2026-06-26"),
        ("Høring – Forslag til endringer i markedsføringsloven", "", "2026-06-26"),
        ("Høring - endring i regler om kontroll med eiere", "", "2026-06-26"),
        ("Høring – Endringer i personopplysningsloven", "", "2026-06-26"),
        ("Høring - forslag om endring av forskrift om utslippskrav", "", "2026-06-25"),
        ("Høyring – NOU 2026: 9 Veien mot et bedre", "", "2026-06-24"),
    ],
    "stockholm-home.html": [
        ("Kärlekskonsert i Kungsträdgården – och du är bjuden!", "", None),
        ("Skolavslutningstider i Stockholms stad", "", None),
        ("Se herrarnas fotbolls-VM på storbildsskärm", "", None),
    ],
    "bayern-home.html": [
        ("Herrmann zeichnet verdiente Bergretter aus", "", None),
        ("Ausbau weiterer barrierefreier Bahnhöfe im Bahnland Bayern", "", None),
        ("Scharf: Bayerischer Projektverbund sucht Pflanzen von morgen", "", None),
        ("Bayerns Justizminister Prof. Dr. Winfried Bausback", "", None),
        ("209 neue Wohnheimplätze für Studierende in Landshut", "", None),
    ],
}

UNSCORED = "?"  #: a date SOURCES.md does not score (a relative date on a page of unknown day)


@dataclass(frozen=True, slots=True)
class TrueItem:
    title: str
    link: str  #: as SOURCES.md prints it (absolute, or a path); "" when not recorded
    date: str | None  #: "2026-06-02", "2026-06-08T14:25", None (no date), or UNSCORED
    whole: bool = True  #: the title is the whole title (SOURCES.md), not only its start (HAND)


@dataclass(frozen=True, slots=True)
class Page:
    name: str
    url: str
    count: int  #: true items (SOURCES.md's table)
    items: tuple[TrueItem, ...] | None  #: item by item, when known


_ROW_RE = re.compile(r"^\| *(?P<file>[\w.-]+\.html) *\|.*?\| *(?P<count>[0-9]+)\b", re.MULTILINE)
_SECTION_RE = re.compile(r"^### +(?P<file>[\w.-]+\.html) *$", re.MULTILINE)
_ITEM_RE = re.compile(r"^- \[(?P<title>.+)\]\((?P<link>[^)\s]+)\) — (?P<date>[0-9-]{10}|\?)", re.MULTILINE)


def pages() -> list[Page]:
    """Every page SOURCES.md names, with its true items where known."""
    text = (REALPAGES / "SOURCES.md").read_text(encoding="utf-8")
    counts = {match["file"]: int(match["count"]) for match in _ROW_RE.finditer(text)}
    listed: dict[str, tuple[TrueItem, ...]] = {}
    sections = list(_SECTION_RE.finditer(text))
    for index, section in enumerate(sections):
        end = sections[index + 1].start() if index + 1 < len(sections) else len(text)
        listed[section["file"]] = tuple(
            TrueItem(m["title"], m["link"], UNSCORED if m["date"] == "?" else m["date"])
            for m in _ITEM_RE.finditer(text, section.end(), end)
        )
    for name, rows in HAND.items():
        listed.setdefault(name, tuple(TrueItem(t, link, d, whole=False) for t, link, d in rows))
    return [
        Page(name, URLS.get(name) or _own_url(name), count, listed.get(name))
        for name, count in counts.items()
        if (REALPAGES / name).is_file()
    ]


def _own_url(name: str) -> str:
    html = (REALPAGES / name).read_text(encoding="utf-8", errors="replace")
    match = re.search(
        r"""og:url["'][^>]*content=["'](https?://[^"']+)|content=["'](https?://[^"']+)["'][^>]*og:url""", html
    )
    return (match[1] or match[2]) if match else f"https://{name.removesuffix('.html')}.invalid/"


def html_of(page: Page) -> str:
    return (REALPAGES / page.name).read_text(encoding="utf-8")


def read(page: Page, selectors: SelectorConfig | None = None) -> tuple[ListingItem, ...]:
    listing = parse_listing(html_of(page), page.url, timezone=TZ, selectors=selectors, today=TODAY)
    return listing.items


def probe_config(page: Page) -> SelectorConfig | None:
    return suggest_selectors(html_of(page), page.url, timezone=TZ, today=TODAY)


def date_text(site_date: SiteDate | None) -> str | None:
    if site_date is None:
        return None
    clock = site_date.time
    return site_date.day.isoformat() + (
        f"T{clock.isoformat(timespec='minutes')}" if clock is not None else ""
    )


def _same_link(got: str, want: str) -> bool:
    if not want:
        return True
    if want.startswith(("http://", "https://")):
        return got.rstrip("/") == want.rstrip("/")
    parts = urlsplit(got)
    return (parts.path + (f"?{parts.query}" if parts.query else "")).rstrip("/") == want.rstrip("/")


def _same_title(got: str, want: TrueItem) -> bool:
    return got == want.title if want.whole else got.startswith(want.title)


def _same_date(got: SiteDate | None, want: TrueItem) -> bool:
    # A page that prints only the day is scored on the day, though its `<time datetime>` may carry the time.
    got_text = date_text(got)
    if want.date is not None and got_text is not None and "T" not in want.date:
        got_text = got_text[:10]
    return want.date == UNSCORED or got_text == want.date


@dataclass(slots=True)
class Score:
    right: int = 0
    wrong: int = 0  #: published items that are not a true item read right
    missed: int = 0  #: true items not published at all
    problems: list[str] = field(default_factory=list)

    @property
    def fully_right(self) -> bool:
        return not self.problems


def score(page: Page, items: tuple[ListingItem, ...]) -> Score:
    """Item by item where the true items are known, else on the count alone."""
    result = Score()
    if page.items is None:
        if len(items) == page.count:
            result.right = page.count
        else:
            result.problems.append(f"{len(items)} items, {page.count} true")
            result.right = min(len(items), page.count)
            result.wrong = max(0, len(items) - page.count)
            result.missed = max(0, page.count - len(items))
        return result
    unmatched = list(items)
    for want in page.items:
        got = next((i for i in unmatched if _same_link(i.link, want.link) and want.link), None)
        got = got or next((i for i in unmatched if _same_title(i.title, want)), None)
        if got is None:
            result.missed += 1
            result.problems.append(f"missed {want.title!r}")
            continue
        unmatched.remove(got)
        if (
            _same_title(got.title, want)
            and _same_link(got.link, want.link)
            and _same_date(got.published, want)
        ):
            result.right += 1
        else:
            result.wrong += 1
            result.problems.append(
                f"wrong {got.title!r} {got.link} {date_text(got.published)} "
                f"(true: {want.title!r} {want.link} {want.date})"
            )
    result.wrong += len(unmatched)
    result.problems.extend(f"extra {i.title!r} {i.link}" for i in unmatched)
    return result


def main(argv: list[str]) -> int:
    with_probe = "--probe" in argv
    total = Score()
    full = 0
    all_pages = pages()
    for page in all_pages:
        selectors = probe_config(page) if with_probe else None
        if with_probe and selectors is None and page.count:
            result = Score(missed=page.count, problems=["probe suggested no config"])
        else:
            result = score(page, read(page, selectors))
        total.right += result.right
        total.wrong += result.wrong
        total.missed += result.missed
        full += result.fully_right
        print(
            f"{page.name}: {result.right} right, {result.wrong} wrong, {result.missed} missed of {page.count}"
        )
        for problem in result.problems:
            print(f"    {problem}")
    true = sum(page.count for page in all_pages)
    published = total.right + total.wrong
    print(
        f"\n{full} of {len(all_pages)} pages fully right; {total.right} of {true} true items right "
        f"({100 * total.right / max(true, 1):.0f} %), {total.wrong} wrong "
        f"({100 * total.wrong / max(published, 1):.0f} % of {published} published), {total.missed} missed"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
