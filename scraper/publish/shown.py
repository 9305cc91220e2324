"""What readers are shown of a stored entry, before any format is chosen: its dates under the current rule
(`dated`), the article with the lead photo after its first paragraph (`reading_order`). Pure: no I/O, no
clock; shared by the RSS/Atom renderer and the JSON Feed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from ..instants import LOCAL_NOMINAL_TIME, nominal_instant, restate_published, restate_stable
from ..models import Entry

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
