"""Stored feed membership (store m013): a publish reads every feed's entries, counts, newest update and the
month chart from it. It must show exactly what assigning topics to every stored entry shows
(test_catalog.walked_catalog), after every kind of write: new items, an edit that moves an item into
a topic, a removal, a restoration and a `[[topics]]` change; end to end against the fixture site."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import feedparser

from scraper.config import load_config
from scraper.publish.catalog import membership
from scraper.publish.site import feed_data
from scraper.store import Store
from tests.conftest import aktuellt, write_config
from tests.fixture_site import FixtureSite, load_seed
from tests.publish.test_catalog import rendered, walked_catalog
from tests.test_history import run_ok
from tests.test_site_end_to_end import EDITED_TOPICS, TWO_TOPICS

SEED = load_seed()


def two_sources(tmp_path: Path, site: FixtureSite, topics: str) -> Path:
    """Two sources (the fixture serves the same listing for any query) and `topics`."""
    config = write_config(tmp_path, site, topics)
    text = config.read_text(encoding="utf-8").replace("[[sources]]", "[[sources]]\narticles = false", 1)
    text += f'\n[[sources]]\nid = "stadsdel"\ntitle = "Stadsdelen"\nurl = "{site.listing_url}?kalla=2"\n'
    config.write_text(text + "articles = false\n", encoding="utf-8")
    return config


def stored_and_walked(config_path: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Every catalog document (feeds, index.html, feeds.opml) from the stored memberships, and from topics
    assigned to every entry on the spot."""
    config = load_config(config_path)
    with Store(config.site.database) as store:
        deleted = store.events.tombstones(limit=config.site.max_items)
        stored = rendered(config, feed_data(config, store, None), store.feeds.month_counts(), deleted)
        walked = walked_catalog(config, store.items.entries(), deleted)
    return stored, walked


def titles(files: dict[str, bytes], name: str) -> list[str]:
    return [entry.title for entry in feedparser.parse(files[name]).entries]


def test_stored_memberships_render_what_assigning_topics_to_every_entry_renders(tmp_path):
    with FixtureSite(load_seed()) as site:
        config = two_sources(tmp_path, site, TWO_TOPICS)
        run_ok(config)
        stored, walked = stored_and_walked(config)
        assert stored == walked
        halsa = titles(stored, "topics/halsa.atom")
        assert halsa and len(halsa) < len(SEED)  # a real selection, not everything or nothing

        # An edit in the listing that puts an item into a topic.
        moved = next(item for item in SEED if item.title not in halsa)
        site.edit_item(moved.uuid, title=moved.title + " för bättre hälsa")
        run_ok(config)
        stored, walked = stored_and_walked(config)
        assert stored == walked
        assert moved.title + " för bättre hälsa" in titles(stored, "topics/halsa.atom")

        # A removal (two misses): counts and the month chart drop it, the tombstone shows.
        gone = SEED[2]
        site.remove_item(gone.uuid)
        run_ok(config)
        run_ok(config)
        stored, walked = stored_and_walked(config)
        assert stored == walked
        assert gone.title not in titles(stored, "all.atom") and b"deleted-entry" in stored["all.atom"]

        # Restored: counted again.
        site.add_item(gone, 2)
        run_ok(config)
        stored, walked = stored_and_walked(config)
        assert stored == walked
        assert gone.title in titles(stored, "all.atom")

        # Other [[topics]]: every item's membership is worked out again, nothing refetched.
        edited = config.read_text(encoding="utf-8").replace(TWO_TOPICS, EDITED_TOPICS)
        config.write_text(edited, encoding="utf-8")
        stored, walked = stored_and_walked(config)
        assert stored == walked
        assert "topics/demokrati.atom" in stored and "topics/halsa.atom" not in stored
        assert titles(stored, "topics/demokrati.atom")


