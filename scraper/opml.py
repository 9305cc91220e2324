"""feeds.opml: every feed as an OPML 2.0 subscription list (http://opml.org/spec2.opml), as bytes. Pure.

Readers import it to subscribe to all feeds at once. Each feed is one `<outline type="rss">` (the type OPML
uses for any feed format) with its RSS URL; topics and sources are grouped in folders, since most readers
turn an outline with children into a folder. `dateModified` is the newest entry's date, never "now".
"""

from __future__ import annotations

import datetime as dt
import email.utils
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from .indexpage import IndexFeed

__all__ = ["render_opml"]

GROUPS = {"topic": "Ämnen", "source": "Källor"}


def render_opml(title: str, feeds: Sequence[IndexFeed], updated: dt.datetime | None) -> bytes:
    """The OPML document listing `feeds` (in order; topics and sources each in one folder)."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = f"{title} – alla flöden"
    if updated is not None:
        ET.SubElement(head, "dateModified").text = email.utils.format_datetime(updated.astimezone(dt.UTC))
    if feeds:
        ET.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = ET.SubElement(root, "body")
    folders: dict[str, ET.Element] = {}
    for feed in feeds:
        parent = body
        if feed.kind in GROUPS:
            if feed.kind not in folders:
                folders[feed.kind] = ET.SubElement(body, "outline", text=GROUPS[feed.kind])
            parent = folders[feed.kind]
        meta = feed.meta
        ET.SubElement(
            parent,
            "outline",
            type="rss",
            text=meta.title,
            title=meta.title,
            description=meta.subtitle,
            xmlUrl=meta.base_url + meta.path + feed.formats[0].extension,
            htmlUrl=meta.home_url,
            language=meta.language,
        )
    ET.indent(root, space="  ")
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
