"""The outbox: which events each notify target still has to get, and each target's back-off and failures.

Rows are queued by a trigger on `events` (schema.m019d_outbox), so an event and its deliveries are written in
one transaction; each delivery confirmed by its target is marked "sent" in a transaction of its own, so a
cycle killed mid-delivery resends from the first unconfirmed event (at least once, in order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from .db import TableGroup, from_iso, iso


@dataclass(frozen=True, slots=True)
class TargetState:
    """A target's back-off: failed attempts since its last delivery, and when it may be tried again."""

    failures: int = 0
    next_attempt: dt.datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryState:
    """What `status`, /healthz and /metrics show of one active target. Every field is public in /healthz
    (health._json): never add one that may hold a secret (a target's URL carries Apprise tokens)."""

    target: str
    pending: int
    oldest_pending: dt.datetime | None
    undeliverable: int
    sent: int
    consecutive_failures: int
    last_error: str | None
    last_success: dt.datetime | None
    next_attempt: dt.datetime | None


def _instant(text: str | None) -> dt.datetime | None:
    return from_iso(text) if text else None


class OutboxTables(TableGroup):
    """The outbox and notify_targets tables."""

    def sync_targets(self, ids: Sequence[str], now: dt.datetime) -> dict[str, int]:
        """Make exactly `ids` the active targets; a new one gets the events recorded from now on. Returns the
        targets no longer active from now on that have events pending (id → how many): they wait."""
        marks = ", ".join("?" * len(ids))
        with self._errors("write notify targets"), self._write():
            left = self.db.execute(
                "SELECT t.id, (SELECT count(*) FROM outbox WHERE target = t.id AND state = 'pending') "
                f"FROM notify_targets t WHERE t.active = 1 AND t.id NOT IN ({marks})",
                list(ids),
            ).fetchall()
            self.db.execute("UPDATE notify_targets SET active = 0 WHERE active = 1")
            for target in ids:
                self.db.execute(
                    "INSERT INTO notify_targets (id, added) VALUES (?, ?) "
                    "ON CONFLICT (id) DO UPDATE SET active = 1",
                    [target, iso(now)],
                )
        return {row[0]: int(row[1]) for row in left if row[1]}

    def due(
        self, target: str, *, before: dt.datetime | None, limit: int, after: int = 0
    ) -> list[tuple[int, int]]:
        """(outbox id, event id) of the target's pending deliveries, oldest event first; `before`: only
        events recorded before that instant (a daily digest); `after`: only events after this one."""
        sql = "SELECT id, event FROM outbox WHERE target = ? AND state = 'pending' AND event > ?"
        params: list[object] = [target, after]
        if before is not None:
            sql += " AND queued < ?"
            params.append(iso(before))
        rows = self._rows("read the outbox", sql + " ORDER BY event LIMIT ?", [*params, limit])
        return [(int(row[0]), int(row[1])) for row in rows]

    def give_up(self, target: str, *, queued_before: dt.datetime, now: dt.datetime) -> int:
        """Mark the target's deliveries pending since before `queued_before` undeliverable; how many."""
        with self._errors("write the outbox"), self._write():
            cursor = self.db.execute(
                "UPDATE outbox SET state = 'undeliverable', done = ?, error = "
                "(SELECT last_error FROM notify_targets WHERE id = ?) "
                "WHERE target = ? AND state = 'pending' AND queued < ?",
                [iso(now), target, target, iso(queued_before)],
            )
        return int(cursor.rowcount)

    def settle(self, ids: Sequence[int], state: str, now: dt.datetime) -> None:
        """Mark deliveries "sent" (the target confirmed them) or "skipped" (its filters leave them out)."""
        if not ids:
            return
        with self._errors("write the outbox"), self._write():
            self.db.conn.executemany(
                "UPDATE outbox SET state = ?, done = ? WHERE id = ?", [(state, iso(now), i) for i in ids]
            )
            if state == "sent":
                self.db.execute(
                    "UPDATE notify_targets SET failures = 0, next_attempt = NULL, last_error = NULL, "
                    "last_success = ? WHERE id = (SELECT target FROM outbox WHERE id = ?)",
                    [iso(now), ids[0]],
                )

    def target_state(self, target: str) -> TargetState:
        sql = "SELECT failures, next_attempt, last_error FROM notify_targets WHERE id = ?"
        row = self._row("read notify targets", sql, [target])
        if row is None:
            return TargetState()
        return TargetState(int(row[0]), _instant(row[1]), row[2])

    def record_failure(self, target: str, error: str, next_attempt: dt.datetime) -> None:
        with self._errors("write notify targets"), self._write():
            self.db.execute(
                "UPDATE notify_targets SET failures = failures + 1, next_attempt = ?, last_error = ? "
                "WHERE id = ?",
                [iso(next_attempt), error, target],
            )

    def delivery_states(self) -> list[DeliveryState]:
        """One state per active target, by id: counts are index seeks on the pending rows."""
        sql = (
            "SELECT t.id, "
            "(SELECT count(*) FROM outbox WHERE target = t.id AND state = 'pending'), "
            "(SELECT min(queued) FROM outbox WHERE target = t.id AND state = 'pending'), "
            "(SELECT count(*) FROM outbox WHERE target = t.id AND state = 'undeliverable'), "
            "(SELECT count(*) FROM outbox WHERE target = t.id AND state = 'sent'), "
            "t.failures, t.last_error, t.last_success, t.next_attempt "
            "FROM notify_targets t WHERE t.active = 1 ORDER BY t.id"
        )
        return [  # the columns in DeliveryState's order
            DeliveryState(r[0], r[1], _instant(r[2]), r[3], r[4], r[5], r[6], _instant(r[7]), _instant(r[8]))
            for r in self._rows("read the outbox", sql)
        ]

    def unsettled_items(self, items: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        """Those (source, key) whose feeds may still change without an event: the article page failed and
        is to be retried (its text and tags can put the item in a topic), or the feeds the item is in are
        not stored yet (a publish that did not run)."""
        sql = (
            "SELECT EXISTS (SELECT 1 FROM articles WHERE source = ? AND key = ? AND status = 'pending') "
            "OR EXISTS (SELECT 1 FROM item_ids d JOIN membership_pending p ON p.item = d.id "
            "WHERE d.source = ? AND d.key = ?)"
        )
        with self._errors("read articles"):
            return {item for item in items if self.db.execute(sql, [*item, *item]).fetchone()[0]}
