"""(4) A store of 100,000 items (each with its first revision and "new" event, over ten years) in 10 sources
and 20 topics: a full render of every feed into an empty folder, an incremental cycle with one new item (its
commit and publish: the network part is measured in (2)), the same with one edit of an old item (and how
many history pages it rewrites: issue 19 asks ≤ 3), and storing every item's feed membership again
(what a `[[topics]]` change costs, once). (7) The same store with 1,000,000 items, generated with SQL
(memberships too), and its incremental cycle. Each step runs in its own child process, so its time and peak
RSS are its own.

Before the measured steps one unmeasured cycle adds an item dated now: the first cycle of a new year also
completes the previous year's archive (its `next-archive` link), once; the incremental row measures the
cycles after it.

Baseline: a child that imports the pipeline, opens the same store and reads one feed's worth of rows; its
RSS is the floor any step pays.

    python -m bench.store_scale build|build1m|render|incremental|edit|memberships|floor FOLDER   (what `run`
    calls)
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from scraper.config import Config

from .common import TOPIC_WORDS, Row, median, run_process, write_config

if TYPE_CHECKING:
    from scraper.models import Entry

ITEMS = 100_000
SOURCES = 10
TOPICS = 20
#: Ten years either way: 50 minutes between items for 100k, 5 for 1M.
SPAN_MINUTES = 5_000_000


def _rows(count: int) -> Iterator[tuple[object, ...]]:
    rng = random.Random(8)
    start = dt.datetime(2016, 1, 1, tzinfo=dt.UTC)
    step = SPAN_MINUTES // count
    for n in range(count):
        source = f"s{n % SOURCES}"
        key = f"{n:08x}-0000-4000-8000-{n:012x}"
        published = (start + dt.timedelta(minutes=n * step + rng.randrange(step))).isoformat()
        words = rng.sample(TOPIC_WORDS, 3)
        title = f"Nyhet {n}: {words[0]} och {words[1]}"
        summary = f"Om {words[2]} i Göteborg, del {n}. " * 3
        link = f"https://goteborg.se/wps/portal/aktuellt/{key}"
        yield (source, key, f"tag:goteborg.se,2026:{source}/{key}", title, summary, link, published[:10],
               published, published, published, published, f"{n:016x}", n % 25)  # fmt: skip


def build(folder: Path) -> None:
    """The store, by SQL; then every item's membership through the project's own code."""
    from scraper.publish.catalog import membership
    from scraper.store import Store

    _build_items(folder, ITEMS)
    config = _config(folder)
    with Store(config.site.database) as store:
        store.feeds.sync_memberships(*membership(config))


def _build_items(folder: Path, count: int) -> None:
    from scraper.store import Store

    config_path = write_config(folder, "http://127.0.0.1:9/aktuellt/", sources=SOURCES, topics=TOPICS)
    with Store(folder / "aktuellt.db"):
        pass  # creates the schema through the project's migrations
    db = sqlite3.connect(folder / "aktuellt.db")
    with db:
        db.executemany(
            "INSERT INTO items (source, key, entry_id, title, summary, link, site_date, published, updated,"
            " first_seen, last_seen, content_hash, position) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            _rows(count),
        )
        # Each item's history as the pipeline records it: a first version and a "new" event at first sight.
        db.execute(
            "INSERT INTO revisions (id, source, key, first_seen, last_seen, title, summary, site_date, hash) "
            "SELECT rowid, source, key, first_seen, last_seen, title, summary, site_date, content_hash "
            "FROM items"
        )
        db.execute(
            "INSERT INTO events (source, key, kind, at, revision_id) "
            "SELECT source, key, 'new', first_seen, rowid FROM items ORDER BY first_seen"
        )
    db.close()
    assert config_path.exists()


def build1m(folder: Path) -> None:
    """1,000,000 items, and their memberships too, by SQL (the project's code takes minutes for a million
    items' topics, once, after a `[[topics]]` change: row (4) measures that step). The bench topics' words
    are plain lowercase substrings, so `instr` on the lowercased title and summary is what the project's
    matching finds; a sample is checked against `catalog.membership`."""
    from scraper.publish.catalog import membership

    _build_items(folder, 1_000_000)
    config = _config(folder)
    rules_hash, feeds_of = membership(config)
    tz = ZoneInfo(config.sources[0].timezone)
    db = sqlite3.connect(folder / "aktuellt.db")
    db.create_function(
        "month_of", 1, lambda text: (lambda m: m.year * 100 + m.month)(
            dt.datetime.fromisoformat(text).astimezone(tz)), deterministic=True
    )  # fmt: skip
    with db:
        db.execute("CREATE TEMP TABLE paths (path TEXT, word TEXT)")
        db.execute("INSERT INTO paths VALUES ('all', NULL)")
        db.executemany("INSERT INTO paths VALUES (?, NULL)", [(f"sources/s{n}",) for n in range(SOURCES)])
        db.executemany(
            "INSERT INTO paths VALUES (?, ?)", [(f"topics/{t.id}", t.match[0]) for t in config.topics]
        )
        db.execute("INSERT INTO feeds (path) SELECT path FROM paths")
        db.execute(
            "CREATE TEMP TABLE keys AS SELECT d.id AS item, i.source, i.title || ' ' || i.summary AS text, "
            "CAST(strftime('%s', i.published) AS INTEGER) AS published, "
            "CAST(strftime('%s', i.first_seen) AS INTEGER) AS first_seen, i.position, "
            "CAST(strftime('%s', i.updated) AS INTEGER) AS updated, month_of(i.published) AS month "
            "FROM items i JOIN item_ids d ON d.source = i.source AND d.key = i.key"
        )
        db.execute(
            "INSERT INTO feed_items SELECT g.id, k.item, k.published, k.first_seen, k.position, k.updated, "
            "k.month FROM keys k JOIN paths p JOIN feeds g ON g.path = p.path "
            "WHERE p.path = 'all' OR p.path = 'sources/' || k.source "
            "OR (p.word IS NOT NULL AND instr(lower(k.text), p.word) > 0)"
        )
        db.execute(
            "INSERT INTO feed_counts SELECT feed, month, count(*) FROM feed_items GROUP BY feed, month"
        )
        db.execute("DELETE FROM membership_pending")
        db.execute("INSERT INTO settings VALUES ('membership_rules', ?)", [rules_hash])
    sample = db.execute(
        "SELECT d.id, i.source, i.title, i.summary, i.published FROM items i "
        "JOIN item_ids d ON d.source = i.source AND d.key = i.key WHERE d.id % 9973 = 1"
    ).fetchall()
    for item, source, title, summary, published in sample:
        sql = "SELECT g.path, f.month FROM feed_items f JOIN feeds g ON g.id = f.feed WHERE f.item = ?"
        rows = db.execute(sql, [item]).fetchall()
        entry = _sample_entry(source, title, summary, dt.datetime.fromisoformat(published))
        paths, month = feeds_of(entry)
        assert {path for path, _ in rows} == set(paths), (item, rows, paths)
        assert {stored for _, stored in rows} == {month}, (item, rows, month)  # the bulk SQL's month
    db.close()


def _sample_entry(source: str, title: str, summary: str, moment: dt.datetime) -> Entry:
    from scraper.models import Entry

    return Entry(
        source=source, key="k", entry_id="i", title=title, summary=summary, link="l", published=moment,
        updated=moment, first_seen=moment, position=0,
    )  # fmt: skip


def memberships(folder: Path) -> dict[str, object]:
    """Every item's feed membership stored again, as after a `[[topics]]` change."""
    from scraper.publish.catalog import membership
    from scraper.store import Store

    config = _config(folder)
    db = sqlite3.connect(config.site.database)
    with db:  # as if the rules had changed: every item is due
        db.execute("UPDATE settings SET value = 'other rules' WHERE name = 'membership_rules'")
    db.close()
    start = time.perf_counter()
    with Store(config.site.database) as store:
        done = store.feeds.sync_memberships(*membership(config))
    return {"seconds": time.perf_counter() - start, "files": 0, "items": done}


def _config(folder: Path) -> Config:
    from scraper.config import load_config

    return load_config(folder / "config.toml")


def render(folder: Path) -> dict[str, object]:
    from scraper.publish.site import publish_feeds
    from scraper.store import Store

    config = _config(folder)
    shutil.rmtree(config.site.output_dir, ignore_errors=True)
    start, cpu = time.perf_counter(), time.process_time()
    with Store(config.site.database) as store:
        written = publish_feeds(config, store)
    return {"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu, "files": len(written)}


def warm(folder: Path) -> dict[str, object]:
    """A first render and one cycle (unmeasured): see the module's doc."""
    render(folder)
    return incremental(folder)


def incremental(folder: Path) -> dict[str, object]:
    """One cycle's commit and publish, with one new item and its first version and "new" event (as the
    pipeline records them)."""
    from scraper.history import Version
    from scraper.models import SourceReport
    from scraper.publish.site import publish_feeds
    from scraper.store import CycleWrite, HistoryWrite, NewItem, Store, VersionWrite

    config = _config(folder)
    now = dt.datetime.now(dt.UTC)
    key = f"ffffffff-0000-4000-8000-{time.time_ns() % 10**12:012d}"
    item = NewItem(
        source="s3", key=key, entry_id=f"tag:goteborg.se,2026:s3/{key}", title=f"Ny {TOPIC_WORDS[0]}",
        summary="En ny nyhet", link=f"https://goteborg.se/wps/portal/aktuellt/{key}",
        site_date=now.date().isoformat(), published=now, content_hash="x", position=0,
    )  # fmt: skip
    start, cpu = time.perf_counter(), time.process_time()
    with Store(config.site.database) as store:
        report = SourceReport("s3", "ok", new=1)
        version = Version(title=item.title, summary=item.summary, site_date=item.site_date)
        history = HistoryWrite(versions=[VersionWrite(key, version, "new")])
        store.commit_cycle(
            CycleWrite(report, now, now, first_page_items=25, new=[item], seen_keys=[key], history=history)
        )
        written = publish_feeds(config, store)
    return {"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu, "files": len(written)}


def edit(folder: Path) -> dict[str, object]:
    """One cycle's commit and publish, with one edit of an old item (a new title): the feeds it is in, the
    changes feed, changes.html and its history page are rewritten; no other history page is."""
    from scraper.history import Version
    from scraper.models import SourceReport
    from scraper.publish.site import publish_feeds
    from scraper.store import CycleWrite, HistoryWrite, ItemUpdate, Store, VersionWrite

    config = _config(folder)
    now = dt.datetime.now(dt.UTC)
    n = 4242
    source, key = f"s{n % SOURCES}", f"{n:08x}-0000-4000-8000-{n:012x}"
    start, cpu = time.perf_counter(), time.process_time()
    with Store(config.site.database) as store:
        previous, old = store.revisions.latest_versions(source, [key])[key]
        version = Version(
            title=f"Nyhet {n}, ändrad {time.time_ns()}", summary=old.summary, site_date=old.site_date
        )
        update = ItemUpdate(
            source,
            key,
            version.title,
            version.summary,
            f"https://goteborg.se/wps/portal/aktuellt/{key}",
            "y",
            True,
        )
        history = HistoryWrite(versions=[VersionWrite(key, version, "edited", previous)])
        report = SourceReport(source, "ok", changed=1)
        store.commit_cycle(
            CycleWrite(
                report, now, now, first_page_items=25, updates=[update], seen_keys=[key], history=history
            )
        )
        written = publish_feeds(config, store)
    pages = [p for p in written if p.endswith("/changes.html") or "/history/" in p]
    return {
        "seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu, "files": len(written),
        "pages": len(pages),
    }  # fmt: skip


def floor(folder: Path) -> dict[str, object]:
    import scraper.cycle  # noqa: F401  # what every step imports
    from scraper.store import Store

    config = _config(folder)
    start = time.perf_counter()
    with Store(config.site.database) as store:
        store.items.entries(limit=config.site.max_items)
    return {"seconds": time.perf_counter() - start, "files": 0}


def _child(step: str, folder: Path) -> tuple[dict[str, object], float]:
    out = folder / f"{step}.json"
    result = run_process([sys.executable, "-m", "bench.store_scale", step, str(folder)])
    assert result.returncode == 0, result.stderr
    return json.loads(out.read_text()), result.max_rss_mb


def run(repeat: int = 3) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        _child("build", folder)
        build_s = time.perf_counter() - t0
        _child("warm", folder)
        results: dict[str, list[tuple[dict[str, object], float]]] = {}
        for _ in range(repeat):
            for step in ("floor", "render", "incremental", "edit"):
                results.setdefault(step, []).append(_child(step, folder))
        total_files = len([p for p in (folder / "feeds").rglob("*") if p.is_file()])
        results["memberships"] = [_child("memberships", folder)]

    def secs(step: str) -> float:
        return median([float(str(r[0]["seconds"])) for r in results[step]])

    def cpu(step: str) -> str:
        return f"{median([float(str(r[0]['cpu'])) for r in results[step]]) * 1e3:.0f} ms CPU"

    def rss(step: str) -> float:
        return median([r[1] for r in results[step]])

    files = max(int(str(r[0]["files"])) for r in results["incremental"])
    edit_files = max(int(str(r[0]["files"])) for r in results["edit"])
    edit_pages = max(int(str(r[0]["pages"])) for r in results["edit"])
    floor_text = f"open + read 50 rows {secs('floor') * 1e3:.0f} ms, {rss('floor'):.0f} MB"
    return [
        Row("4", f"100k items: build (bulk insert, setup) {build_s:.1f} s", "", "", "", "", None),
        Row("4", "100k items: full render",
            f"{secs('render') * 1e3:.0f} ms ({cpu('render')}), {rss('render'):.0f} MB",
            floor_text, f"{secs('render') / secs('floor'):.1f}× time", "≤ 150 MB", rss("render") <= 150),
        Row("4", "100k items: incremental cycle, 1 new item",
            f"{secs('incremental') * 1e3:.0f} ms ({cpu('incremental')}), {rss('incremental'):.0f} MB",
            floor_text,
            f"{secs('incremental') / secs('floor'):.1f}× time", "≤ 0.3 s, ≤ 100 MB",
            secs("incremental") <= 0.3 and rss("incremental") <= 100),
        Row("4", "100k items: files rewritten by it", f"{files} of {total_files}", "", "",
            "only the affected feeds", None),
        Row("4", "100k items: incremental cycle, 1 edit",
            f"{secs('edit') * 1e3:.0f} ms ({cpu('edit')}), {rss('edit'):.0f} MB", floor_text,
            f"{secs('edit') / secs('floor'):.1f}× time", "", None),
        Row("4", "100k items: history pages rewritten by it (changes.html, history/*)",
            f"{edit_pages} (of {edit_files} files written)", "", "", "≤ 3", edit_pages <= 3),
        Row("4", "100k items: every item's memberships (a [[topics]] change)",
            f"{secs('memberships'):.1f} s, {rss('memberships'):.0f} MB", "", "", "", None),
    ]  # fmt: skip


def run_million(repeat: int = 3) -> list[Row]:
    """(7): 1,000,000 items (SQL-generated), a first render (unmeasured), then the incremental cycle."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        _child("build1m", folder)
        build_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        _child("warm", folder)
        warm_s = time.perf_counter() - t0
        results = {step: [_child(step, folder) for _ in range(repeat)] for step in ("floor", "incremental")}

    def secs(step: str) -> float:
        return median([float(str(r[0]["seconds"])) for r in results[step]])

    def cpu(step: str) -> str:
        return f"{median([float(str(r[0]['cpu'])) for r in results[step]]) * 1e3:.0f} ms CPU"

    def rss(step: str) -> float:
        return median([r[1] for r in results[step]])

    floor_text = f"open + read 50 rows {secs('floor') * 1e3:.0f} ms, {rss('floor'):.0f} MB"
    return [
        Row("7", f"1M items: build (SQL) {build_s:.0f} s, first render + 1 cycle {warm_s:.0f} s",
            "", "", "", "", None),
        Row("7", "1M items: incremental cycle, 1 new item",
            f"{secs('incremental') * 1e3:.0f} ms ({cpu('incremental')}), {rss('incremental'):.0f} MB",
            floor_text,
            f"{secs('incremental') / secs('floor'):.1f}× time", "≤ 0.5 s", secs("incremental") <= 0.5),
    ]  # fmt: skip


def main() -> int:
    step, folder = sys.argv[1], Path(sys.argv[2])
    steps: dict[str, Callable[[Path], dict[str, object] | None]] = {
        "build": build,
        "build1m": build1m,
        "warm": warm,
        "render": render,
        "incremental": incremental,
        "edit": edit,
        "memberships": memberships,
        "floor": floor,
    }
    result = steps[step](folder)
    if result is not None:
        (folder / f"{step}.json").write_text(json.dumps(result))
    else:
        (folder / f"{step}.json").write_text("{}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
