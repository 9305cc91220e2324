"""End to end: whatever one source's bytes provoke while it is read fails that source alone (issue 17,
item 1). The real CLI in a subprocess, a real SQLite file, and the fixture site on 127.0.0.1 serving a
hostile JSON Feed beside its healthy listing: the listing's items are published every time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixture_site import FixtureSite, load_seed
from tests.source.test_feed_sources_end_to_end import (
    feed_config,
    feed_source,
    listing_source,
    parsed,
    stored,
    the_one_error,
)
from tests.test_end_to_end import run_cli

SEED = load_seed()


def two_sources(tmp_path: Path, site: FixtureSite) -> Path:
    """The hostile feed source `flode` first, the healthy listing `lista` after it."""
    return feed_config(tmp_path, feed_source(site.feed_url("json")), listing_source(site.listing_url))


def run_patched(config: Path, patch: str) -> subprocess.CompletedProcess[str]:
    """`aktuellt run` in a subprocess after `patch` (Python source) has run in it."""
    code = f"{patch}\nfrom scraper.cli import main\nmain(['--config', {str(config)!r}, 'run'])\n"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def listing_published(tmp_path: Path) -> None:
    """The healthy listing's items are in the published feeds."""
    titles = {entry.title for entry in parsed(tmp_path, "all.atom").entries}
    assert {item.title for item in SEED} <= titles
    assert stored(tmp_path, "SELECT count(*) FROM items WHERE source = 'lista'") == [(len(SEED),)]


def json_feed(site: FixtureSite, *dates: str) -> str:
    """A JSON Feed of one entry per date (the seed's first items, in order)."""
    items = [
        {
            "id": item.uuid,
            "url": f"{site.base_url}/nyheter/{item.uuid}",
            "title": item.title,
            "date_published": date,
        }
        for item, date in zip(SEED, dates, strict=False)
    ]
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": items})


@pytest.mark.parametrize(
    ("module", "function"),
    [("scraper.source.feedsource", "parse_feed"), ("scraper.read", "published_instant")],
)
def test_any_exception_reading_one_source_fails_that_source_alone(tmp_path, site, module, function):
    # A bug anywhere in one source's read, here an arbitrary exception from its parser (or from the dates
    # of the items it read): one error line naming the source, exit 1, and the other source publishes.
    patch = (
        f"import {module} as target\n"
        "def boom(*args, **kwargs):\n"
        "    raise ZeroDivisionError('a bug the hostile bytes found')\n"
        f"target.{function} = boom\n"
    )
    config = two_sources(tmp_path, site)
    if function == "published_instant":  # the listing is the one that breaks: the feed must publish
        broken = listing_source(site.listing_url, source_id="flode")
        config = feed_config(tmp_path, broken, feed_source(site.feed_url("json"), source_id="lista"))

    result = run_patched(config, patch)

    line = the_one_error(result)
    assert "ZeroDivisionError: a bug the hostile bytes found" in line, line
    assert "-v" in line  # the traceback is one flag away, not in every cycle's log
    titles = {entry.title for entry in parsed(tmp_path, "all.atom").entries}
    assert {item.title for item in SEED} <= titles
    assert stored(tmp_path, "SELECT source FROM runs WHERE status = 'failed'") == [("flode",)]


def test_the_traceback_of_an_unexpected_error_is_shown_with_v(tmp_path, site):
    patch = (
        "import scraper.source.feedsource as target\n"
        "def boom(*args, **kwargs):\n"
        "    raise ZeroDivisionError('a bug')\n"
        "target.parse_feed = boom\n"
    )
    code = (
        f"{patch}\nfrom scraper.cli import main\n"
        f"main(['--config', {str(two_sources(tmp_path, site))!r}, '-v', 'run'])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "ZeroDivisionError: a bug" in result.stderr


@pytest.mark.parametrize("date", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
def test_a_json_feed_date_beyond_datetimes_range_is_no_date(tmp_path, site, date):
    # Converting either to UTC raised OverflowError: a traceback, and the listing beside it unpublished,
    # every cycle. Now that entry is left out with one warning naming it; its neighbour and the listing go on.
    site.feed_documents["json"] = json_feed(site, date, "2026-05-02T10:00:00+02:00")

    result = run_cli(two_sources(tmp_path, site))

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if " WARNING " in line]
    assert len(warnings) == 1 and "flode" in warnings[0] and SEED[0].title in warnings[0], result.stderr
    assert stored(tmp_path, "SELECT title FROM items WHERE source = 'flode'") == [(SEED[1].title,)]
    listing_published(tmp_path)


@pytest.mark.parametrize("date", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
def test_a_json_feed_of_only_such_dates_fails_alone(tmp_path, site, date):
    site.feed_documents["json"] = json_feed(site, date)

    result = run_cli(two_sources(tmp_path, site))

    assert "the feed holds no entries" in the_one_error(result)
    listing_published(tmp_path)


DEEP = "[" * 200_000 + "]" * 200_000


@pytest.mark.parametrize(
    "document",
    [
        '{"version": "https://jsonfeed.org/version/1.1", "items": ' + DEEP + "}",
        '{"version": "https://jsonfeed.org/version/1.1", "items": [{"title": ' + DEEP + "}]}",
    ],
    ids=["items", "title"],
)
def test_json_nested_200000_deep_is_a_failed_read_of_that_source(tmp_path, site, document):
    # json.loads recursed per level and raised RecursionError: a traceback, no source after it published.
    site.feed_documents["json"] = document

    result = run_cli(two_sources(tmp_path, site))

    assert "not a JSON Feed (JSON nested too deeply)" in the_one_error(result)
    listing_published(tmp_path)
