"""Under a restrictive umask (077) the published folders and files stay readable to a web server running as
another user: folders the program creates are 0755, published files 0644; a folder that already existed
keeps its mode (issue 11, item 13). Through `aktuellt run` against the fixture site."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from tests.fixture_site import FixtureSite, load_seed, repo_topics


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_restrictive_umask_leaves_the_feeds_readable(tmp_path):
    (tmp_path / "private").mkdir(mode=0o700)  # existed before: not the program's to loosen
    with FixtureSite(load_seed()) as site:
        config = tmp_path / "config.toml"
        config.write_text(
            f"""
[site]
base_url = "http://feeds.example.test/"
output_dir = "public/feeds"
database = "private/state/aktuellt.db"

[fetch]
timeout = 5
retries = 0
delay = 0

[[sources]]
id = "jamlikt-goteborg"
url = "{site.listing_url}"
articles = false

[[sources]]
id = "andra"
url = "{site.listing_url}"
articles = false

{repo_topics()}
""",
            encoding="utf-8",
        )
        for _ in range(2):
            result = subprocess.run(
                [sys.executable, "-m", "scraper", "--config", str(config), "run"],
                capture_output=True,
                text=True,
                timeout=60,
                preexec_fn=lambda: os.umask(0o077),
            )
            assert result.returncode == 0, result.stderr
            # Only a closed year has an archive: the events moved to last year, the second run writes one.
            db = sqlite3.connect(tmp_path / "private/state/aktuellt.db")
            with db:
                db.execute("UPDATE events SET at = '2025-06-01T12:00:00+00:00'")
            db.close()
    feeds = tmp_path / "public" / "feeds"
    folders = [tmp_path / "public", feeds, *(p for p in feeds.rglob("*") if p.is_dir())]
    assert {p.name for p in folders} >= {"public", "feeds", "topics", "sources", "archive"}
    assert {str(p): _mode(p) for p in folders} == {str(p): 0o755 for p in folders}
    files = [p for p in feeds.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"all.rss", "index.html", "feed.xsl", "feeds.opml"}
    assert {str(p): _mode(p) for p in files} == {str(p): 0o644 for p in files}
    assert _mode(tmp_path / "private" / "state") == 0o755  # the database's folder, made by the program
    assert _mode(tmp_path / "private") == 0o700
