"""History: versions, edits, removals and the changes feed, end to end against the mutating fixture site."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import html
import io
import json
import re
import socket
import sqlite3
import subprocess
import threading
import urllib.request
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import feedparser
import pytest
from lxml import etree

from scraper.clock import utc_now
from scraper.config import load_config
from scraper.cycle import run_cycle
from scraper.history import Tracked, Version, compare, missing
from scraper.models import RunReport
from scraper.publish.diffs import diff_html
from scraper.source.fetch import Fetcher
from scraper.store import Store
from tests.conftest import aktuellt, write_config
from tests.fixture_site import FixtureSite, load_seed, new_item
from tests.test_end_to_end import STOCKHOLM, run_cli, swedish

DATA = Path(__file__).parent / "data"
FH = "http://purl.org/syndication/history/1.0"
NS = {"a": "http://www.w3.org/2005/Atom", "at": "http://purl.org/atompub/tombstones/1.0"}
SEED = load_seed()


# -- pure decisions -------------------------------------------------------------------------------------


def test_whitespace_and_nbsp_are_not_an_edit():
    before = Version("Rubrik", "En  ingress\n med text", "2019-05-02")
    assert compare(before, Version("Rubrik ", "En\u00a0ingress med text", "2019-05-02"))[0] == "same"


def test_unobserved_fields_carry_over_and_first_body_is_a_fill_not_an_edit():
    before = Version("Rubrik", "Ingress", "2019-05-02", body_text="Brödtext")
    action, same = compare(before, Version("Rubrik", "Ingress", "2019-05-02"))  # article page not read
    assert action == "same" and same.body_text == "Brödtext"
    assert compare(Version("Rubrik", "Ingress", "2019-05-02"), before) == ("fill", before)
    observed = Version("Rubrik", "Ingress", "2019-05-02", body_text="Ny brödtext")
    assert compare(before, observed) == ("edit", observed)
    # An edit wins over a fill in the same version (the body filled in, the page's own date changed).
    dated = Version("Rubrik", "Ingress", "2019-05-02", article_updated="2019-05-03")
    edited = replace(dated, body_text="Brödtext", article_updated="2019-05-04")
    assert compare(dated, edited) == ("edit", edited)


def test_diff_marks_words_and_escapes_markup():
    out = diff_html(
        Version("A <b>", "gammal text här", "2019-01-01"), Version("A <b>", "ny text här", "2019-01-01")
    )
    assert "<h3>Ingress</h3>" in out and "Rubrik" not in out
    assert "<del>[−gammal]</del> <ins>[+ny]</ins> text här" in out
    out = diff_html(Version("A <b>", "", "2019-01-01"), Version("A <i>", "", "2019-01-01"))
    assert "&lt;b&gt;" in out and "<b>" not in out
    out = diff_html(Version("A", "", "2019-03-12"), Version("A", "", "2019-03-13"))
    assert out == "<h3>Publiceringsdatum</h3>\n<p><del>[−12]</del> <ins>[+13]</ins> mars 2019</p>"
    # A pure insertion or deletion keeps the space outside its marker, so no word touches a bracket.
    out = diff_html(Version("A", "ett tre", "2019-01-01"), Version("A", "ett två tre", "2019-01-01"))
    assert "ett <ins>[+två]</ins> tre" in out
    out = diff_html(Version("A", "ett två tre", "2019-01-01"), Version("A", "ett tre", "2019-01-01"))
    assert "ett <del>[−två]</del> tre" in out


def text_as_newsboat(html_text: str) -> str:
    """What a text reader shows of an HTML entry: block elements end a line, every other tag is dropped
    without a space (newsboat's renderer, rss2email's plain text), entities decoded."""
    text = re.sub(r"</?(?:p|h[1-6]|li|ul|br|div)\b[^>]*>", "\n", html_text)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def test_diff_reads_right_with_the_tags_stripped():
    before = Version("Flygande matta landar i Göteborg", "Nu landar den på Kungstorget.", "2019-04-30")
    after = Version("Flygande matta landar på Gustaf Adolfs torg", "Nu landar den på torget.", "2019-04-30")
    text = text_as_newsboat(diff_html(before, after))
    assert "Flygande matta landar [−i Göteborg] [+på Gustaf Adolfs torg]" in text
    assert "Nu landar den på [−Kungstorget.] [+torget.]" in text


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_missing_counts_only_within_the_range_read_and_confirms_only_on_a_read_to_the_end():
    tracked = [
        Tracked("newer", day("2019-05-01")),
        Tracked("boundary", day("2019-01-11")),  # same date as the oldest read: may sit on the next page
        Tracked("older", day("2018-01-01")),
        Tracked("seen", day("2019-04-01"), missing_count=1),
        Tracked("pending", day("2019-03-01"), missing_count=1),
        Tracked("gone", day("2019-03-02"), removed=True),
        Tracked("back", day("2019-03-03"), removed=True),
        Tracked("out of reach", day("2018-06-01"), missing_count=1),  # counted once, now past the pages read
    ]
    decision = missing(tracked, ["seen", "back"], oldest_read=day("2019-01-11"), reached_end=False)
    assert decision.missing == {"newer": 1}
    # A second miss on a read that stopped short: the item may have been re-dated onto a page not read.
    assert decision.removed == () and decision.unconfirmed == ("pending",)
    assert decision.back == ("seen", "out of reach") and decision.restored == ("back",)
    everything = missing(tracked, ["seen", "back"], oldest_read=day("2019-01-11"), reached_end=True)
    assert set(everything.missing) == {"newer", "boundary", "older"}
    assert everything.removed == ("pending", "out of reach") and everything.unconfirmed == ()


# -- end to end -----------------------------------------------------------------------------------------


def config_for(tmp_path: Path, site: FixtureSite, extra: str = "") -> Path:
    path = write_config(tmp_path, site)
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")  # [[sources]] is last
    return path


def run_ok(config: Path) -> None:
    """One successful cycle in this process (fast); the CLI path is covered by `run_ok_cli`."""
    assert run_in_process(config).ok


def run_ok_cli(config: Path) -> None:
    result = run_cli(config)
    assert result.returncode == 0, result.stderr


def run_in_process(config_path: Path, moment: dt.datetime | None = None) -> RunReport:
    config = load_config(config_path)
    clock = (lambda: moment) if moment is not None else utc_now
    with Store(config.site.database) as store, Fetcher(config.fetch) as fetcher:
        return run_cycle(config, store=store, fetcher=fetcher, clock=clock)


def feed(tmp_path: Path, name: str) -> feedparser.FeedParserDict:
    parsed = feedparser.parse((tmp_path / "feeds" / name).read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def valid_atom(path: Path) -> etree._ElementTree:
    document = etree.parse(str(path))
    schema = etree.RelaxNG(etree.parse(str(DATA / "atom.rng")))
    assert schema.validate(document), schema.error_log
    return document


def events(tmp_path: Path) -> list[tuple[str, str]]:
    db = sqlite3.connect(tmp_path / "aktuellt.db")
    try:
        return db.execute("SELECT kind, key FROM events WHERE kind != 'new' ORDER BY id").fetchall()
    finally:
        db.close()


def test_edit_is_one_event_with_a_diff_and_keeps_the_entry_id(tmp_path, site):
    config = config_for(tmp_path, site)
    run_ok_cli(config)
    target = SEED[1]
    before = {e.id: e for e in feed(tmp_path, "all.atom").entries}
    assert target.title == "Flygande matta landar i Göteborg"
    site.edit_item(
        target.uuid,
        title="Flygande matta landar på Gustaf Adolfs torg",
        summary=target.summary.replace("Kungstorget", "Gustaf Adolfs torg"),
    )

    run_ok_cli(config)
    run_ok_cli(config)  # an unchanged read afterwards adds nothing

    assert events(tmp_path) == [("edited", target.uuid)]
    changes = feed(tmp_path, "changes.atom")
    edited = [e for e in changes.entries if e.title.startswith("Ändrad:")]
    assert len(edited) == 1
    content = edited[0].content[0].value
    assert "<del>[−Kungstorget.]</del> <ins>[+Gustaf Adolfs torg.]</ins>" in content
    assert edited[0].id.endswith("/events/27") and edited[0].link.endswith(target.uuid + "/")
    rss = feed(tmp_path, "changes.rss").entries[0]
    assert rss.title == edited[0].title
    # Read as newsboat does (tags dropped): words on both sides of a change stay apart, both markers show;
    # changes.rss carries the same diff in content:encoded (what the `reader` library shows) and description.
    for text in (content, rss.content[0].value, rss.description):
        shown = text_as_newsboat(text)
        assert "landar [−i Göteborg] [+på Gustaf Adolfs torg]" in shown
        assert "[−Kungstorget.] [+Gustaf Adolfs torg.]" in shown
    after = {e.id: e for e in feed(tmp_path, "all.atom").entries}
    entry_id = next(i for i in after if i.endswith(target.uuid))
    assert after.keys() == before.keys()
    assert after[entry_id].updated_parsed > before[entry_id].updated_parsed
    assert "Gustaf Adolfs torg" in after[entry_id].summary
    valid_atom(tmp_path / "feeds/changes.atom")


def test_removal_needs_two_reads_leaves_a_tombstone_and_keeps_the_text_then_restores(tmp_path, site):
    config = config_for(tmp_path, site)
    run_ok(config)
    target = SEED[3]
    kept = site.items[3]
    site.remove_item(target.uuid)

    run_ok(config)
    assert events(tmp_path) == []
    assert any(e.id.endswith(target.uuid) for e in feed(tmp_path, "all.rss").entries)

    run_ok(config)
    assert events(tmp_path) == [("removed", target.uuid)]
    assert not any(e.id.endswith(target.uuid) for e in feed(tmp_path, "all.rss").entries)
    assert not any(e.id.endswith(target.uuid) for e in feed(tmp_path, "all.atom").entries)
    atom = valid_atom(tmp_path / "feeds/all.atom")
    refs = atom.xpath("/a:feed/at:deleted-entry/@ref", namespaces=NS)
    assert [r for r in refs if r.endswith(target.uuid)] == refs and len(refs) == 1
    removed = [e for e in feed(tmp_path, "changes.atom").entries if e.title.startswith("Borttagen:")]
    assert len(removed) == 1 and target.summary in removed[0].content[0].value

    site.add_item(kept, 3)
    run_ok(config)
    assert events(tmp_path)[-1] == ("restored", target.uuid)
    assert any(e.id.endswith(target.uuid) for e in feed(tmp_path, "all.rss").entries)
    assert valid_atom(tmp_path / "feeds/all.atom").xpath("//at:deleted-entry", namespaces=NS) == []
    assert feed(tmp_path, "changes.atom").entries[0].title.startswith("Återpublicerad:")


@pytest.mark.parametrize("fault", ["500", "empty", "short"])
def test_failed_or_short_listing_removes_nothing(tmp_path, site, fault):
    config = config_for(tmp_path, site)
    run_ok(config)
    site.remove_item(SEED[2].uuid)
    site.etag = False
    for _ in range(2):  # two failed reads in a row: would confirm a removal if they counted
        if fault == "short":
            site.per_page = 3  # page 1 under half its usual size: a layout change, not removals
        else:
            site.fault = fault
        assert not run_in_process(config).ok
    assert events(tmp_path) == []
    assert any(e.id.endswith(SEED[2].uuid) for e in feed(tmp_path, "all.rss").entries)


def test_items_beyond_what_the_cycle_read_are_never_removed(tmp_path, site):
    run_ok(config_for(tmp_path, site))  # reads all three pages: every item is known
    config = config_for(tmp_path, site, "max_pages = 1\n")
    site.remove_item(SEED[2].uuid)  # page 1 now reaches 11 januari 2019, and so do page 2's first items
    site.etag = False

    for _ in range(3):
        run_ok(config)

    assert events(tmp_path) == [("removed", SEED[2].uuid)]
    assert len(feed(tmp_path, "all.rss").entries) == len(SEED) - 1


def make_articles_due(tmp_path: Path) -> None:
    """Let the re-check interval of young articles pass (they are re-read an hour after the last read)."""
    db = sqlite3.connect(tmp_path / "aktuellt.db")
    with db:
        db.execute(
            "UPDATE articles SET next_attempt = '2000-01-01T00:00:00+00:00' WHERE next_attempt IS NOT NULL"
        )
    db.close()


def test_body_edit_is_one_event_with_a_body_diff_and_markup_noise_is_none(tmp_path, site):
    today = swedish(dt.datetime.now(STOCKHOLM).date())
    edited = new_item(
        "Läsfrämjande i Angered", today, "Fler barn läser.", "<p>Första versionen av texten.</p>"
    )
    noisy = new_item("Bokstart i Bergsjön", today, "Hembesök.", "<p>Samma ord.</p>")
    site.add_item(edited)
    site.add_item(noisy)
    config = config_for(tmp_path, site)
    run_ok(config)
    site.edit_item(edited.uuid, body_html="<p>Andra versionen av texten.</p>")
    site.edit_item(noisy.uuid, body_html="<p>\n  <span>Samma</span>   ord.</p>")
    make_articles_due(tmp_path)

    run_ok(config)

    assert events(tmp_path) == [("edited", edited.uuid)]
    entry = next(e for e in feed(tmp_path, "changes.atom").entries if e.title.startswith("Ändrad:"))
    content = entry.content[0].value
    assert "<h3>Brödtext</h3>" in content and "<del>[−Första]</del> <ins>[+Andra]</ins> versionen" in content
    assert "Ingress" not in content  # only what changed
    db = sqlite3.connect(tmp_path / "aktuellt.db")
    bodies = db.execute("SELECT body_text FROM revisions WHERE key = ? ORDER BY id", [edited.uuid]).fetchall()
    db.close()
    assert [b for (b,) in bodies] == ["Första versionen av texten.", "Andra versionen av texten."]


def test_article_answering_404_confirms_a_removal_at_once(tmp_path, site):
    young = new_item("Ny mötesplats i Hammarkullen", swedish(dt.datetime.now(STOCKHOLM).date()), "Öppet hus.")
    site.add_item(young)
    config = config_for(tmp_path, site)
    run_ok(config)
    site.remove_item(young.uuid)  # gone from the listing, and its page answers 404
    make_articles_due(tmp_path)

    run_ok(config)

    assert events(tmp_path) == [("removed", young.uuid)]
    removed = feed(tmp_path, "changes.atom").entries[0]
    assert removed.title == "Borttagen: Ny mötesplats i Hammarkullen"
    assert "<p>Sidan svarar inte längre på webbplatsen. Senast kända version:</p>" in removed.content[0].value


def run_at(config_path: Path, moment: dt.datetime) -> None:
    """One cycle in this process with the clock at `moment` (the CLI has no clock to set)."""
    report = run_in_process(config_path, moment)
    assert report.ok, report


def links(document: etree._ElementTree) -> dict[str, str]:
    return {link.get("rel"): link.get("href") for link in document.xpath("/a:feed/a:link", namespaces=NS)}


def test_a_year_has_an_archive_once_it_is_over_and_that_archive_never_changes(tmp_path, site):
    # RFC 5005 §4: an archive document must not change once published. The year under way has none (its news
    # is in all.*); a closed year's is written once, linking to the year before and the year after (whose URL
    # is known before it closes), and is never rewritten: not by later cycles, not when the next year closes.
    config = config_for(tmp_path, site)
    site.etag = False  # every cycle reads the listing
    run_at(config, dt.datetime(2025, 12, 31, 12, tzinfo=dt.UTC))
    archive = tmp_path / "feeds/archive"
    assert not archive.exists() or not any(archive.iterdir())
    assert "prev-archive" not in links(valid_atom(tmp_path / "feeds/all.atom"))
    site.edit_item(SEED[0].uuid, title="Så ska storstäderna bli mer jämlika – rättad")

    run_at(config, dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC))
    assert sorted(p.name for p in archive.iterdir()) == ["2025.atom"]
    complete = (archive / "2025.atom").read_bytes()
    stamp = (archive / "2025.atom").stat().st_mtime_ns
    site.remove_item(SEED[4].uuid)
    run_at(config, dt.datetime(2026, 2, 1, 12, tzinfo=dt.UTC))
    run_at(config, dt.datetime(2026, 2, 2, 12, tzinfo=dt.UTC))
    assert sorted(p.name for p in archive.iterdir()) == ["2025.atom"]  # 2026 is still under way
    assert (archive / "2025.atom").stat().st_mtime_ns == stamp  # not even rewritten with the same bytes
    # A closed year's file that went missing is rendered again from its events, to the same bytes.
    (archive / "2025.atom").unlink()
    run_at(config, dt.datetime(2026, 2, 3, 12, tzinfo=dt.UTC))
    assert (archive / "2025.atom").read_bytes() == complete
    base = "http://feeds.example.test/"
    assert links(valid_atom(tmp_path / "feeds/all.atom"))["prev-archive"] == base + "archive/2025.atom"

    run_at(config, dt.datetime(2027, 1, 2, 12, tzinfo=dt.UTC))  # 2026 closes
    assert sorted(p.name for p in archive.iterdir()) == ["2025.atom", "2026.atom"]
    assert (archive / "2025.atom").read_bytes() == complete
    old, new = valid_atom(archive / "2025.atom"), valid_atom(archive / "2026.atom")
    for document in (old, new):
        assert document.xpath("/a:feed/fh:archive", namespaces=NS | {"fh": FH})
        assert not document.xpath("/a:feed/fh:complete", namespaces=NS | {"fh": FH})
        assert links(document)["current"] == base + "all.atom"
    assert links(old)["next-archive"] == base + "archive/2026.atom" and "prev-archive" not in links(old)
    assert links(new)["prev-archive"] == base + "archive/2025.atom"
    assert links(new)["next-archive"] == base + "archive/2027.atom"
    assert links(valid_atom(tmp_path / "feeds/all.atom"))["prev-archive"] == base + "archive/2026.atom"
    # Walking back from the newest archive finds every item ever seen, and the edit as a later version.
    old_ids = old.xpath("/a:feed/a:entry/a:id/text()", namespaces=NS)
    assert len(old_ids) == len(SEED) == len(set(old_ids))
    titles = new.xpath("/a:feed/a:entry/a:title/text()", namespaces=NS)
    assert titles == ["Så ska storstäderna bli mer jämlika – rättad"]
    assert new.xpath("/a:feed/at:deleted-entry/@ref", namespaces=NS) == [
        i for i in old_ids if i.endswith(SEED[4].uuid)
    ]


def test_a_year_closes_at_midnight_in_the_sources_zone_not_in_utc(tmp_path, site):
    # 23:30 UTC on 31 December is 00:30 on 1 January in Stockholm: the year has closed there, so its archive
    # is written then, with the edit made before Stockholm's midnight and not the one made after it.
    config = config_for(tmp_path, site)
    site.etag = False
    archive = tmp_path / "feeds/archive"
    run_at(config, dt.datetime(2026, 12, 31, 22, 30, tzinfo=dt.UTC))
    site.edit_item(SEED[0].uuid, title="Rättad 23.45 svensk tid")
    run_at(config, dt.datetime(2026, 12, 31, 22, 45, tzinfo=dt.UTC))
    assert not archive.exists() or not any(archive.iterdir())
    site.edit_item(SEED[0].uuid, title="Rättad 00.30 svensk tid")
    run_at(config, dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC))
    assert sorted(p.name for p in archive.iterdir()) == ["2026.atom"]
    titles = valid_atom(archive / "2026.atom").xpath("/a:feed/a:entry/a:title/text()", namespaces=NS)
    assert "Rättad 23.45 svensk tid" in titles and "Rättad 00.30 svensk tid" not in titles
    closed = (archive / "2026.atom").read_bytes()
    run_at(config, dt.datetime(2027, 1, 1, 0, 30, tzinfo=dt.UTC))  # the year closes in UTC too: no change
    assert (archive / "2026.atom").read_bytes() == closed
    assert links(valid_atom(tmp_path / "feeds/all.atom"))["prev-archive"].endswith("archive/2026.atom")


def test_an_archive_of_the_year_under_way_left_by_an_earlier_version_is_removed(tmp_path, site):
    config = config_for(tmp_path, site)
    run_at(config, dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC))
    archive = tmp_path / "feeds/archive"
    archive.mkdir(exist_ok=True)
    declared = b'<feed xmlns:fh="' + FH.encode() + b'" '
    written = (tmp_path / "feeds/all.atom").read_bytes().replace(b"<feed ", declared, 1)
    written = written.replace(b":feeds/all</id>", b":feeds/archive/2026</id>", 1)  # as that version named it
    (archive / "2026.atom").write_bytes(written.replace(b"</feed>", b"<fh:archive/></feed>"))
    (archive / "2026.atom.bak").write_bytes(b"a user's file")
    (archive / "notes.atom").write_bytes(b"a user's file")
    # Another tool's RFC 5005 archives in a shared folder, named like ours: not ours, never removed.
    (archive / "2027.atom").write_bytes(FOREIGN_ARCHIVE)
    run_at(config, dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC))
    assert sorted(p.name for p in archive.iterdir()) == ["2026.atom.bak", "2027.atom", "notes.atom"]
    assert (archive / "2027.atom").read_bytes() == FOREIGN_ARCHIVE


#: An RFC 5005 archive another program wrote (its own id), as a shared web folder may hold.
FOREIGN_ARCHIVE = (
    b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:fh="' + FH.encode() + b'">'
    b"<id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id><title>The site's own</title>"
    b"<fh:archive/></feed>"
)


def test_a_foreign_archive_of_the_year_under_way_is_left_alone_in_the_folder_and_outside_it(tmp_path, site):
    config = config_for(tmp_path, site)
    archive = tmp_path / "feeds/archive"
    archive.mkdir(parents=True)
    (archive / "2026.atom").write_bytes(FOREIGN_ARCHIVE)
    run_at(config, dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC))
    assert (archive / "2026.atom").read_bytes() == FOREIGN_ARCHIVE
    # archive/ made a symlink out of the output folder: even a file of ours there is not ours to remove.
    elsewhere = tmp_path / "elsewhere"
    archive.rename(elsewhere)
    archive.symlink_to(elsewhere)
    own = (
        (tmp_path / "feeds/all.atom").read_bytes().replace(b":feeds/all</id>", b":feeds/archive/2026</id>", 1)
    )
    declared = own.replace(b"<feed ", b'<feed xmlns:fh="' + FH.encode() + b'" ', 1)
    (elsewhere / "2026.atom").write_bytes(declared.replace(b"</feed>", b"<fh:archive/></feed>"))
    run_at(config, dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC))
    assert (elsewhere / "2026.atom").is_file()


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return aktuellt("--config", str(config), *args)


def test_history_and_export_show_every_version(tmp_path, site):
    config = config_for(tmp_path, site)
    run_ok(config)
    target = SEED[1]
    site.edit_item(target.uuid, title="Flygande matta landar på Kungstorget")
    run_ok(config)

    shown = cli(config, "history", site.base_url + f"/wps/portal/aktuelltarkivet/aktuellt/{target.uuid}#Z7_X")
    assert shown.returncode == 0, shown.stderr
    assert "Version 1" in shown.stdout and "Version 2" in shown.stdout and "Version 3" not in shown.stdout
    assert "Rubrik: Flygande matta landar [-i Göteborg-]{+på Kungstorget+}" in shown.stdout
    assert "ändrad" in shown.stdout
    assert cli(config, "history", "00000000-0000-0000-0000-000000000000").returncode == 1

    rows = list(csv.DictReader(io.StringIO(cli(config, "export", "--format", "csv").stdout)))
    assert len(rows) == len(SEED) + 1
    versions = [r for r in rows if r["key"] == target.uuid]
    assert [(r["revision"], r["title"]) for r in versions] == [
        ("1", target.title),
        ("2", "Flygande matta landar på Kungstorget"),
    ]
    assert versions[0]["body_text"]  # the article's text is part of the record
    out = tmp_path / "export.json"
    assert cli(config, "export", "--format", "json", "--output", str(out)).returncode == 0
    items = {i["key"]: i for i in json.loads(out.read_text(encoding="utf-8"))["items"]}
    assert len(items) == len(SEED)
    assert [e["kind"] for e in items[target.uuid]["events"]] == ["new", "edited"]
    assert items[target.uuid]["events"][1]["revision"] == 2


class Receiver:
    """A real HTTP server on 127.0.0.1 that records every POST (a webhook receiver or a WebSub hub)."""

    def __init__(self, status: int = 204) -> None:
        self.posts: list[tuple[str, str, bytes]] = []
        self.status = status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.posts.append((self.path, self.headers.get("Content-Type", ""), body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def dead_url() -> str:
    """A loopback URL nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hub"


