"""The items table: what is known of each item, and the entries the feeds are rendered from."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ..diff import StoredState
from ..models import Entry, LeadImage
from .db import UNREADABLE, Database, TableGroup, from_iso, iso, stored_instant, stored_tags

log = logging.getLogger(__name__)


ENTRY_COLUMNS = (
    "i.source, i.key, i.entry_id, i.title, i.summary, i.link, i.published, i.updated, i.first_seen, "
    "i.position, a.content_html, a.image_url, a.image_type, a.image_length, a.image_alt, a.image_caption, "
    "a.tags, i.date_source, i.site_date"
)


def row_entry(row: Sequence[Any]) -> Entry:
    source, key, entry_id, title, summary, link, published, updated, first_seen, position = row[:10]
    content_html, image_url, image_type, image_length, image_alt, image_caption, tags, date_source = row[
        10:18
    ]
    site_date = row[18]
    image = None
    if image_url:
        image = LeadImage(
            url=image_url,
            alt=image_alt or "",
            caption=image_caption or "",
            media_type=image_type,
            length=image_length or 0,
        )
    return Entry(
        source=source,
        key=key,
        entry_id=entry_id,
        title=title,
        summary=summary or "",
        link=link,
        published=stored_instant(published),
        updated=stored_instant(updated),
        first_seen=stored_instant(first_seen),
        position=position,
        content_html=content_html or "",
        image=image,
        tags=stored_tags(tags),
        dated=date_source != "none",
        timed="T" in (site_date or ""),  # plan.site_date_text: "2019-05-02" or "2019-05-02T10:15"
    )


class ItemTables(TableGroup):
    """The items table: what is known of each item, and the entries the feeds are rendered from."""

    def known(self, source: str, keys: Iterable[str]) -> dict[str, StoredState]:
        """The stored state of those of `keys` that the store has, for the diff."""
        keys = list(keys)
        found: dict[str, StoredState] = {}
        with self._errors("read items"):
            for start in range(0, len(keys), 500):  # stay under SQLite's bound-parameter limit
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                sql = f"SELECT key, content_hash, link FROM items WHERE source = ? AND key IN ({marks})"
                for key, digest, link in self.db.execute(sql, [source, *chunk]).fetchall():
                    found[key] = StoredState(key=key, content_hash=digest, link=link)
        return found

    def published(self, source: str, keys: Sequence[str]) -> dict[str, dt.datetime]:
        """The stored `published` instant of those of `keys` the store has."""
        found: dict[str, dt.datetime] = {}
        with self._errors("read items"):
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                marks = ",".join("?" * len(chunk))
                sql = f"SELECT key, published FROM items WHERE source = ? AND key IN ({marks})"
                for key, when in self.db.execute(sql, [source, *chunk]).fetchall():
                    found[key] = from_iso(when)
        return found

    def live_count(self, source: str) -> int:
        """How many stored items of `source` are not removed."""
        with self._errors("read items"):
            sql = "SELECT count(*) FROM items WHERE source = ? AND removed_at IS NULL"
            return int(self.db.execute(sql, [source]).fetchone()[0])

    def live_items(self, source: str, limit: int) -> list[tuple[str, str]]:
        """(link, title) of the `limit` items of `source` stored last that are not removed."""
        with self._errors("read items"):
            sql = (
                "SELECT link, title FROM items WHERE source = ? AND removed_at IS NULL "
                "ORDER BY rowid DESC LIMIT ?"
            )
            return [(link, title) for link, title in self.db.execute(sql, [source, limit]).fetchall()]

    def held_back(self, source: str) -> int:
        """How many new items the last successful read of `source` left for later cycles."""
        with self._errors("read runs"):
            row = self.db.execute(
                "SELECT held_back FROM runs WHERE source = ? AND status = 'ok' ORDER BY id DESC LIMIT 1",
                [source],
            ).fetchone()
        return int(row[0]) if row and row[0] else 0

    def first_page_yardstick(self, source: str) -> int | None:
        """How many items page 1 held on the last successful full read of the listing."""
        with self._errors("read runs"):
            row = self.db.execute(
                "SELECT first_page_items FROM runs WHERE source = ? AND status = 'ok' "
                "ORDER BY id DESC LIMIT 1",
                [source],
            ).fetchone()
        return int(row[0]) if row and row[0] is not None else None

    def entries(self, *, sources: Sequence[str] | None = None, limit: int | None = None) -> list[Entry]:
        """Stored items, newest first: published, then (same instant) seen later first, then listing order."""
        where, params = "WHERE removed_at IS NULL", []  # a removed item leaves the feeds
        if sources is not None:
            where += f" AND source IN ({','.join('?' * len(sources))})"
            params = list(sources)
        where = where.replace("source", "i.source")
        sql = (
            f"SELECT {ENTRY_COLUMNS} "
            "FROM items i LEFT JOIN articles a ON a.source = i.source AND a.key = i.key "
            f"{where} ORDER BY published DESC, first_seen DESC, position ASC"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._errors("read items"):
            rows = self.db.execute(sql, params).fetchall()
        return list(readable_entries(rows))

    def walk_entries(self, batch: int = 2000) -> Iterator[Entry]:
        """Every entry of `entries()`, in its order, read `batch` rows at a time by one query: memory holds
        one batch, not the whole history (for a publish, which keeps only each feed's newest)."""
        sql = (
            f"SELECT {ENTRY_COLUMNS} "
            "FROM items i LEFT JOIN articles a ON a.source = i.source AND a.key = i.key "
            "WHERE i.removed_at IS NULL ORDER BY published DESC, first_seen DESC, position ASC"
        )
        with self._errors("read items"):
            cursor = self.db.execute(sql)
            while rows := cursor.fetchmany(batch):
                yield from readable_entries(rows)

    def touch(self, source: str, keys: Sequence[str], when: str) -> None:
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            marks = ",".join("?" * len(chunk))
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
    stored = stored_instant(row[0])
    if stored_instant(moment) > stored:
        return moment
    return iso(stored + dt.timedelta(seconds=1))


def readable_entries(rows: Iterable[Sequence[Any]]) -> Iterator[Entry]:
    """The entries of `rows` (ENTRY_COLUMNS), each unreadable one left out with a warning (a hand-edited
    database, or rows from before dates were screened): one bad row never fails a publish or `status`."""
    for row in rows:
        try:
            yield row_entry(row)
        except UNREADABLE as error:
            log.warning("stored item %s left out of the feeds: unreadable (%s)", row[1], error)
