"""index.html: the page people land on to find and subscribe to a feed. Pure: data in, bytes out.

Swedish, one self-contained document (inline CSS and SVG, no external requests), readable on a phone and
without JavaScript: every subscribe URL is in a read-only text field anyone can select and copy; a few lines
of script only add "Kopiera" buttons where the browser offers the clipboard. Landmarks (header, nav, main,
footer), one h1, headings in order, a skip link, visible focus, and colours with WCAG AA contrast in light
and dark mode. The `<head>` carries one `<link rel="alternate">` per feed for readers' autodiscovery.

Deterministic like the feeds: every date shown comes from the data, never from the clock.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from zoneinfo import ZoneInfo

from ..models import Entry, FeedMeta
from .pagestyle import SCRIPT, STYLE

__all__ = [
    "FORMATS",
    "Format",
    "IndexFeed",
    "IndexPage",
    "count_text",
    "render_index",
    "subscribe_item",
    "swedish_date",
    "time_html",
]

MONTHS = "januari februari mars april maj juni juli augusti september oktober november december".split()

SHORT_MONTHS = "jan feb mar apr maj jun jul aug sep okt nov dec".split()


@dataclass(frozen=True, slots=True)
class Format:
    label: str  #: what people see: "RSS"
    extension: str  #: ".rss"
    mime_type: str  #: for <link type> and <a type>


FORMATS = (
    Format("RSS", ".rss", "application/rss+xml"),
    Format("Atom", ".atom", "application/atom+xml"),
    Format("JSON Feed", ".json", "application/feed+json"),
)


@dataclass(frozen=True, slots=True)
class IndexFeed:
    """One feed as the index lists it."""

    kind: str  #: "all", "topic" or "source"
    anchor: str  #: id of its section
    label: str  #: its name on the page ("Läsning och bibliotek": the site title is said once, at the top)
    meta: FeedMeta
    count: int  #: stored items in the feed (all of them, not only the document's window)
    in_document: int  #: entries the feed documents hold (at most max_items)
    updated: dt.datetime | None  #: newest entry `updated`; None for an empty feed
    latest: tuple[Entry, ...] = ()
    formats: tuple[Format, ...] = FORMATS  #: the first is the one autodiscovery and OPML name
    page: str = ""  #: its HTML page (feedpage.py), relative to the output folder; "" for none


@dataclass(frozen=True, slots=True)
class IndexPage:
    title: str
    base_url: str
    language: str
    feeds: tuple[IndexFeed, ...]
    months: tuple[tuple[dt.date, int], ...] = ()  #: (first of month, items published), oldest first
    sources: tuple[tuple[str, str], ...] = ()  #: (title, listing URL)

    @property
    def updated(self) -> dt.datetime | None:
        return max((feed.updated for feed in self.feeds if feed.updated), default=None)

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.feeds[0].meta.timezone if self.feeds else "Europe/Stockholm")


def swedish_date(value: dt.datetime | dt.date) -> str:
    """ "2 maj 2019", the way goteborg.se prints dates: the calendar day of `value` as it is (an aware
    datetime is not converted: pass it in the zone whose day is meant)."""
    day = value.date() if isinstance(value, dt.datetime) else value
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def render_index(page: IndexPage) -> bytes:
    """The whole index.html document as UTF-8 bytes."""
    all_feeds = [feed for feed in page.feeds if feed.kind == "all"]
    topics = [feed for feed in page.feeds if feed.kind == "topic"]
    sources = [feed for feed in page.feeds if feed.kind == "source"]
    changes = [feed for feed in page.feeds if feed.kind == "changes"]
    tz = page.timezone
    total = all_feeds[0].count if all_feeds else 0
    news_updated = all_feeds[0].updated if all_feeds else None
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{_a(page.language)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_t(page.title)} – nyhetsflöden</title>",
        f'<meta name="description" content="{_a(_lead(page))}">',
        '<meta name="generator" content="aktuellt">',
        '<meta name="color-scheme" content="light dark">',
        '<link rel="icon" href="favicon.ico" sizes="16x16 32x32">',
        # Autodiscovery: one per feed, RSS (the format every reader understands).
        *(
            f'<link rel="alternate" type="{feed.formats[0].mime_type}" title="{_a(feed.meta.title)}" '
            f'href="{_a(_absolute(feed.meta, feed.formats[0]))}">'
            for feed in page.feeds
        ),
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        '<a class="skip" href="#innehall">Hoppa till innehållet</a>',
        "<header>",
        f"<h1>{_t(page.title)}</h1>",
        f'<p class="lead">{_t(_lead(page))}</p>',
        _what_is_a_feed(),
        f'<p class="stats">{count_text(total)}'
        + (f" · senast uppdaterad {time_html(news_updated, tz)}" if news_updated else "")
        + "</p>",
        "</header>",
        _nav(all_feeds, topics, sources, changes, bool(page.months)),
        '<main id="innehall">',
    ]
    for feed in all_feeds:
        parts.append(f'<section id="{feed.anchor}" aria-labelledby="{feed.anchor}-rubrik">')
        parts.append(f'<h2 id="{feed.anchor}-rubrik">Alla nyheter</h2>')
        parts.append(_card_body(feed, tz, level=3))
        parts.append("</section>")
    if topics:
        parts.append('<section id="amnen" aria-labelledby="amnen-rubrik">')
        parts.append('<h2 id="amnen-rubrik">Ämnen</h2>')
        parts.append(
            "<p>Varje ämne har ett eget flöde med bara de nyheter som handlar om det. "
            "En nyhet kan höra till flera ämnen.</p>"
        )
        parts += [_card(feed, tz) for feed in topics]
        parts.append("</section>")
    if sources:
        parts.append('<section id="kallor" aria-labelledby="kallor-rubrik">')
        parts.append('<h2 id="kallor-rubrik">Källor</h2>')
        parts += [_card(feed, tz) for feed in sources]
        parts.append("</section>")
    for feed in changes:
        parts.append(f'<section id="{feed.anchor}" aria-labelledby="{feed.anchor}-rubrik">')
        parts.append(f'<h2 id="{feed.anchor}-rubrik">{_t(feed.label)}</h2>')
        parts.append(
            "<p>Ett flöde för den som vill följa vad som händer med nyheterna: en post när en nyhet "
            "publiceras, ändras (med vad som ändrades) eller tas bort från webbplatsen.</p>"
        )
        parts.append(
            '<p><a href="changes.html">Läs ändringarna som en webbsida</a>, med det borttagna och det '
            "tillagda markerat och en sida med alla versioner för varje nyhet som har ändrats.</p>"
        )
        parts.append(_card_body(feed, tz, level=3, noun=("händelse", "händelser")))
        parts.append("</section>")
    if page.months:
        parts.append(_chart_section(page.months))
    parts += [
        "</main>",
        _footer(page),
        f"<script>{SCRIPT}</script>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts).encode("utf-8")


def _lead(page: IndexPage) -> str:
    return (
        f"Följ nyheterna från {page.title} i en flödesläsare (RSS-läsare): välj ett flöde nedan, kopiera "
        "adressen och lägg in den i din läsare. Då ser du det nya så fort det har publicerats."
    )


def _what_is_a_feed() -> str:
    return (
        "<details>\n<summary>Vad är ett flöde?</summary>\n"
        "<p>Ett nyhetsflöde är en lista över de senaste nyheterna som en flödesläsare hämtar åt dig, så att "
        "du slipper gå in på webbplatsen för att se om något är nytt. Det finns gratis flödesläsare för "
        "telefon och dator, och många e-postprogram kan också läsa flöden.</p>\n"
        "<p>Flödena finns i tre format med samma innehåll: RSS, Atom och JSON Feed. Välj RSS om du är "
        "osäker. Filen "
        '<a href="feeds.opml" type="text/x-opml">feeds.opml</a> kan de flesta läsare importera: den ger dig '
        "alla nyheter och ändringarna. Vill du hellre ha ett flöde per ämne importerar du "
        '<a href="topics.opml" type="text/x-opml">topics.opml</a> i stället. Välj den ena eller den andra: '
        "samma nyhet finns i båda, och en del läsare visar den då bara i ett av flödena. I newsboat, som "
        "visar varje nyhet bara en gång, väljer du feeds.opml: med topics.opml hamnar en nyhet som hör till "
        "flera ämnen under bara ett av dem.</p>\n"
        "</details>"
    )


def _nav(
    all_feeds: Sequence[IndexFeed],
    topics: Sequence[IndexFeed],
    sources: Sequence[IndexFeed],
    changes: Sequence[IndexFeed],
    chart: bool,
) -> str:
    links = [(feed.anchor, "Alla nyheter") for feed in all_feeds]
    links += [("amnen", "Ämnen")] if topics else []
    links += [("kallor", "Källor")] if sources else []
    links += [(feed.anchor, feed.label) for feed in changes]
    links += [("per-manad", "Nyheter per månad")] if chart else []
    items = "".join(f'<li><a href="#{anchor}">{text}</a></li>' for anchor, text in links)
    items += '<li><a href="feeds.opml" type="text/x-opml">Prenumerera på allt (OPML)</a></li>'
    return f'<nav aria-label="Innehåll">\n<ul>{items}</ul>\n</nav>'


def _card(feed: IndexFeed, tz: ZoneInfo) -> str:
    return "\n".join(
        [
            f'<section class="feed" id="{_a(feed.anchor)}" aria-labelledby="{_a(feed.anchor)}-rubrik">',
            f'<h3 id="{_a(feed.anchor)}-rubrik">{_t(feed.label)}</h3>',
            _card_body(feed, tz, level=4),
            "</section>",
        ]
    )


def _card_body(
    feed: IndexFeed, tz: ZoneInfo, *, level: int, noun: tuple[str, str] = ("nyhet", "nyheter")
) -> str:
    meta = feed.meta
    stats = count_text(feed.count, *noun)
    if feed.updated is not None:
        stats += f" · senast uppdaterad {time_html(feed.updated, tz)}"
    if feed.count > feed.in_document:
        stats += f" · flödet visar de {feed.in_document} senaste"
    rss, *others = feed.formats
    parts = [
        f'<p class="desc">{_t(meta.subtitle)}</p>',
        f'<p class="stats">{stats}</p>',
    ]
    if feed.page:  # a page people can read (a feed's own URL shows XML in a browser)
        parts.append(f'<p><a href="{_a(feed.page)}">Visa flödet som webbsida</a></p>')
    parts += [
        f'<ul class="subscribe" aria-label="Prenumerera på {_a(feed.label)}">',
        subscribe_item(feed, rss),
        "</ul>",
    ]
    if others:
        parts += [
            '<details class="formats">',
            f"<summary>Samma flöde som {' eller '.join(fmt.label for fmt in others)}</summary>",
            '<ul class="subscribe">\n' + "\n".join(subscribe_item(feed, fmt) for fmt in others) + "\n</ul>",
            "</details>",
        ]
    if feed.latest:
        parts.append(f'<h{level} class="latest-heading">Senaste nyheterna</h{level}>')
        parts.append('<ol class="latest">')
        parts += [
            f'<li><a href="{_a(entry.link)}">{_t(entry.title or entry.link)}</a> '
            f"{time_html(entry.published, tz)}</li>"
            for entry in feed.latest
        ]
        parts.append("</ol>")
    return "\n".join(parts)


def subscribe_item(feed: IndexFeed, fmt: Format, folder: str = "") -> str:
    """One format of a feed: a link to it (relative to the page's `folder` in the output folder, "" for
    the top) and its absolute URL in a read-only field, to copy."""
    href = posixpath.relpath(_relative(feed.meta, fmt), folder or ".")
    return (
        f'<li><a href="{_a(href)}" type="{fmt.mime_type}">{fmt.label}</a>'
        f'<input class="url" type="text" readonly value="{_a(_absolute(feed.meta, fmt))}" '
        f'aria-label="Adress till {fmt.label}-flödet {_a(feed.label)}"></li>'
    )


def _chart_section(months: Sequence[tuple[dt.date, int]]) -> str:
    first, last = months[0][0], months[-1][0]
    span = f"{SHORT_MONTHS[first.month - 1]} {first.year}–{SHORT_MONTHS[last.month - 1]} {last.year}"
    return "\n".join(
        [
            '<section id="per-manad" aria-labelledby="per-manad-rubrik">',
            '<h2 id="per-manad-rubrik">Nyheter per månad</h2>',
            "<figure>",
            chart_svg(months),
            f"<figcaption>Antal publicerade nyheter varje månad, {span}.</figcaption>",
            "</figure>",
            "<details>",
            "<summary>Visa siffrorna som tabell</summary>",
            _month_table(months),
            "</details>",
            "</section>",
        ]
    )


BAR, GAP, PLOT_HEIGHT, TOP, AXIS = 10, 3, 100, 16, 18


def chart_svg(months: Sequence[tuple[dt.date, int]]) -> str:
    """A bar per month, scaled to the busiest month; year labels under each January (and the first bar)."""
    peak = max(count for _, count in months) or 1
    step = BAR + GAP
    width = max(len(months) * step + GAP, 120)
    height = TOP + PLOT_HEIGHT + AXIS
    first, last = months[0][0], months[-1][0]
    label = (
        f"Stapeldiagram: nyheter per månad från {MONTHS[first.month - 1]} {first.year} "
        f"till {MONTHS[last.month - 1]} {last.year}, som mest {peak} på en månad"
    )
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="diagram-titel" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="diagram-titel">{_t(label)}</title>',
        f'<line class="grid" x1="0" y1="{TOP}" x2="{width}" y2="{TOP}"/>',
        f'<text class="peak" x="{width - 2}" y="{TOP - 4}" text-anchor="end">{peak}</text>',
        f'<line class="axis" x1="0" y1="{TOP + PLOT_HEIGHT}" x2="{width}" y2="{TOP + PLOT_HEIGHT}"/>',
    ]
    for index, (month, count) in enumerate(months):
        x = GAP + index * step
        bar = round(PLOT_HEIGHT * count / peak, 1)
        tooltip = f"{MONTHS[month.month - 1]} {month.year}: {count_text(count)}"
        parts.append(
            f'<rect x="{x}" y="{TOP + PLOT_HEIGHT - bar}" width="{BAR}" height="{bar}">'
            f"<title>{_t(tooltip)}</title></rect>"
        )
        if month.month == 1 or index == 0:
            parts.append(f'<text x="{x}" y="{TOP + PLOT_HEIGHT + 13}">{month.year}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _month_table(months: Sequence[tuple[dt.date, int]]) -> str:
    by_year: dict[int, dict[int, int]] = {}
    for month, count in months:
        by_year.setdefault(month.year, {})[month.month] = count
    head = "".join(f'<th scope="col">{name}</th>' for name in SHORT_MONTHS)
    rows = []
    for year in sorted(by_year, reverse=True):
        counts = by_year[year]
        cells = "".join(f"<td>{counts[m]}</td>" if m in counts else "<td></td>" for m in range(1, 13))
        rows.append(f'<tr><th scope="row">{year}</th>{cells}<td>{sum(counts.values())}</td></tr>')
    return (
        '<div class="table-wrap" role="region" aria-label="Nyheter per månad, tabell" tabindex="0">\n'
        "<table>\n<caption>Antal nyheter per månad och år</caption>\n"
        f'<thead><tr><th scope="col">År</th>{head}<th scope="col">Totalt</th></tr></thead>\n'
        "<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>\n</div>"
    )


def _footer(page: IndexPage) -> str:
    sources = " ".join(f'<a href="{_a(url)}">{_t(title)}</a>' for title, url in page.sources)
    origin = f"Nyheterna hämtas från {sources}. " if sources else ""
    return (
        "<footer>\n"
        f"<p>{origin}Flödena och den här sidan skapas av aktuellt och uppdateras när något nytt "
        'publiceras. Att importera i en läsare: <a href="feeds.opml" type="text/x-opml">feeds.opml</a> '
        '(allt) eller <a href="topics.opml" type="text/x-opml">topics.opml</a> (ett flöde per ämne).</p>\n'
        "</footer>"
    )


def count_text(count: int, one: str = "nyhet", many: str = "nyheter") -> str:
    return f"1 {one}" if count == 1 else (f"Inga {many} ännu" if count == 0 else f"{count} {many}")


def time_html(value: dt.datetime, tz: ZoneInfo) -> str:
    local = value.astimezone(tz).replace(microsecond=0)
    return f'<time datetime="{local.isoformat()}">{swedish_date(local)}</time>'


def _relative(meta: FeedMeta, fmt: Format) -> str:
    return meta.path + fmt.extension


def _absolute(meta: FeedMeta, fmt: Format) -> str:
    return meta.base_url + meta.path + fmt.extension


def _t(text: str) -> str:
    return escape(text, quote=False)


def _a(text: str) -> str:
    return escape(text, quote=True)
