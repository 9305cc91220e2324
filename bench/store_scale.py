"""(4) A store of 100,000 items (each with its first revision and "new" event, over ten years) in 10 sources
and 20 topics: a full render of every feed into an empty
folder, and an incremental cycle with one new item (its commit and publish: the network part is measured in
(2)). Each step runs in its own child process, so its time and peak RSS are its own.

Baseline: a child that imports the pipeline, opens the same store and reads one feed's worth of rows; its
RSS is the floor any step pays.

    python -m bench.store_scale build|render|incremental|floor FOLDER   (what `run` calls)
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
from pathlib import Path

from scraper.config import Config

from .common import TOPIC_WORDS, Row, median, run_process, write_config

ITEMS = 100_000
SOURCES = 10
TOPICS = 20


def build(folder: Path) -> None:
    from scraper.store import Store

    config_path = write_config(folder, "http://127.0.0.1:9/aktuellt/", sources=SOURCES, topics=TOPICS)
    rng = random.Random(8)
    start = dt.datetime(2016, 1, 1, tzinfo=dt.UTC)
    rows = []
    for n in range(ITEMS):
        source = f"s{n % SOURCES}"
        key = f"{n:08x}-0000-4000-8000-{n:012x}"
        published = (start + dt.timedelta(minutes=n * 50 + rng.randrange(50))).isoformat()
        words = rng.sample(TOPIC_WORDS, 3)
        title = f"Nyhet {n}: {words[0]} och {words[1]}"
        summary = f"Om {words[2]} i Göteborg, del {n}. " * 3
        link = f"https://goteborg.se/wps/portal/aktuellt/{key}"
        rows.append(
            (source, key, f"tag:goteborg.se,2026:{source}/{key}", title, summary, link, published[:10],
             published, published, published, published, f"{n:016x}", n % 25)
        )  # fmt: skip
    with Store(folder / "aktuellt.db"):
        pass  # creates the schema through the project's migrations
    db = sqlite3.connect(folder / "aktuellt.db")
    with db:
        db.executemany(
            "INSERT INTO items (source, key, entry_id, title, summary, link, site_date, published, updated,"
            " first_seen, last_seen, content_hash, position) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
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


def _config(folder: Path) -> Config:
    from scraper.config import load_config

    return load_config(folder / "config.toml")


def render(folder: Path) -> dict[str, object]:
    from scraper.pipeline import publish_feeds
    from scraper.store import Store

    config = _config(folder)
    shutil.rmtree(config.site.output_dir, ignore_errors=True)
    start = time.perf_counter()
    with Store(config.site.database) as store:
        written = publish_feeds(config, store)
    return {"seconds": time.perf_counter() - start, "files": len(written)}


def incremental(folder: Path) -> dict[str, object]:
    from scraper.models import SourceReport
    from scraper.pipeline import publish_feeds
    from scraper.store import CycleWrite, NewItem, Store

    config = _config(folder)
    now = dt.datetime.now(dt.UTC)
    key = f"ffffffff-0000-4000-8000-{time.time_ns() % 10**12:012d}"
    item = NewItem(
        source="s3", key=key, entry_id=f"tag:goteborg.se,2026:s3/{key}", title=f"Ny {TOPIC_WORDS[0]}",
        summary="En ny nyhet", link=f"https://goteborg.se/wps/portal/aktuellt/{key}",
        site_date=now.date().isoformat(), published=now, content_hash="x", position=0,
    )  # fmt: skip
    start = time.perf_counter()
    with Store(config.site.database) as store:
        report = SourceReport("s3", "ok", new=1)
        store.commit_cycle(CycleWrite(report, now, now, first_page_items=25, new=[item], seen_keys=[key]))
        written = publish_feeds(config, store)
    return {"seconds": time.perf_counter() - start, "files": len(written)}


def floor(folder: Path) -> dict[str, object]:
    import scraper.pipeline  # noqa: F401  # what every step imports
    from scraper.store import Store

    config = _config(folder)
    start = time.perf_counter()
    with Store(config.site.database) as store:
        store.entries(limit=config.site.max_items)
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
        results: dict[str, list[tuple[dict[str, object], float]]] = {}
        for _ in range(repeat):
            for step in ("floor", "render", "incremental"):
                results.setdefault(step, []).append(_child(step, folder))
        total_files = len([p for p in (folder / "feeds").rglob("*") if p.is_file()])

    def secs(step: str) -> float:
        return median([float(str(r[0]["seconds"])) for r in results[step]])

    def rss(step: str) -> float:
        return median([r[1] for r in results[step]])

    files = max(int(str(r[0]["files"])) for r in results["incremental"])
    floor_text = f"open + read 50 rows {secs('floor') * 1e3:.0f} ms, {rss('floor'):.0f} MB"
    return [
        Row("4", f"100k items: build (bulk insert, setup) {build_s:.1f} s", "", "", "", "", None),
        Row("4", "100k items: full render", f"{secs('render') * 1e3:.0f} ms, {rss('render'):.0f} MB",
            floor_text, f"{secs('render') / secs('floor'):.1f}× time", "< 200 MB", rss("render") < 200),
        Row("4", "100k items: incremental cycle, 1 new item",
            f"{secs('incremental') * 1e3:.0f} ms, {rss('incremental'):.0f} MB", floor_text,
            f"{secs('incremental') / secs('floor'):.1f}× time", "< 1 s, < 200 MB",
            secs("incremental") < 1 and rss("incremental") < 200),
        Row("4", "100k items: files rewritten by it", f"{files} of {total_files}", "", "",
            "only the affected feeds", None),
    ]  # fmt: skip


def main() -> int:
    step, folder = sys.argv[1], Path(sys.argv[2])
    result = {"build": build, "render": render, "incremental": incremental, "floor": floor}[step](folder)
    if result is not None:
        (folder / f"{step}.json").write_text(json.dumps(result))
    else:
        (folder / f"{step}.json").write_text("{}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