def test_webhook_gets_one_document_per_event_and_the_hub_is_pinged(tmp_path, site):
    with Receiver() as hook, Receiver() as hub:
        config = config_for(tmp_path, site)
        text = config.read_text(encoding="utf-8")
        config.write_text(f'[notify]\nwebhook = "{hook.url}"\n[websub]\nhub = "{hub.url}"\n' + text, "utf-8")
        run_ok(config)
        assert len(hook.posts) == len(SEED)
        site.edit_item(SEED[0].uuid, summary="En ny ingress.")
        hook.posts.clear()
        hub.posts.clear()

        run_ok(config)

        assert len(hook.posts) == 1
        path, content_type, body = hook.posts[0]
        assert content_type == "application/json"
        document = json.loads(body)
        assert document["type"] == "edited" and document["item"]["key"] == SEED[0].uuid
        assert document["version"]["summary"] == "En ny ingress."
        assert document["previous"]["summary"] == SEED[0].summary
        assert "<ins>" in document["diff_html"]
        pinged = sorted(parse_qs(body.decode())["hub.url"][0] for _, _, body in hub.posts)
        base = "http://feeds.example.test/"
        # all.json too: JSON Feed announces the hub as well (its "hubs").
        assert pinged == [
            base + name for name in ("all.atom", "all.json", "all.rss", "changes.atom", "changes.rss")
        ]
        assert all(parse_qs(body.decode())["hub.mode"] == ["publish"] for _, _, body in hub.posts)
        hub.posts.clear()
        run_ok(config)  # nothing changed: no event, no ping
        assert hook.posts[1:] == [] and hub.posts == []
    atom = valid_atom(tmp_path / "feeds/all.atom")
    assert links(atom)["hub"] == hub.url
    rss = etree.parse(str(tmp_path / "feeds/all.rss"))
    assert rss.xpath("/rss/channel/a:link[@rel='hub']/@href", namespaces=NS) == [hub.url]
    hubs = json.loads((tmp_path / "feeds/all.json").read_text(encoding="utf-8"))["hubs"]
    assert hubs == [{"type": "WebSub", "url": hub.url}]


