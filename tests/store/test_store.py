"""The store: migrations, the one-transaction cycle write, and reads in feed order."""

import datetime as dt

import pytest

from scraper.errors import StorageError
from scraper.models import SourceReport, Validators
from scraper.store import CycleWrite, ItemUpdate, NewItem, Store

T0 = dt.datetime(2026, 11, 29, 8, 0, tzinfo=dt.UTC)


def new(key: str, published: dt.datetime, position: int = 0, title: str = "Titel") -> NewItem:
    return NewItem(
        source="src",
        key=key,
        entry_id=f"tag:goteborg.se,2026:src/{key}",
        title=title,
        summary="Ingress",
        link=f"https://goteborg.se/aktuellt/{key}",
        site_date=published.date().isoformat(),
        published=published,
        content_hash=f"1:{key}",
        position=position,
    )


def cycle(*, new_items=(), updates=(), started=T0, validators=None) -> CycleWrite:
    report = SourceReport("src", "ok", new=len(new_items), changed=len(updates))
    return CycleWrite(
        report=report,
        started=started,
        finished=started + dt.timedelta(seconds=1),
        first_page_items=len(new_items),
        new=new_items,
        updates=updates,
        seen_keys=[n.key for n in new_items],
        validators=validators,
    )


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "a.db") as opened:
        yield opened


def test_migrations_are_idempotent(tmp_path):
    with Store(tmp_path / "a.db") as first:
        once = first.db.execute("SELECT name FROM _sqlite_migrations ORDER BY name").fetchall()
    with Store(tmp_path / "a.db") as again:
        applied = again.db.execute("SELECT name FROM _sqlite_migrations ORDER BY name").fetchall()
    assert applied == once
    assert ("m001_initial",) in applied and ("m002_articles",) in applied
    assert ("m003_history",) in applied
    assert ("m005_service",) in applied


def test_entries_order_published_then_seen_then_position(store):
    day = dt.datetime(2019, 1, 10, 23, 0, tzinfo=dt.UTC)
    store.commit_cycle(
        cycle(new_items=[new("b", day, 1), new("a", day, 0), new("old", day - dt.timedelta(days=3), 2)])
    )
    later = T0 + dt.timedelta(hours=1)
    store.commit_cycle(cycle(new_items=[new("c", day, 0)], started=later))
    assert [e.key for e in store.items.entries()] == ["c", "a", "b", "old"]
    assert [e.key for e in store.items.entries(limit=2)] == ["c", "a"]
    assert store.items.entries()[0].published == day


def test_update_bumps_updated_only_when_asked(store):
    day = dt.datetime(2019, 1, 10, 23, 0, tzinfo=dt.UTC)
    store.commit_cycle(cycle(new_items=[new("a", day), new("b", day, 1)]))
    later = T0 + dt.timedelta(hours=2)
    store.commit_cycle(
        cycle(
            updates=[
                ItemUpdate(
                    "src", "a", "Ny titel", "Ingress", "https://goteborg.se/aktuellt/a", "1:a2", bump=True
                ),
                ItemUpdate("src", "b", "Titel", "Ingress", "https://goteborg.se/x/b", "1:b", bump=False),
            ],
            started=later,
        )
    )
    by_key = {e.key: e for e in store.items.entries()}
    assert by_key["a"].title == "Ny titel"
    assert by_key["a"].updated == later + dt.timedelta(seconds=1)
    assert by_key["b"].link == "https://goteborg.se/x/b"
    assert by_key["b"].updated == day
    assert store.items.known("src", ["a", "b", "zz"])["a"].content_hash == "1:a2"


def test_failed_cycle_write_leaves_nothing(store):
    day = dt.datetime(2019, 1, 10, 23, 0, tzinfo=dt.UTC)
    store.commit_cycle(cycle(new_items=[new("a", day)]))
    with pytest.raises(StorageError):
        # The second row repeats a primary key: the whole cycle must roll back, the first row included.
        store.commit_cycle(cycle(new_items=[new("b", day), new("a", day)], validators={"u": Validators("x")}))
    assert [e.key for e in store.items.entries()] == ["a"]
    assert store.runs.validators("u") == Validators()
    assert store.db.execute("SELECT count(*) FROM runs").fetchone()[0] == 1


def test_validators_written_only_when_they_change(store):
    store.commit_cycle(cycle(validators={"u": Validators('"e1"', "Mon, 01 Jan 2024 00:00:00 GMT")}))
    changes = store.db.conn.total_changes
    store.commit_cycle(cycle(validators={"u": Validators('"e1"', "Mon, 01 Jan 2024 00:00:00 GMT")}))
    assert store.db.conn.total_changes == changes + 1  # the run record only
    assert store.runs.validators("u").etag == '"e1"'


def test_first_page_yardstick_ignores_failures(store):
    day = dt.datetime(2019, 1, 10, 23, 0, tzinfo=dt.UTC)
    assert store.runs.first_page_yardstick("src") is None
    store.commit_cycle(cycle(new_items=[new(k, day, i) for i, k in enumerate("abcdef")]))
    store.record_failure(SourceReport("src", "failed", error="boom"), T0, T0)
    assert store.runs.first_page_yardstick("src") == 6


def test_not_a_database_is_a_clear_error_and_left_alone(tmp_path):
    path = tmp_path / "a.db"
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(StorageError, match="a.db"):
        Store(path)
    assert path.read_bytes() == b"not a database" * 100


def test_an_older_versions_unfit_article_rows_and_event_times_are_fixed_once_when_the_store_opens(tmp_path):
    """Rows the per-read checks once screened at every publish (m021b_quarantine): a lead image that is not
    http(s) is dropped from its article, an item whose tags are not JSON and an event whose time is no date
    move to the quarantine table; the rest is untouched."""
    day = dt.datetime(2019, 1, 10, 23, 0, tzinfo=dt.UTC)
    with Store(tmp_path / "a.db") as store:
        store.commit_cycle(cycle(new_items=[new("a", day), new("b", day, 1), new("c", day, 2)]))
        for key, image, tags in (("a", "javascript:alert(1)", '["Kultur"]'), ("b", None, "[inte json")):
            store.db.execute(
                "INSERT INTO articles (source, key, status, image_url, image_alt, tags) "
                "VALUES ('src', ?, 'ok', ?, 'Bild', ?)",
                [key, image, tags],
            )
        store.db.execute(
            "INSERT INTO events (source, key, kind, at, revision_id) VALUES ('src', 'c', 'new', 'igår', 1)"
        )
        store.db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm021b_quarantine'")  # an older version
    with Store(tmp_path / "a.db") as store:
        entries = {e.key: e for e in store.items.entries()}
        assert sorted(entries) == ["a", "c"]
        assert entries["a"].image is None and entries["a"].tags == ("Kultur",)
        assert store.events.changes() == []
        moved = store.db.execute("SELECT tbl, why FROM quarantine ORDER BY id").fetchall()
        assert moved == [
            ("articles", "its tags '[inte json' are not a JSON list"),
            ("items", "its tags '[inte json' are not a JSON list"),
            ("events", "its time 'igår' is not an ISO date"),
            ("articles", "lead image 'javascript:alert(1)' is not an http(s) URL"),
        ]
    with Store(tmp_path / "a.db") as store:  # once: the next open finds nothing to do
        assert store.db.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 4
