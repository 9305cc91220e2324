"""Local faults: an output folder that refuses writes or is full, a database that is read-only, locked or
not a database, an invalid config in every section, two runs at once, and hostile text from the source.
The real CLI in this process (two runs at once: two processes), the fixture site, a real SQLite file.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from lxml import etree, html

from tests.conftest import aktuellt, write_config
from tests.fixture_site import load_seed, new_item
from tests.test_end_to_end import run_cli, snapshot, swedish
from tests.test_faults import time_today

SEED = load_seed()


@contextlib.contextmanager
def immutable(path: Path) -> Iterator[None]:
    """chattr +i: refuses writes even to root (chmod does not), and the test runs as root."""
    subprocess.run(["chattr", "+i", str(path)], check=True)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def published(tmp_path: Path, folder: str = "feeds") -> list[str]:
    parsed = feedparser.parse((tmp_path / folder / "all.atom").read_bytes())
    assert not parsed.bozo
    return [e.title for e in parsed.entries]


def one_error(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if " ERROR " in line or line.startswith("aktuellt:")]
    assert errors, stderr
    return "\n".join(errors)


def test_output_folder_that_refuses_writes_keeps_old_feeds_and_recovers(tmp_path, site):
    config = write_config(tmp_path, site)
    assert run_cli(config).returncode == 0
    site.add_item(new_item("Nytt när mappen går att skriva", swedish(time_today()), "Ny."))
    before = snapshot(tmp_path)["files"]

    with immutable(tmp_path / "feeds"):
        result = run_cli(config)

    assert result.returncode == 1
    assert "feeds" in one_error(result.stderr)
    assert snapshot(tmp_path)["files"] == before  # every old feed byte for byte, mtimes too
    assert run_cli(config).returncode == 0
    assert published(tmp_path)[0] == "Nytt när mappen går att skriva"


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_disk_full_keeps_old_feeds_and_recovers(tmp_path, site, tiny_disk):
    config = write_config(tmp_path, site)
    config.write_text(config.read_text().replace('output_dir = "feeds"', 'output_dir = "disk/feeds"'))
    assert run_cli(config).returncode == 0
    site.add_item(new_item("Nytt när disken har plats", swedish(time_today()), "Ny. " * 2000))
    before = {p: p.read_bytes() for p in (tiny_disk / "feeds").rglob("*") if p.is_file()}
    filler = tiny_disk / "filler"
    with contextlib.suppress(OSError), filler.open("wb") as handle:
        while True:  # fill the disk to the last block
            handle.write(b"\0" * 4096)
            handle.flush()

    result = run_cli(config)

    assert result.returncode == 1
    assert "space" in one_error(result.stderr).lower()
    assert {p: p.read_bytes() for p in (tiny_disk / "feeds").rglob("*") if p.is_file()} == before
    assert not list((tiny_disk / "feeds").rglob("*.tmp")), "a half-written temp file was left behind"
    filler.unlink()
    assert run_cli(config).returncode == 0
    assert published(tmp_path, "disk/feeds")[0] == "Nytt när disken har plats"


def test_read_only_database_is_a_clear_error_and_left_alone(tmp_path, site):
    config = write_config(tmp_path, site)
    assert run_cli(config).returncode == 0
    site.add_item(new_item("Nytt när databasen går att skriva", swedish(time_today()), "Ny."))
    site.etag = False
    before = snapshot(tmp_path)
    db = tmp_path / "aktuellt.db"

    with immutable(db), immutable(tmp_path):  # the folder too: no journal or WAL file may appear
        result = run_cli(config)

    assert result.returncode == 1
    assert "aktuellt.db" in one_error(result.stderr)
    assert snapshot(tmp_path) == before
    assert run_cli(config).returncode == 0
    assert published(tmp_path)[0] == "Nytt när databasen går att skriva"


def test_a_file_that_is_not_a_database_is_never_overwritten_or_deleted(tmp_path, site):
    config = write_config(tmp_path, site)
    garbage = b"this is not SQLite\n" * 300
    (tmp_path / "aktuellt.db").write_bytes(garbage)

    result = run_cli(config)

    assert result.returncode == 1
    assert "aktuellt.db" in one_error(result.stderr)
    assert (tmp_path / "aktuellt.db").read_bytes() == garbage
    assert not (tmp_path / "feeds" / "all.atom").exists()


def test_a_write_transaction_held_by_another_process_is_waited_for(tmp_path, site):
    config = write_config(tmp_path, site)
    assert run_cli(config).returncode == 0
    site.add_item(new_item("Nytt efter låset", swedish(time_today()), "Ny."))
    site.etag = False
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITE_LOCK, str(tmp_path / "aktuellt.db"), "1.5"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"

    result = run_cli(config)

    holder.communicate(timeout=10)
    assert holder.returncode == 0
    assert result.returncode == 0, result.stderr
    assert published(tmp_path)[0] == "Nytt efter låset"


HOLD_WRITE_LOCK = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("UPDATE items SET title = title")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("ROLLBACK")
"""


