"""End to end: an output folder shared with a web site's own files. `aktuellt run` (in process) against the
fixture site, a real SQLite file, and a `site.output_dir` whose `topics/` and `sources/` already hold files of
their own: publishing removes only what it wrote (a topic taken out of the config, with a fresh store too, and
in a folder published before the manifest existed), and `aktuellt check` names the files it did not write."""

from __future__ import annotations

import subprocess
from pathlib import Path

import feedparser
import pytest

from scraper.publish.manifest import MANIFEST
from tests.conftest import aktuellt, write_config
from tests.fixture_site import FixtureSite, load_seed
from tests.test_end_to_end import run_cli

FOREIGN = {
    "sources/app.json": b'{"app": "the web site\'s own"}',
    "topics/list.rss": b"<rss><channel><title>the site's own list</title></channel></rss>",
    "topics/notes.txt": b"notes",
    "app.js": b"console.log(1)",
}
TOPIC = """
[[topics]]
id = "{id}"
title = "Ämne {id}"
match = ["a"]
"""


def topics(*ids: str) -> str:
    """These topics, each matching every item."""
    return "".join(TOPIC.format(id=topic) for topic in ids)


def check(config: Path) -> subprocess.CompletedProcess[str]:
    return aktuellt("--config", str(config), "check")


def run(config: Path) -> str:
    result = run_cli(config)
    assert result.returncode == 0, result.stderr
    return result.stderr


@pytest.fixture
def web_folder(tmp_path: Path) -> Path:
    """An existing web folder with files of its own in `topics/` and `sources/`."""
    public = tmp_path / "feeds"
    for name, data in FOREIGN.items():
        (public / name).parent.mkdir(parents=True, exist_ok=True)
        (public / name).write_bytes(data)
    return public


def assert_foreign_intact(public: Path) -> None:
    assert {name: (public / name).read_bytes() for name in FOREIGN if (public / name).exists()} == FOREIGN


def topic_files(public: Path) -> list[str]:
    return sorted(p.name for p in (public / "topics").iterdir() if p.name not in ("list.rss", "notes.txt"))


def test_publishing_removes_only_files_it_wrote_even_with_a_fresh_store(tmp_path, web_folder):
    with FixtureSite(load_seed()) as site:
        config = write_config(tmp_path, site, topics("alfa", "beta"))
        before = check(config)
        assert before.returncode == 0, before.stderr
        assert "4 file(s) aktuellt did not write" in before.stderr
        assert "app.js, sources/app.json, topics/list.rss, topics/notes.txt" in before.stderr

        run(config)
        assert_foreign_intact(web_folder)
        expected = [
            f"{topic}.{suffix}" for topic in ("alfa", "beta") for suffix in ("atom", "html", "json", "rss")
        ]
        assert topic_files(web_folder) == expected
        assert len(feedparser.parse((web_folder / "topics/beta.atom").read_bytes()).entries) > 0
        after = check(config)
        assert "4 file(s) aktuellt did not write" in after.stderr  # its own files are not named

        write_config(tmp_path, site, topics("alfa"))  # beta out of the config: its files go, nothing else
        log = run(config)
        assert "topics/beta.rss: its topic or source is no longer in the config" in log
        assert topic_files(web_folder) == ["alfa.atom", "alfa.html", "alfa.json", "alfa.rss"]
        assert_foreign_intact(web_folder)

        (tmp_path / "aktuellt.db").unlink()  # a fresh store: the folder's manifest still knows alfa's files
        write_config(tmp_path, site)
        run(config)
        assert topic_files(web_folder) == []
        assert_foreign_intact(web_folder)
        assert (web_folder / "all.rss").is_file() and (web_folder / MANIFEST).is_file()
        assert "sources/app.json" not in (web_folder / MANIFEST).read_text(encoding="utf-8")


def test_check_names_the_sites_own_files_that_the_first_run_would_replace(tmp_path, web_folder):
    # A web root's own index.html and favicon.ico have the names of documents aktuellt publishes: before the
    # first run check said nothing, and the run replaced them.
    (web_folder / "index.html").write_bytes(b"<!DOCTYPE html><title>Stadens startsida</title>")
    (web_folder / "favicon.ico").write_bytes(b"\0\0\1\0the site's own icon")
    with FixtureSite(load_seed()) as site:
        config = write_config(tmp_path, site)
        before = check(config)
        assert before.returncode == 0, before.stderr
        assert "2 file(s) named like documents aktuellt publishes" in before.stderr
        assert "replaces (fine if an earlier aktuellt wrote them): favicon.ico, index.html" in before.stderr
        run(config)
        after = check(config)  # now in the manifest: its own
        assert "named like documents" not in after.stderr
        assert "4 file(s) aktuellt did not write" in after.stderr
        # With the manifest: a topic named like a foreign file in topics/ would replace that file.
        write_config(tmp_path, site, topics("list"))
        clash = check(config).stderr
        assert "1 file(s) named like documents aktuellt publishes" in clash
        assert "wrote them): topics/list.rss" in clash
        assert (
            "3 file(s) aktuellt did not write (left alone, never removed): app.js, sources/app.json, "
            in clash
        )


def test_a_folder_published_before_the_manifest_adopts_only_the_stores_documents(tmp_path, web_folder):
    with FixtureSite(load_seed()) as site:
        config = write_config(tmp_path, site, topics("alfa", "beta"))
        run(config)
        (web_folder / MANIFEST).unlink()  # as an older version left the folder: no manifest
        (web_folder / "topics/gamma.rss").write_bytes(b"<rss/>")  # neither in the store nor written by us

        write_config(tmp_path, site, topics("alfa"))
        run(config)

        assert topic_files(web_folder) == ["alfa.atom", "alfa.html", "alfa.json", "alfa.rss", "gamma.rss"]
        assert_foreign_intact(web_folder)
        warning = check(config).stderr
        assert "5 file(s) aktuellt did not write" in warning and "topics/gamma.rss" in warning
