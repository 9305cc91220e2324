"""`aktuellt add` end to end (issue 20): the real CLI in this process against fixture sites on 127.0.0.1 and
127.0.0.2; the config file keeps its comments, passes `aktuellt check`, and a real `aktuellt run` then
publishes the added sources."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest

from tests.fixture_site import FixtureSite, load_seed
from tests.test_history import cli as aktuellt

CONFIG = """# the operator's own words, kept
[site]
base_url = "http://feeds.example.test/"   # where feeds/ is served

[fetch]
delay = 0        # a loopback site needs no politeness
retries = 0

[[sources]]
id = "first"     # the one we started with
url = "{url}"
articles = false
"""

EMPTY_PAGE = (
    "<!doctype html><html><head><title>Tomt</title>{head}</head><body><p>Inget här.</p></body></html>"
)


@pytest.fixture
def sites() -> Iterator[tuple[FixtureSite, FixtureSite]]:
    with FixtureSite(load_seed()) as first, FixtureSite(load_seed(), host="127.0.0.2") as second:
        yield first, second


def write_config(tmp_path: Path, site: FixtureSite) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.format(url=site.listing_url), encoding="utf-8")
    return path


def test_add_a_listing_keeps_the_file_and_the_next_run_reads_it(tmp_path, sites):
    first, second = sites
    config = write_config(tmp_path, first)
    before = config.read_text(encoding="utf-8")

    result = aktuellt(config, "add", second.listing_url, "--id", "andra")

    assert result.returncode == 0, result.stderr
    assert f"found   andra  {second.listing_url}: listing, 9 items" in result.stdout
    assert load_seed()[0].title in result.stdout  # what it found, shown
    after = config.read_text(encoding="utf-8")
    assert after.startswith(before)  # every comment and line as the operator wrote it
    assert '\n[[sources]]\nid = "andra"\ntitle = "Aktuellt' in after
    assert aktuellt(config, "check").returncode == 0
    run = aktuellt(config, "run")
    assert run.returncode == 0, run.stderr
    parsed = feedparser.parse((tmp_path / "feeds/sources/andra.rss").read_bytes())
    assert not parsed.bozo and len(parsed.entries) == len(load_seed())


def test_a_page_without_items_is_refused_with_the_reason_and_nothing_written(tmp_path, sites):
    first, second = sites
    second.pages["/tomt.html"] = EMPTY_PAGE.format(head="")
    config = write_config(tmp_path, first)
    before = config.read_bytes()

    result = aktuellt(config, "add", f"{second.base_url}/tomt.html")

    assert result.returncode == 1
    assert "the page holds no news items" in result.stdout
    assert "nothing written" in result.stderr
    assert config.read_bytes() == before


def test_a_page_that_advertises_a_feed_adds_the_feed(tmp_path, sites):
    first, second = sites
    feed = second.feed_url("rss")
    link = f'<link rel="alternate" type="application/rss+xml" title="Nyheter" href="{feed}">'
    second.pages["/start.html"] = EMPTY_PAGE.format(head=link)
    config = write_config(tmp_path, first)

    result = aktuellt(config, "add", f"{second.base_url}/start.html")

    assert result.returncode == 0, result.stderr
    assert f"the page advertises it: {feed}" in result.stdout
    text = config.read_text(encoding="utf-8")
    assert f'id = "127-0-0-2"\ntitle = "127-0-0-2"\nurl = "{feed}"\ntype = "feed"' in text
    assert aktuellt(config, "run").returncode == 0


def test_a_list_is_all_or_nothing_unless_failures_are_skipped(tmp_path, sites):
    first, second = sites
    second.pages["/tomt.html"] = EMPTY_PAGE.format(head="")
    config = write_config(tmp_path, first)
    before = config.read_bytes()
    listing = tmp_path / "kommuner.csv"
    listing.write_text(
        f"id,url\nandra,{second.listing_url}\nflode,{second.feed_url('atom')}\n"
        f"tom,{second.base_url}/tomt.html\n",
        encoding="utf-8",
    )

    refused = aktuellt(config, "add", "--from", str(listing))

    assert refused.returncode == 1
    lines = refused.stdout.splitlines()
    assert [line.split()[0:2] for line in lines] == [
        ["found", "andra"],
        ["found", "flode"],
        ["FAILED", "tom"],
    ]
    assert "1 of 3 not found: nothing written" in refused.stderr
    assert config.read_bytes() == before

    added = aktuellt(config, "add", "--from", str(listing), "--skip-failed")

    assert added.returncode == 0, added.stderr
    assert "added 2 sources" in added.stdout and "1 failed, not added" in added.stdout
    assert aktuellt(config, "check").returncode == 0
    assert 'id = "flode"' in config.read_text(encoding="utf-8")


def test_an_opml_list_and_an_id_already_taken(tmp_path, sites):
    first, second = sites
    config = write_config(tmp_path, first)
    opml = tmp_path / "flöden.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><body>'
        f'<outline text="Andra" type="rss" xmlUrl="{second.feed_url("json")}"/>'
        f'<outline text="Sidan" htmlUrl="{second.listing_url}"/></body></opml>',
        encoding="utf-8",
    )

    result = aktuellt(config, "add", "--from", str(opml))

    assert result.returncode == 0, result.stderr
    text = config.read_text(encoding="utf-8")
    assert 'id = "127-0-0-2"' in text and 'id = "127-0-0-2-2"' in text  # made unique
    taken = aktuellt(config, "add", second.listing_url, "--id", "first")
    assert taken.returncode == 1
    assert "already has a source with id 'first'" in taken.stdout


TOPICS = """
# the city's own topics
[[topics]]
id = "skola"     # the operator's words
title = "Skola"
match = ["skolan"]

