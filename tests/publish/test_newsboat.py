"""What newsboat really shows after importing each OPML file, measured with newsboat itself: `aktuellt run`
against the fixture site into a real SQLite file, the output folder served on 127.0.0.1, then `newsboat -i`
(the import a user runs) and `newsboat -x reload`, and its cache read back (`rss_item`: one row per item it
keeps, with the feed it files the item under).

newsboat keeps one row per guid across all feeds, and RSS guids are the same in every feed that carries an
item (DESIGN.md: one id per item), so after importing topics.opml an item in several topics shows under one
of them only. What it does is pinned here, and the README's reader notes and index.html say it. `make tools`
installs newsboat (Debian); without it these tests skip with one line.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from lxml import html

from tests.fixture_site import REPO
from tests.test_site_end_to_end import BASE_URL, TOPIC_IDS, serve_folder

NEWSBOAT = shutil.which("newsboat")
pytestmark = pytest.mark.skipif(
    NEWSBOAT is None, reason="newsboat is not installed (`make tools` installs it)"
)


@pytest.fixture(scope="module")
def served(published_site: Path) -> Iterator[tuple[Path, str]]:
    """(the output folder of one real run, its URL on 127.0.0.1)."""
    with serve_folder(published_site) as url:
        yield published_site, url


def newsboat(tmp_path: Path, *args: str) -> None:
    assert NEWSBOAT is not None
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path),
    }
    config = tmp_path / "config"
    config.touch()
    result = subprocess.run(
        [NEWSBOAT, "-C", str(config), "-u", str(tmp_path / "urls"), "-c", str(tmp_path / "cache.db"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def import_and_reload(
    tmp_path: Path, served: tuple[Path, str], opml: str
) -> tuple[list[str], dict[str, str]]:
    """Import `opml` into a fresh newsboat and reload every feed once: (the feed URLs in the order the
    import wrote them, guid → the feed URL newsboat files that item under)."""
    output, url = served
    (tmp_path / opml).write_bytes((output / opml).read_bytes().replace(BASE_URL.encode(), url.encode()))
    (tmp_path / "urls").touch()
    newsboat(tmp_path, "-i", str(tmp_path / opml))
    newsboat(tmp_path, "-x", "reload")
    feeds = [line.split()[0] for line in (tmp_path / "urls").read_text(encoding="utf-8").splitlines() if line]
    with sqlite3.connect(tmp_path / "cache.db") as cache:
        rows = cache.execute("SELECT guid, feedurl FROM rss_item WHERE deleted = 0").fetchall()
    filed = dict(rows)
    assert len(filed) == len(rows), "newsboat kept an id twice"
    return feeds, filed


def guids(served: tuple[Path, str], feed_url: str) -> list[str]:
    output, url = served
    return [
        entry.id for entry in feedparser.parse((output / feed_url.removeprefix(url)).read_bytes()).entries
    ]


def test_newsboat_with_feeds_opml_shows_every_item_and_every_event(tmp_path, served):
    feeds, filed = import_and_reload(tmp_path, served, "feeds.opml")
    url = served[1]
    assert feeds == [f"{url}all.rss", f"{url}changes.rss"]
    for feed in feeds:
        expected = guids(served, feed)
        assert expected and sorted(g for g, f in filed.items() if f == feed) == sorted(expected), feed


def test_newsboat_with_topics_opml_files_each_item_under_the_last_topic_that_carries_it(tmp_path, served):
    feeds, filed = import_and_reload(tmp_path, served, "topics.opml")
    url = served[1]
    assert feeds == [f"{url}topics/{topic}.rss" for topic in TOPIC_IDS]
    carried = {feed: guids(served, feed) for feed in feeds}
    every = {guid for ids in carried.values() for guid in ids}
    assert set(filed) == every  # each item once ...
    for guid, feed in filed.items():  # ... under the last topic feed in the file that carries it
        assert feed == [f for f in feeds if guid in carried[f]][-1], guid
    shown = {
        feed.removeprefix(f"{url}topics/").removesuffix(".rss"): list(filed.values()).count(feed)
        for feed in feeds
    }
    # The seed's numbers, as the README gives them: god-start-i-livet shows 1 of its 8 items, and the eight
    # topics 26 of their 45 entries.
    assert (shown["god-start-i-livet"], len(carried[f"{url}topics/god-start-i-livet.rss"])) == (1, 8)
    assert sum(shown.values()) == len(every) == 26
    assert sum(len(ids) for ids in carried.values()) == 45


def test_the_reader_notes_and_index_html_send_newsboat_users_to_feeds_opml(served):
    """What the tests above measure is what people are told: README "Reader notes" and index.html."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    notes = readme[readme.index("## Reader notes") : readme.index("## How one cycle works")]
    row = next(line for line in notes.splitlines() if line.startswith("| newsboat |"))
    assert "use `feeds.opml`" in row and "the last topic in `topics.opml` that carries it" in row
    assert "`tests/publish/test_newsboat.py`" in row
    index = html.fromstring((served[0] / "index.html").read_bytes())
    advice = " ".join(index.xpath("//details[summary='Vad är ett flöde?']")[0].text_content().split())
    assert "I newsboat" in advice and "feeds.opml" in advice
