"""End to end: the real CLI (in this process), a real SQLite file, and the fixture site on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest
from lxml import etree

from scraper.cycle import cycle_lock
from tests.conftest import aktuellt, write_config
from tests.fixture_site import load_seed, new_item

DATA = Path(__file__).parent / "data"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONTHS = "januari februari mars april maj juni juli augusti september oktober november december".split()


def run_cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return aktuellt("--config", str(config), *args, "run")


def snapshot(tmp_path: Path) -> dict[str, object]:
    """Everything a failed run must leave alone: the bytes and mtimes of every file under feeds/ (topics/,
    archive/ … too), and the stored items, versions, events, articles and HTTP cache (the run log aside)."""
    feeds = tmp_path / "feeds"
    files = {
        str(p.relative_to(feeds)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(feeds.rglob("*"))
        if p.is_file()
    }
    db = sqlite3.connect(tmp_path / "aktuellt.db")
    try:
        tables = {
            name: db.execute(f"SELECT * FROM {name} ORDER BY {order}").fetchall()
            for name, order in (
                ("items", "source, key"),
                ("http_cache", "url"),
                ("revisions", "id"),
                ("events", "id"),
                ("articles", "source, key"),
            )
        }
    finally:
        db.close()
    return {"files": files, **tables}


def swedish(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def test_first_run_publishes_every_item_valid_and_in_order(tmp_path, site):
    result = run_cli(write_config(tmp_path, site))
    assert result.returncode == 0, result.stderr
    seed = load_seed()

    rss = feedparser.parse((tmp_path / "feeds/all.rss").read_bytes())
    atom = feedparser.parse((tmp_path / "feeds/all.atom").read_bytes())
    for parsed in (rss, atom):
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert [e.title for e in parsed.entries] == [s.title for s in seed]
        for entry, seeded in zip(parsed.entries, seed, strict=True):
            assert entry.id.startswith("tag:127.0.0.1,2026:jamlikt-goteborg/")
            assert entry.id.endswith(seeded.uuid)
            assert entry.link.startswith(site.base_url)
            assert "!ut" not in entry.link and "#" not in entry.link
            assert seeded.uuid in entry.link
            assert entry.summary == seeded.summary
    # Dates: the listing's date, in Stockholm, never the scrape time.
    atom_xml = etree.parse(str(tmp_path / "feeds/all.atom"))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    published = [
        dt.datetime.fromisoformat(t) for t in atom_xml.xpath("//a:entry/a:published/text()", namespaces=ns)
    ]
    assert [swedish(p.astimezone(STOCKHOLM).date()) for p in published] == [s.date for s in seed]
    assert all(p.utcoffset() in (dt.timedelta(hours=1), dt.timedelta(hours=2)) for p in published)
    assert {e.guidislink for e in rss.entries} == {False}
    # The Atom document is valid RFC 4287.
    schema = etree.RelaxNG(etree.parse(str(DATA / "atom.rng")))
    assert schema.validate(atom_xml), schema.error_log


def test_second_run_is_conditional_and_rewrites_nothing(tmp_path, site):
    config = write_config(tmp_path, site)
    assert run_cli(config).returncode == 0
    before = snapshot(tmp_path)
    site.requests.clear()

    result = run_cli(config)

    assert result.returncode == 0, result.stderr
    assert snapshot(tmp_path) == before
    listing = site.listing_requests()
    assert len(listing) == 1, "a 304 on page 1 must end the cycle"
    assert "if-none-match" in listing[0].headers


def test_new_item_is_published_first_and_old_ids_stay(tmp_path, site):
    config = write_config(tmp_path, site)
    assert run_cli(config).returncode == 0
    old_ids = [e.id for e in feedparser.parse((tmp_path / "feeds/all.atom").read_bytes()).entries]
    today = dt.datetime.now(STOCKHOLM).date()
    site.add_item(new_item("Ny satsning på läsning i Angered", swedish(today), "Fler barn får böcker."))

    assert run_cli(config).returncode == 0

    for name in ("all.atom", "all.rss"):
        entries = feedparser.parse((tmp_path / "feeds" / name).read_bytes()).entries
        assert len(entries) == len(load_seed()) + 1
        assert entries[0].title == "Ny satsning på läsning i Angered"
        assert [e.id for e in entries[1:]] == old_ids


@pytest.mark.parametrize("fault", ["500", "empty", "garbage"])
def test_failed_source_leaves_store_and_feeds_untouched(tmp_path, site, fault):
    config = write_config(tmp_path, site)
    assert run_cli(config).returncode == 0
    site.edit_item(load_seed()[0].uuid, title="Ändrad rubrik som inte får synas")
    site.etag = False  # make sure the failing run really reads the page
    before = snapshot(tmp_path)
    site.fault = fault

    result = run_cli(config)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "jamlikt-goteborg" in result.stderr
    assert snapshot(tmp_path) == before


def test_links_rerendered_without_etag_cause_no_rewrite(tmp_path, site):
    site.etag = False
    config = write_config(tmp_path, site)
    assert run_cli(config).returncode == 0
    before = snapshot(tmp_path)

    assert run_cli(config).returncode == 0

    assert snapshot(tmp_path) == before  # items, HTTP cache, feed bytes and mtimes
    db = sqlite3.connect(tmp_path / "aktuellt.db")
    runs = db.execute("SELECT status, new, changed, unchanged FROM runs ORDER BY id").fetchall()
    db.close()
    assert runs == [
        ("ok", len(load_seed()), 0, 0),
        ("ok", 0, 0, 9),
    ]  # page 1 all known: page 2 is never fetched


@pytest.mark.parametrize("variant", ["div", "time"])
def test_other_markup_variants_give_the_same_items(tmp_path, site, variant):
    site.variant = variant
    assert run_cli(write_config(tmp_path, site)).returncode == 0
    entries = feedparser.parse((tmp_path / "feeds/all.atom").read_bytes()).entries
    assert [e.title for e in entries] == [s.title for s in load_seed()]


def test_unreachable_source_is_one_clear_line(tmp_path, site):
    config = write_config(tmp_path, site)
    site.stop()  # nothing listens on that port any more

    result = run_cli(config)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "ERROR" in line or line.startswith("aktuellt:")]
    assert len(errors) == 1, result.stderr
    assert "could not" in errors[0].lower() or "reach" in errors[0].lower()
    assert not (tmp_path / "feeds" / "all.rss").exists()


def test_second_run_while_locked_exits_75_and_touches_nothing(tmp_path, site):
    config = write_config(tmp_path, site)
    with cycle_lock(tmp_path / "aktuellt.db"):
        result = run_cli(config)
    assert result.returncode == 75
    assert site.requests == []
    assert not (tmp_path / "feeds" / "all.rss").exists()


def test_bad_config_exits_2_naming_the_key(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[site]\nmax_itemz = 3\n[[sources]]\nid = "x"\n', encoding="utf-8")
    result = aktuellt("--config", str(path), "check")
    assert result.returncode == 2
    assert "site.max_itemz" in result.stderr
    assert "sources[0].url" in result.stderr
