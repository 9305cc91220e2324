"""What readers are shown of a stored entry, before any format is chosen: its dates under the current rule
(`dated`), the article with the lead photo after its first paragraph (`reading_order`), a marked removal
(`marked_removed`). Pure: no I/O, no
clock; shared by the RSS/Atom renderer and the JSON Feed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from ..instants import LOCAL_NOMINAL_TIME, nominal_instant, restate_published, restate_stable
from ..models import Entry
from .pagestyle import swedish_date, t

_LEADING_FIGURE = re.compile(r"\s*(<figure\b.*?</figure>)\s*", re.DOTALL)
_BOLD_INGRESS = re.compile(r"\s*<p><strong>[^<]*</strong></p>")


def reading_order(content_html: str) -> str:
    """The article with its lead photo moved after the first paragraph (the ingress), or to the end when the
    text has none: readers build snippets and previews from the first text they meet, and with the photo
    first every snippet read "Foto: Göteborgs Stad". The stored article keeps the page's order.

    Articles stored before compose_content learnt better are mended here too: a bold ingress that the body's
    first paragraph repeats is shown once, and the caption gets its own line (see compose_content)."""
    lead = _LEADING_FIGURE.match(content_html)
    if lead is None:
        return _once(content_html)
    figure = lead.group(1)
    if "<br><figcaption" not in figure:
        figure = figure.replace("<figcaption", "<br><figcaption", 1)
    rest = _once(content_html[lead.end() :])
    end = rest.find("</p>")
    if end < 0:
        return f"{rest}\n{figure}" if rest else figure
    end += len("</p>")
    return f"{rest[:end]}\n{figure}{rest[end:]}"


def _once(content_html: str) -> str:
    """`content_html` without a leading bold ingress paragraph that the next paragraph starts with."""
    bold = _BOLD_INGRESS.match(content_html)
    if bold is None:
        return content_html
    from ..markup import html_text  # selectolax only when an entry is rendered: a reused publish needs none

    lead = html_text(bold.group(0))
    following = html_text(content_html[bold.end() :]).partition("\n")[0]
    return content_html[bold.end() :].lstrip() if lead and following.startswith(lead) else content_html


def dated(entries: Sequence[Entry], tz: ZoneInfo) -> list[Entry]:
    """`entries` with the dates readers are shown: `published` under the current rule for dates without a
    time (instants.restate_published: rows stored under the older midnight and 12:30-local rules are mapped,
    new rows are already right), `updated` moved with it when it was the same instant, and never before
    `published`."""
    out = []
    for entry in entries:
        if any(value.tzinfo is None for value in (entry.published, entry.updated, entry.first_seen)):
            out.append(entry)  # refused by render.in_zone with a clear error, not mangled here
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
        elif entry.title.startswith(REMOVED_MARK):
            pass  # the removal's own instant (marked_removed), even at local midnight or 12:30: no old date
        elif updated.astimezone(tz).time() == dt.time(0):  # an old "Senast uppdaterad" without a time
            updated = nominal_instant(updated.astimezone(tz).date(), tz, updated)
        elif updated.astimezone(tz).time() == LOCAL_NOMINAL_TIME:  # one stored under the 12:30 rule
            updated = restate_stable(updated, tz)
        updated = max(updated, published)
        if (published, updated) != (entry.published, entry.updated):
            entry = dataclasses.replace(entry, published=published, updated=updated)
        out.append(entry)
    return out


def stored_published(
    published: dt.datetime, site_date: str, first_seen: dt.datetime, tz: ZoneInfo
) -> dt.datetime:
    """A version's stored `published` under the current rule, for the changes feed (which has no `Entry`):
    as `dated` restates it, for a date the listing printed without a time (`site_date` ISO, no "T"); with
    the event's time as `first_seen` and the listing position unknown (0), as the archives do."""
    if not site_date or "T" in site_date or published.tzinfo is None:
        return published
    return restate_published(published, first_seen, 0, tz)


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
    body = entry.content_html or (f"<p>{t(entry.summary)}</p>" if entry.summary else "")
    return dataclasses.replace(
        entry,
        title=REMOVED_MARK + entry.title,
        summary=f"{note} {entry.summary}".strip(),
        content_html=f"<p><strong>{t(note)}</strong></p>\n{body}".rstrip(),
        updated=removed_at,
    )


#: Document types by file extension (the extensions markup.py takes for documents); others are unknown.
DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "rtf": "application/rtf",
    "csv": "text/csv",
    "zip": "application/zip",
}


@dataclass(frozen=True, slots=True)
class Document:
    """A document (PDF, Word, …) an entry's article links: JSON Feed `attachments`, Atom enclosures."""

    url: str
    title: str
    media_type: str  #: from the file name (documents are not HEADed): "application/octet-stream" if unknown


def documents(entry: Entry) -> list[Document]:
    """The documents `entry`'s content links, in order, once each (markup.content_attachments)."""
    from ..markup import content_attachments  # selectolax only when an entry is rendered (see _once)

    found = []
    for attachment in content_attachments(entry.content_html):
        extension = urlsplit(attachment.url).path.rsplit(".", 1)[-1].lower()
        media_type = DOCUMENT_TYPES.get(extension, "application/octet-stream")
        found.append(Document(attachment.url, attachment.title, media_type))
    return found
