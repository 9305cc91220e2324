"""What the push side sends: webhook documents for events and WebSub topic URLs. Only processes data.

`deliver.py` and the cycle's hub ping send them (through `source.transport.post`), after the cycle's
transaction is committed and the feeds are written, so a slow or broken receiver can delay a cycle by a few
bounded seconds but never fail it or change what was stored and published.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..store import ChangeRow, iso
from .diffs import change_content, change_title

__all__ = ["FEED_SUFFIXES", "WEBHOOK_SCHEMA", "event_document", "topic_urls"]

#: Versioned, so a receiver can tell the shape of the document before reading it.
WEBHOOK_SCHEMA = "aktuellt.event/1"
#: Files that are feeds: a WebSub hub is told about these, never about archives or other files.
FEED_SUFFIXES = (".rss", ".atom", ".json")


def event_document(row: ChangeRow) -> dict[str, Any]:
    """The JSON document POSTed for one event: what happened, to which item, and the versions around it. Its
    `id` is stable, for the receiver's de-duplication. "removed": `version` is the last known one. "edited":
    `previous` and `diff_html` say what changed."""
    return {
        "schema": WEBHOOK_SCHEMA,
        "id": f"{row.entry_id}/events/{row.id}",
        "type": row.kind,
        "time": iso(row.at),
        "detail": row.detail,
        "item": {"id": row.entry_id, "source": row.source, "key": row.key, "link": row.link},
        "title": change_title(row.kind, row.after.title),
        "version": dataclasses.asdict(row.after),
        "previous": row.before and dataclasses.asdict(row.before),
        "diff_html": change_content(row.kind, row.after, row.before, row.detail),
    }


def topic_urls(written: Iterable[Path], output_dir: Path, base_url: str) -> list[str]:
    """The public URLs of the feed documents among `written` (paths under `output_dir`), for hub pings.

    Archives are left out: they are reached by walking links from the current feed, nobody subscribes."""
    feeds = [path.relative_to(output_dir) for path in written if path.suffix in FEED_SUFFIXES]
    return sorted(base_url + path.as_posix() for path in feeds if path.parts[0] != "archive")
