"""Crash safety: SIGKILL `aktuellt run` at random instants of a cycle (fetch, store, publish), then check that
the database is intact, every feed file parses, nothing a completed cycle published is gone, and the next
cycle completes. AKTUELLT_CRASH_TRIALS sets the number of trials (`make stress` runs many more).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from scraper.config import load_config
from scraper.cycle import cycle_lock
from tests.conftest import write_config
from tests.fixture_site import FixtureSite, load_seed, new_item
from tests.test_end_to_end import swedish
from tests.test_faults import time_today
from tests.test_history import run_in_process

TRIALS = int(os.environ.get("AKTUELLT_CRASH_TRIALS", "20"))
CHUNKS = 2  # run as two tests, so xdist runs them on two workers at once


def published_ids(feeds: Path) -> set[str]:
    parsed = feedparser.parse((feeds / "all.atom").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return {entry.id for entry in parsed.entries}


def assert_every_feed_parses(feeds: Path) -> None:
    for path in feeds.rglob("*"):
        if not path.is_file() or path.name.endswith(".tmp"):
            continue  # a temp file a kill left behind is never served under a feed's name
        data = path.read_bytes()
        if path.suffix == ".json":
            json.loads(data)
        elif path.suffix in (".atom", ".rss", ".opml", ".xsl", ".xml"):
            etree.fromstring(data)
        if path.suffix in (".atom", ".rss"):
            assert not feedparser.parse(data).bozo, path


def assert_database_ok(db: Path) -> None:
    connection = sqlite3.connect(db)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        connection.close()


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_sigkill_at_random_instants_loses_nothing(tmp_path, chunk):
    rng = random.Random(7_000 + chunk)
    with FixtureSite(load_seed()) as site:
        site.etag = False  # every cycle reads, stores and publishes, so the kill can land in each phase
        config = write_config(tmp_path, site)
        config.write_text(config.read_text().replace("[fetch]", "max_items = 10000\n\n[fetch]"))
        command = [sys.executable, "-m", "scraper", "--config", str(config), "run"]
        started = time.monotonic()  # a process of its own, as each trial's: its start is part of the window
        assert subprocess.run(command, capture_output=True, timeout=60).returncode == 0
        duration = time.monotonic() - started
        published = published_ids(tmp_path / "feeds")
        outcomes: Counter[str] = Counter()
        site.request_delay = 0.005
        for trial in range(TRIALS // CHUNKS + (chunk < TRIALS % CHUNKS)):
            # Something new each time, so the store and every feed have work to do.
            site.add_item(new_item(f"Krasch {chunk}-{trial}", swedish(time_today()), "Ny."))
            process = subprocess.Popen(
                command,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            time.sleep(rng.uniform(0, duration * 1.3))
            process.send_signal(signal.SIGKILL)
            _, stderr = process.communicate(timeout=30)
            if process.returncode == 0:
                outcomes["finished before the kill"] += 1
                published |= published_ids(tmp_path / "feeds")
            elif " wrote " in stderr:
                outcomes["killed while publishing"] += 1
            else:
                outcomes["killed while fetching or storing"] += 1

            assert_database_ok(tmp_path / "aktuellt.db")
            assert_every_feed_parses(tmp_path / "feeds")
            assert published <= published_ids(tmp_path / "feeds"), f"trial {trial}: a published item is gone"

            # In this process (fast); under the same lock as `run`, so a lock a dead process held shows here.
            with cycle_lock(load_config(config).site.database):
                assert run_in_process(config).ok, f"trial {trial}: the next cycle failed"
            leftovers = sorted(p.name for p in (tmp_path / "feeds").rglob("*.tmp"))
            assert leftovers == [], f"trial {trial}: temp files a kill left were not cleaned up"
            now = published_ids(tmp_path / "feeds")
            assert published <= now
            assert f"Krasch {chunk}-{trial}" in {
                e.title for e in feedparser.parse((tmp_path / "feeds/all.atom").read_bytes()).entries
            }
            published |= now
        if report := os.environ.get(
            "AKTUELLT_CRASH_REPORT"
        ):  # `make stress` prints these (xdist hides print)
            with open(report, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(dict(outcomes), ensure_ascii=False) + "\n")
        assert sum(outcomes.values()) == TRIALS // CHUNKS + (chunk < TRIALS % CHUNKS)
        assert outcomes["killed while fetching or storing"] + outcomes["killed while publishing"] > 0