def test_a_hub_and_webhook_that_are_down_do_not_fail_the_cycle(tmp_path, site):
    config = config_for(tmp_path, site)
    text = config.read_text(encoding="utf-8")
    config.write_text(f'[notify]\nwebhook = "{dead_url()}"\n[websub]\nhub = "{dead_url()}"\n' + text, "utf-8")
    result = run_cli(config)
    assert result.returncode == 0, result.stderr
    assert "websub: could not ping" in result.stderr and "webhook:" in result.stderr
    assert len(feed(tmp_path, "all.atom").entries) == len(SEED)


def test_serve_sends_websub_link_headers_for_feeds(tmp_path):
    from scraper.service.files import build_app
    from scraper.service.metrics import Metrics
    from scraper.service.server import FeedServer

    (tmp_path / "topics").mkdir()
    for name in ("all.atom", "topics/lasning.rss", "index.html"):
        (tmp_path / name).write_bytes(b"<x/>")
    hub = "https://hub.example.org/"
    app = build_app(
        tmp_path,
        max_age=60,
        metrics=Metrics([]),
        health=lambda: (200, {}),
        hub=hub,
        base_url="https://f.test/",
    )
    server = FeedServer(app, "127.0.0.1", 0)
    server.start()
    try:
        with urllib.request.urlopen(server.url + "topics/lasning.rss", timeout=5) as response:
            assert (
                response.headers["Link"]
                == f'<{hub}>; rel="hub", <https://f.test/topics/lasning.rss>; rel="self"'
            )
        with urllib.request.urlopen(server.url + "index.html", timeout=5) as response:
            assert response.headers["Link"] is None
    finally:
        server.stop()
        server.join(5)


