"""Sources read side by side (`fetch.sources_in_parallel`, issue 20): the real CLI in a subprocess, fixture
sites on three loopback addresses (two of them on one host, so one per-host turn), each answer delayed like a
real network. The sites' own arrival timestamps show the overlap and the spacing."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from functools import partial
from pathlib import Path

import feedparser
import pytest

from scraper.config import load_config
from scraper.cycle import run_cycle
from scraper.source.fetch import Fetcher
from scraper.store import Store
from tests.fixture_site import FixtureSite, Request, load_seed

LATENCY = 0.2  # seconds every answer waits: a real network's round trip and server time
DELAY = 0.4  # fetch.delay: seconds between the starts of two requests to one host
SLACK = 0.05  # what loopback scheduling may shave off a gap the client kept


@pytest.fixture
def sites() -> Iterator[dict[str, FixtureSite]]:
    """a and b: one host (127.0.0.1) on two ports; c: 127.0.0.2; slow: 127.0.0.3, answering in 1.5 s."""
    hosts = {"a": "127.0.0.1", "b": "127.0.0.1", "c": "127.0.0.2", "slow": "127.0.0.3"}
    with ExitStack() as stack:
        running = {}
        for name, host in hosts.items():
            site = FixtureSite(load_seed(), per_page=30, host=host)
            site.request_delay = 1.5 if name == "slow" else LATENCY
            running[name] = stack.enter_context(site)
        yield running


def write_config(tmp_path: Path, sites: dict[str, FixtureSite], parallel: int) -> Path:
    sources = "".join(
        f'[[sources]]\nid = "{name}"\nurl = "{site.listing_url}"\narticles = false\n\n'
        for name, site in sites.items()
    )
    path = tmp_path / "config.toml"
    path.write_text(
        f"""[site]
base_url = "http://feeds.example.test/"

[fetch]
timeout = 5
retries = 0
delay = {DELAY}
sources_in_parallel = {parallel}

{sources}""",
        encoding="utf-8",
    )
    return path


def run(config: Path) -> subprocess.CompletedProcess[str]:
    # A process of its own: the sites time each request as it arrives, and a CLI sharing their GIL skews that.
    command = [sys.executable, "-m", "scraper", "--config", str(config), "run"]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def overlaps(first: list[Request], second: list[Request]) -> bool:
    """Whether a request of `first` was being answered while one of `second` was (each takes LATENCY)."""
    return any(abs(x.at - y.at) < LATENCY for x in first for y in second)


# 2 workers for 4 sources: robots.txt is also read ahead of the readers, by as many threads again.
@pytest.mark.parametrize("parallel", [8, 2])
def test_sources_are_read_at_once_and_each_host_keeps_its_delay(tmp_path, sites, parallel):
    result = run(write_config(tmp_path, sites, parallel=parallel))
    assert result.returncode == 0, result.stderr
    for name in sites:
        parsed = feedparser.parse((tmp_path / f"feeds/sources/{name}.rss").read_bytes())
        assert not parsed.bozo and len(parsed.entries) == len(load_seed()), name
    requests = {name: list(site.requests) for name, site in sites.items()}
    assert all(len(made) == 2 for made in requests.values())  # robots.txt and the listing, each source
    # Concurrency: 127.0.0.2 answered while 127.0.0.1 did.
    assert overlaps(requests["c"], requests["a"] + requests["b"])
    # Politeness: a and b are one host, however many sources live on it: DELAY between any two starts.
    shared = sorted(r.at for r in requests["a"] + requests["b"])
    gaps = [later - earlier for earlier, later in zip(shared, shared[1:], strict=False)]
    assert min(gaps) >= DELAY - SLACK, gaps
    # The slow source held up no one: the others were done long before it, and the summary names it.
    slowest = re.search(r"slowest sources: (.*)", result.stderr)
    assert slowest is not None, result.stderr
    named = dict(re.findall(r"(\S+) ([\d.]+)s", slowest[1]))
    assert next(iter(named)) == "slow" and float(named["slow"]) >= 1.5  # its listing: 1.5 s at least
    seconds = {m[1]: float(m[2]) for m in re.finditer(r"(\w+): ok, .* ([\d.]+)s\n", result.stderr)}
    assert seconds["c"] < 1.5, result.stderr


def test_one_at_a_time_when_asked(tmp_path, sites):
    del sites["slow"]
    result = run(write_config(tmp_path, sites, parallel=1))
    assert result.returncode == 0, result.stderr
    requests = {name: list(site.requests) for name, site in sites.items()}
    assert not overlaps(requests["c"], requests["a"] + requests["b"])
    assert not overlaps(requests["a"], requests["b"])


def test_robots_txt_is_kept_for_a_day_across_processes(tmp_path):
    """Each `aktuellt run` is a new process: the robots.txt a cycle read is stored and used by the next
    cycles for 24 hours (RFC 9309 2.4), so an unchanged cycle is one request per source, not two."""
    with FixtureSite(load_seed(), per_page=30, robots="User-agent: *\nDisallow: /private/\n") as site:
        config_path = tmp_path / "config.toml"
        config_path.write_text(
            f'[fetch]\ndelay = 0\nretries = 0\n[[sources]]\nid = "a"\nurl = "{site.listing_url}"\n'
            "articles = false\n",
            encoding="utf-8",
        )
        config = load_config(config_path)
        start = dt.datetime(2026, 6, 1, 8, tzinfo=dt.UTC)
        kinds = []
        for hours in (0, 1, 23, 25):
            site.requests.clear()
            with Store(config.site.database) as store, Fetcher(config.fetch) as fetcher:
                moment = start + dt.timedelta(hours=hours)
                assert run_cycle(config, store=store, fetcher=fetcher, clock=partial(_at, moment)).ok
            kinds.append([r.kind for r in site.requests])
    assert kinds == [["robots", "listing"], ["listing"], ["listing"], ["robots", "listing"]]


def _at(moment: dt.datetime) -> dt.datetime:
    return moment
