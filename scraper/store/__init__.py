"""The SQLite store: schema (as registered migrations), reads, and the one write transaction per cycle.

The only module that imports sqlite_utils. Datetimes are stored as ISO 8601 UTC text, so they sort as text.
Every failure of the database becomes a StorageError naming the file; the file is never deleted or recreated.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.db import Table
from sqlite_utils.migrations import Migrations

from ..diff import StoredState
from ..errors import StorageError
from ..folders import make_folders
from ..history import EventRecord, ItemRecord, RevisionRecord, Tracked, Version, version_hash
from ..models import ArticleState, ArticleWrite, Entry, LeadImage, SourceReport, Validators

log = logging.getLogger(__name__)

migrations = Migrations("aktuellt")


#: What reading a stored value that no cycle of this version writes may raise (hand edits, old versions).
class UnreadableRow(ValueError):
    """A stored value no renderer can use (a date that does not parse, tags that are not JSON): the row is
    left out of what is being read, with a warning, instead of failing every publish."""


#: What makes one stored row unreadable: its values (UnreadableRow) or an instant beyond what datetime can
#: shift into another zone (OverflowError). A programming error (a wrong column count) is neither.
_UNREADABLE = (UnreadableRow, OverflowError)


def _table(db: Database, name: str) -> Table:
    table = db[name]
    assert isinstance(table, Table)
    return table


@migrations()
def m001_initial(db: Database) -> None:
    _table(db, "items").create(
        {
            "source": str,
            "key": str,
            "entry_id": str,  # tag: URI minted once at first sight
            "title": str,
            "summary": str,
            "link": str,
            "site_date": str,  # the date as the listing printed it (ISO date, optional time)
            "published": str,  # ISO 8601 UTC instant, computed once and never moved
            "updated": str,  # moves only when title, summary or body change
            "first_seen": str,
            "last_seen": str,  # refreshed by cycles that write anything for the source
            "content_hash": str,
            "position": int,  # listing position at first sight: orders items of the same date
        },
        pk=("source", "key"),
        not_null={"source", "key", "entry_id", "title", "link", "published", "updated", "first_seen"},
    )
    _table(db, "items").create_index(["published", "first_seen", "position"])
    _table(db, "runs").create(
        {
            "id": int,
            "source": str,
            "started": str,
            "finished": str,
            "status": str,  # ok | not_modified | failed
            "new": int,
            "changed": int,
            "unchanged": int,
            "pages": int,
            "first_page_items": int,  # the yardstick for "far fewer items than usual"
            "requests": int,
            "error": str,
        },
        pk="id",
    )
    _table(db, "runs").create_index(["source", "started"])
    _table(db, "http_cache").create({"url": str, "etag": str, "last_modified": str}, pk="url")


@migrations()
def m002_articles(db: Database) -> None:
    """One row per item whose article page was ever tried: its fetch state and its sanitized content."""
    _table(db, "articles").create(
        {
            "source": str,
            "key": str,
            "status": str,  # ok | pending (retry due at next_attempt) | gone (404/410) | failed (gave up)
            "attempts": int,  # failures in a row
            "checks": int,  # re-checks for edits since the item last changed in the listing
            "next_attempt": str,  # ISO UTC: when a retry or re-check is due; NULL: never
            "checked": str,  # ISO UTC of the last attempt
            "fetched": str,  # ISO UTC of the last successful read of the page
            "http_status": int,
            "error": str,
            "etag": str,
            "last_modified": str,
            "heading": str,
            "ingress": str,
            "content_html": str,  # sanitized: lead image, ingress, body, attachments
            "body_text": str,  # the body's words, one line per block: what edits are compared (and shown) on
            "content_hash": str,  # identity.content_hash of heading, ingress and body text
            "image_url": str,
            "image_type": str,
            "image_length": int,
            "image_alt": str,
            "image_caption": str,
            "site_updated": str,  # the page's "Senast uppdaterad", as an ISO UTC instant
            "tags": str,  # JSON list of strings
            "attachments": str,  # JSON list of {"url", "title"}
        },
        pk=("source", "key"),
        not_null={"source", "key", "status"},
    )
    _table(db, "articles").create_index(["source", "next_attempt"])
    _table(db, "runs").add_column("articles", int)  # article pages read this cycle
    _table(db, "runs").add_column("articles_failed", int)  # article pages that failed (retried later)


@migrations()
def m003_history(db: Database) -> None:
    """Every observed version of an item (revisions) and every change to it (events), plus removal state."""
    _table(db, "revisions").create(
        {
            "id": int,
            "source": str,
            "key": str,
            "first_seen": str,  # when this version was first observed
            "last_seen": str,  # refreshed by cycles that write anything for the source
            "title": str,
            "summary": str,
            "site_date": str,
            "body_text": str,  # NULL: not observed (the article page was not read)
            "article_updated": str,  # the article's "Senast uppdaterad", when known
            "hash": str,
        },
        pk="id",
        not_null={"source", "key", "first_seen", "last_seen", "title"},
    )
    _table(db, "revisions").create_index(["source", "key", "id"])
    _table(db, "events").create(
        {
            "id": int,
            "source": str,
            "key": str,
            "kind": str,  # new | edited | removed | restored
            "at": str,
            "revision_id": int,  # the version after the event (for "removed": the last known version)
            "previous_revision_id": int,  # the version before an edit
            "detail": str,  # why, for a removal ("listing" or "http 404")
        },
        pk="id",
        not_null={"source", "key", "kind", "at", "revision_id"},
    )
    _table(db, "events").create_index(["at"])
    _table(db, "events").create_index(["source", "key"])
    items = _table(db, "items")
    items.add_column("missing_count", int, not_null_default=0)  # consecutive healthy reads without it
    items.add_column("missing_since", str)
    items.add_column("removed_at", str)  # set while the item is removed from the site
    # Backfill: what the store already holds is each item's first known version, first seen when it was.
    for row in list(items.rows):
        version = Version(title=row["title"], summary=row["summary"] or "", site_date=row["site_date"] or "")
        revision = _table(db, "revisions").insert(
            {
                "source": row["source"],
                "key": row["key"],
                "first_seen": row["first_seen"],
                "last_seen": row["last_seen"] or row["first_seen"],
                "title": version.title,
                "summary": version.summary,
                "site_date": version.site_date,
                "hash": version_hash(version),
            }
        )
        _table(db, "events").insert(
            {
                "source": row["source"],
                "key": row["key"],
                "kind": "new",
                "at": row["first_seen"],
                "revision_id": revision.last_pk,
            }
        )


@migrations()
def m005_service(db: Database) -> None:
    # /healthz and `aktuellt status` ask "last success / last failure of this source" on every request; with a
    # cycle every 15 minutes the runs table gains 35,000 rows a year, so that must be an index seek.
    _table(db, "runs").create_index(["source", "status", "id"], index_name="runs_source_status_id")


@migrations()
def m006_item_date_source(db: Database) -> None:
    # Where an item's `published` came from (issue 12): "time", "element", "title", "url", or "none" for an
    # item the page showed without a date, dated by first sight. NULL on older rows: a listing date.
    _table(db, "items").add_column("date_source", str)


@migrations()
def m013_memberships(db: Database) -> None:
    """Which feeds ("all", "topics/<id>", "sources/<id>") each item belongs to, and per-feed, per-month
    counts: a publish reads each feed's newest rows and its counts from here instead of assigning topics to
    the whole history.

    Membership is computed in Python (catalog.membership) for the items in `membership_pending`: triggers put
    an item there when it is inserted or its title, summary or article content/tags are written; all items
    go there when the rules' hash (`settings.membership_rules`) differs from the config's. `feed_items`
    repeats the item's sort keys as epoch seconds (published, first_seen and position never change) and its
    `updated` (kept by a trigger), so a feed's newest rows and its newest update are index seeks; items and
    feeds are numbered (`item_ids`, `feeds`: INTEGER PRIMARY KEY, which VACUUM keeps) to keep rows small.
    `feed_counts` (items not removed, per feed and month) is kept by `sync_memberships` and by triggers on
    removal and restoration."""
    for statement in _statements(
        """
        CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE item_ids (id INTEGER PRIMARY KEY, source TEXT NOT NULL, key TEXT NOT NULL,
                               UNIQUE (source, key));
        CREATE TABLE feeds (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE);
        CREATE TABLE membership_pending (item INTEGER PRIMARY KEY);
        CREATE TABLE feed_items (
            feed INTEGER NOT NULL, item INTEGER NOT NULL,
            published INTEGER NOT NULL, first_seen INTEGER NOT NULL, position INTEGER,
            updated INTEGER NOT NULL,
            month INTEGER NOT NULL  -- year * 100 + month published, in the first source's time zone
        );
        CREATE INDEX feed_items_order
            ON feed_items (feed, published DESC, first_seen DESC, position ASC, item DESC);
        CREATE INDEX feed_items_updated ON feed_items (feed, updated);
        CREATE INDEX feed_items_item ON feed_items (item, feed);
        CREATE TABLE feed_counts (feed INTEGER NOT NULL, month INTEGER NOT NULL, n INTEGER NOT NULL,
                                  PRIMARY KEY (feed, month));
        CREATE INDEX items_removed_at ON items (removed_at) WHERE removed_at IS NOT NULL;

        -- (In a trigger, INSERT OR IGNORE would take the outer statement's conflict policy: NOT EXISTS.)
        CREATE TRIGGER items_numbered AFTER INSERT ON items BEGIN
            INSERT INTO item_ids (source, key) SELECT NEW.source, NEW.key WHERE NOT EXISTS
                (SELECT 1 FROM item_ids WHERE source = NEW.source AND key = NEW.key);
            INSERT INTO membership_pending SELECT id FROM item_ids d
            WHERE d.source = NEW.source AND d.key = NEW.key
              AND NOT EXISTS (SELECT 1 FROM membership_pending WHERE item = d.id);
        END;
        CREATE TRIGGER items_pending_text AFTER UPDATE OF title, summary ON items
        WHEN OLD.title IS NOT NEW.title OR OLD.summary IS NOT NEW.summary BEGIN
            INSERT INTO membership_pending SELECT id FROM item_ids d
            WHERE d.source = NEW.source AND d.key = NEW.key
              AND NOT EXISTS (SELECT 1 FROM membership_pending WHERE item = d.id);
        END;
        CREATE TRIGGER articles_pending_new AFTER INSERT ON articles
        WHEN NEW.content_html IS NOT NULL OR NEW.tags IS NOT NULL BEGIN
            INSERT INTO membership_pending SELECT id FROM item_ids d
            WHERE d.source = NEW.source AND d.key = NEW.key
              AND NOT EXISTS (SELECT 1 FROM membership_pending WHERE item = d.id);
        END;
        CREATE TRIGGER articles_pending_content AFTER UPDATE OF content_html, tags ON articles
        WHEN OLD.content_html IS NOT NEW.content_html OR OLD.tags IS NOT NEW.tags BEGIN
            INSERT INTO membership_pending SELECT id FROM item_ids d
            WHERE d.source = NEW.source AND d.key = NEW.key
              AND NOT EXISTS (SELECT 1 FROM membership_pending WHERE item = d.id);
        END;
        CREATE TRIGGER items_updated AFTER UPDATE OF updated ON items
        WHEN OLD.updated IS NOT NEW.updated BEGIN
            UPDATE feed_items SET updated = CAST(strftime('%s', NEW.updated) AS INTEGER)
            WHERE item = (SELECT id FROM item_ids WHERE source = NEW.source AND key = NEW.key);
        END;
        CREATE TRIGGER items_removed AFTER UPDATE OF removed_at ON items
        WHEN OLD.removed_at IS NULL AND NEW.removed_at IS NOT NULL BEGIN
            UPDATE feed_counts SET n = n - 1 WHERE (feed, month) IN (SELECT feed, month FROM feed_items
                WHERE item = (SELECT id FROM item_ids WHERE source = NEW.source AND key = NEW.key));
        END;
        CREATE TRIGGER items_restored AFTER UPDATE OF removed_at ON items
        WHEN OLD.removed_at IS NOT NULL AND NEW.removed_at IS NULL BEGIN
            UPDATE feed_counts SET n = n + 1 WHERE (feed, month) IN (SELECT feed, month FROM feed_items
                WHERE item = (SELECT id FROM item_ids WHERE source = NEW.source AND key = NEW.key));
        END;
        CREATE TRIGGER items_deleted BEFORE DELETE ON items BEGIN
            UPDATE feed_counts SET n = n - 1 WHERE OLD.removed_at IS NULL AND (feed, month) IN
                (SELECT feed, month FROM feed_items
                 WHERE item = (SELECT id FROM item_ids WHERE source = OLD.source AND key = OLD.key));
            DELETE FROM feed_items
            WHERE item = (SELECT id FROM item_ids WHERE source = OLD.source AND key = OLD.key);
            DELETE FROM membership_pending
            WHERE item = (SELECT id FROM item_ids WHERE source = OLD.source AND key = OLD.key);
            DELETE FROM item_ids WHERE source = OLD.source AND key = OLD.key;
        END;

        INSERT INTO item_ids (source, key) SELECT source, key FROM items ORDER BY rowid;
        INSERT INTO membership_pending SELECT id FROM item_ids;
        """
    ):
        db.execute(statement)


def _statements(script: str) -> Iterator[str]:
    """The SQL statements of `script` one by one (executescript would commit the migration's transaction)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending.strip()
            pending = ""


def iso(moment: dt.datetime) -> str:
    """Aware datetime → ISO 8601 text in UTC (seconds precision is plenty and keeps feeds tidy)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def from_iso(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _stored_tags(text: str | None) -> tuple[str, ...]:
    try:
        return tuple(json.loads(text)) if text else ()
    except (ValueError, TypeError) as error:
        raise UnreadableRow(f"tags {text!r} are not a JSON list: {error}") from None


def _stored_instant(text: Any) -> dt.datetime:
    """A stored ISO instant, or UnreadableRow (rows written by hand, or before values were screened)."""
    try:
        return dt.datetime.fromisoformat(text)
    except (ValueError, TypeError) as error:
        raise UnreadableRow(f"{text!r} is not an ISO date: {error}") from None


def _epoch(moment: dt.datetime) -> int:
    """Whole seconds since 1970: how feed_items keeps instants (as iso() does, to the second)."""
    return int(moment.replace(microsecond=0).timestamp())


@dataclass(frozen=True, slots=True)
class RunHistory:
    """One source's run record in brief: the facts /healthz and `aktuellt status` report."""

    source: str
    last_run: dt.datetime | None
    last_status: str | None
    last_success: dt.datetime | None  #: finished time of the last ok / not_modified run
    last_failure: dt.datetime | None
    last_error: str | None  #: the message of the last failed run
    consecutive_failures: int  #: failed runs since the last success


@dataclass(frozen=True, slots=True)
class NewItem:
    """A row to insert: everything the pipeline decided about an item seen for the first time."""

    source: str
    key: str
    entry_id: str
    title: str
    summary: str
    link: str
    site_date: str
    published: dt.datetime
    content_hash: str
    position: int
    date_source: str = "element"  #: see models.ListingItem.date_source; "none": dated by first sight


@dataclass(frozen=True, slots=True)
class ItemUpdate:
    """New text (or just a new link) for a known item; `bump` moves its `updated`."""

    source: str
    key: str
    title: str
    summary: str
    link: str
    content_hash: str
    bump: bool


@dataclass(frozen=True, slots=True)
class VersionWrite:
    """A version to record: "new" (first sight), "edited" (a new revision after `previous`) or "fill"
    (fields that became known, written into revision `previous` in place)."""

    key: str
    version: Version
    kind: str
    previous: int | None = None


@dataclass(frozen=True, slots=True)
class HistoryWrite:
    """The history part of one cycle: versions, missing counts, removals and restorations."""

    versions: Sequence[VersionWrite] = ()
    missing: Mapping[str, int] = field(default_factory=dict)  #: key → consecutive misses (not yet removed)
    back: Sequence[str] = ()  #: seen again before removal: the count resets
    removed: Sequence[tuple[str, str]] = ()  #: (key, why)
    restored: Sequence[str] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.versions or self.missing or self.back or self.removed or self.restored)


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One event with the versions around it, as the changes feed needs it."""

    id: int
    source: str
    key: str
    kind: str
    at: dt.datetime
    detail: str | None
    entry_id: str
    link: str
    published: dt.datetime
    after: Version
    before: Version | None


@dataclass(frozen=True, slots=True)
class Tombstone:
    entry_id: str
    link: str
    title: str
    removed_at: dt.datetime


@dataclass(frozen=True, slots=True)
class CycleWrite:
    """Everything one successful source cycle writes, committed in one transaction."""

    report: SourceReport
    started: dt.datetime
    finished: dt.datetime
    first_page_items: int = 0
    new: Sequence[NewItem] = ()
    updates: Sequence[ItemUpdate] = ()
    seen_keys: Sequence[str] = ()
    validators: Mapping[str, Validators] | None = None
    articles: Sequence[ArticleWrite] = ()
    history: HistoryWrite = field(default_factory=HistoryWrite)


class Store:
    """A handle on the database file. Not shared between threads: open one per cycle."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with self._errors("open"):
            make_folders(path.parent)
            # timeout: wait a little for another process's write transaction instead of failing at once.
            self.db = Database(sqlite3.connect(str(path), timeout=10.0))
            self.db.execute("PRAGMA journal_mode=wal")
            self.db.execute("PRAGMA synchronous=normal")
            migrations.apply(self.db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except (sqlite3.Error, OSError) as error:
            raise StorageError(f"database {self.path}: cannot {doing}", path=str(self.path)) from error

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction, begun IMMEDIATE. A deferred one that has read first fails at once with
        "database is locked" while another process writes (SQLite calls no busy handler to upgrade a read
        transaction); an immediate one waits up to the connection's timeout for the other writer instead."""
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    # -- reads --------------------------------------------------------------------------------------------

    def validators(self, url: str) -> Validators:
        with self._errors("read the HTTP cache"):
            rows = list(_table(self.db, "http_cache").rows_where("url = ?", [url]))
        if not rows:
            return Validators()
        return Validators(etag=rows[0]["etag"], last_modified=rows[0]["last_modified"])

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

    def article_states(self, source: str, keys: Iterable[str]) -> dict[str, ArticleState]:
        """The stored article state of those of `keys` that have one."""
        keys = list(keys)
        found: dict[str, ArticleState] = {}
        with self._errors("read articles"):
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                sql = f"SELECT {_STATE_COLUMNS} FROM articles WHERE source = ? AND key IN ({marks})"
                for row in self.db.execute(sql, [source, *chunk]).fetchall():
                    found[row[0]] = _state(row)
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

    def due_articles(
        self, source: str, now: dt.datetime
    ) -> list[tuple[str, str, dt.datetime, ArticleState | None]]:
        """Items of `source` whose article is due: a retry or re-check whose time has come, or an item that
        has no article row at all (stored before articles were fetched). (key, link, published, state)."""
        sql = (
            f"SELECT i.link, i.published, {', '.join('a.' + c for c in _STATE_COLUMNS.split(', '))}, i.key "
            "FROM items i LEFT JOIN articles a ON a.source = i.source AND a.key = i.key "
            "WHERE i.source = ? AND (a.key IS NULL OR a.next_attempt <= ?) "
            "ORDER BY i.published DESC, i.position ASC"
        )
        with self._errors("read articles"):
            rows = self.db.execute(sql, [source, iso(now)]).fetchall()
        return [
            (row[-1], row[0], from_iso(row[1]), _state(row[2:-1]) if row[2] is not None else None)
            for row in rows
        ]

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
            f"SELECT {_ENTRY_COLUMNS} "
            "FROM items i LEFT JOIN articles a ON a.source = i.source AND a.key = i.key "
            f"{where} ORDER BY published DESC, first_seen DESC, position ASC"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._errors("read items"):
            rows = self.db.execute(sql, params).fetchall()
        return [_entry(row) for row in rows]

    def walk_entries(self, batch: int = 2000) -> Iterator[Entry]:
        """Every entry of `entries()`, in its order, read `batch` rows at a time by one query: memory holds
        one batch, not the whole history (for a publish, which keeps only each feed's newest)."""
        sql = (
            f"SELECT {_ENTRY_COLUMNS} "
            "FROM items i LEFT JOIN articles a ON a.source = i.source AND a.key = i.key "
            "WHERE i.removed_at IS NULL ORDER BY published DESC, first_seen DESC, position ASC"
        )
        with self._errors("read items"):
            cursor = self.db.execute(sql)
            while rows := cursor.fetchmany(batch):
                for row in rows:
                    try:
                        entry = _entry(row)
                    except _UNREADABLE as error:
                        log.warning("stored item %s left out of the feeds: unreadable (%s)", row[1], error)
                        continue
                    yield entry

    # -- feed membership (m013) ---------------------------------------------------------------------------

    def memberships_current(self, rules_hash: str) -> bool:
        """Whether every item's stored feed membership was computed with the rules of this hash."""
        with self._errors("read memberships"):
            stored = self.db.execute("SELECT value FROM settings WHERE name = 'membership_rules'").fetchone()
            pending = self.db.execute("SELECT 1 FROM membership_pending LIMIT 1").fetchone()
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
                self.db.execute(
                    "INSERT INTO settings VALUES ('membership_rules', ?) "
                    "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    [rules_hash],
                )
            feed_numbers = self._feed_numbers()
            while rows := self.db.execute(
                # CROSS JOIN: walk the (few) pending items first, never the whole item_ids table.
                f"SELECT p.item, {_ENTRY_COLUMNS} FROM membership_pending p "
                "CROSS JOIN item_ids d ON d.id = p.item "
                "JOIN items i ON i.source = d.source AND i.key = d.key "
                f"LEFT JOIN articles a ON a.source = i.source AND a.key = i.key LIMIT {int(batch)}"
            ).fetchall():
                done += len(rows)
                ids = [(row[0],) for row in rows]
                new_rows = []
                for row in rows:
                    try:
                        entry = _entry(row[1:])
                        paths, month = feeds_of(entry)
                        keys = (_epoch(entry.published), _epoch(entry.first_seen), entry.position)
                    except _UNREADABLE as error:  # a row no renderer could date: in no feed at all
                        log.warning("stored item %s left out of the feeds: unreadable (%s)", row[2], error)
                        continue
                    for path in paths:
                        if path not in feed_numbers:
                            feed_numbers[path] = self._feed_number(path)
                        new_rows.append((feed_numbers[path], row[0], *keys, _epoch(entry.updated), month))
                self._recount(ids, -1)
                self.db.conn.executemany("DELETE FROM feed_items WHERE item = ?", ids)
                self.db.conn.executemany("INSERT INTO feed_items VALUES (?, ?, ?, ?, ?, ?, ?)", new_rows)
                self._recount(ids, 1)
                self.db.conn.executemany("DELETE FROM membership_pending WHERE item = ?", ids)
            self.db.execute("DELETE FROM membership_pending")  # numbers of items no longer stored, if any
        return done

    def _feed_numbers(self) -> dict[str, int]:
        return {path: number for number, path in self.db.execute("SELECT id, path FROM feeds")}

    def _feed_number(self, path: str) -> int:
        cursor = self.db.execute("INSERT INTO feeds (path) VALUES (?)", [path])
        return int(cursor.lastrowid or 0)

    def _recount(self, ids: Sequence[tuple[int]], sign: int) -> None:
        """Add (sign 1) or take away (-1) these items' stored memberships to the counts, if not removed."""
        for start in range(0, len(ids), 500):
            chunk = [item for (item,) in ids[start : start + 500]]
            marks = ",".join("?" * len(chunk))
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
            f"SELECT {_ENTRY_COLUMNS}, "
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
        with self._errors("read items"):
            rows = self.db.execute(sql, params).fetchall()
        entries = []
        for row in rows:
            try:
                entry = _entry(row[:-2])
            except _UNREADABLE as error:
                log.warning("stored item %s left out of the feeds: unreadable (%s)", row[1], error)
                continue
            topics = tuple(row[-2].split("\x1f")) if row[-2] else ()
            entries.append((replace(entry, topics=topics), from_iso(row[-1]) if row[-1] else None))
        return entries

    def feed_summaries(self) -> dict[str, tuple[int, dt.datetime | None]]:
        """Every feed's (items not removed, newest `updated` among them), from the kept counts."""
        with self._errors("read memberships"):
            counts = self.db.execute(
                "SELECT g.id, g.path, sum(c.n) FROM feeds g JOIN feed_counts c ON c.feed = g.id GROUP BY g.id"
            ).fetchall()
            summaries: dict[str, tuple[int, dt.datetime | None]] = {}
            for number, path, count in counts:
                newest = self.db.execute(
                    "SELECT i.updated FROM feed_items f "
                    "JOIN item_ids d ON d.id = f.item JOIN items i ON i.source = d.source AND i.key = d.key "
                    "WHERE f.feed = ? AND i.removed_at IS NULL ORDER BY f.updated DESC LIMIT 1",
                    [number],
                ).fetchone()
                summaries[path] = (int(count), from_iso(newest[0]) if newest else None)
        return summaries

    def month_counts(self, feed: str = "all") -> dict[dt.date, int]:
        """Items of `feed` not removed, per month published (first source's time zone); months with any."""
        with self._errors("read memberships"):
            rows = self.db.execute(
                "SELECT c.month, c.n FROM feed_counts c JOIN feeds g ON g.id = c.feed "
                "WHERE g.path = ? AND c.n > 0",
                [feed],
            ).fetchall()
        return {dt.date(month // 100, month % 100, 1): int(n) for month, n in rows}

    def rendered(self) -> dict[str, str]:
        """What the last publish recorded of each feed document it wrote or kept (path → its record)."""
        with self._errors("read settings"):
            rows = self.db.execute(
                "SELECT substr(name, 10), value FROM settings WHERE name LIKE 'rendered:%'"
            ).fetchall()
        return dict(rows)

    def save_rendered(self, records: Mapping[str, str | None]) -> None:
        """Record (or, for None, forget) feed documents' records; writes only those that differ."""
        stored = self.rendered()
        changed = {path: record for path, record in records.items() if stored.get(path) != record}
        if not changed:
            return
        with self._errors("write settings"), self._write():
            for path, record in changed.items():
                if record is None:
                    self.db.execute("DELETE FROM settings WHERE name = ?", ["rendered:" + path])
                else:
                    self.db.execute(
                        "INSERT INTO settings VALUES (?, ?) "
                        "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                        ["rendered:" + path, record],
                    )

    def tracked(self, source: str) -> list[Tracked]:
        """Every stored item of `source` with its listing date and removal state (for `history.missing`).

        The date is the latest version's: an item the site re-dated is looked for where it now sits."""
        with self._errors("read items"):
            rows = self.db.execute(
                "SELECT i.key, coalesce((SELECT nullif(r.site_date, '') FROM revisions r "
                "WHERE r.source = i.source AND r.key = i.key ORDER BY r.id DESC LIMIT 1), i.site_date), "
                "i.missing_count, i.removed_at FROM items i WHERE i.source = ?",
                [source],
            ).fetchall()
        return [
            Tracked(
                key=key,
                day=dt.date.fromisoformat(site_date[:10]),
                missing_count=count or 0,
                removed=removed is not None,
            )
            for key, site_date, count, removed in rows
            if site_date
        ]

    def latest_versions(self, source: str, keys: Iterable[str]) -> dict[str, tuple[int, Version]]:
        """The newest stored revision (id, version) of each of `keys` that has one."""
        keys = list(keys)
        found: dict[str, tuple[int, Version]] = {}
        with self._errors("read revisions"):
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                sql = (
                    f"SELECT id, key, {_VERSION_COLUMNS} FROM revisions WHERE id IN "
                    f"(SELECT max(id) FROM revisions WHERE source = ? AND key IN ({marks}) GROUP BY key)"
                )
                for row in self.db.execute(sql, [source, *chunk]).fetchall():
                    found[row[1]] = (row[0], _version(row[2:]))
        return found

    def last_event_id(self) -> int:
        with self._errors("read events"):
            row = self.db.execute("SELECT max(id) FROM events").fetchone()
        return int(row[0] or 0)

    def event_summary(self) -> tuple[int, dt.datetime | None, dt.datetime | None]:
        """(number of events, the oldest event's time, the newest event's time), without loading them."""
        with self._errors("read events"):
            # Every event has its item and revision (neither is ever deleted), so this counts what changes()
            # reads without joining them: min and max are seeks on the `at` index.
            count, oldest, newest = self.db.execute(
                "SELECT (SELECT count(*) FROM events), (SELECT min(at) FROM events), "
                "(SELECT max(at) FROM events)"
            ).fetchone()
        return int(count), from_iso(oldest) if oldest else None, from_iso(newest) if newest else None

    def changes(
        self,
        *,
        limit: int | None = None,
        after_id: int | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> list[ChangeRow]:
        """Events, newest first, each with the version after it (and before it, for an edit); `after_id`:
        only events recorded after that one; `since`: only events at or after that instant; `until`: only
        events before that instant."""
        after = ", ".join(f"r.{c}" for c in _VERSION_COLUMNS.split(", "))
        before = ", ".join(f"p.{c}" for c in _VERSION_COLUMNS.split(", "))
        sql = (
            "SELECT e.id, e.source, e.key, e.kind, e.at, e.detail, i.entry_id, i.link, i.published, "
            f"p.id, {after}, {before} FROM events e "
            "JOIN items i ON i.source = e.source AND i.key = e.key "
            "JOIN revisions r ON r.id = e.revision_id "
            "LEFT JOIN revisions p ON p.id = e.previous_revision_id "
        )
        conditions: list[str] = []
        params: list[object] = []
        if after_id is not None:
            conditions.append("e.id > ?")
            params.append(after_id)
        if since is not None:  # `at` is stored as UTC ISO text (iso()), so text order is time order
            conditions.append("e.at >= ?")
            params.append(iso(since))
        if until is not None:
            conditions.append("e.at < ?")
            params.append(iso(until))
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        sql += " ORDER BY e.at DESC, e.id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._errors("read events"):
            rows = self.db.execute(sql, params).fetchall()
        width = len(_VERSION_COLUMNS.split(", "))
        readable = []
        for row in rows:
            try:
                _stored_instant(row[4]), _stored_instant(row[8])
            except _UNREADABLE as error:
                log.warning("stored event %s of %s left out: unreadable (%s)", row[0], row[2], error)
                continue
            readable.append(row)
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
                after=_version(row[10 : 10 + width]),
                before=_version(row[10 + width :]) if row[9] is not None else None,
            )
            for row in readable
        ]

    def tombstones(self, *, limit: int) -> list[Tombstone]:
        """Removed items that would still be among the newest `limit` entries had they not been removed."""
        sql = (
            "SELECT entry_id, link, title, removed_at FROM (SELECT * FROM items "
            "ORDER BY published DESC, first_seen DESC, position ASC LIMIT ?) "
            "WHERE removed_at IS NOT NULL ORDER BY removed_at DESC, entry_id"
        )
        with self._errors("read items"):
            rows = self.db.execute(sql, [int(limit)]).fetchall()
        return [Tombstone(entry_id=r[0], link=r[1], title=r[2], removed_at=from_iso(r[3])) for r in rows]

    def records(self, key: str | None = None) -> list[ItemRecord]:
        """Every item (or those with `key`, in any source) with all its versions and events, oldest first."""
        where, params = ("WHERE key = ?", [key]) if key is not None else ("", [])
        with self._errors("read the history"):
            items = self.db.execute(
                "SELECT source, key, entry_id, link, published, first_seen, removed_at FROM items "
                f"{where} ORDER BY published DESC, first_seen DESC, position ASC",
                params,
            ).fetchall()
            revisions: dict[tuple[str, str], list[RevisionRecord]] = {}
            for row in self.db.execute(
                f"SELECT source, key, id, first_seen, last_seen, {_VERSION_COLUMNS} FROM revisions "
                f"{where} ORDER BY id",
                params,
            ):
                revisions.setdefault((row[0], row[1]), []).append(
                    RevisionRecord(row[2], from_iso(row[3]), from_iso(row[4]), _version(row[5:]))
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

    def counts(self) -> dict[str, int]:
        with self._errors("read items"):
            return {s: n for s, n in self.db.execute("SELECT source, count(*) FROM items GROUP BY source")}

    def last_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        with self._errors("read runs"):
            return list(_table(self.db, "runs").rows_where(order_by="id desc", limit=limit))

    def run_history(self, source: str) -> RunHistory:
        """What health needs to know about one source's runs, from the runs table (right across restarts)."""
        with self._errors("read runs"):
            success = self.db.execute(
                "SELECT id, finished FROM runs WHERE source = ? AND status IN ('ok', 'not_modified') "
                "ORDER BY id DESC LIMIT 1",
                [source],
            ).fetchone()
            failure = self.db.execute(
                "SELECT id, finished, error FROM runs WHERE source = ? AND status = 'failed' "
                "ORDER BY id DESC LIMIT 1",
                [source],
            ).fetchone()
            last = self.db.execute(
                "SELECT finished, status FROM runs WHERE source = ? ORDER BY id DESC LIMIT 1", [source]
            ).fetchone()
            since = success[0] if success else 0
            failures = self.db.execute(
                "SELECT count(*) FROM runs WHERE source = ? AND status = 'failed' AND id > ?", [source, since]
            ).fetchone()[0]
        return RunHistory(
            source=source,
            last_run=from_iso(last[0]) if last else None,
            last_status=last[1] if last else None,
            last_success=from_iso(success[1]) if success else None,
            last_failure=from_iso(failure[1]) if failure else None,
            last_error=failure[2] if failure else None,
            consecutive_failures=int(failures),
        )

    # -- writes -------------------------------------------------------------------------------------------

    def commit_cycle(self, write: CycleWrite) -> None:
        """Write one source's cycle in one transaction: items, HTTP cache and the run record, or nothing."""
        now = iso(write.finished)
        with self._errors("write the cycle"), self._write():
            if write.new:
                _table(self.db, "items").insert_all(
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
                    fields["updated"] = self._moved_forward(u.source, u.key, now)
                _table(self.db, "items").update((u.source, u.key), fields)
            for article in write.articles:
                self._save_article(write.report.source, article)
            self._write_history(write.report.source, write.history, write.started, now)
            if write.new or write.updates or not write.history.is_empty:
                # Sightings are refreshed only by cycles that write anyway: an unchanged cycle writes nothing
                # but its run record (the run's time is then the items' latest sighting).
                self._touch(write.report.source, write.seen_keys, now)
            for url, validators in (write.validators or {}).items():
                self._save_validators(url, validators)
            self._insert_run(write.report, write.started, write.finished, write.first_page_items)

    def _save_article(self, source: str, article: ArticleWrite) -> None:
        row: dict[str, Any] = {
            "source": source,
            "key": article.key,
            "status": article.status,
            "attempts": article.attempts,
            "checks": article.checks,
            "next_attempt": iso(article.next_attempt) if article.next_attempt else None,
            "checked": iso(article.checked),
            "http_status": article.http_status,
            "error": article.error,
        }
        if article.validators is not None:
            row["etag"] = article.validators.etag
            row["last_modified"] = article.validators.last_modified
        content = article.content
        if content is not None:
            image = content.image
            row |= {
                "fetched": iso(article.checked),
                "heading": content.heading,
                "ingress": content.ingress,
                "content_html": content.content_html,
                "body_text": content.body_text,
                "content_hash": content.content_hash,
                "image_url": image.url if image else None,
                "image_type": image.media_type if image else None,
                "image_length": image.length if image else None,
                "image_alt": image.alt if image else None,
                "image_caption": image.caption if image else None,
                "site_updated": iso(content.site_updated) if content.site_updated else None,
                "tags": json.dumps(list(content.tags), ensure_ascii=False),
                "attachments": json.dumps(
                    [{"url": a.url, "title": a.title} for a in content.attachments], ensure_ascii=False
                ),
            }
        # upsert keeps the columns not named here (a failure keeps the last good content)
        _table(self.db, "articles").upsert(row, pk=("source", "key"))
        if article.updated_to is not None:
            self.db.execute(
                "UPDATE items SET updated = ? WHERE source = ? AND key = ?",
                [self._moved_forward(source, article.key, iso(article.updated_to)), source, article.key],
            )

    def _moved_forward(self, source: str, key: str, moment: str) -> str:
        """The `updated` an edit seen at `moment` gives an item: `moment`, or a second after the stored value
        when that is later. A date-only item's nominal time (12:30 local, see dates.published_instant) can lie
        hours ahead of its first sighting, and an edit must still move `updated` forward, never back."""
        sql = "SELECT updated FROM items WHERE source = ? AND key = ?"
        row = self.db.execute(sql, [source, key]).fetchone()
        if row is None or not row[0]:
            return moment
        stored = _stored_instant(row[0])
        if _stored_instant(moment) > stored:
            return moment
        return iso(stored + dt.timedelta(seconds=1))

    def _write_history(self, source: str, history: HistoryWrite, started: dt.datetime, now: str) -> None:
        revisions, events, items = (_table(self.db, name) for name in ("revisions", "events", "items"))
        latest = self.latest_versions(source, [k for k, _ in history.removed] + list(history.restored))
        for key in history.restored:
            # A tombstone told readers the entry was gone: a new `updated` makes them take it back.
            items.update(
                (source, key), {"removed_at": None, "missing_count": 0, "missing_since": None, "updated": now}
            )
            events.insert(
                {"source": source, "key": key, "kind": "restored", "at": now, "revision_id": latest[key][0]}
            )
        for v in history.versions:
            row = {f: getattr(v.version, f) for f in _VERSION_COLUMNS.split(", ")}
            if v.kind == "fill":
                assert v.previous is not None
                revisions.update(v.previous, {**row, "hash": version_hash(v.version)})
                continue
            revision = revisions.insert(
                {
                    "source": source,
                    "key": v.key,
                    "first_seen": iso(started),
                    "last_seen": now,
                    **row,
                    "hash": version_hash(v.version),
                }
            )
            events.insert(
                {
                    "source": source,
                    "key": v.key,
                    "kind": v.kind,
                    "at": now,
                    "revision_id": revision.last_pk,
                    "previous_revision_id": v.previous,
                }
            )
        for key, count in history.missing.items():
            fields: dict[str, Any] = {"missing_count": count}
            if count == 1:
                fields["missing_since"] = now
            items.update((source, key), fields)
        for key in history.back:
            items.update((source, key), {"missing_count": 0, "missing_since": None})
        for key, why in history.removed:
            items.update((source, key), {"removed_at": now, "missing_count": 0})
            events.insert(
                {
                    "source": source,
                    "key": key,
                    "kind": "removed",
                    "at": now,
                    "revision_id": latest[key][0],
                    "detail": why,
                }
            )

    def record_failure(self, report: SourceReport, started: dt.datetime, finished: dt.datetime) -> None:
        """Record a failed cycle; nothing else is touched."""
        with self._errors("record the run"), self._write():
            self._insert_run(report, started, finished, None)

    def _touch(self, source: str, keys: Sequence[str], when: str) -> None:
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

    def _save_validators(self, url: str, validators: Validators) -> None:
        if self.validators(url) == validators:
            return  # unchanged: an unchanged cycle must not write
        _table(self.db, "http_cache").upsert(
            {"url": url, "etag": validators.etag, "last_modified": validators.last_modified}, pk="url"
        )

    def _insert_run(
        self, report: SourceReport, started: dt.datetime, finished: dt.datetime, first_page: int | None
    ) -> None:
        _table(self.db, "runs").insert(
            {
                "source": report.source,
                "started": iso(started),
                "finished": iso(finished),
                "status": report.status,
                "new": report.new,
                "changed": report.changed,
                "unchanged": report.unchanged,
                "pages": report.pages,
                "first_page_items": first_page,
                "requests": report.requests,
                "error": report.error,
                "articles": report.articles,
                "articles_failed": report.articles_failed,
            }
        )


_STATE_COLUMNS = (
    "key, status, attempts, checks, content_hash, etag, last_modified, image_url, image_type, image_length"
)


def _state(row: Sequence[Any]) -> ArticleState:
    _key, status, attempts, checks, digest, etag, last_modified, image_url, image_type, image_length = row
    return ArticleState(
        status=status,
        attempts=attempts or 0,
        checks=checks or 0,
        content_hash=digest,
        validators=Validators(etag=etag, last_modified=last_modified),
        image=LeadImage(image_url, media_type=image_type, length=image_length or 0) if image_url else None,
    )


_ENTRY_COLUMNS = (
    "i.source, i.key, i.entry_id, i.title, i.summary, i.link, i.published, i.updated, i.first_seen, "
    "i.position, a.content_html, a.image_url, a.image_type, a.image_length, a.image_alt, a.image_caption, "
    "a.tags, i.date_source"
)

_VERSION_COLUMNS = "title, summary, site_date, body_text, article_updated"


def _version(row: Sequence[Any]) -> Version:
    title, summary, site_date, body_text, article_updated = row
    return Version(
        title=title or "",
        summary=summary or "",
        site_date=site_date or "",
        body_text=body_text,
        article_updated=article_updated,
    )


def _entry(row: Sequence[Any]) -> Entry:
    source, key, entry_id, title, summary, link, published, updated, first_seen, position = row[:10]
    content_html, image_url, image_type, image_length, image_alt, image_caption, tags, date_source = row[10:]
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
        published=_stored_instant(published),
        updated=_stored_instant(updated),
        first_seen=_stored_instant(first_seen),
        position=position,
        content_html=content_html or "",
        image=image,
        tags=_stored_tags(tags),
        dated=date_source != "none",
    )
