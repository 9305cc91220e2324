"""What feed readers show (issue 13), read the way each kind of client reads it, end to end: `aktuellt run`
against the fixture site on 127.0.0.1, a real SQLite file, the output parsed back.

- dates: a listing date without a time is the listing's date in every zone from UTC−10 to UTC+13, as
  feedparser (newsboat, the `reader` library, rss2email all parse dates alike) reports them;
- the W3C Feed Validator on every RSS and Atom document of a demo-like history (edits, a removal, two years
  of archives): no errors, no warnings (its code lives in ../shared/tools/feedvalidator; skipped without it);
- `@extractus/feed-extractor` (npm, run on node; `make tools` installs both): the date JavaScript apps get.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest
from lxml import etree

from scraper.dates import parse_site_date
from scraper.publish.opml import render_opml
from tests.conftest import write_config
from tests.fixture_site import REPO, FixtureSite, SiteItem, load_seed, new_item, repo_topics
from tests.test_end_to_end import STOCKHOLM, run_cli, swedish
from tests.test_history import config_for, run_at
from tests.test_site_end_to_end import serve_folder

SEED = load_seed()
VIEWERS: dict[str, dt.tzinfo] = {
    "UTC−10": dt.timezone(dt.timedelta(hours=-10)),
    "UTC+13": dt.timezone(dt.timedelta(hours=13)),  # Auckland in summer (issue 17, item 8)
    "Honolulu": ZoneInfo("Pacific/Honolulu"),
    "Auckland": ZoneInfo("Pacific/Auckland"),
}

VALIDATOR = REPO.parent / "shared" / "tools" / "feedvalidator"
FEED_EXTRACTOR = REPO / ".tools" / "node_modules" / "@extractus" / "feed-extractor"


def listing_day(printed: str) -> dt.date:
    parsed = parse_site_date(printed)
    assert parsed is not None and parsed.time is None, printed
    return parsed.day


def published_instants(name: str, document: bytes) -> dict[str, dt.datetime]:
    """entry id → published, as a reader gets it: feedparser's UTC struct for RSS and Atom, the RFC 3339
    `date_published` for JSON Feed (which feedparser 6 does not read)."""
    if name.endswith(".json"):
        items = json.loads(document)["items"]
        return {item["id"]: dt.datetime.fromisoformat(item["date_published"]) for item in items}
    parsed = feedparser.parse(document)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return {
        entry.id: dt.datetime.fromtimestamp(calendar.timegm(entry.published_parsed), dt.UTC)
        for entry in parsed.entries
    }


def shown_days(name: str, document: bytes) -> dict[str, dict[str, dt.date]]:
    """entry id → zone name → the date a reader in that zone shows."""
    return {
        entry_id: {zone_name: instant.astimezone(zone).date() for zone_name, zone in VIEWERS.items()}
        for entry_id, instant in published_instants(name, document).items()
    }


def assert_every_item_on_its_listing_day(feeds: Path, expected: dict[str, dt.date]) -> None:
    for name in ("all.rss", "all.atom", "all.json"):
        days = shown_days(name, (feeds / name).read_bytes())
        for uuid, day in expected.items():
            entry_id = next(i for i in days if i.endswith(uuid))
            assert days[entry_id] == dict.fromkeys(VIEWERS, day), (name, uuid)
    # The changes feed dates an item found after its own date ("Ny: …") by that date, the same way.
    for name in ("changes.rss", "changes.atom"):
        days = shown_days(name, (feeds / name).read_bytes())
        for uuid, day in expected.items():
            if day < dt.datetime.now(STOCKHOLM).date():  # (one found on its date is dated when found)
                entry_id = next(i for i in days if f"/{uuid}/events/" in i)
                assert days[entry_id] == dict.fromkeys(VIEWERS, day), (name, uuid)


def test_a_date_without_a_time_shows_the_listing_day_from_utc_minus_10_to_utc_plus_13(tmp_path, site):
    # An item published today too: first seen on its own date (the old rule gave it the first-seen instant,
    # which is another date in Honolulu or Auckland for much of the day).
    today = dt.datetime.now(STOCKHOLM).date()
    fresh = new_item("Sagostund i parken", swedish(today), "Välkommen.", "<p>Sagor.</p>")
    site.add_item(fresh)
    config = write_config(tmp_path, site)
    result = run_cli(config)
    assert result.returncode == 0, result.stderr
    expected = {item.uuid: listing_day(item.date) for item in SEED} | {fresh.uuid: today}
    feeds = tmp_path / "feeds"
    assert_every_item_on_its_listing_day(feeds, expected)

    # Rows stored under the old rule (local midnight, or the first-seen instant) are shown the same way.
    db = sqlite3.connect(tmp_path / "aktuellt.db")
    with db:
        for key, site_date in db.execute("SELECT key, site_date FROM items").fetchall():
            day = dt.date.fromisoformat(site_date)
            if key == fresh.uuid:
                db.execute(
                    "UPDATE items SET published = first_seen, updated = first_seen WHERE key = ?", [key]
                )
                continue
            midnight = dt.datetime.combine(day, dt.time(0), tzinfo=STOCKHOLM).astimezone(dt.UTC).isoformat()
            db.execute("UPDATE items SET published = ?, updated = ? WHERE key = ?", [midnight, midnight, key])
    db.close()
    for path in feeds.glob("all.*"):
        path.unlink()  # so the next (unchanged) cycle writes them again from the altered store
    result = run_cli(config)
    assert result.returncode == 0, result.stderr
    assert_every_item_on_its_listing_day(feeds, expected)

    # Rows stored under the 12:30-local rule (11:30 UTC in a Swedish winter, 00:30 the next day in Auckland
    # in summer) are restated too, with no migration: the store keeps them, the feeds show the listing day.
    db = sqlite3.connect(tmp_path / "aktuellt.db")
    with db:
        for key, site_date in db.execute("SELECT key, site_date FROM items").fetchall():
            noon = dt.datetime.combine(dt.date.fromisoformat(site_date), dt.time(12, 30), tzinfo=STOCKHOLM)
            when = noon.astimezone(dt.UTC).isoformat()
            db.execute("UPDATE items SET published = ?, updated = ? WHERE key = ?", [when, when, key])
    db.close()
    for path in feeds.glob("all.*"):
        path.unlink()
    result = run_cli(config)
    assert result.returncode == 0, result.stderr
    assert_every_item_on_its_listing_day(feeds, expected)


# -- the W3C Feed Validator ----------------------------------------------------------------------------

#: The one event the validator cannot help: RFC 6721 (2012) is newer than its table of known namespaces,
#: so every tombstone (`at:deleted-entry`, kept on purpose: see README) is an "unknown namespace" to it.
TOMBSTONES_NS = "http://purl.org/atompub/tombstones/1.0"


def validate(document: bytes, url: str) -> list[str]:
    """Every error and warning the validator reports, as "Name line N: params" (not the informational)."""
    if str(VALIDATOR) not in sys.path:
        sys.path.insert(0, str(VALIDATOR))
    import feedvalidator  # type: ignore[import-not-found]
    from feedvalidator import compatibility

    result = feedvalidator.validateString(document, firstOccurrenceOnly=0, base=url)
    found = []
    for event in compatibility.AA(result["loggedEvents"]):
        name = type(event).__name__
        if name == "UnknownNamespace" and event.params.get("namespace") == TOMBSTONES_NS:
            assert b"deleted-entry" in document, "the tombstone namespace is declared only where it is used"
            continue
        found.append(f"{name} line {event.params.get('line')}: {event.params}")
    return found


def demo_history(tmp_path: Path, site: FixtureSite) -> Path:
    """A demo-like store (the repository's topics): a first run in December (all 26 items), then in the new
    year an edit of a title and a summary, a removal confirmed by two reads, and a new item; two yearly
    archives. Returns feeds/."""
    config = write_config(tmp_path, site)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[[sources]]", repo_topics() + "\n[[sources]]"), encoding="utf-8")
    site.etag = False  # every cycle reads the listing
    run_at(config, dt.datetime(2025, 12, 30, 9, tzinfo=dt.UTC))
    target = next(item for item in SEED if item.title == "Flygande matta landar i Göteborg")
    site.edit_item(
        target.uuid,
        title="Flygande matta landar på Gustaf Adolfs torg",
        summary=target.summary.replace("Kungstorget", "Gustaf Adolfs torg"),
    )
    run_at(config, dt.datetime(2026, 1, 8, 9, tzinfo=dt.UTC))
    site.edit_item(target.uuid, summary="Mattan landar på Gustaf Adolfs torg i maj.")
    site.remove_item(SEED[4].uuid)
    run_at(config, dt.datetime(2026, 1, 9, 9, tzinfo=dt.UTC))
    run_at(config, dt.datetime(2026, 1, 10, 9, tzinfo=dt.UTC))
    site.add_item(new_item("Bokstart i Bergsjön", "12 januari 2026", "Hembesök.", "<p>Böcker.</p>"))
    run_at(config, dt.datetime(2026, 1, 12, 14, tzinfo=dt.UTC))
    return tmp_path / "feeds"


@pytest.mark.skipif(not VALIDATOR.is_dir(), reason="../shared/tools/feedvalidator is not there")
def test_the_w3c_feed_validator_finds_nothing_in_any_document(tmp_path, site):
    feeds = demo_history(tmp_path, site)
    documents = sorted(p for p in feeds.rglob("*") if p.suffix in (".rss", ".atom"))
    names = {str(p.relative_to(feeds)) for p in documents}
    assert {"all.rss", "all.atom", "changes.rss", "changes.atom", "topics/lasning.atom"} <= names
    assert len([name for name in names if name.startswith("topics/")]) == 2 * 8  # every topic, RSS and Atom
    # 2025 is closed, so it has its archive; 2026 is under way, so it has none (RFC 5005: an archive must not
    # change) and lives in the subscription documents.
    assert {name for name in names if name.startswith("archive/")} == {"archive/2025.atom"}
    assert b"deleted-entry" in (feeds / "all.atom").read_bytes()  # the removal is in the window
    assert_no_reports(feeds, documents)


def assert_no_reports(feeds: Path, documents: list[Path]) -> None:
    reports = {}
    for path in documents:
        name = str(path.relative_to(feeds))
        reports[name] = validate(path.read_bytes(), "http://feeds.example.test/" + name)
    assert reports == dict.fromkeys(reports, [])


@pytest.mark.skipif(not VALIDATOR.is_dir(), reason="../shared/tools/feedvalidator is not there")
def test_the_w3c_feed_validator_finds_nothing_in_a_single_year_demo(tmp_path, site):
    # The first year of a deployment: no year has closed, so there is no archive (it was archive/2026.atom,
    # which changed every cycle and had no neighbour: ArchiveIncomplete), and all.atom names none.
    config = write_config(tmp_path, site)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[[sources]]", repo_topics() + "\n[[sources]]"), encoding="utf-8")
    site.etag = False
    run_at(config, dt.datetime(2026, 1, 8, 9, tzinfo=dt.UTC))
    site.edit_item(SEED[1].uuid, title="Flygande matta landar på Gustaf Adolfs torg")
    run_at(config, dt.datetime(2026, 1, 9, 9, tzinfo=dt.UTC))
    feeds = tmp_path / "feeds"
    assert not (feeds / "archive").exists() or not any((feeds / "archive").iterdir())
    assert b"prev-archive" not in (feeds / "all.atom").read_bytes()
    documents = sorted(p for p in feeds.rglob("*") if p.suffix in (".rss", ".atom"))
    assert len(documents) > 10
    assert_no_reports(feeds, documents)


# -- @extractus/feed-extractor: the second ecosystem ------------------------------------------------------

#: node script: the feed-extractor package (CommonJS build) and one feed file in, its entries' id and the
#: date it calls `published` out, as JSON.
EXTRACT = """
const [pkg, file] = process.argv.slice(1);
const { extractFromXml, extractFromJson } = require(pkg + "/script/mod.js");
const text = require("fs").readFileSync(file, "utf8");
const feed = file.endsWith(".json") ? extractFromJson(JSON.parse(text)) : extractFromXml(text);
console.log(JSON.stringify(feed.entries.map((e) => [e.id, e.published])));
"""


def extracted(path: Path) -> dict[str, dt.datetime]:
    node = shutil.which("node")
    assert node is not None, "node is missing: run `make tools`"
    assert (FEED_EXTRACTOR / "package.json").is_file(), f"{FEED_EXTRACTOR} is missing: run `make tools`"
    result = subprocess.run(
        [node, "-e", EXTRACT, str(FEED_EXTRACTOR), str(path)], capture_output=True, text=True, timeout=20
    )
    assert result.returncode == 0, result.stderr
    return {entry_id: dt.datetime.fromisoformat(when) for entry_id, when in json.loads(result.stdout)}


def test_feed_extractor_reads_the_publication_date_from_rss_and_json_and_updated_from_atom(tmp_path, site):
    feeds = demo_history(tmp_path, site)
    published = published_instants("all.rss", (feeds / "all.rss").read_bytes())
    # RSS pubDate and JSON Feed date_published: every item's publication date, as feedparser reads it.
    assert extracted(feeds / "all.rss") == published
    assert extracted(feeds / "all.json") == published
    # Atom: feed-extractor 8 takes atom:updated first (`updated || modified || published || issued`), so it
    # misses atom:published whenever an item was edited: the edit's time is its "published". Every entry
    # that was never edited gets its publication date; the edited one its `updated`, as feedparser has it.
    atom = feedparser.parse((feeds / "all.atom").read_bytes()).entries
    edited = {e.id for e in atom if e.updated_parsed != e.published_parsed}
    assert len(edited) == 1
    by_extractor = extracted(feeds / "all.atom")
    for entry in atom:
        expected = entry.updated_parsed if entry.id in edited else entry.published_parsed
        assert by_extractor[entry.id] == dt.datetime.fromtimestamp(calendar.timegm(expected), dt.UTC)


# -- rss2email and other mail gateways: who an item is from (issue 17, item 10) ---------------------------


def test_every_rss_item_names_the_publisher_as_its_author(tmp_path, site):
    # rss2email builds From: as "<feed title>: <entry author>" from feedparser's `author`; without one it
    # printed a literal "<author>" for every item of all.rss and changes.rss. RSS `author` must be an email
    # address, so the publisher's name goes in dc:creator, which feedparser reads as the author.
    config = write_config(tmp_path, site)
    result = run_cli(config)
    assert result.returncode == 0, result.stderr
    feeds = tmp_path / "feeds"
    for name in ("all.rss", "changes.rss", "topics/lasning.rss"):
        if not (feeds / name).exists():
            continue
        parsed = feedparser.parse((feeds / name).read_bytes())
        assert not parsed.bozo and parsed.entries, name
        assert {entry.get("author") for entry in parsed.entries} == {"Göteborgs Stad"}, name
    # Atom and JSON Feed already named the publisher, at feed level.
    assert feedparser.parse((feeds / "all.atom").read_bytes()).feed.author == "Göteborgs Stad"
    assert json.loads((feeds / "all.json").read_bytes())["authors"][0]["name"] == "Göteborgs Stad"


# -- a marked removal, as newsboat and Liferea show it (issue 17, item 12) ---------------------------------


def removed_with_mark(tmp_path: Path, site: FixtureSite, target: SiteItem, removed_at: dt.datetime) -> Path:
    """`site.removed = "mark"`: a first run, `target` gone from the listing, and the read at `removed_at`
    that confirms the removal (two reads). Returns feeds/."""
    config = config_for(tmp_path, site, "")
    text = config.read_text(encoding="utf-8").replace("[site]\n", '[site]\nremoved = "mark"\n')
    config.write_text(text, encoding="utf-8")
    site.etag = False
    run_at(config, dt.datetime(2026, 12, 3, 9, tzinfo=dt.UTC))
    site.remove_item(target.uuid)
    run_at(config, dt.datetime(2026, 12, 4, 9, tzinfo=dt.UTC))
    run_at(config, removed_at)
    return tmp_path / "feeds"


def test_a_marked_removal_starts_the_entry_text_with_a_dated_note_in_every_format(tmp_path, site):
    # newsboat and Liferea keep an item they know by its id and replace its title and text: a new title
    # alone was easy to miss (the item stayed read, with its old date and body). The text now opens with
    # the removal and its date, and Atom/JSON Feed `updated` is the removal itself.
    target = SEED[3]
    removed_at = dt.datetime(2026, 12, 4, 23, 30, tzinfo=dt.UTC)  # 5 December in Stockholm
    feeds = removed_with_mark(tmp_path, site, target, removed_at)
    note = "Borttagen från 127.0.0.1 den 5 december 2026."
    for name in ("all.rss", "all.atom"):
        (entry,) = [e for e in feedparser.parse((feeds / name).read_bytes()).entries if target.uuid in e.id]
        assert entry.title == "[Borttagen] " + target.title, name
        assert entry.content[0].value.startswith(f"<p><strong>{note}</strong></p>"), name
        assert entry.summary.startswith(note), name
        if name.endswith(".atom"):
            assert calendar.timegm(entry.updated_parsed) == removed_at.timestamp()
    (item,) = [i for i in json.loads((feeds / "all.json").read_bytes())["items"] if target.uuid in i["id"]]
    assert item["content_html"].startswith(f"<p><strong>{note}</strong></p>")
    assert dt.datetime.fromisoformat(item["date_modified"]) == removed_at
    # The other entries are untouched, and the id is the item's own (readers replace it in place).
    atom = feedparser.parse((feeds / "all.atom").read_bytes()).entries
    assert sum("Borttagen från" in e.get("summary", "") for e in atom) == 1
    assert any(e.id.endswith(target.uuid) for e in atom)


def test_a_removal_at_midnight_in_stockholm_is_dated_by_the_removal_not_moved_into_the_future(tmp_path, site):
    # 23:00:00 UTC is 00:00:00 in Stockholm, the instant an old date-only "Senast uppdaterad" was stored at:
    # the removal's `updated` was taken for one and moved to 10:30 UTC that day, 11.5 hours ahead.
    target = SEED[3]
    removed_at = dt.datetime(2026, 12, 4, 23, 0, tzinfo=dt.UTC)
    feeds = removed_with_mark(tmp_path, site, target, removed_at)
    atom = feedparser.parse((feeds / "all.atom").read_bytes()).entries
    (entry,) = [e for e in atom if target.uuid in e.id]
    assert calendar.timegm(entry.updated_parsed) == removed_at.timestamp()
    assert entry.summary.startswith("Borttagen från 127.0.0.1 den 5 december 2026.")
    (item,) = [i for i in json.loads((feeds / "all.json").read_bytes())["items"] if target.uuid in i["id"]]
    assert dt.datetime.fromisoformat(item["date_modified"]) == removed_at


# -- small things readers showed wrong (issue 17, item 13) -------------------------------------------------

ATOM_NS = "{http://www.w3.org/2005/Atom}"


def test_documents_are_atom_enclosures_and_links_in_the_rss_content(tmp_path, site):
    # JSON Feed listed the PDFs an article links; Atom now has one rel="enclosure" link per document, with
    # its type (no length: documents are not HEADed); RSS keeps its one enclosure, the lead image, and
    # content:encoded links each document.
    config = write_config(tmp_path, site)
    result = run_cli(config)
    assert result.returncode == 0, result.stderr
    feeds = tmp_path / "feeds"
    items = json.loads((feeds / "all.json").read_bytes())["items"]
    expected = {
        item["id"]: [a for a in item.get("attachments", []) if a["mime_type"] == "application/pdf"]
        for item in items
    }
    assert sum(map(len, expected.values())) >= 3  # the seed's articles link PDFs
    atom = etree.parse(str(feeds / "all.atom"))
    schema = etree.RelaxNG(etree.parse(str(REPO / "tests" / "data" / "atom.rng")))
    assert schema.validate(atom), schema.error_log
    rss = {e.id: e for e in feedparser.parse((feeds / "all.rss").read_bytes()).entries}
    for entry in atom.getroot().iter(f"{ATOM_NS}entry"):
        entry_id = entry.findtext(f"{ATOM_NS}id")
        enclosures = [link.attrib for link in entry.iter(f"{ATOM_NS}link") if link.get("rel") == "enclosure"]
        documents = [a for a in enclosures if a["type"] == "application/pdf"]
        assert [(a["href"], a["title"]) for a in documents] == [
            (d["url"], d["title"]) for d in expected[entry_id]
        ], entry_id
        assert all("length" not in a for a in documents)
        images = [a for a in enclosures if a["type"].startswith("image/")]
        assert len(images) <= 1
        item = rss[entry_id]
        assert len(item.enclosures) == len(images)  # one enclosure at most: the lead image
        for document in expected[entry_id]:
            assert f'href="{document["url"]}"' in item.content[0].value.replace("&amp;", "&")


def test_one_source_writes_no_sources_opml_and_removes_only_its_own_old_one(tmp_path, site):
    # With one source, sources.opml listed nothing (an empty file to import). It is not written; one an
    # earlier config with several sources left is removed; a file of the same name a user put there stays.
    config = write_config(tmp_path, site)
    result = run_cli(config)
    assert result.returncode == 0, result.stderr
    feeds = tmp_path / "feeds"
    assert not (feeds / "sources.opml").exists()
    assert "sources.opml" not in (feeds / "feeds.opml").read_text(encoding="utf-8")
    assert "sources.opml" not in (feeds / "index.html").read_text(encoding="utf-8")
    folder = "Källor (välj dessa i stället för allt)"
    old = render_opml("Jämlikt Göteborg – Aktuellt – källor", folder, [], None)
    (feeds / "sources.opml").write_bytes(old)
    result = run_cli(config)
    assert result.returncode == 0, result.stderr
    assert not (feeds / "sources.opml").exists()
    assert "sources.opml: with one source there are no source feeds" in result.stderr
    mine = b'<?xml version="1.0"?>\n<opml version="2.0"><head><title>Mina</title></head><body/></opml>\n'
    (feeds / "sources.opml").write_bytes(mine)
    result = run_cli(config)
    assert result.returncode == 0, result.stderr
    assert (feeds / "sources.opml").read_bytes() == mine


def newsboat_items(home: Path, url: str, *config_lines: str) -> dict[str, tuple[str, str, bool]]:
    """newsboat 2.x reloads `url` into its cache in `home`: guid → (title, content, unread)."""
    home.mkdir(exist_ok=True)
    (home / "urls").write_text(url + "\n", encoding="utf-8")
    (home / "config").write_text("".join(line + "\n" for line in config_lines), encoding="utf-8")
    newsboat = shutil.which("newsboat")
    assert newsboat is not None
    command = [newsboat, "-u", str(home / "urls"), "-c", str(home / "cache.db"), "-C", str(home / "config")]
    result = subprocess.run([*command, "-x", "reload"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    cache = sqlite3.connect(home / "cache.db")
    try:
        rows = cache.execute("SELECT guid, title, content, unread FROM rss_item").fetchall()
    finally:
        cache.close()
    return {guid: (title, content, bool(unread)) for guid, title, content, unread in rows}


def newsboat_reads_all(home: Path) -> None:
    cache = sqlite3.connect(home / "cache.db")
    with cache:
        cache.execute("UPDATE rss_item SET unread = 0")
    cache.close()


@pytest.mark.skipif(shutil.which("newsboat") is None, reason="newsboat is not installed")
def test_newsboat_shows_a_marked_removal_in_place_and_unread_with_reset_unread_on_update(tmp_path, site):
    config = config_for(tmp_path, site, "")
    text = config.read_text(encoding="utf-8").replace("[site]\n", '[site]\nremoved = "mark"\n')
    config.write_text(text, encoding="utf-8")
    site.etag = False
    target = SEED[3]
    run_at(config, dt.datetime(2026, 12, 3, 9, tzinfo=dt.UTC))
    with serve_folder(tmp_path / "feeds") as base:
        url = base + "all.rss"
        plain, resetting = tmp_path / "newsboat", tmp_path / "newsboat-reset"
        reset = f'reset-unread-on-update "{url}"'
        for home, lines in ((plain, ()), (resetting, (reset,))):
            first = newsboat_items(home, url, *lines)
            assert len(first) == len(SEED) and all(unread for _, _, unread in first.values())
            newsboat_reads_all(home)
        site.remove_item(target.uuid)
        run_at(config, dt.datetime(2026, 12, 4, 9, tzinfo=dt.UTC))
        run_at(config, dt.datetime(2026, 12, 4, 23, 30, tzinfo=dt.UTC))
        note = "Borttagen från 127.0.0.1 den 5 december 2026."
        for home, lines, unread in ((plain, (), False), (resetting, (reset,), True)):
            items = newsboat_items(home, url, *lines)
            assert len(items) == len(SEED), home  # the same item, updated in place: no second copy
            (guid,) = [guid for guid in items if guid.endswith(target.uuid)]
            title, content, is_unread = items[guid]
            assert title == "[Borttagen] " + target.title
            assert content.startswith(f"<p><strong>{note}</strong></p>")
            assert is_unread is unread, home
            assert not any(u for g, (_, _, u) in items.items() if g != guid)  # nothing else came back
