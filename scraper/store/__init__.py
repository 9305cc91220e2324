"""The SQLite store: `Store`, the one handle on the database file, and the data its callers pass it.

A facade over one module per table group (`items`, `revisions`, `events`, `runs`, `feeds`, `articles`,
`pages`), the schema (`schema`, as registered migrations) and the connection (`db`, the only sqlite_utils
importer).
Every failure of the database becomes a StorageError naming the file; the file is never deleted or recreated.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..diff import StoredState
from ..folders import make_folders
from ..history import ItemRecord, Tracked, Version
from ..models import ArticleState, Deleted, Entry, SourceReport, Validators
from .articles import ArticleTables
from .db import Database, UnreadableRow, db_table, from_iso, iso, storage_errors, write_transaction
from .events import ChangeRow, EventTables
from .feeds import FeedTables
from .items import ItemTables, moved_forward
from .outbox import DeliveryState, OutboxTables, TargetState
from .pages import MATCH_END, MATCH_START, PageTables, SearchHit
from .revisions import RevisionTables
from .runs import RunHistory, RunTables
from .schema import migrations
from .writes import CycleWrite, HistoryWrite, ItemUpdate, NewItem, VersionWrite


class Store:
    """A handle on the database file. Not shared between threads: open one per cycle.

    A facade: each method hands the work to the table group that owns it (items, revisions, events, runs,
    feeds, articles); `commit_cycle` writes all of them in one transaction."""

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
        #: the notify outbox: callers use it directly (`store.outbox.due(…)`), the facade would only repeat it
        self.outbox = OutboxTables(self.db, path)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def validators(self, url: str) -> Validators:
        return self.runs.validators(url)

    def known(self, source: str, keys: Iterable[str]) -> dict[str, StoredState]:
        return self.items.known(source, keys)

    def article_states(self, source: str, keys: Iterable[str]) -> dict[str, ArticleState]:
        return self.articles.article_states(source, keys)

    def published(self, source: str, keys: Sequence[str]) -> dict[str, dt.datetime]:
        return self.items.published(source, keys)

    def due_articles(
        self, source: str, now: dt.datetime
    ) -> list[tuple[str, str, dt.datetime, ArticleState | None]]:
        return self.articles.due_articles(source, now)

    def first_page_yardstick(self, source: str) -> int | None:
        return self.items.first_page_yardstick(source)

    def live_count(self, source: str) -> int:
        return self.items.live_count(source)

    def held_back(self, source: str) -> int:
        return self.items.held_back(source)

    def live_items(self, source: str, limit: int) -> list[tuple[str, str]]:
        return self.items.live_items(source, limit)

    def entries(self, *, sources: Sequence[str] | None = None, limit: int | None = None) -> list[Entry]:
        return self.items.entries(sources=sources, limit=limit)

    def walk_entries(self, batch: int = 2000) -> Iterator[Entry]:
        return self.items.walk_entries(batch)

    def memberships_current(self, rules_hash: str) -> bool:
        return self.feeds.memberships_current(rules_hash)

    def sync_memberships(
        self, rules_hash: str, feeds_of: Callable[[Entry], tuple[Sequence[str], int]], batch: int = 2000
    ) -> int:
        return self.feeds.sync_memberships(rules_hash, feeds_of, batch)

    def feed_entries(
        self, feed: str, limit: int, *, removed_since: dt.datetime | None = None
    ) -> list[tuple[Entry, dt.datetime | None]]:
        return self.feeds.feed_entries(feed, limit, removed_since=removed_since)

    def feed_summaries(self) -> dict[str, tuple[int, dt.datetime | None]]:
        return self.feeds.feed_summaries()

    def month_counts(self, feed: str = "all") -> dict[dt.date, int]:
        return self.feeds.month_counts(feed)

    def rendered(self) -> dict[str, str]:
        return self.feeds.rendered()

    def save_rendered(self, records: Mapping[str, str | None]) -> None:
        return self.feeds.save_rendered(records)

    def tracked(self, source: str) -> list[Tracked]:
        return self.revisions.tracked(source)

    def latest_versions(self, source: str, keys: Iterable[str]) -> dict[str, tuple[int, Version]]:
        return self.revisions.latest_versions(source, keys)

    def last_event_id(self) -> int:
        return self.events.last_event_id()

    def event_summary(self) -> tuple[int, dt.datetime | None, dt.datetime | None]:
        return self.events.event_summary()

    def changes(
        self,
        *,
        limit: int | None = None,
        after_id: int | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        ids: Sequence[int] | None = None,
    ) -> list[ChangeRow]:
        return self.events.changes(limit=limit, after_id=after_id, since=since, until=until, ids=ids)

    def tombstones(self, *, limit: int) -> list[Deleted]:
        return self.events.tombstones(limit=limit)

    def records(self, key: str | None = None) -> list[ItemRecord]:
        return self.revisions.records(key)

    def pending_history(self) -> tuple[list[str], int]:
        return self.pages.pending_history()

    def done_history(self, last_row: int) -> None:
        return self.pages.done_history(last_row)

    def keys_with_history(self, keys: Iterable[str] | None = None, *, limit: int | None = None) -> list[str]:
        return self.pages.keys_with_history(keys, limit=limit)

    def history_records(self, key: str) -> list[ItemRecord]:
        """`records(key)` for a history page: the item in each source that stores it, read by index."""
        return [r for source in self.pages.sources_of(key) for r in self.revisions.records(key, source)]

    def item_topics(self, items: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, ...]]:
        return self.pages.item_topics(items)

    def search(
        self, query: str, *, since: dt.datetime | None = None, kinds: Sequence[str] = (), limit: int = 100
    ) -> list[SearchHit]:
        return self.pages.search(query, since=since, kinds=kinds, limit=limit)

    def counts(self) -> dict[str, int]:
        return self.runs.counts()

    def last_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        return self.runs.last_runs(limit)

    def run_history(self, source: str) -> RunHistory:
        return self.runs.run_history(source)

    def commit_cycle(self, write: CycleWrite) -> None:
        """Write one source's cycle in one transaction: items, HTTP cache and the run record, or nothing."""
        now = iso(write.finished)
        with storage_errors(self.path, "write the cycle"), write_transaction(self.db):
            if write.new:
                db_table(self.db, "items").insert_all(
                    (
                        {
                            "source": n.source,
                            "key": n.key,
                            "entry_id": n.entry_id,
                            "title": n.title,
                            "summary": n.summary,
                            "link": n.link,
                            "site_date": n.site_date,
                            "published": iso(n.published),
                            "updated": iso(n.published),
                            "first_seen": iso(write.started),
                            "last_seen": now,
                            "content_hash": n.content_hash,
                            "position": n.position,
                            "date_source": n.date_source,
                        }
                        for n in write.new
                    ),
                )
            for u in write.updates:
                fields = {
                    "title": u.title,
                    "summary": u.summary,
                    "link": u.link,
                    "content_hash": u.content_hash,
                }
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

    def robots_files(self, since: dt.datetime) -> dict[str, str]:
        return self.runs.robots_files(since)

    def save_robots(self, files: Mapping[str, str], at: dt.datetime) -> None:
        self.runs.save_robots(files, at)

    def uploads(self) -> dict[str, str]:
        return self.runs.uploads()

    def record_uploads(self, done: Mapping[str, str | None], at: dt.datetime) -> None:
        self.runs.record_uploads(done, at)

    def record_failure(self, report: SourceReport, started: dt.datetime, finished: dt.datetime) -> None:
        return self.runs.record_failure(report, started, finished)


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
    "TargetState",
    "UnreadableRow",
    "VersionWrite",
    "from_iso",
    "iso",
]
