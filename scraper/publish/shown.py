"""What readers are shown of a stored entry, before any format is chosen: its dates under the current rule
(`dated`), the article with the lead photo after its first paragraph (`reading_order`), a marked removal
(`marked_removed`). Pure: no I/O, no
clock; shared by the RSS/Atom renderer and the JSON Feed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from collections.abc import Sequence
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from ..instants import LOCAL_NOMINAL_TIME, nominal_instant, restate_published, restate_stable
from ..models import Entry
from .indexpage import swedish_date

_LEADING_FIGURE = re.compile(r"\s*(<figure\b.*?</figure>)\s*", re.DOTALL)


def reading_order(content_html: str) -> str:
    """The article with its lead photo moved after the first paragraph (the ingress), or to the end when the
    text has none: readers build snippets and previews from the first text they meet, and with the photo
    first every snippet read "Foto: Göteborgs Stad". The stored article keeps the page's order."""
    lead = _LEADING_FIGURE.match(content_html)
    if lead is None:
        return content_html
    rest = content_html[lead.end() :]
    end = rest.find("</p>")
    if end < 0:
        return f"{rest}\n{lead.group(1)}" if rest else lead.group(1)
    end += len("</p>")
    return f"{rest[:end]}\n{lead.group(1)}{rest[end:]}"


def dated(entries: Sequence[Entry], tz: ZoneInfo) -> list[Entry]:
    """`entries` with the dates readers are shown: `published` under the current rule for dates without a
    time (instants.restate_published: rows stored under the older midnight and 12:30-local rules are mapped,
    new rows are already right), `updated` moved with it when it was the same instant, and never before
    `published`."""
    out = []
    for entry in entries:
        if any(value.tzinfo is None for value in (entry.published, entry.updated, entry.first_seen)):
            out.append(entry)  # refused by _local with a clear error, not mangled here
            continue
        if not entry.dated:
            out.append(entry)  # undated on the page: its first sighting is its date, shown as it is
            continue
        published = restate_published(
            entry.published, entry.first_seen, entry.position, tz, timed=entry.timed
        )
        updated = entry.updated
        if updated == entry.published:
            updated = published
        elif updated.astimezone(tz).time() == dt.time(0):  # an old "Senast uppdaterad" without a time
            updated = nominal_instant(updated.astimezone(tz).date(), tz, updated)
        elif updated.astimezone(tz).time() == LOCAL_NOMINAL_TIME:  # one stored under the 12:30 rule
            updated = restate_stable(updated, tz)
        updated = max(updated, published)
        if (published, updated) != (entry.published, entry.updated):
            entry = dataclasses.replace(entry, published=published, updated=updated)
        out.append(entry)
    return out


#: What a removed item's title starts with while `site.removed = "mark"` keeps it in the feeds.
REMOVED_MARK = "[Borttagen] "


def marked_removed(entry: Entry, removed_at: dt.datetime, tz: ZoneInfo) -> Entry:
    """A removed item as `site.removed = "mark"` shows it: its title marked, its text starting with a note of
    the removal and its date ("Borttagen från goteborg.se den 5 december 2026."), updated at its removal.

    The id stays the item's own: readers that know it (newsboat, Liferea, `reader`) replace its title and
    text in place, and one that took a new id for a new item would show the removal beside the old copy.
    Who wants each removal as a new item reads changes.* (one id per event)."""
    host = (urlsplit(entry.link).hostname or "webbplatsen").removeprefix("www.")
    note = f"Borttagen från {host} den {swedish_date(removed_at.astimezone(tz))}."
    body = entry.content_html or (
        f"<p>{html.escape(entry.summary, quote=False)}</p>" if entry.summary else ""
    )
    return dataclasses.replace(
        entry,
        title=REMOVED_MARK + entry.title,
        summary=f"{note} {entry.summary}".strip(),
        content_html=f"<p><strong>{html.escape(note, quote=False)}</strong></p>\n{body}".rstrip(),
        updated=removed_at,
    )