def test_a_sync_is_due_only_after_a_write_that_can_move_an_item(tmp_path):
    """Triggers mark an item due when its title, summary or article content/tags are written, not when only
    its sightings move; a rules change makes every item due; a sync with nothing due writes nothing."""
    with FixtureSite(load_seed()) as site:
        config_path = two_sources(tmp_path, site, TWO_TOPICS)
        run_ok(config_path)
    config = load_config(config_path)
    rules_hash, feeds_of = membership(config)
    database = config.site.database

    def write(sql: str) -> None:
        db = sqlite3.connect(database)
        with db:
            db.execute(sql)
        db.close()

    with Store(database) as store:
        assert store.feeds.memberships_current(rules_hash)
        changes = store.db.conn.total_changes
        assert store.feeds.sync_memberships(rules_hash, feeds_of) == 0
        assert store.db.conn.total_changes == changes  # nothing due: nothing written
    write("UPDATE items SET last_seen = '2030-01-01T00:00:00+00:00'")
    with Store(database) as store:
        assert store.feeds.memberships_current(rules_hash)
    write(f"UPDATE items SET title = title || ' hälsa' WHERE source = 'stadsdel' AND key = '{SEED[0].uuid}'")
    write(
        "INSERT INTO articles (source, key, status, tags) "
        f"VALUES ('stadsdel', '{SEED[1].uuid}', 'ok', '[\"hälsa\"]')"
    )
    with Store(database) as store:
        assert not store.feeds.memberships_current(rules_hash)
        assert store.feeds.sync_memberships(rules_hash, feeds_of) == 2  # the two written items, not all
        assert store.feeds.memberships_current(rules_hash)
        assert store.feeds.sync_memberships(rules_hash + "-other", feeds_of) == 2 * len(SEED)  # every item
        counts = store.feeds.feed_summaries()
    assert counts["all"][0] == 2 * len(SEED)
    assert counts["sources/stadsdel"][0] == len(SEED)


def status_topics(config: Path) -> dict[str, int]:
    result = aktuellt("--config", str(config), "status", "--json")
    assert result.returncode == 0, result.stderr
    topics: dict[str, int] = json.loads(result.stdout)["topics"]
    return topics


def test_status_counts_topics_from_the_store_and_from_edited_rules_before_a_publish(tmp_path):
    with FixtureSite(load_seed()) as site:
        config = two_sources(tmp_path, site, TWO_TOPICS)
        run_ok(config)
    stored, _ = stored_and_walked(config)
    halsa = len(titles(stored, "topics/halsa.atom"))
    assert status_topics(config) == {"lasning": len(titles(stored, "topics/lasning.atom")), "halsa": halsa}
    config.write_text(config.read_text(encoding="utf-8").replace(TWO_TOPICS, EDITED_TOPICS), encoding="utf-8")
    counts = status_topics(config)  # not yet published: worked out from the new rules
    _, walked = stored_and_walked(config)
    assert counts == {
        "lasning": len(titles(walked, "topics/lasning.atom")),
        "demokrati": len(titles(walked, "topics/demokrati.atom")),
    }
    assert counts["demokrati"] > 0


def test_a_kept_document_is_rendered_again_when_its_file_changed_or_went_missing(tmp_path):
    """A publish keeps a feed document whose inputs did not change without rendering it; but only while the
    file on disk is the one it wrote: an edited or deleted file is written again, and nothing else is."""
    with FixtureSite(load_seed()) as site:
        config = two_sources(tmp_path, site, TWO_TOPICS)
        run_ok(config)
        feeds = tmp_path / "feeds"
        before = {p.relative_to(feeds).as_posix(): p.read_bytes() for p in feeds.rglob("*") if p.is_file()}
        (feeds / "all.rss").write_bytes(b"<rss>edited by hand</rss>")
        (feeds / "topics/halsa.json").unlink()
        mtimes = {p: p.stat().st_mtime_ns for p in feeds.rglob("*.atom")}
        run_ok(config)
        after = {p.relative_to(feeds).as_posix(): p.read_bytes() for p in feeds.rglob("*") if p.is_file()}
    assert after == before  # every document back, byte for byte; none removed as stale
    assert {p: p.stat().st_mtime_ns for p in feeds.rglob("*.atom")} == mtimes  # the others untouched


def test_a_store_from_before_the_memberships_gets_them_on_its_next_publish(tmp_path):
    """Migration m013 numbers the items already stored and marks them all due: the first publish after the
    upgrade stores their memberships and renders what the walk renders."""
    with FixtureSite(load_seed()) as site:
        config_path = two_sources(tmp_path, site, TWO_TOPICS)
        run_ok(config_path)
    config = load_config(config_path)
    db = sqlite3.connect(config.site.database)
    with db:  # back to the schema before m013: its triggers, index and tables gone, and its record
        m013 = ("settings", "item_ids", "feeds", "membership_pending", "feed_items", "feed_counts")
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            db.execute(f"DROP TRIGGER {name}")
        db.execute("DROP INDEX items_removed_at")
        for table in m013:
            db.execute(f"DROP TABLE {table}")
        assert db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm013_memberships'").rowcount == 1
    db.close()
    with Store(config.site.database) as store:
        assert not store.feeds.memberships_current(membership(config)[0])
    stored, walked = stored_and_walked(config_path)
    assert stored == walked
    assert len(titles(stored, "sources/stadsdel.atom")) == len(SEED)
