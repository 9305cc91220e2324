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
from itertools import groupby
from zoneinfo import ZoneInfo

from ..models import Entry, FeedMeta
from .pagestyle import MONTHS, a, document, section, t, time_html

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

    @property
    def noun(self) -> tuple[str, str]:
        """What its entries are called, one and many: the changes feed's are events."""
        return ("händelse", "händelser") if self.kind == "changes" else ("nyhet", "nyheter")


@dataclass(frozen=True, slots=True)
class IndexPage:
    title: str
    language: str
    feeds: tuple[IndexFeed, ...]
    months: tuple[tuple[dt.date, int], ...] = ()  #: (first of month, items published), oldest first
    sources: tuple[tuple[str, str], ...] = ()  #: (title, listing URL)


def render_index(page: IndexPage) -> bytes:
    """The whole index.html document as UTF-8 bytes."""
    topics = [feed for feed in page.feeds if feed.kind == "topic"]
    sources = [feed for feed in page.feeds if feed.kind == "source"]
    changes = [feed for feed in page.feeds if feed.kind == "changes"]
    news = page.feeds[0]  # the overall feed: the catalog lists it first
    tz = ZoneInfo(news.meta.timezone)
    lead = (
        f"Följ nyheterna från {page.title} i en flödesläsare (RSS-läsare): välj ett flöde nedan, kopiera "
        "adressen och lägg in den i din läsare. Då ser du det nya så fort det har publicerats."
    )
    header = [
        f"<h1>{t(page.title)}</h1>",
        f'<p class="lead">{t(lead)}</p>',
        WHAT_IS_A_FEED,
        f'<p class="stats">{stats_text(news, tz)}</p>',
    ]
    main = [section(news.anchor, "Alla nyheter", _card_body(news, tz, level=3))]
    if topics:
        intro = (
            "<p>Varje ämne har ett eget flöde med bara de nyheter som handlar om det. "
            "En nyhet kan höra till flera ämnen.</p>"
        )
        main.append(section("amnen", "Ämnen", intro, *(_card(feed, tz) for feed in topics)))
    if sources:
        main.append(section("kallor", "Källor", *(_card(feed, tz) for feed in sources)))
    for feed in changes:
        intro = (
            "<p>Ett flöde för den som vill följa vad som händer med nyheterna: en post när en nyhet "
            "publiceras, ändras (med vad som ändrades) eller tas bort från webbplatsen.</p>\n"
            '<p><a href="changes.html">Läs ändringarna som en webbsida</a>, med det borttagna och det '
            "tillagda markerat och en sida med alla versioner för varje nyhet som har ändrats.</p>"
        )
        main.append(section(feed.anchor, t(feed.label), intro, _card_body(feed, tz, level=3)))
    if page.months:
        main.append(_chart_section(page.months))
    footer = (
        f"{origin(page.sources)}Flödena och den här sidan skapas av aktuellt och uppdateras när något nytt "
        'publiceras. Att importera i en läsare: <a href="feeds.opml" type="text/x-opml">feeds.opml</a> '
        '(allt) eller <a href="topics.opml" type="text/x-opml">topics.opml</a> (ett flöde per ämne).'
    )
    # Autodiscovery: one per feed, RSS (the format every reader understands).
    alternates = [
        (feed.formats[0].mime_type, feed.meta.title, feed_url(feed.meta, feed.formats[0].extension))
        for feed in page.feeds
    ]
    links = [(news.anchor, "Alla nyheter")]
    links += [("amnen", "Ämnen")] if topics else []
    links += [("kallor", "Källor")] if sources else []
    links += [(feed.anchor, feed.label) for feed in changes]
    links += [("per-manad", "Nyheter per månad")] if page.months else []
    items = "".join(f'<li><a href="#{anchor}">{text}</a></li>' for anchor, text in links)
    items += '<li><a href="feeds.opml" type="text/x-opml">Prenumerera på allt (OPML)</a></li>'
    nav = f'<nav aria-label="Innehåll">\n<ul>{items}</ul>\n</nav>'
    title = f"{page.title} – nyhetsflöden"
    return document(page.language, title, lead, header, main, footer, nav=nav, alternates=alternates)


