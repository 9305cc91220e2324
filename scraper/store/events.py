"""The events table: new, edited, removed and restored items (changes feed, webhooks, tombstones)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ..history import ChangeRow
from ..models import Deleted
from .db import TableGroup, from_iso, iso
from .revisions import VERSION_COLUMNS, row_version


class EventTables(TableGroup):
    def last_event_id(self) -> int:
        return int(self._row("read events", "SELECT max(id) FROM events")[0] or 0)

    def event_summary(self) -> tuple[int, dt.datetime | None, dt.datetime | None]:
        """(number of events, the oldest event's time, the newest event's time), without loading them."""
        # Every event has its item and revision (only the quarantine removes them, with their events), so this
        # counts what changes() reads without joining them: min and max are seeks on the `at` index.
        sql = (
            "SELECT (SELECT count(*) FROM events), (SELECT min(at) FROM events), (SELECT max(at) FROM events)"
        )
        count, oldest, newest = self._row("read events", sql)
        return int(count), from_iso(oldest) if oldest else None, from_iso(newest) if newest else None

    def changes(
        self,
        *,
        limit: int | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        ids: Sequence[int] | None = None,
    ) -> list[ChangeRow]:
        """Events, newest first, each with the version after it (and before it, for an edit); `since`: only
        events at or after that instant; `until`: only events before that instant; `ids`: only those."""
        after = ", ".join(f"r.{c}" for c in VERSION_COLUMNS.split(", "))
        before = ", ".join(f"p.{c}" for c in VERSION_COLUMNS.split(", "))
        sql = (
            "SELECT e.id, e.source, e.key, e.kind, e.at, e.detail, i.entry_id, i.link, i.published, "
            f"p.id, {after}, {before} FROM events e "
            "JOIN items i ON i.source = e.source AND i.key = e.key "
            "JOIN revisions r ON r.id = e.revision_id "
            "LEFT JOIN revisions p ON p.id = e.previous_revision_id "
        )
        conditions: list[str] = []
        params: list[object] = []
        if since is not None:  # `at` is stored as UTC ISO text (iso()), so text order is time order
            conditions.append("e.at >= ?")
            params.append(iso(since))
        if until is not None:
            conditions.append("e.at < ?")
            params.append(iso(until))
        if ids is not None:
            conditions.append(f"e.id IN ({', '.join('?' * len(ids))})")
            params.extend(ids)
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        sql += " ORDER BY e.at DESC, e.id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self._rows("read events", sql, params)
        width = len(VERSION_COLUMNS.split(", "))
        return [
            ChangeRow(
                id=row[0],
                source=row[1],
                key=row[2],
                kind=row[3],
                at=from_iso(row[4]),
                detail=row[5],
                entry_id=row[6],
                link=row[7],
                published=from_iso(row[8]),
                after=row_version(row[10 : 10 + width]),
                before=row_version(row[10 + width :]) if row[9] is not None else None,
            )
            for row in rows
        ]

    def tombstones(self, *, limit: int) -> list[Deleted]:
        """Removed items that would still be among the newest `limit` entries had they not been removed."""
        sql = (
            "SELECT entry_id, link, title, removed_at FROM (SELECT * FROM items "
            "ORDER BY published DESC, first_seen DESC, position ASC LIMIT ?) "
            "WHERE removed_at IS NOT NULL ORDER BY removed_at DESC, entry_id"
        )
        rows = self._rows("read items", sql, [int(limit)])
        return [Deleted(entry_id=r[0], link=r[1], title=r[2], removed_at=from_iso(r[3])) for r in rows]
