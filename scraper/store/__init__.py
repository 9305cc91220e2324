"""The SQLite store: `Store`, the one handle on the database file, and the data its callers pass it.

Callers use the table group that owns a job directly (`store.items`, `store.revisions`, `store.events`,
`store.runs`, `store.feeds`, `store.articles`, `store.pages`, `store.outbox`: one module each); `Store`
itself opens and migrates the file (`schema`, as registered migrations; `db`, the only sqlite_utils
importer) and writes a cycle (`commit_cycle`, `record_failure`).
Every failure of the database becomes a StorageError naming the file; the file is never deleted or recreated.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import asdict
from pathlib import Path

from ..folders import make_folders
from ..history import ChangeRow
from ..models import SourceReport
from .articles import ArticleTables
from .db import Database, db_table, iso, storage_errors, write_transaction
from .events import EventTables
from .feeds import FeedTables
from .items import ItemTables, moved_forward
from .outbox import DeliveryState, OutboxTables
from .pages import MATCH_END, MATCH_START, PageTables, SearchHit
from .revisions import RevisionTables
from .runs import RunHistory, RunTables
from .schema import migrations
from .writes import CycleWrite, HistoryWrite, ItemUpdate, NewItem, VersionWrite


class Store:
    """A handle on the database file and its table groups. Not shared between threads: open one per cycle."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with storage_errors(self.path, "open"):
            make_folders(path.parent)
            # timeout: wait a little for another process's write transaction instead of failing at once.
            # execute_plugins=False: no sqlite-utils plugin is ours to run, and looking for them scans every
            # installed package's entry points through importlib.metadata (~10 ms of every process).
            self.db = Database(sqlite3.connect(str(path), timeout=10.0), execute_plugins=False)
            self.db.execute("PRAGMA journal_mode=wal")
            self.db.execute("PRAGMA synchronous=normal")
            migrations.apply(self.db)
        self.items = ItemTables(self.db, path)
        self.revisions = RevisionTables(self.db, path)
        self.events = EventTables(self.db, path)
        self.runs = RunTables(self.db, path)
        self.feeds = FeedTables(self.db, path)
        self.articles = ArticleTables(self.db, path)
        self.pages = PageTables(self.db, path)
        self.outbox = OutboxTables(self.db, path)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def commit_cycle(self, write: CycleWrite) -> None:
        """Write one source's cycle in one transaction: items, HTTP cache and the run record, or nothing."""
        now = iso(write.finished)
        with storage_errors(self.path, "write the cycle"), write_transaction(self.db):
            if write.new:
                seen = {"first_seen": iso(write.started), "last_seen": now}
                db_table(self.db, "items").insert_all(
                    {**asdict(n), "published": iso(n.published), "updated": iso(n.published), **seen}
                    for n in write.new
                )
            for u in write.updates:
                fields = {k: v for k, v in asdict(u).items() if k not in ("source", "key", "bump")}
                if u.bump:
                    fields["updated"] = moved_forward(self.db, u.source, u.key, now)
                db_table(self.db, "items").update((u.source, u.key), fields)
            for article in write.articles:
                self.articles.save_article(write.report.source, article)
            self.revisions.write_history(write.report.source, write.history, write.started, now)
            if write.new or write.updates or not write.history.is_empty:
                # Sightings are refreshed only by cycles that write anyway: an unchanged cycle writes nothing
                # but its run record (the run's time is then the items' latest sighting).
                self.items.touch(write.report.source, write.seen_keys, now)
            for url, validators in (write.validators or {}).items():
                self.runs.save_validators(url, validators)
            self.runs.insert_run(write.report, write.started, write.finished, write.first_page_items)

    def record_failure(self, report: SourceReport, started: dt.datetime, finished: dt.datetime) -> None:
        """Record a failed cycle: a cycle write, like `commit_cycle` (pool.SerialWrites queues both)."""
        self.runs.record_failure(report, started, finished)


__all__ = [
    "ChangeRow",
    "CycleWrite",
    "DeliveryState",
    "HistoryWrite",
    "ItemUpdate",
    "MATCH_END",
    "MATCH_START",
    "NewItem",
    "RunHistory",
    "SearchHit",
    "Store",
    "VersionWrite",
    "iso",
]