WHAT_IS_A_FEED = (
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


def _card(feed: IndexFeed, tz: ZoneInfo) -> str:
    return section(feed.anchor, t(feed.label), _card_body(feed, tz, level=4), level=3, kind="feed")


def _card_body(feed: IndexFeed, tz: ZoneInfo, *, level: int) -> str:
    stats = stats_text(feed, tz)
    if feed.count > feed.in_document:
        stats += f" · flödet visar de {feed.in_document} senaste"
    rss, *others = feed.formats
    parts = [
        f'<p class="desc">{t(feed.meta.subtitle)}</p>',
        f'<p class="stats">{stats}</p>',
    ]
    if feed.page:  # a page people can read (a feed's own URL shows XML in a browser)
        parts.append(f'<p><a href="{a(feed.page)}">Visa flödet som webbsida</a></p>')
    parts.append(subscribe_list(feed, [rss]))
    if others:
        parts += [
            '<details class="formats">',
            f"<summary>Samma flöde som {' eller '.join(fmt.label for fmt in others)}</summary>",
            subscribe_list(feed, others, labelled=False),
            "</details>",
        ]
    if feed.latest:
        parts.append(f'<h{level} class="latest-heading">Senaste nyheterna</h{level}>')
        parts.append('<ol class="latest">')
        parts += [
            f'<li><a href="{a(entry.link)}">{t(entry.title or entry.link)}</a> '
            f"{time_html(entry.published, tz)}</li>"
            for entry in feed.latest
        ]
        parts.append("</ol>")
    return "\n".join(parts)


def subscribe_list(
    feed: IndexFeed, formats: Sequence[Format], folder: str = "", *, labelled: bool = True
) -> str:
    """A list of `formats` of a feed: each a link to it (relative to the page's `folder` in the output
    folder, "" for the top) and its absolute URL in a read-only field, to copy."""
    label = f' aria-label="Prenumerera på {a(feed.label)}"' if labelled else ""
    items = [
        f'<li><a href="{a(posixpath.relpath(feed.meta.path + fmt.extension, folder or "."))}" '
        f'type="{fmt.mime_type}">{fmt.label}</a><input class="url" type="text" readonly '
        f'value="{a(feed_url(feed.meta, fmt.extension))}" '
        f'aria-label="Adress till {fmt.label}-flödet {a(feed.label)}"></li>'
        for fmt in formats
    ]
    return "\n".join([f'<ul class="subscribe"{label}>', *items, "</ul>"])


def _chart_section(months: Sequence[tuple[dt.date, int]]) -> str:
    first, last = months[0][0], months[-1][0]
    span = f"{SHORT_MONTHS[first.month - 1]} {first.year}–{SHORT_MONTHS[last.month - 1]} {last.year}"
    return section(
        "per-manad",
        "Nyheter per månad",
        "<figure>",
        chart_svg(months),
        f"<figcaption>Antal publicerade nyheter varje månad, {span}.</figcaption>",
        "</figure>",
        "<details>",
        "<summary>Visa siffrorna som tabell</summary>",
        _month_table(months),
        "</details>",
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
        f'<title id="diagram-titel">{t(label)}</title>',
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
            f"<title>{t(tooltip)}</title></rect>"
        )
        if month.month == 1 or index == 0:
            parts.append(f'<text x="{x}" y="{TOP + PLOT_HEIGHT + 13}">{month.year}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _month_table(months: Sequence[tuple[dt.date, int]]) -> str:
    head = "".join(f'<th scope="col">{name}</th>' for name in SHORT_MONTHS)
    rows = []
    for year, group in groupby(reversed(months), key=lambda month: month[0].year):  # newest year first
        counts = {month.month: count for month, count in group}
        cells = "".join(f"<td>{counts[m]}</td>" if m in counts else "<td></td>" for m in range(1, 13))
        rows.append(f'<tr><th scope="row">{year}</th>{cells}<td>{sum(counts.values())}</td></tr>')
    return (
        '<div class="table-wrap" role="region" aria-label="Nyheter per månad, tabell" tabindex="0">\n'
        "<table>\n<caption>Antal nyheter per månad och år</caption>\n"
        f'<thead><tr><th scope="col">År</th>{head}<th scope="col">Totalt</th></tr></thead>\n'
        "<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>\n</div>"
    )


def origin(sources: Sequence[tuple[str, str]]) -> str:
    """The footer's opening sentence naming where the news comes from: (title, listing URL) each."""
    links = " ".join(f'<a href="{a(url)}">{t(title)}</a>' for title, url in sources)
    return f"Nyheterna hämtas från {links}. " if links else ""


def count_text(count: int, one: str = "nyhet", many: str = "nyheter") -> str:
    return f"1 {one}" if count == 1 else (f"Inga {many} ännu" if count == 0 else f"{count} {many}")


def stats_text(feed: IndexFeed, tz: ZoneInfo) -> str:
    """ "26 nyheter · senast uppdaterad 2 maj 2019" (without the date when there is none)."""
    stats = count_text(feed.count, *feed.noun)
    return stats + (f" · senast uppdaterad {time_html(feed.updated, tz)}" if feed.updated is not None else "")


def feed_url(meta: FeedMeta, extension: str) -> str:
    """The public URL of a feed's document, e.g. `feed_url(meta, ".atom")`."""
    return meta.base_url + meta.path + extension
