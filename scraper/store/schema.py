"""The database schema, as registered migrations applied in order when a store opens.

The function names are recorded in the `_sqlite_migrations` table: never rename or reorder them.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator

from ..history import Version, version_hash
from .db import Database, Migrations, db_table

log = logging.getLogger(__name__)


migrations = Migrations("aktuellt")


@migrations()
def m001_initial(db: Database) -> None:
    db_table(db, "items").create(
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
    db_table(db, "items").create_index(["published", "first_seen", "position"])
    db_table(db, "runs").create(
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
    db_table(db, "runs").create_index(["source", "started"])
    db_table(db, "http_cache").create({"url": str, "etag": str, "last_modified": str}, pk="url")


@migrations()
def m002_articles(db: Database) -> None:
    """One row per item whose article page was ever tried: its fetch state and its sanitized content."""
    db_table(db, "articles").create(
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
    db_table(db, "articles").create_index(["source", "next_attempt"])
    db_table(db, "runs").add_column("articles", int)  # article pages read this cycle
    db_table(db, "runs").add_column("articles_failed", int)  # article pages that failed (retried later)


@migrations()
def m003_history(db: Database) -> None:
    """Every observed version of an item (revisions) and every change to it (events), plus removal state."""
    db_table(db, "revisions").create(
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
    db_table(db, "revisions").create_index(["source", "key", "id"])
    db_table(db, "events").create(
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
    db_table(db, "events").create_index(["at"])
    db_table(db, "events").create_index(["source", "key"])
    items = db_table(db, "items")
    items.add_column("missing_count", int, not_null_default=0)  # consecutive healthy reads without it
    items.add_column("missing_since", str)
    items.add_column("removed_at", str)  # set while the item is removed from the site
    # Backfill: what the store already holds is each item's first known version, first seen when it was.
    for row in list(items.rows):
        version = Version(title=row["title"], summary=row["summary"] or "", site_date=row["site_date"] or "")
        revision = db_table(db, "revisions").insert(
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
        db_table(db, "events").insert(
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
    db_table(db, "runs").create_index(["source", "status", "id"], index_name="runs_source_status_id")


@migrations()
def m006_item_date_source(db: Database) -> None:
    # Where an item's `published` came from (issue 12): "time", "element", "title", "url", or "none" for an
    # item the page showed without a date, dated by first sight. NULL on older rows: a listing date.
    db_table(db, "items").add_column("date_source", str)


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


@migrations()
def m017s_runs_held_back(db: Database) -> None:
    # New items a read found beyond `sources[].max_new_items_per_cycle` (issue 17, item 4): while the last
    # good read held some back, the next one reads every page without validators, so none is lost.
    db_table(db, "runs").add_column("held_back", int)


@migrations()
def m020_robots_cache(db: Database) -> None:
    # robots.txt as last read, per file (issue 20): each `aktuellt run` is a new process and each cycle of
    # `serve` a new fetcher, so without it every cycle asks every host for robots.txt before its listing (a
    # second request and a `delay` wait per source). RFC 9309 2.4 lets a crawler keep it up to 24 hours.
    db.execute("CREATE TABLE robots_cache (url TEXT PRIMARY KEY, body TEXT NOT NULL, fetched TEXT NOT NULL)")


@migrations()
def m020_uploads(db: Database) -> None:
    # Files uploaded to the `[publish] target` bucket, by name under output_dir, with the SHA-256 of the bytes
    # sent (issue 20): a file is uploaded again only when its bytes differ, a failed upload (no row) is tried
    # again next cycle, and only names listed here (the project's own) are ever deleted from the bucket.
    db.execute("CREATE TABLE uploads (name TEXT PRIMARY KEY, sha256 TEXT NOT NULL, uploaded TEXT NOT NULL)")


def _statements(script: str) -> Iterator[str]:
    """The SQL statements of `script` one by one (executescript would commit the migration's transaction)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending.strip()
            pending = ""


#: The columns of a version that full-text search reads (`revisions_fts`, FTS5, kept by triggers).
SEARCHED_COLUMNS = ("title", "summary", "body_text")


@migrations(transactional=False)  # sqlite-utils' enable_fts runs a script, which commits by itself
def m019h_search_and_history_pages(db: Database) -> None:
    """Full-text search over every version (`revisions_fts`), and the queue of history pages to render.

    `revisions_fts` indexes each revision's title, summary and article text (an external-content FTS5
    table, named as sqlite-utils and Datasette expect); existing versions are indexed here (backfill), later
    ones by triggers, so a version is searchable in the same transaction as the cycle that stored it. The
    update trigger fires only on the searched columns: a cycle refreshes `last_seen` of many revisions.
    Swedish letters stay letters (remove_diacritics 0): "har" is not "här".

    `history_pending` holds the (source, key) of items whose history page must be written again: triggers
    add an item when it gets an event, when a version's fields are filled in or edited, and when its link
    changes; a publish renders those pages and then empties the queue up to what it read (see
    publish/historysite.py).

    Not transactional (enable_fts): every step is safe to repeat, so a migration cut short is finished when
    the store is next opened."""
    revisions = db_table(db, "revisions")
    if db_table(db, "revisions_fts").exists():
        revisions.rebuild_fts()  # a run cut short after creating it: index every version again
    else:
        revisions.enable_fts(list(SEARCHED_COLUMNS), tokenize="unicode61 remove_diacritics 0")
    columns = ", ".join(SEARCHED_COLUMNS)
    new = ", ".join(f"new.{c}" for c in SEARCHED_COLUMNS)
    old = ", ".join(f"old.{c}" for c in SEARCHED_COLUMNS)
    pending = (
        "INSERT INTO history_pending (source, key) SELECT {row}.source, {row}.key WHERE NOT EXISTS "
        "(SELECT 1 FROM history_pending WHERE source = {row}.source AND key = {row}.key);"
    )
    with db.atomic():
        for statement in _statements(
            f"""
            CREATE TRIGGER IF NOT EXISTS revisions_fts_ai AFTER INSERT ON revisions BEGIN
                INSERT INTO revisions_fts (rowid, {columns}) VALUES (new.id, {new});
            END;
            CREATE TRIGGER IF NOT EXISTS revisions_fts_ad AFTER DELETE ON revisions BEGIN
                INSERT INTO revisions_fts (revisions_fts, rowid, {columns}) VALUES ('delete', old.id, {old});
            END;
            CREATE TRIGGER IF NOT EXISTS revisions_fts_au AFTER UPDATE OF {columns} ON revisions BEGIN
                INSERT INTO revisions_fts (revisions_fts, rowid, {columns}) VALUES ('delete', old.id, {old});
                INSERT INTO revisions_fts (rowid, {columns}) VALUES (new.id, {new});
            END;
            CREATE TABLE IF NOT EXISTS history_pending (source TEXT NOT NULL, key TEXT NOT NULL,
                                                        PRIMARY KEY (source, key));
            CREATE TRIGGER IF NOT EXISTS history_pending_event AFTER INSERT ON events BEGIN
                {pending.format(row="NEW")}
            END;
            CREATE TRIGGER IF NOT EXISTS history_pending_version
            AFTER UPDATE OF title, summary, site_date, body_text, article_updated ON revisions BEGIN
                {pending.format(row="NEW")}
            END;
            CREATE TRIGGER IF NOT EXISTS history_pending_link AFTER UPDATE OF link ON items
            WHEN OLD.link IS NOT NEW.link BEGIN
                {pending.format(row="NEW")}
            END;
            CREATE INDEX IF NOT EXISTS events_kind_key ON events (kind, key);
            """
        ):
            db.execute(statement)


@migrations()
def m019d_outbox(db: Database) -> None:
    """The outbox (issue 19): every event is queued for every active notify target by a trigger, so in the
    same transaction as the cycle's commit that records the event; a row stays "pending" until the target
    confirmed it ("sent"), its filters left it out ("skipped") or `give_up_after` passed ("undeliverable").
    `notify_targets` holds each target's id (never its URL, which may hold secrets) and its back-off."""
    for statement in _statements(
        """
        CREATE TABLE notify_targets (
            id TEXT PRIMARY KEY,
            active INTEGER NOT NULL DEFAULT 1,  -- 0: no longer in the config; its rows wait, uncounted
            added TEXT NOT NULL,
            failures INTEGER NOT NULL DEFAULT 0,  -- failed attempts since the last delivery
            next_attempt TEXT,  -- back-off: no attempt before this instant
            last_error TEXT,
            last_success TEXT
        );
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            target TEXT NOT NULL,
            event INTEGER NOT NULL,
            queued TEXT NOT NULL,  -- the event's time: `give_up_after` counts from it
            state TEXT NOT NULL DEFAULT 'pending',  -- pending | sent | skipped | undeliverable
            done TEXT,
            error TEXT
        );
        CREATE UNIQUE INDEX outbox_target_event ON outbox (target, event);
        CREATE INDEX outbox_state ON outbox (target, state, event);
        CREATE TRIGGER events_outbox AFTER INSERT ON events BEGIN
            INSERT INTO outbox (target, event, queued)
            SELECT id, NEW.id, NEW.at FROM notify_targets WHERE active = 1;
        END;
        """
    ):
        db.execute(statement)
