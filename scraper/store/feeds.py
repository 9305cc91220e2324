"""Feed memberships and counts: the entries of each feed, its size and newest update, rendered hashes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from ..models import Entry
from .db import TableGroup, chunks, epoch_seconds, from_iso, iso
from .items import ENTRY_COLUMNS, row_entry

_SET_SETTING = "INSERT INTO settings VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value"


class FeedTables(TableGroup):
    """Feed memberships and counts: the entries of each feed, its size and newest update, rendered hashes."""

    def memberships_current(self, rules_hash: str) -> bool:
        """Whether every item's stored feed membership was computed with the rules of this hash."""
        stored = self._row("read memberships", "SELECT value FROM settings WHERE name = 'membership_rules'")
        pending = self._row("read memberships", "SELECT 1 FROM membership_pending LIMIT 1")
        return stored is not None and stored[0] == rules_hash and pending is None

    def sync_memberships(
        self, rules_hash: str, feeds_of: Callable[[Entry], tuple[Sequence[str], int]], batch: int = 2000
    ) -> int:
        """Store the feeds of every item written since the last sync (all items when the rules' hash changed):
        `feeds_of(entry)` gives (feed paths, month as year * 100 + month). One transaction, `batch` items at a
        time; returns the number of items done. Writes nothing when nothing is due (an unchanged cycle writes
        only its run record)."""
        if self.memberships_current(rules_hash):
            return 0
        done = 0
        with self._errors("write memberships"), self._write():
            stored = self.db.execute("SELECT value FROM settings WHERE name = 'membership_rules'").fetchone()
            if stored is None or stored[0] != rules_hash:
                self.db.execute("INSERT OR IGNORE INTO membership_pending SELECT id FROM item_ids")
                self.db.execute(_SET_SETTING, ["membership_rules", rules_hash])
            feed_numbers = {path: number for number, path in self.db.execute("SELECT id, path FROM feeds")}
            while rows := self.db.execute(
                # CROSS JOIN: walk the (few) pending items first, never the whole item_ids table.
                f"SELECT p.item, {ENTRY_COLUMNS} FROM membership_pending p "
                "CROSS JOIN item_ids d ON d.id = p.item "
                "JOIN items i ON i.source = d.source AND i.key = d.key "
                f"LEFT JOIN articles a ON a.source = i.source AND a.key = i.key LIMIT {int(batch)}"
            ).fetchall():
                done += len(rows)
                ids = [(row[0],) for row in rows]
                new_rows = []
                for row in rows:
                    entry = row_entry(row[1:])
                    paths, month = feeds_of(entry)
                    keys = (epoch_seconds(entry.published), epoch_seconds(entry.first_seen), entry.position)
                    for path in paths:
                        if path not in feed_numbers:
                            cursor = self.db.execute("INSERT INTO feeds (path) VALUES (?)", [path])
                            feed_numbers[path] = int(cursor.lastrowid or 0)
                        new_rows.append(
                            (feed_numbers[path], row[0], *keys, epoch_seconds(entry.updated), month)
                        )
                self._recount(ids, -1)
                self.db.conn.executemany("DELETE FROM feed_items WHERE item = ?", ids)
                self.db.conn.executemany("INSERT INTO feed_items VALUES (?, ?, ?, ?, ?, ?, ?)", new_rows)
                self._recount(ids, 1)
                self.db.conn.executemany("DELETE FROM membership_pending WHERE item = ?", ids)
            self.db.execute("DELETE FROM membership_pending")  # numbers of items no longer stored, if any
        return done

    def _recount(self, ids: Sequence[tuple[int]], sign: int) -> None:
        """Add (sign 1) or take away (-1) these items' stored memberships to the counts, if not removed."""
        for chunk, marks in chunks(item for (item,) in ids):
            self.db.execute(
                "INSERT INTO feed_counts (feed, month, n) "
                "SELECT f.feed, f.month, ? * count(*) FROM feed_items f JOIN item_ids d ON d.id = f.item "
                "JOIN items i ON i.source = d.source AND i.key = d.key "
                f"WHERE f.item IN ({marks}) AND i.removed_at IS NULL GROUP BY f.feed, f.month "
                "ON CONFLICT (feed, month) DO UPDATE SET n = n + excluded.n",
                [sign, *chunk],
            )

    def feed_entries(
        self, feed: str, limit: int, *, removed_since: dt.datetime | None = None
    ) -> list[tuple[Entry, dt.datetime | None]]:
        """The newest `limit` entries of `feed` (a feed path: "all", "topics/<id>", "sources/<id>"), each
        with its topic ids (unordered) and its removal time: items removed at or after `removed_since` are
        included (none when it is None). Needs `sync_memberships` first."""
        removed = "i.removed_at IS NULL"
        params: list[object] = [feed]
        if removed_since is not None:
            removed = "(i.removed_at IS NULL OR i.removed_at >= ?)"
            params.append(iso(removed_since))
        sql = (
            f"SELECT {ENTRY_COLUMNS}, "
            "(SELECT group_concat(substr(g.path, 8), char(31)) FROM feed_items t "
            "JOIN feeds g ON g.id = t.feed "
            "WHERE t.item = f.item AND g.path >= 'topics/' AND g.path < 'topics0'), "
            "i.removed_at FROM feed_items f "
            "JOIN item_ids d ON d.id = f.item JOIN items i ON i.source = d.source AND i.key = d.key "
            "LEFT JOIN articles a ON a.source = i.source AND a.key = i.key "
            f"WHERE f.feed = (SELECT id FROM feeds WHERE path = ?) AND {removed} "
            # Ties (the same item in two sources, seen in one second) as entries() orders them: the item
            # stored last first.
            f"ORDER BY f.published DESC, f.first_seen DESC, f.position ASC, f.item DESC LIMIT {int(limit)}"
        )
        entries = []
        for row in self._rows("read items", sql, params):
            entry = row_entry(row[:-2])
            topics = tuple(row[-2].split("\x1f")) if row[-2] else ()
            entries.append((replace(entry, topics=topics), from_iso(row[-1]) if row[-1] else None))
        return entries

    def feed_summaries(self) -> dict[str, tuple[int, dt.datetime | None]]:
        """Every feed's (items not removed, newest `updated` among them), from the kept counts."""
        sql = (
            "SELECT g.path, sum(c.n), (SELECT i.updated FROM feed_items f "
            "JOIN item_ids d ON d.id = f.item JOIN items i ON i.source = d.source AND i.key = d.key "
            "WHERE f.feed = g.id AND i.removed_at IS NULL ORDER BY f.updated DESC LIMIT 1) "
            "FROM feeds g JOIN feed_counts c ON c.feed = g.id GROUP BY g.id"
        )
        rows = self._rows("read memberships", sql)
        return {path: (int(count), from_iso(newest) if newest else None) for path, count, newest in rows}

    def month_counts(self) -> dict[dt.date, int]:
        """Items not removed, per month published (first source's time zone); months with any."""
        sql = "SELECT c.month, c.n FROM feed_counts c JOIN feeds g ON g.id = c.feed WHERE g.path = 'all'"
        rows = self._rows("read memberships", sql + " AND c.n > 0")
        return {dt.date(month // 100, month % 100, 1): int(n) for month, n in rows}

    def rendered(self) -> dict[str, str]:
        """What the last publish recorded of each feed document it wrote or kept (path → its record)."""
        sql = "SELECT substr(name, 10), value FROM settings WHERE name LIKE 'rendered:%'"
        return dict(self._rows("read settings", sql))

    def save_rendered(self, records: Mapping[str, str | None]) -> None:
        """Record (or, for None, forget) feed documents' records; none given, nothing written."""
        if not records:
            return
        with self._errors("write settings"), self._write():
            for path, record in records.items():
                if record is None:
                    self.db.execute("DELETE FROM settings WHERE name = ?", ["rendered:" + path])
                else:
                    self.db.execute(_SET_SETTING, ["rendered:" + path, record])
