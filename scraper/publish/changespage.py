"""changes.html: the newest events (new, edited, removed, restored items), newest first, each edit as an
inline diff, filtered by kind and topic in the browser without a script or a request. Pure: data in, bytes
out.

The filters are radio buttons and a constant stylesheet (HISTORY_STYLE): choosing "Ändrade" and "Läsning"
hides every other event at once, works with the keyboard and without JavaScript, and the page's CSP needs no
script. Each event links to the article and, when the item has one, to its history page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ..history import KIND_LABELS, normal_text
from ..store import ChangeRow
from .diffs import removal_reason
from .historypage import PageSite, document, fields_diff
from .pagestyle import KIND_FILTERS, TOPIC_SLOTS, a, section, t, time_html

#: How many of the newest events changes.html lists (the feeds hold max_items; the store holds them all).
CHANGES_ON_PAGE = 500
#: Unchanged words kept on either side of a change in changes.html's diffs (history pages show every word).
CONTEXT_WORDS = 12


@dataclass(frozen=True, slots=True)
class PageEvent:
    """One event as changes.html shows it: the stored row, and what publishing adds to it."""

    row: ChangeRow
    at: dt.datetime  #: when it is dated (diffs.change_time, as in the changes feed)
    topics: tuple[str, ...]  #: topic ids of the item
    page: str | None  #: the history page's path, relative to the output folder; None: the item has none


def render_changes_page(
    site: PageSite, events: Sequence[PageEvent], topics: Sequence[tuple[str, str]], total: int
) -> bytes:
    """The page: `events` newest first, `topics` (id, title) in config order, `total` events stored."""
    tz = ZoneInfo(site.timezone)
    slots = {topic_id: n for n, (topic_id, _) in enumerate(topics[:TOPIC_SLOTS], start=1)}
    titles = dict(topics)
    shown = f"{total} händelser" if total == len(events) else f"De {len(events)} senaste av {total} händelser"
    header = [
        f'<p class="crumbs"><a href="index.html">{t(site.title)}</a></p>',
        f"<h1>Ändringar – {t(site.title)}</h1>",
        '<p class="lead">Varje gång en nyhet publiceras, ändras eller tas bort från webbplatsen, den senaste '
        "först. Ändrad text visas med det borttagna överstruket och det tillagda understruket. Varje nyhet "
        "med en historik har en egen sida med alla versioner.</p>",
        f'<p class="stats">{shown} · <a href="changes.rss" type="application/rss+xml">prenumerera (RSS)</a>'
        ' · <a href="changes.atom" type="application/atom+xml">Atom</a></p>',
    ]
    filters = [_radios("typ", "Händelse", "Alla händelser", KIND_FILTERS)]
    if slots:
        filters.append(_radios("amne", "Ämne", "Alla ämnen", [(str(n), titles[i]) for i, n in slots.items()]))
    main = [
        section("filter", "Visa", *filters, kind="filters", linked=False),
        '<h2 id="handelser">Händelser</h2>',
        '<ol class="events" aria-labelledby="handelser">',
        *(_event(event, tz, slots, titles) for event in events),
        "</ol>",
    ]
    description = f"Nya, ändrade och borttagna nyheter från {site.title}, med vad som ändrades"
    return document(site, f"Ändringar – {site.title}", description, header, main, depth=0)


def _radios(name: str, legend: str, everything: str, choices: Sequence[tuple[str, str]]) -> str:
    # A button and its label wrap as one (class "choice"), never a button at a line's end without it.
    inputs = [
        f'<span class="choice"><input type="radio" name="{name}" id="{name}-{a(value)}"'
        f'{"" if n else " checked"}><label for="{name}-{a(value)}">{t(label)}</label></span>'
        for n, (value, label) in enumerate([("alla", everything), *choices])  # all shown at first
    ]
    return f"<fieldset>\n<legend>{legend}</legend>\n" + "\n".join(inputs) + "\n</fieldset>"


def _event(event: PageEvent, tz: ZoneInfo, slots: dict[str, int], titles: dict[str, str]) -> str:
    row = event.row
    classes = " ".join(["event", f"k-{row.kind}", *(f"t{slots[i]}" for i in event.topics if i in slots)])
    title = t(normal_text(row.after.title) or row.link)
    heading = f'<a href="{a(event.page)}">{title}</a>' if event.page else title
    meta = [
        f'<span class="kind">{KIND_LABELS.get(row.kind, row.kind)}</span>',
        time_html(event.at, tz, clock=True),
    ]
    named = [title for topic, title in titles.items() if topic in event.topics]  # config order
    if named:
        meta.append("Ämnen: " + ", ".join(t(name) for name in named))
    meta.append(f'<a href="{a(row.link)}">Artikeln</a>')
    if event.page:
        meta.append(f'<a href="{a(event.page)}">Alla versioner</a>')
    parts = [
        f'<li class="{classes}" id="h-{row.id}">',
        f"<h3>{heading}</h3>",
        f'<p class="meta">{" · ".join(meta)}</p>',
    ]
    if row.kind == "edited" and row.before is not None:
        parts += fields_diff(row.before, row.after, CONTEXT_WORDS)
    elif row.kind == "removed":
        parts.append(f"<p>{removal_reason(row.detail)}</p>")
    elif row.kind == "restored":
        parts.append("<p>Nyheten finns åter på webbplatsen.</p>")
    elif normal_text(row.after.summary):
        parts.append(f"<p>{t(normal_text(row.after.summary))}</p>")
    parts.append("</li>")
    return "\n".join(parts)