[[topics]]
id = "grannar"
title = "Grannkommuner"
sources = []     # filled by add --topic
"""


def test_add_with_topics_puts_every_item_of_the_new_source_in_them(tmp_path, sites):
    first, second = sites
    config = write_config(tmp_path, first)
    config.write_text(config.read_text(encoding="utf-8") + TOPICS, encoding="utf-8")
    assert aktuellt(config, "run").returncode == 0  # memberships stored before the topics change
    school = feedparser.parse((tmp_path / "feeds/topics/skola.atom").read_bytes()).entries
    before = config.read_text(encoding="utf-8")

    result = aktuellt(
        config, "add", second.listing_url, "--id", "andra", "--topic", "grannar", "--topic", "skola"
    )

    assert result.returncode == 0, result.stderr
    after = config.read_text(encoding="utf-8")
    assert "# the city's own topics" in after and "# filled by add --topic" in after  # comments kept
    assert 'sources = ["andra"]     # filled by add --topic' in after
    assert after.count('sources = ["andra"]') == 2  # and the topic that had none gets one
    assert len(after) > len(before)
    assert aktuellt(config, "run").returncode == 0
    neighbours = feedparser.parse((tmp_path / "feeds/topics/grannar.atom").read_bytes())
    assert not neighbours.bozo
    # every item of the added source, none of the first one's (same seed, other host)
    assert len(neighbours.entries) == len(load_seed())
    assert {entry.link.split("/")[2] for entry in neighbours.entries} == {second.base_url.split("/")[2]}
    # the topic with match words keeps the first source's matching items and gains all of the second's
    school_after = feedparser.parse((tmp_path / "feeds/topics/skola.atom").read_bytes()).entries
    assert 0 < len(school) < len(load_seed()) and len(school_after) == len(school) + len(load_seed())


def test_add_with_an_unknown_topic_writes_nothing_and_names_the_topics(tmp_path, sites):
    first, second = sites
    config = write_config(tmp_path, first)
    config.write_text(config.read_text(encoding="utf-8") + TOPICS, encoding="utf-8")
    before = config.read_bytes()

    result = aktuellt(config, "add", second.listing_url, "--topic", "skolor")

    assert result.returncode == 2
    assert "--topic skolor: no [[topics]] has that id" in result.stderr
    assert config.read_bytes() == before
