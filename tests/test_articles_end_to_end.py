"""Articles end to end: the real CLI, a real SQLite file and the fixture site's article pages on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import lxml.html
from lxml import etree

from tests.conftest import write_config
from tests.fixture_site import load_seed, new_item
from tests.test_end_to_end import STOCKHOLM, run_cli, swedish

DATA = Path(__file__).parent / "data"
NASTY = [load_seed()[1], load_seed()[4]]  # script, onclick, style, javascript:, iframe, a lazy image


def feeds(tmp_path: Path) -> dict[str, feedparser.FeedParserDict]:
    parsed = {
        name: feedparser.parse((tmp_path / "feeds" / name).read_bytes()) for name in ("all.rss", "all.atom")
    }
    for feed in parsed.values():
        assert not feed.bozo, feed.get("bozo_exception")
    return parsed


def by_id(feed: feedparser.FeedParserDict) -> dict[str, feedparser.FeedParserDict]:
    return {entry.id.rsplit("/", 1)[1]: entry for entry in feed.entries}


def articles(tmp_path: Path) -> dict[str, tuple[str, int, int | None]]:
    db = sqlite3.connect(tmp_path / "aktuellt.db")
    try:
        rows = db.execute("SELECT key, status, attempts, http_status FROM articles").fetchall()
    finally:
        db.close()
    return {key: (status, attempts, http) for key, status, attempts, http in rows}


def updated(tmp_path: Path) -> dict[str, str]:
    atom = etree.parse(str(tmp_path / "feeds/all.atom"))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    return {
        entry.findtext("a:id", namespaces=ns).rsplit("/", 1)[1]: entry.findtext("a:updated", namespaces=ns)
        for entry in atom.getroot().findall("a:entry", ns)
    }


def test_articles_come_out_clean_and_absolute_in_both_feeds(tmp_path, site):
    site.edit_item(NASTY[0].uuid, updated="2 maj 2019")  # published 30 april 2019
    result = run_cli(write_config(tmp_path, site))
    assert result.returncode == 0, result.stderr
    assert len(site.article_requests()) == len(load_seed())

    schema = etree.RelaxNG(etree.parse(str(DATA / "atom.rng")))
    assert schema.validate(etree.parse(str(tmp_path / "feeds/all.atom"))), schema.error_log
    for name, feed in feeds(tmp_path).items():
        entries = by_id(feed)
        assert all(entry.content[0].value for entry in feed.entries), name  # every article made it
        for seeded in NASTY:
            entry = entries[seeded.uuid]
            assert entry.summary == seeded.summary, name  # the listing summary stays the description
            html = entry.content[0].value
            root = lxml.html.fragment_fromstring(html, create_parent="div")
            assert not root.xpath("//script|//style|//iframe|//object"), name
            for element in root.iter():
                assert not [a for a in element.attrib if a.startswith("on") or a == "style"], name
            for url in root.xpath("//a/@href|//img/@src"):
                assert urlsplit(url).scheme in ("http", "https", "mailto"), (name, url)
                assert not url.startswith("javascript"), name
            assert "alert" not in root.text_content()
            # the lead image (with its photographer) and, for item 1, the lazy image with its real source
            assert root.xpath("//figcaption/text()") == ["Foto: Göteborgs Stad"]
        lazy = lxml.html.fragment_fromstring(entries[NASTY[0].uuid].content[0].value, create_parent="div")
        assert (
            f"{site.base_url}/wps/wcm/connect/bb74a1d5-2840-5625-822b-e6cf0dc274b4/matta.jpg?MOD=AJPERES"
            in (lazy.xpath("//img/@src"))
        )
        relative = lxml.html.fragment_fromstring(
            entries[load_seed()[0].uuid].content[0].value, create_parent="div"
        )
        assert all(href.startswith((site.base_url, "mailto:")) for href in relative.xpath("//a/@href"))
        video = lxml.html.fragment_fromstring(entries[NASTY[1].uuid].content[0].value, create_parent="div")
        assert "https://www.youtube.com/watch?v=abc123" in video.xpath("//a/@href")  # the iframe, as a link
        # the lead image is the enclosure, with the type and length the server gave to a HEAD request
        enclosure = entries[NASTY[0].uuid].enclosures[0]
        assert enclosure.href.startswith(site.base_url + "/wps/wcm/connect/")
        assert enclosure.type == "image/jpeg"
        assert int(enclosure.length) == 2048
    # "Senast uppdaterad 2 maj 2019" on the page is the entry's updated (local midnight)
    assert updated(tmp_path)[NASTY[0].uuid] == "2019-05-02T12:30:00+02:00"  # nominal 10:30 UTC
    db = sqlite3.connect(tmp_path / "aktuellt.db")
    run = db.execute("SELECT articles, articles_failed, requests FROM runs").fetchall()
    db.close()
    assert run == [(len(load_seed()), 0, len(site.requests))]  # every request the site saw is counted


def test_second_run_fetches_no_article_page(tmp_path, site):
    site.etag = False  # page 1 is read again in full: still nothing new, so no article page either
    config = write_config(tmp_path, site)
    assert run_cli(config).returncode == 0
    site.requests.clear()

    result = run_cli(config)

    assert result.returncode == 0, result.stderr
    assert site.article_requests() == []
    assert [r.kind for r in site.requests] == ["listing"]  # robots.txt is kept from the first run


def test_failed_article_keeps_its_item_and_is_retried_next_cycle(tmp_path, site):
    broken, gone = load_seed()[2], load_seed()[3]
    site.article_faults[broken.uuid] = 500
    site.article_faults[gone.uuid] = 404
    config = write_config(tmp_path, site)

    result = run_cli(config)

    assert result.returncode == 0, result.stderr
    assert "2 failed" in result.stderr
    for feed in feeds(tmp_path).values():
        entries = by_id(feed)
        assert entries[broken.uuid].summary == broken.summary
        assert "content" not in entries[broken.uuid]
        assert entries[gone.uuid].summary == gone.summary
    assert articles(tmp_path)[broken.uuid] == ("pending", 1, 500)
    assert articles(tmp_path)[gone.uuid] == ("gone", 1, 404)
    before = updated(tmp_path)

    del site.article_faults[broken.uuid]
    site.requests.clear()
    assert run_cli(config).returncode == 0

    assert [urlsplit(r.path).path.split("/")[-2] for r in site.article_requests()] == [broken.uuid]
    assert articles(tmp_path)[broken.uuid] == ("ok", 0, 200)
    assert articles(tmp_path)[gone.uuid] == ("gone", 1, 404)  # a 404 is not retried
    for feed in feeds(tmp_path).values():
        assert by_id(feed)[broken.uuid].content[0].value
    assert updated(tmp_path) == before  # a first body is not an edit

    site.requests.clear()
    assert run_cli(config).returncode == 0
    assert site.article_requests() == []  # nothing left to retry


def test_a_title_edit_of_an_item_dated_today_moves_updated_forward(tmp_path, site):
    # A date without a time is shown at a nominal 10:30 UTC (instants.published_instant), hours after a
    # morning's first sighting: an edit seen before then must still move `updated` forward, never back.
    today = swedish(dt.datetime.now(STOCKHOLM).date())
    item = new_item("Läsfrämjande i Angered", today, "Fler barn läser.", "<p>Texten.</p>")
    site.add_item(item)
    config = write_config(tmp_path, site)
    assert run_cli(config).returncode == 0
    before = updated(tmp_path)
    site.edit_item(item.uuid, title="Läsfrämjande i Angered och Bergsjön")

    result = run_cli(config)

    assert result.returncode == 0, result.stderr
    after = updated(tmp_path)
    assert dt.datetime.fromisoformat(after[item.uuid]) > dt.datetime.fromisoformat(before[item.uuid])
    assert {k: v for k, v in after.items() if k != item.uuid} == {
        k: v for k, v in before.items() if k != item.uuid
    }


def test_rechecks_of_an_unchanged_page_leave_updated_and_the_history_alone(tmp_path, site):
    # A "Senast uppdaterad" later than the listing date moves `updated` once; re-reading the same page (the
    # 1 h / 6 h re-checks) must neither move it again nor record an edit.
    today = dt.datetime.now(STOCKHOLM).date()
    listed = today - dt.timedelta(days=3)  # young enough to be re-checked
    item = new_item("Läsfrämjande i Angered", swedish(listed), "Fler barn läser.", "<p>Texten.</p>")
    site.add_item(item)
    site.edit_item(item.uuid, updated=swedish(today - dt.timedelta(days=1)))
    config = write_config(tmp_path, site)
    assert run_cli(config).returncode == 0
    first = updated(tmp_path)
    for _ in range(2):
        db = sqlite3.connect(tmp_path / "aktuellt.db")
        with db:
            db.execute("UPDATE articles SET next_attempt = '2000-01-01T00:00:00+00:00'")
        db.close()
        site.requests.clear()
        assert run_cli(config).returncode == 0
        assert item.uuid in {urlsplit(r.path).path.split("/")[-2] for r in site.article_requests()}
        assert updated(tmp_path) == first
    db = sqlite3.connect(tmp_path / "aktuellt.db")
    try:
        assert db.execute("SELECT count(*) FROM events WHERE kind = 'edited'").fetchone() == (0,)
    finally:
        db.close()


def test_edited_body_bumps_only_that_entry(tmp_path, site):
    today = swedish(dt.datetime.now(STOCKHOLM).date())
    edited = new_item("Läsfrämjande i Angered", today, "Fler barn läser.", "<p>Första versionen.</p>")
    noisy = new_item("Bokstart i Bergsjön", today, "Hembesök.", "<p>Samma ord.</p>")
    site.add_item(edited)
    site.add_item(noisy)
    config = write_config(tmp_path, site)
    assert run_cli(config).returncode == 0
    before = updated(tmp_path)
    site.edit_item(edited.uuid, body_html="<p>Andra versionen, med en rättelse.</p>")
    site.edit_item(noisy.uuid, body_html="<p>\n  <span>Samma</span>   ord.</p>")  # markup, not words
    # Young articles are re-checked an hour after they were read; let that hour pass.
    db = sqlite3.connect(tmp_path / "aktuellt.db")
    with db:
        db.execute(
            "UPDATE articles SET next_attempt = '2000-01-01T00:00:00+00:00' WHERE next_attempt IS NOT NULL"
        )
    db.close()
    time.sleep(1.05)  # stored times have whole seconds: make the edit's time differ from the first run's
    site.requests.clear()

    result = run_cli(config)

    assert result.returncode == 0, result.stderr
    after = updated(tmp_path)
    assert after[edited.uuid] > before[edited.uuid]
    assert {k: v for k, v in after.items() if k != edited.uuid} == {
        k: v for k, v in before.items() if k != edited.uuid
    }
    for feed in feeds(tmp_path).values():
        assert "Andra versionen" in by_id(feed)[edited.uuid].content[0].value
    assert {urlsplit(r.path).path.split("/")[-2] for r in site.article_requests()} >= {
        edited.uuid,
        noisy.uuid,
    }


def test_a_removal_an_article_page_confirms_after_a_304_is_counted_in_the_run(tmp_path, site):
    # The listing answers 304; a re-check of an article finds the page gone (410): the item is removed,
    # and the run says so, as a full read's would.
    gone = load_seed()[3]
    config = write_config(tmp_path, site)
    assert run_cli(config).returncode == 0
    db = sqlite3.connect(tmp_path / "aktuellt.db")
    with db:
        db.execute(
            "UPDATE articles SET next_attempt = '2000-01-01T00:00:00+00:00' WHERE key = ?", [gone.uuid]
        )
    db.close()
    site.article_faults[gone.uuid] = 410

    result = run_cli(config)

    assert result.returncode == 0, result.stderr
    assert articles(tmp_path)[gone.uuid] == ("gone", 1, 410)
    db = sqlite3.connect(tmp_path / "aktuellt.db")
    try:
        assert db.execute("SELECT count(*) FROM events WHERE kind = 'removed'").fetchone() == (1,)
    finally:
        db.close()
    assert "not modified, 0 new, 0 changed, 0 unchanged, 1 removed" in result.stderr
    assert "0 unchanged, 1 removed, 2 requests" in result.stderr  # the cycle's line