def test_an_archive_holds_each_item_once_as_it_ended_the_year():
    from scraper.history import ChangeRow, archive_years

    tz = dt.UTC

    def event(number: int, kind: str, key: str, when: str, title: str) -> ChangeRow:
        return ChangeRow(
            id=number,
            source="s",
            key=key,
            kind=kind,
            at=dt.datetime.fromisoformat(when).replace(tzinfo=tz),
            detail=None,
            entry_id=f"tag:x,2026:s/{key}",
            link=f"https://x.test/{key}",
            published=dt.datetime(2025, 6, 1, 10, 30, tzinfo=tz),
            after=Version(title, "", "2025-06-01"),
            before=None,
        )

    years = archive_years(
        [
            event(1, "new", "a", "2025-06-01T12:00", "A"),
            event(2, "edited", "a", "2026-02-01T12:00", "A rättad"),
            event(3, "edited", "a", "2026-03-01T12:00", "A rättad igen"),
            event(4, "new", "b", "2025-06-01T12:00", "B"),
            event(5, "removed", "b", "2026-02-01T12:00", "B"),
            event(6, "restored", "b", "2026-03-01T12:00", "B"),
            event(7, "new", "c", "2025-06-01T12:00", "C"),
            event(8, "removed", "c", "2026-04-01T12:00", "C"),
        ],
        tz,
        2026,
    )
    old_entries, old_deleted = years[2025]
    assert [e.title for e in old_entries] == ["C", "B", "A"] and old_deleted == []  # newest event first
    entries, deleted = years[2026]
    # One entry per id: a's last version; b came back, so no tombstone; c ended the year removed.
    assert [(e.key, e.title) for e in entries] == [("b", "B"), ("a", "A rättad igen")]
    assert [d.entry_id for d in deleted] == ["tag:x,2026:s/c"]


