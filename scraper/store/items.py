"""The items table: what is known of each item, and the entries the feeds are rendered from."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from ..diff import StoredState
from ..models import Entry, LeadImage
from .db import Database, TableGroup, chunks, from_iso, iso

ENTRY_COLUMNS = (
    "i.source, i.key, i.entry_id, i.title, i.summary, i.link, i.published, i.updated, i.first_seen, "
    "i.position, a.content_html, a.image_url, a.image_type, a.image_length, a.image_alt, a.image_caption, "
    "a.tags, i.date_source, i.site_date"
)


def row_entry(row: Sequence[Any]) -> Entry:
    source, key, entry_id, title, summary, link, published, updated, first_seen, position = row[:10]
    content_html, image_url, image_type, image_length, image_alt, caption, tags, dating, site_date = row[10:]
    image = None
    if image_url:
        image = LeadImage(image_url, image_alt or "", caption or "", image_type, image_length or 0)
    return Entry(
        source=source,
        key=key,
        entry_id=entry_id,
        title=title,
        summary=summary or "",
        link=link,
        published=from_iso(published),
        updated=from_iso(updated),
        first_seen=from_iso(first_seen),
        position=position,
        content_html=content_html or "",
        image=image,
        tags=tuple(json.loads(tags)) if tags else (),
        dated=dating != "none",
        timed="T" in (site_date or ""),  # plan.site_date_text: "2019-05-02" or "2019-05-02T10:15"
    )


class ItemTables(TableGroup):
    def known(self, source: str, keys: Iterable[str]) -> dict[str, StoredState]:
        """The stored state of those of `keys` that the store has, for the diff."""
        sql = "SELECT key, content_hash, link, published FROM items WHERE source = ? AND key IN ({marks})"
        return {
            key: StoredState(key, digest, link, from_iso(published))
            for key, digest, link, published in self._of_keys("read items", sql, source, keys)
        }

    def live_count(self, source: str) -> int:
        """How many stored items of `source` are not removed."""
        sql = "SELECT count(*) FROM items WHERE source = ? AND removed_at IS NULL"
        return int(self._row("read items", sql, [source])[0])

    def live_items(self, source: str, limit: int) -> list[tuple[str, str]]:
        """(link, title) of the `limit` items of `source` stored last that are not removed."""
        sql = "SELECT link, title FROM items WHERE source = ? AND removed_at IS NULL ORDER BY rowid DESC"
        return [(link, title) for link, title in self._rows("read items", sql + " LIMIT ?", [source, limit])]

    def entries(self, *, limit: int | None = None) -> list[Entry]:
        """Stored items, newest first: published, then (same instant) seen later first, then listing order."""
        sql = (
            f"SELECT {ENTRY_COLUMNS} "
            "FROM items i LEFT JOIN articles a ON a.source = i.source AND a.key = i.key "
            "WHERE i.removed_at IS NULL "  # a removed item leaves the feeds
            "ORDER BY published DESC, first_seen DESC, position ASC"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [row_entry(row) for row in self._rows("read items", sql)]

    def touch(self, source: str, keys: Sequence[str], when: str) -> None:
        for chunk, marks in chunks(keys):
            self.db.execute(
                f"UPDATE items SET last_seen = ? WHERE source = ? AND key IN ({marks})",
                [when, source, *chunk],
            )
            self.db.execute(
                "UPDATE revisions SET last_seen = ? WHERE id IN (SELECT max(id) FROM revisions "
                f"WHERE source = ? AND key IN ({marks}) GROUP BY key)",
                [when, source, *chunk],
            )


def moved_forward(db: Database, source: str, key: str, moment: str) -> str:
    """The `updated` an edit seen at `moment` gives an item: `moment`, or a second after the stored value
    when that is later. A date-only item's nominal time (about 10:30 UTC, see instants.nominal_instant) can
    lie hours ahead of its first sighting, and an edit must still move `updated` forward, never back."""
    sql = "SELECT updated FROM items WHERE source = ? AND key = ?"
    row = db.execute(sql, [source, key]).fetchone()
    if row is None or not row[0]:
        return moment
    stored = from_iso(row[0])
    if from_iso(moment) > stored:
        return moment
    return iso(stored + dt.timedelta(seconds=1))
