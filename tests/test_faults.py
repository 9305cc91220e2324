"""Fault injection: whatever the source's server or the network does, a failed cycle leaves the store and the
feeds exactly as they were, says what went wrong in one line, and the next good cycle recovers in full.

Every case runs the real CLI in this process against the fixture site on 127.0.0.1 and a real SQLite file.
A good first cycle is run once per worker and copied (with mtimes) into each test's folder.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import feedparser
import pytest

from tests.conftest import write_config
from tests.fixture_site import FixtureSite, load_seed, new_item
from tests.test_end_to_end import run_cli, snapshot, swedish

SEED = load_seed()
SOURCE = "jamlikt-goteborg"


@pytest.fixture(scope="module")
def shared_site() -> Iterator[FixtureSite]:
    with FixtureSite(load_seed()) as running:
        yield running


@pytest.fixture(scope="module")
def baseline(shared_site: FixtureSite, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("baseline")
    result = run_cli(write_config(folder, shared_site, timeout=1.0))
    assert result.returncode == 0, result.stderr
    return folder


@pytest.fixture
def site(shared_site: FixtureSite) -> Iterator[FixtureSite]:
    shared_site.items = load_seed()
    yield shared_site
    shared_site.fault = shared_site.fault_times = shared_site.redirect_to = None
    shared_site.retry_after, shared_site.etag, shared_site.items = "1", True, load_seed()
    shared_site.requests.clear()


def prepared(tmp_path: Path, baseline: Path, site: FixtureSite, **fetch: Any) -> Path:
    """A folder that one good cycle has published; a new item and an edit wait on the site."""
    shutil.copytree(baseline / "feeds", tmp_path / "feeds")
    shutil.copy2(baseline / "aktuellt.db", tmp_path / "aktuellt.db")
    site.add_item(new_item("Nytt efter felet", swedish(time_today()), "Syns först när källan fungerar."))
    site.etag = False  # the failing run must really read the page, not stop at a 304
    return write_config(tmp_path, site, **{"timeout": 1.0, **fetch})


def time_today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Europe/Stockholm")).date()


def titles(tmp_path: Path) -> list[str]:
    parsed = feedparser.parse((tmp_path / "feeds/all.atom").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return [e.title for e in parsed.entries]


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if " ERROR " in line or line.startswith("aktuellt:")]


def assert_recovers(tmp_path: Path, config: Path, site: FixtureSite) -> None:
    site.fault = None
    result = run_cli(config)
    assert result.returncode == 0, result.stderr
    assert titles(tmp_path) == ["Nytt efter felet"] + [s.title for s in SEED]


# fault → (what the failing run's one error line must say, extra fetch settings)
FAILING = {
    "500": ("500", {}),
    "429": ("429", {"retries": 0}),
    "503": ("503", {"retries": 0}),
    "redirect-loop": ("redirect", {}),
    "truncated": ("", {}),
    "cut-short": ("cut off", {}),
    "huge": ("limit", {"max_bytes": 200_000}),
    "huge-declared": ("limit", {"max_bytes": 200_000}),
    "stall": ("timed out", {}),
    "trickle": ("", {}),
    "garbage": ("layout", {}),
    "empty": ("layout", {}),
}


@pytest.mark.parametrize("fault", list(FAILING))
def test_failing_source_leaves_everything_untouched_and_the_next_cycle_recovers(
    tmp_path, baseline, site, fault
):
    expected, fetch = FAILING[fault]
    config = prepared(tmp_path, baseline, site, **fetch)
    before = snapshot(tmp_path)
    site.fault = fault

    started = time.monotonic()
    result = run_cli(config)
    elapsed = time.monotonic() - started

    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    errors = error_lines(result.stderr)
    assert errors and SOURCE in errors[0], result.stderr
    assert expected.lower() in result.stderr.lower(), result.stderr
    assert snapshot(tmp_path) == before
    assert elapsed < 8, f"{fault}: the run took {elapsed:.1f} s; a 1 s timeout must bound it"
    assert_recovers(tmp_path, config, site)


def test_connection_refused_is_one_line_and_touches_nothing(tmp_path, baseline, site):
    config = prepared(tmp_path, baseline, site)
    dead = FixtureSite(load_seed()).start()
    dead.stop()
    config.write_text(config.read_text().replace(site.listing_url, dead.listing_url))
    before = snapshot(tmp_path)

    result = run_cli(config)

    assert result.returncode == 1
    assert "connection refused" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(tmp_path) == before


def test_unresolvable_host_is_one_line_and_touches_nothing(tmp_path, baseline, site):
    config = prepared(tmp_path, baseline, site)
    config.write_text(config.read_text().replace("127.0.0.1", "aktuellt.invalid"))
    before = snapshot(tmp_path)

    result = run_cli(config)

    assert result.returncode == 1
    # One sentence, "failed" once: the cycle's line used to wrap the request's own "… failed: …".
    (line, *_) = error_lines(result.stderr)
    assert line.split(" ERROR ", 1)[1].endswith(
        f"{SOURCE}: GET {site.base_url.replace('127.0.0.1', 'aktuellt.invalid')}/robots.txt failed: "
        "could not reach host aktuellt.invalid (its name did not resolve) after 1 attempt"
    ), line
    assert "Traceback" not in result.stderr
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("code", ["429", "503"])
def test_retry_after_is_honoured_and_the_retry_succeeds(tmp_path, baseline, site, code):
    config = prepared(tmp_path, baseline, site, retries=1)
    site.fault, site.fault_times, site.retry_after = code, 1, "1"

    started = time.monotonic()
    result = run_cli(config)
    elapsed = time.monotonic() - started

    assert result.returncode == 0, result.stderr
    assert elapsed >= 1.0, "Retry-After: 1 was not honoured"
    listing = site.listing_requests()
    assert len(listing) >= 2
    assert titles(tmp_path)[0] == "Nytt efter felet"


def test_redirect_to_another_host_is_refused_and_that_host_sees_nothing(tmp_path, baseline, site):
    config = prepared(tmp_path, baseline, site)
    with FixtureSite(load_seed()) as elsewhere:
        site.fault = "redirect-away"
        # Another host: the same server under the name "localhost" is a different origin to the fetcher.
        site.redirect_to = elsewhere.listing_url.replace("127.0.0.1", "localhost")
        before = snapshot(tmp_path)

        result = run_cli(config)

        assert result.returncode == 1
        assert "redirect to another host" in result.stderr
        assert elsewhere.requests == [], "a request left for a host that was not configured"
    assert snapshot(tmp_path) == before
    assert_recovers(tmp_path, config, site)


@pytest.mark.parametrize("fault", ["latin1", "nocharset"])
def test_wrong_or_missing_charset_still_publishes_readable_text(tmp_path, baseline, site, fault):
    config = prepared(tmp_path, baseline, site)
    site.fault = fault

    result = run_cli(config)

    assert result.returncode == 0, result.stderr
    published = titles(tmp_path)
    assert published[0] == "Nytt efter felet"  # å, ä, ö decoded, not mojibake or U+FFFD
    # Latin-1 has no "–": the server itself sent "?" there; every other letter must come through.
    sent = [s.title.encode("latin-1", "replace").decode("latin-1") for s in SEED]
    assert published[1:] == (sent if fault == "latin1" else [s.title for s in SEED])
    assert all("\ufffd" not in t and "Ã" not in t for t in published)


def test_half_the_items_broken_publishes_the_rest_and_names_the_bad_ones(tmp_path, baseline, site):
    config = prepared(tmp_path, baseline, site)
    shutil.rmtree(tmp_path / "feeds")
    (tmp_path / "aktuellt.db").unlink()  # a first cycle, so every item on the page is new
    (tmp_path / "feeds").mkdir()
    site.fault = "half-bad"

    result = run_cli(config)

    page = site.items[: site.per_page]
    broken = [item for n, item in enumerate(page) if n % 2]
    undated = {item.title for n, item in enumerate(broken) if n % 2}  # kept, dated by first sight (issue 12)
    linkless = [item for n, item in enumerate(broken) if n % 2 == 0]
    good = {item.title for n, item in enumerate(page) if n % 2 == 0} | undated
    assert result.returncode == 0, result.stderr
    assert {t for t in titles(tmp_path) if t in {i.title for i in page}} == good
    for item in linkless:
        assert item.title in result.stderr or item.uuid in result.stderr, (item.title, result.stderr)


def test_duplicate_uuids_on_one_page_publish_one_item(tmp_path, baseline, site):
    config = prepared(tmp_path, baseline, site)
    site.fault = "duplicates"

    result = run_cli(config)

    assert result.returncode == 0, result.stderr
    assert titles(tmp_path) == ["Nytt efter felet"] + [s.title for s in SEED]
    assert "duplicate" in result.stderr
    db = sqlite3.connect(tmp_path / "aktuellt.db")
    (count,) = db.execute("SELECT count(*) FROM items").fetchone()
    db.close()
    assert count == len(SEED) + 1


def test_a_body_over_max_bytes_stops_reading_and_memory_stays_flat(site):
    """In-process, so tracemalloc sees the fetcher's allocations: reading stops at max_bytes."""
    from scraper.config import FetchConfig
    from scraper.errors import ResponseTooLarge
    from scraper.source.fetch import Fetcher

    site.fault = "huge"
    received = threading.Event()
    tracemalloc.start()
    try:
        with Fetcher(
            FetchConfig(user_agent="aktuellt-test", timeout=2, retries=0, delay=0, max_bytes=2_000_000)
        ) as fetcher:
            with pytest.raises(ResponseTooLarge):
                fetcher.get(site.listing_url)
            received.set()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert received.is_set()
    assert peak < 12_000_000, f"peak {peak:,} bytes for a 2 MB cap on an endless body"
