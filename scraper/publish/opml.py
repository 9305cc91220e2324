"""OPML 2.0 subscription lists (http://opml.org/spec2.opml), as bytes. Pure.

Readers import an OPML file by subscribing to every feed in it (newsboat, Liferea, Thunderbird, rss2email's
`opml2r2e`; folders become categories or tags). Every item of a topic or source feed is also in `all`, with
the same id (the specs want one id per item, wherever it appears), and a reader that keeps one copy per id
(newsboat) files it under whichever feed fetched it last: after importing all feeds at once, `all.rss`
showed 0 items. So each file is one set that works on its own, never `all` and its parts together:

- `feeds.opml`, the recommended set: the overall feed and the changes feed (whose entries are events, with
  ids of their own);
- `topics.opml`: one feed per topic, for readers that keep items per feed: newsboat, even with this file
  alone, files an item of several topics under the last of them (tests/publish/test_newsboat.py), so
  index.html and the README send its users to `feeds.opml`;
- `sources.opml` (only with several sources).

Each feed is one `<outline type="rss">` (the type OPML uses for any feed format) with its RSS URL.
`dateModified` is the newest entry's date among the file's feeds, never "now".
"""

from __future__ import annotations

import datetime as dt
import email.utils
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from .indexpage import IndexFeed, feed_url

__all__ = ["OPML_FILES", "SOURCES_OPML", "opml_files", "render_opml", "written_by_us"]

SOURCES_OPML = "sources.opml"

#: file → (title suffix, folder, the kinds of feed it holds), in the order index.html names them.
OPML_FILES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "feeds.opml": ("rekommenderade flöden", "Rekommenderat", ("all", "changes")),
    "topics.opml": ("ämnen", "Ämnen (välj dessa i stället för allt)", ("topic",)),
    "sources.opml": ("källor", "Källor (välj dessa i stället för allt)", ("source",)),
}


def opml_files(title: str, feeds: Sequence[IndexFeed]) -> dict[str, bytes]:
    """Every OPML file (name → bytes), an empty topics.opml included (no topics), so that a file left from
    an earlier config never lists feeds that no longer exist. sources.opml only with source feeds (several
    sources): with one, it would be an empty list to import, and that source's feed is all.* (a file left by
    an earlier config with several sources is removed by the publisher, site.publish_feeds)."""
    files: dict[str, bytes] = {}
    for name, (suffix, folder, kinds) in OPML_FILES.items():
        chosen = [feed for feed in feeds if feed.kind in kinds]
        if name == SOURCES_OPML and not chosen:
            continue
        newest = max((feed.updated for feed in chosen if feed.updated), default=None)
        files[name] = render_opml(f"{title} – {suffix}", folder, chosen, newest)
    return files


def render_opml(title: str, folder: str, feeds: Sequence[IndexFeed], updated: dt.datetime | None) -> bytes:
    """One OPML document listing `feeds` (in order) in one folder named `folder`."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    if updated is not None:
        ET.SubElement(head, "dateModified").text = email.utils.format_datetime(updated.astimezone(dt.UTC))
    if feeds:
        ET.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = ET.SubElement(root, "body")
    parent = ET.SubElement(body, "outline", text=folder, title=folder) if feeds else body
    for feed in feeds:
        meta = feed.meta
        ET.SubElement(
            parent,
            "outline",
            type="rss",
            text=meta.title,
            title=meta.title,
            description=meta.subtitle,
            xmlUrl=feed_url(feed.meta, feed.formats[0].extension),
            htmlUrl=meta.home_url,
            language=meta.language,
        )
    ET.indent(root, space="  ")
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def written_by_us(document: bytes, name: str) -> bool:
    """Whether `document` is an OPML file this module wrote as `name` (its title ends with that file's
    suffix), so that the publisher removes only its own file, never one a user put in the folder."""
    suffix = OPML_FILES[name][0]
    return document.startswith(b"<?xml") and f"– {suffix}</title>".encode() in document[:4096]