BAD = {
    "site": ("[site]\nmax_items = 0\n", "site.max_items"),
    "fetch": ("[fetch]\ntimeout = -1\n", "fetch.timeout"),
    "schedule": ('[schedule]\nevery = "ibland"\n', "schedule.every"),
    "server": ("[server]\nport = 70000\n", "server.port"),
    "sources": ('[[sources]]\nid = "Inte En Slug"\nurl = "ftp://x"\n', "sources[0].id"),
    "topics": ('[[topics]]\nid = "t"\nregex = "(unclosed"\n', "topics[0].regex"),
    "notify": ('[notify]\nwebhook = "not a url"\n', "notify.webhook"),
    "websub": ("[websub]\nhub = 3\n", "websub.hub"),
}


@pytest.mark.parametrize("section", list(BAD))
def test_invalid_config_in_each_section_exits_2_naming_the_key_and_touches_nothing(tmp_path, section):
    text, key = BAD[section]
    if section != "sources":
        text += '[[sources]]\nid = "x"\nurl = "http://127.0.0.1:9/"\n'
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")

    result = aktuellt("--config", str(path), "run")

    assert result.returncode == 2, result.stderr
    assert key in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_two_runs_at_once_one_proceeds_the_other_exits_75(tmp_path, site):
    config = write_config(tmp_path, site)
    site.request_delay = 0.05  # the first cycle takes about a second, so the second starts inside it
    command = [sys.executable, "-m", "scraper", "--config", str(config), "run"]
    first = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    second = subprocess.run(command, capture_output=True, text=True, timeout=60)
    first.communicate(timeout=60)

    assert sorted([first.returncode, second.returncode]) == [0, 75]
    db = sqlite3.connect(tmp_path / "aktuellt.db")
    keys = [row[0] for row in db.execute("SELECT key FROM items")]
    db.close()
    assert sorted(keys) == sorted({s.uuid for s in SEED}) == sorted(set(keys))
    assert published(tmp_path) == [s.title for s in SEED]


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> ]]> &amp; \u202e'


def test_text_from_the_source_is_text_in_every_output_never_markup(tmp_path, site):
    site.add_item(new_item(HOSTILE, swedish(time_today()), HOSTILE))
    config = write_config(tmp_path, site)
    result = run_cli(config)
    assert result.returncode == 0, result.stderr
    outputs = [p for p in (tmp_path / "feeds").rglob("*") if p.is_file()]
    checked = 0
    for path in outputs:
        data = path.read_bytes()
        if path.suffix in (".atom", ".rss", ".opml"):
            tree = etree.fromstring(data)
            assert not tree.xpath("//script | //img | //*[@onerror]"), path
            if path.suffix != ".opml" and b"alert" in data:
                titles = [e.title for e in feedparser.parse(data).entries]
                # The changes feed prefixes its titles ("Ny: …"): the hostile text must still end one.
                assert any(t.endswith((HOSTILE, HOSTILE.replace("&amp;", "&"))) for t in titles), path
                checked += 1
        elif path.suffix == ".json":
            document = json.loads(data)
            if "items" in document and b"alert" in data:
                assert document["items"][0]["title"] in (HOSTILE, HOSTILE.replace("&amp;", "&"))
                checked += 1
        elif path.suffix == ".html":
            page = html.fromstring(data)
            scripts = " ".join(s.text_content() for s in page.iter("script"))
            assert "alert" not in scripts, path
            assert not page.xpath("//*[@onerror]"), path
            if b"alert" in data:
                assert "<script>" in page.text_content(), path  # shown as text
                checked += 1
    assert checked >= 3, "the hostile title reached none of the outputs"
