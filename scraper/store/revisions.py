"""Revisions and removal counts: each item's versions, what is tracked for removal, its whole record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from ..history import EventRecord, ItemRecord, RevisionRecord, Tracked, Version, version_hash
from .db import TableGroup, db_table, from_iso, iso
from .writes import HistoryWrite

VERSION_COLUMNS = "title, summary, site_date, body_text, article_updated"


def row_version(row: Sequence[Any]) -> Version:
    title, summary, site_date, body_text, article_updated = row
    return Version(title or "", summary or "", site_date or "", body_text, article_updated)


class RevisionTables(TableGroup):
    def tracked(self, source: str) -> list[Tracked]:
        """Every stored item of `source` with its listing date and removal state (for `history.missing`).

        The date is the latest version's: an item the site re-dated is looked for where it now sits."""
        sql = (
            "SELECT i.key, coalesce((SELECT nullif(r.site_date, '') FROM revisions r "
            "WHERE r.source = i.source AND r.key = i.key ORDER BY r.id DESC LIMIT 1), i.site_date), "
            "i.missing_count, i.removed_at FROM items i WHERE i.source = ?"
        )
        rows = self._rows("read items", sql, [source])
        return [
            Tracked(key, dt.date.fromisoformat(site_date[:10]), count or 0, removed is not None)
            for key, site_date, count, removed in rows
            if site_date
        ]

    def latest_versions(self, source: str, keys: Iterable[str]) -> dict[str, tuple[int, Version]]:
        """The newest stored revision (id, version) of each of `keys` that has one."""
        sql = (
            f"SELECT id, key, {VERSION_COLUMNS} FROM revisions WHERE id IN "
            "(SELECT max(id) FROM revisions WHERE source = ? AND key IN ({marks}) GROUP BY key)"
        )
        rows = self._of_keys("read revisions", sql, source, keys)
        return {row[1]: (row[0], row_version(row[2:])) for row in rows}

    def records(self, key: str | None = None) -> list[ItemRecord]:
        """Every item (or those with `key`, in any source) with all its versions and events, oldest first.
        With `key` the reads are index seeks (a history page per item of a large store): the sources come
        from the item's "new" events (each item has one)."""
        where, params = "", []
        if key is not None:
            where = "WHERE source IN (SELECT source FROM events WHERE kind = 'new' AND key = ?) AND key = ?"
            params = [key, key]
        with self._errors("read the history"):
            items = self.db.execute(
                "SELECT source, key, entry_id, link, published, first_seen, removed_at FROM items "
                f"{where} ORDER BY published DESC, first_seen DESC, position ASC",
                params,
            ).fetchall()
            revisions: dict[tuple[str, str], list[RevisionRecord]] = {}
            for row in self.db.execute(
                f"SELECT source, key, id, first_seen, last_seen, {VERSION_COLUMNS} FROM revisions "
                f"{where} ORDER BY id",
                params,
            ):
                revisions.setdefault((row[0], row[1]), []).append(
                    RevisionRecord(row[2], from_iso(row[3]), from_iso(row[4]), row_version(row[5:]))
                )
            events: dict[tuple[str, str], list[EventRecord]] = {}
            for row in self.db.execute(
                f"SELECT source, key, id, kind, at, revision_id, detail FROM events {where} ORDER BY at, id",
                params,
            ):
                events.setdefault((row[0], row[1]), []).append(
                    EventRecord(row[2], row[3], from_iso(row[4]), row[5], row[6])
                )
        return [
            ItemRecord(
                source=source,
                key=item_key,
                entry_id=entry_id,
                link=link,
                published=from_iso(published),
                first_seen=from_iso(first_seen),
                removed_at=from_iso(removed_at) if removed_at else None,
                revisions=tuple(revisions.get((source, item_key), [])),
                events=tuple(events.get((source, item_key), [])),
            )
            for source, item_key, entry_id, link, published, first_seen, removed_at in items
        ]

    def write_history(self, source: str, history: HistoryWrite, started: dt.datetime, now: str) -> None:
        revisions, events, items = (db_table(self.db, name) for name in ("revisions", "events", "items"))
        latest = self.latest_versions(source, [k for k, _ in history.removed] + list(history.restored))

        def event(key: str, kind: str, revision: Any, **more: Any) -> None:
            events.insert(
                {"source": source, "key": key, "kind": kind, "at": now, "revision_id": revision, **more}
            )

        for key in history.restored:
            # A tombstone told readers the entry was gone: a new `updated` makes them take it back.
            items.update(
                (source, key), {"removed_at": None, "missing_count": 0, "missing_since": None, "updated": now}
            )
            event(key, "restored", latest[key][0])
        for v in history.versions:
            row = {f: getattr(v.version, f) for f in VERSION_COLUMNS.split(", ")}
            row["hash"] = version_hash(v.version)
            if v.kind == "fill":
                assert v.previous is not None
                revisions.update(v.previous, row)
                continue
            seen = {"first_seen": iso(started), "last_seen": now}
            revision = revisions.insert({"source": source, "key": v.key, **seen, **row})
            event(v.key, v.kind, revision.last_pk, previous_revision_id=v.previous)
        for key, count in history.missing.items():
            fields: dict[str, Any] = {"missing_count": count}
            if count == 1:
                fields["missing_since"] = now
            items.update((source, key), fields)
        for key in history.back:
            items.update((source, key), {"missing_count": 0, "missing_since": None})
        for key, why in history.removed:
            items.update((source, key), {"removed_at": now, "missing_count": 0})
            event(key, "removed", latest[key][0], detail=why)
