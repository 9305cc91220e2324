"""What the push side sends: webhook documents for events and WebSub topic URLs. Only processes data.

The cycle does the sending (through `transport.post`), after the cycle's transaction is committed and the
feeds are written, so a slow or broken receiver can delay a cycle by a few bounded seconds but never fail it
or change what was stored and published.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..history import Version
from .diffs import change_content, change_title

__all__ = ["FEED_SUFFIXES", "WEBHOOK_SCHEMA", "event_document", "topic_urls"]

#: Versioned, so a receiver can tell the shape of the document before reading it.
WEBHOOK_SCHEMA = "aktuellt.event/1"
#: Files that are feeds: a WebSub hub is told about these, never about archives or other files.
FEED_SUFFIXES = (".rss", ".atom", ".json")


def _version(version: Version | None) -> dict[str, Any] | None:
    return dataclasses.asdict(version) if version is not None else None


def event_document(
    *,
    event_id: str,
    kind: str,
    at: str,
    source: str,
    key: str,
    item_id: str,
    link: str,
    after: Version,
    before: Version | None,
    detail: str | None,
) -> dict[str, Any]:
    """The JSON document POSTed for one event: what happened, to which item, and the versions around it.

    "removed": `version` is the last known one. "edited": `previous` and `diff_html` say what changed."""
    return {
        "schema": WEBHOOK_SCHEMA,
        "id": event_id,
        "type": kind,
        "time": at,
        "detail": detail,
        "item": {"id": item_id, "source": source, "key": key, "link": link},
        "title": change_title(kind, after.title),
        "version": _version(after),
        "previous": _version(before),
        "diff_html": change_content(kind, after, before, detail),
    }


def topic_urls(written: Iterable[Path], output_dir: Path, base_url: str) -> list[str]:
    """The public URLs of the feed documents among `written` (paths under `output_dir`), for hub pings.

    Archives are left out: they are reached by walking links from the current feed, nobody subscribes."""
    urls: list[str] = []
    for path in written:
        relative = path.relative_to(output_dir)
        if path.suffix in FEED_SUFFIXES and relative.parts[0] != "archive":
            urls.append(base_url + relative.as_posix())
    return sorted(urls)
