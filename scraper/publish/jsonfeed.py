"""Entries → a JSON Feed 1.1 document (https://jsonfeed.org/version/1.1), as bytes. feedgen has none.

Pure and deterministic, like render.py: the same input gives the same bytes (keys in a fixed order, UTF-8 text
as is, a final newline), so an unchanged feed is never rewritten.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from ..models import Entry, FeedMeta
from .indexpage import feed_url
from .render import IMAGE_TYPE, in_zone
from .shown import dated, documents, reading_order

__all__ = ["VERSION_URL", "render_json"]

VERSION_URL = "https://jsonfeed.org/version/1.1"


def render_json(meta: FeedMeta, entries: Sequence[Entry]) -> bytes:
    """The JSON Feed 1.1 document for `entries`, in the order given (UTF-8 bytes, indented)."""
    tz = ZoneInfo(meta.timezone)
    labels = dict(meta.categories)
    feed: dict[str, Any] = {
        "version": VERSION_URL,
        "title": meta.title,
        "home_page_url": meta.home_url,
        "feed_url": feed_url(meta, ".json"),
        "description": meta.subtitle or meta.title,
        "language": meta.language,
        "authors": [{"name": meta.author, "url": meta.home_url}],
        "items": [_item(entry, tz, labels) for entry in dated(entries, tz)],
    }
    if meta.hub:  # JSON Feed 1.1 `hubs`: where to subscribe for pushes (WebSub)
        feed["hubs"] = [{"type": "WebSub", "url": meta.hub}]
    # A lone surrogate (not a character; UTF-8 cannot carry it) becomes "?" rather than failing the cycle.
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8", "replace")


def _item(entry: Entry, tz: ZoneInfo, labels: dict[str, str]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": entry.entry_id,
        "url": entry.link,
        "title": entry.title if entry.title.strip() else entry.link,
    }
    if entry.content_html.strip():
        # The sanitized article, as RSS content:encoded carries it (text first, then the photo).
        item["content_html"] = reading_order(entry.content_html)
    else:  # the spec requires one of the two: until the article is read, the summary (or the title)
        item["content_text"] = entry.summary if entry.summary.strip() else entry.title
    if entry.summary.strip():
        item["summary"] = entry.summary
    if entry.image is not None:
        item["image"] = entry.image.url
    if attachments := _attachments(entry):
        item["attachments"] = attachments
    # RFC 3339 in the feed's zone, to whole seconds: the instants the RSS and Atom documents carry.
    item["date_published"] = in_zone(entry.published, tz).isoformat()
    item["date_modified"] = in_zone(entry.updated, tz).isoformat()
    # Our topics by title, then the article page's own tags (as the RSS and Atom categories list them).
    tags = [labels.get(topic, topic) for topic in entry.topics] + list(entry.tags)
    if tags:
        item["tags"] = list(dict.fromkeys(tags))
    return item


def _attachments(entry: Entry) -> list[dict[str, Any]]:
    """JSON Feed 1.1 `attachments`: the lead image (as RSS `enclosure` and Atom `rel="enclosure"` carry it),
    then the documents the article links. `mime_type` is required; `size_in_bytes` only where a HEAD
    request told it (documents are not HEADed)."""
    found: list[dict[str, Any]] = []
    if entry.image is not None:
        image: dict[str, Any] = {"url": entry.image.url, "mime_type": entry.image.media_type or IMAGE_TYPE}
        if entry.image.alt.strip():
            image["title"] = entry.image.alt
        if entry.image.length:
            image["size_in_bytes"] = entry.image.length
        found.append(image)
    for document in documents(entry):
        found.append({"url": document.url, "mime_type": document.media_type, "title": document.title})
    return found
