"""A feed's own HTML page (all.html, topics/<id>.html, sources/<id>.html, changes-feed.html). Pure.

A browser opening a feed's URL shows XML (Chromium shows `application/rss+xml` as text, a file as nothing, and
XSLT is on its way out of browsers), so each feed has a plain page people can read and subscribe from: its
entries and a subscribe box. The feeds name the page as their human page (RSS channel `<link>`, Atom
`rel="alternate" type="text/html"`, JSON Feed `home_page_url`).

The page uses index.html's stylesheet and script verbatim (pagestyle.py), so the one Content-Security-Policy
the server sends with every .html file allows both. Deterministic: every date comes from the data.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ..models import Change, Entry
from .diffs import FIELD_LABELS
from .indexpage import IndexFeed, feed_url, origin, stats_text, subscribe_list
from .pagestyle import a, document, section, t, time_html
from .shown import dated

__all__ = ["CHANGES_PAGE", "PageEntry", "changes_page", "news_page", "render_feed_page"]

#: The changes feed's page. Not "changes.html": that name is kept for a page of the whole history.
CHANGES_PAGE = "changes-feed.html"

#: How many lines of a change's text its entry shows (the feed itself carries the whole diff).
CHANGE_LINES = 3


@dataclass(frozen=True, slots=True)
class PageEntry:
    """One entry as the page lists it."""

    title: str
    link: str
    when: dt.datetime  #: the date shown (published; for a change, when it happened)
    lines: tuple[str, ...] = ()  #: plain text under the title, a paragraph line each


def news_page(
    feed: IndexFeed, site_title: str, window: Sequence[Entry], sources: Sequence[tuple[str, str]]
) -> bytes:
    """The page of a news feed (all, a topic, a source) holding `window`, its documents' entries, dated as
    the feed documents date them."""
    entries = [
        PageEntry(
            entry.title or entry.link, entry.link, entry.published, (entry.summary,) if entry.summary else ()
        )
        for entry in dated(window, ZoneInfo(feed.meta.timezone))
    ]
    return render_feed_page(feed, site_title, entries, sources)


def changes_page(
    feed: IndexFeed, site_title: str, changes: Sequence[Change], sources: Sequence[tuple[str, str]]
) -> bytes:
    """The changes feed's page: each event with the first lines of its text."""
    from ..markup import html_text  # selectolax only when the page is rendered: a reused publish needs none

    entries = [
        PageEntry(c.title, c.link, c.at, _labelled(html_text(c.content_html))[:CHANGE_LINES]) for c in changes
    ]
    return render_feed_page(feed, site_title, entries, sources)


def _labelled(text: str) -> tuple[str, ...]:
    """The lines of a change's text, each field's label (a line of its own: "Rubrik") joined to the line
    after it ("Rubrik: …"), as a reader scanning a list wants them."""
    labels = set(FIELD_LABELS.values())
    lines: list[str] = []
    for line in text.splitlines():
        if lines and lines[-1] in labels:
            lines[-1] = f"{lines[-1]}: {line}"
        else:
            lines.append(line)
    return tuple(lines)


def render_feed_page(
    feed: IndexFeed, site_title: str, entries: Sequence[PageEntry], sources: Sequence[tuple[str, str]]
) -> bytes:
    """The page `feed.page` (a path in the output folder) of `feed`, listing `entries` (newest first, as the
    feed documents hold them). `sources` are (title, listing URL) of where the news comes from."""
    meta = feed.meta
    tz = ZoneInfo(meta.timezone)
    top, rss = "../" * feed.page.count("/"), feed.formats[0]
    stats = stats_text(feed, tz)
    if feed.count > len(entries):
        stats += f" · sidan och flödet visar de {len(entries)} senaste"
    header = [
        '<nav aria-label="Webbplats">',
        f'<p><a href="{top}index.html">Alla flöden från {t(site_title)}</a></p>',
        "</nav>",
        f"<h1>{t(feed.label)}</h1>",
        f'<p class="lead">{t(meta.subtitle)}</p>',
        f'<p class="stats">{stats}</p>',
    ]
    intro = (
        "<p>Det här är en webbsida som visar flödet. Vill du följa det i en flödesläsare (RSS-läsare): "
        f"kopiera adressen nedan och lägg in den i läsaren. Välj {rss.label} om du är osäker.</p>"
    )
    box = [intro, subscribe_list(feed, feed.formats, posixpath.dirname(feed.page))]
    listed = [
        f'<li><h3><a href="{a(entry.link)}">{t(entry.title)}</a></h3><p class="stats">'
        f"{time_html(entry.when, tz)}</p>{''.join(f'<p>{t(line)}</p>' for line in entry.lines)}</li>"
        for entry in entries
    ]
    main = [
        section("prenumerera", "Prenumerera", '<div class="feed">', *box, "</div>", linked=False),
        section(
            "poster",
            f"Senaste {feed.noun[1]}" if entries else f"Inga {feed.noun[1]} ännu",
            *(['<ol class="latest">', *listed, "</ol>"] if entries else []),
            linked=False,
        ),
    ]
    footer = (
        f"{origin(sources)}Sidan och flödena skapas av aktuellt och uppdateras när något nytt publiceras. "
        f'<a href="{top}index.html">Alla flöden</a>.'
    )
    alternates = [
        (fmt.mime_type, f"{meta.title} ({fmt.label})", feed_url(meta, fmt.extension)) for fmt in feed.formats
    ]
    return document(
        meta.language, meta.title, meta.subtitle, header, main, footer, up=top, alternates=alternates
    )