def parsed_time(entry: feedparser.FeedParserDict) -> dt.datetime:
    return dt.datetime.fromtimestamp(calendar.timegm(entry.updated_parsed), dt.UTC)


def test_removed_mark_keeps_a_marked_entry_in_every_main_feed_for_n_days_then_drops_it(tmp_path, site):
    """`site.removed = "mark"`: after the second miss the item stays in all/topic feeds (RSS, Atom, JSON)
    titled "[Borttagen] …" and updated at its removal, the tombstone stays in all.atom; N days on, gone."""
    target = SEED[3]
    words = f'"{target.title}", "{SEED[0].title}"'  # the topic keeps an entry when the target leaves
    config = config_for(tmp_path, site, f'\n[[topics]]\nid = "t"\ntitle = "T"\nmatch = [{words}]\n')
    marked = '[site]\nremoved = "mark"\nremoved_days = 3\n'
    text = config.read_text(encoding="utf-8").replace("[site]\n", marked)
    config.write_text(text, encoding="utf-8")
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    run_at(config, start)
    site.remove_item(target.uuid)
    run_at(config, start + dt.timedelta(hours=1))
    removed_at = start + dt.timedelta(hours=2)
    run_at(config, removed_at)
    assert events(tmp_path) == [("removed", target.uuid)]

    def shown(name: str) -> list[tuple[str, dt.datetime | None]]:
        """(title, updated) of the target's entries in a feed: RSS/Atom through feedparser; JSON Feed (which
        this feedparser does not read) by its spec's fields."""
        if name.endswith(".json"):
            items = json.loads((tmp_path / "feeds" / name).read_bytes())["items"]
            assert items, name
            return [
                (i["title"], dt.datetime.fromisoformat(i["date_modified"]))
                for i in items
                if target.uuid in i["id"]
            ]
        entries = feed(tmp_path, name).entries
        assert entries, name
        return [(e.title, parsed_time(e) if "updated" in e else None) for e in entries if target.uuid in e.id]

    for name in ("all.rss", "all.atom", "all.json", "topics/t.rss", "topics/t.atom", "topics/t.json"):
        # RSS has only pubDate, the publication: its items carry no update time.
        updated = None if name.endswith(".rss") else removed_at
        assert shown(name) == [("[Borttagen] " + target.title, updated)], name
    others = [e for e in feed(tmp_path, "all.atom").entries if target.uuid not in e.id]
    assert others and not any(e.title.startswith("[Borttagen]") for e in others)

    def tombstoned() -> bool:
        atom = valid_atom(tmp_path / "feeds/all.atom")
        return any(target.uuid in r for r in atom.xpath("/a:feed/at:deleted-entry/@ref", namespaces=NS))

    # No tombstone while the entry is shown: a reader honouring RFC 6721 would delete what the feed shows.
    assert not tombstoned()

    run_at(config, removed_at + dt.timedelta(days=3, minutes=1))
    for name in ("all.rss", "all.atom", "all.json", "topics/t.rss", "topics/t.json"):
        assert shown(name) == [], name
    assert tombstoned()  # it left the feeds: now the tombstone says so
    assert len(feed(tmp_path, "all.rss").entries) == len(SEED) - 1
