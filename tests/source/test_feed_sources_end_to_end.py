"""End to end: `type = "feed"` sources, the listing's advertised-feed line, and the error a page that never
gave items shows. The real CLI in this process, a real SQLite file, and the fixture site on 127.0.0.1
serving the seed items as a listing and as RSS 2.0, Atom and JSON Feed."""

from __future__ import annotations

import datetime as dt
import html
import json
import sqlite3
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest
from lxml import etree

from tests.fixture_site import DATA, FEED_TITLE, load_seed
from tests.test_end_to_end import run_cli, snapshot

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SEED = load_seed()
FORMATS = ("rss", "atom", "json")


def feed_config(tmp_path: Path, *sources: str, max_bytes: int = 10_000_000) -> Path:
    """A config whose `[[sources]]` are the given TOML bodies (id, url, type, …)."""
    blocks = "\n".join(f"[[sources]]\n{body.strip()}\n" for body in sources)
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[site]
title = "Jämlikt Göteborg – Aktuellt"
base_url = "http://feeds.example.test/"
output_dir = "feeds"
database = "aktuellt.db"

[fetch]
timeout = 5
retries = 0
delay = 0
max_bytes = {max_bytes}

{blocks}""",
        encoding="utf-8",
    )
    return path


def feed_source(url: str, *, source_id: str = "flode", articles: bool = False) -> str:
    return f'id = "{source_id}"\nurl = "{url}"\ntype = "feed"\narticles = {str(articles).lower()}\n'


def listing_source(url: str, *, source_id: str = "lista") -> str:
    return f'id = "{source_id}"\nurl = "{url}"\narticles = false\n'


def stored(tmp_path: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    db = sqlite3.connect(tmp_path / "aktuellt.db")
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def parsed(tmp_path: Path, name: str) -> feedparser.FeedParserDict:
    document = feedparser.parse((tmp_path / "feeds" / name).read_bytes())
    assert not document.bozo, document.get("bozo_exception")
    return document


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if " ERROR " in line or line.startswith("aktuellt:")]


def the_one_error(result: subprocess.CompletedProcess[str]) -> str:
    """A failed run's one error line, naming the feed source: exit 1 and no traceback."""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = errors(result.stderr)
    assert len(lines) == 1 and "flode" in lines[0], result.stderr
    return lines[0]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_feed_source_publishes_its_entries_with_their_real_instants(tmp_path, site, fmt):
    result = run_cli(feed_config(tmp_path, feed_source(site.feed_url(fmt))))
    assert result.returncode == 0, result.stderr

    # The fixture dates every entry 10:00 Stockholm time, written as GMT (RSS), +01:00/+02:00 (Atom) or Z
    # (JSON Feed): each must come out as that same instant, never as midnight or a shifted wall time.
    expected = [dt.datetime.combine(seed_day(s), dt.time(10), tzinfo=STOCKHOLM) for s in SEED]
    atom_xml = etree.parse(str(tmp_path / "feeds/all.atom"))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    published = [
        dt.datetime.fromisoformat(t) for t in atom_xml.xpath("//a:entry/a:published/text()", namespaces=ns)
    ]
    assert published == expected
    assert {p.astimezone(STOCKHOLM).hour for p in published} == {10}
    schema = etree.RelaxNG(etree.parse(str(DATA / "atom.rng")))
    assert schema.validate(atom_xml), schema.error_log

    for name in ("all.rss", "all.atom"):
        entries = parsed(tmp_path, name).entries
        assert [e.title for e in entries] == [s.title for s in SEED]
        for entry, seeded in zip(entries, SEED, strict=True):
            assert entry.id == f"tag:127.0.0.1,2026:flode/{seeded.uuid}"
            assert entry.summary == seeded.summary  # the feed's "<p>…</p>" HTML became the listing's text
            assert "!ut" not in entry.link and entry.link.endswith(f"/aktuelltsida/{seeded.uuid}/")
    items = json.loads((tmp_path / "feeds/all.json").read_text(encoding="utf-8"))["items"]
    assert [i["title"] for i in items] == [s.title for s in SEED]
    keys = {row[0] for row in stored(tmp_path, "SELECT key FROM items WHERE source = 'flode'")}
    assert keys == {s.uuid for s in SEED}


def seed_day(item) -> dt.date:
    months = "januari februari mars april maj juni juli augusti september oktober november december".split()
    day, month, year = item.date.split()
    return dt.date(int(year), months.index(month) + 1, int(day))


def test_feed_and_listing_of_one_site_give_the_same_keys(tmp_path, site):
    config = feed_config(
        tmp_path,
        listing_source(site.listing_url),
        feed_source(site.feed_url("rss"), source_id="rss"),
        feed_source(site.feed_url("atom"), source_id="atom"),
    )
    result = run_cli(config)
    assert result.returncode == 0, result.stderr

    rows = stored(tmp_path, "SELECT source, key, link FROM items")
    by_source: dict[str, set[str]] = {}
    links: dict[str, set[str]] = {}
    for source, key, link in rows:
        by_source.setdefault(str(source), set()).add(str(key))
        links.setdefault(str(source), set()).add(str(link))
    assert by_source["lista"] == {s.uuid for s in SEED}
    assert by_source["rss"] == by_source["lista"] == by_source["atom"]
    # The RSS links carry a fresh portlet state on every render; stored, they are the listing's links.
    assert links["rss"] == links["lista"]


def test_an_unchanged_feed_answers_304_and_nothing_is_written(tmp_path, site):
    config = feed_config(tmp_path, feed_source(site.feed_url("atom")))
    assert run_cli(config).returncode == 0
    before = snapshot(tmp_path)
    site.requests.clear()

    result = run_cli(config)

    assert result.returncode == 0, result.stderr
    assert "not modified" in result.stderr
    feeds = [r for r in site.requests if r.kind == "feed"]
    assert len(feeds) == 1 and "if-none-match" in feeds[0].headers
    assert snapshot(tmp_path) == before


def test_an_entry_that_leaves_the_feed_is_not_marked_removed(tmp_path, site):
    config = feed_config(tmp_path, feed_source(site.feed_url("rss")))
    assert run_cli(config).returncode == 0
    gone = SEED[3]
    site.remove_item(gone.uuid)

    for _ in range(3):  # a listing would remove it on the second read without it (history.CONFIRM_CYCLES)
        result = run_cli(config)
        assert result.returncode == 0, result.stderr

    rows = stored(tmp_path, "SELECT missing_count, removed_at FROM items WHERE key = ?", gone.uuid)
    assert rows == [(0, None)]
    assert stored(tmp_path, "SELECT kind FROM events WHERE key = ? AND kind != 'new'", gone.uuid) == []
    assert gone.title in [e.title for e in parsed(tmp_path, "all.atom").entries]
    assert "removed" not in [t.term for e in parsed(tmp_path, "changes.atom").entries for t in e.tags]


def test_an_edited_entry_is_an_edit_and_a_new_one_comes_first(tmp_path, site):
    config = feed_config(tmp_path, feed_source(site.feed_url("json")))
    assert run_cli(config).returncode == 0
    site.edit_item(SEED[1].uuid, summary="Mattan landar i stället på Gustaf Adolfs torg.")

    result = run_cli(config)

    assert result.returncode == 0, result.stderr
    assert "0 new, 1 changed" in result.stderr
    changes = parsed(tmp_path, "changes.atom").entries
    assert changes[0].title == f"Ändrad: {SEED[1].title}"
    assert "Gustaf Adolfs torg" in changes[0].content[0].value


def test_feed_entries_get_their_article_pages(tmp_path, site):
    result = run_cli(feed_config(tmp_path, feed_source(site.feed_url("atom"), articles=True)))
    assert result.returncode == 0, result.stderr

    assert {r.path.split("/")[-2] for r in site.article_requests()} == {s.uuid for s in SEED}
    entries = {e.title: e for e in parsed(tmp_path, "all.rss").entries}
    body = entries[SEED[0].title].content[0].value
    assert "Forskare vid Malmö universitet" in body


@pytest.mark.parametrize("fault", ["html", "garbage", "truncated", "empty", "badjson"])
def test_a_broken_feed_fails_the_source_and_touches_nothing(tmp_path, site, fault):
    fmt = "json" if fault == "badjson" else "atom"
    config = feed_config(tmp_path, feed_source(site.feed_url(fmt)))
    assert run_cli(config).returncode == 0
    site.edit_item(SEED[0].uuid, title="Ändrad rubrik som inte får synas")
    before = snapshot(tmp_path)
    site.feed_fault = fault
    site.etag = False

    result = run_cli(config)

    line = the_one_error(result)
    expected = {
        "html": "it is an HTML page",
        "garbage": "not an RSS or Atom feed",
        "truncated": "not an RSS or Atom feed",
        "empty": "the feed holds no entries",
        "badjson": "not a JSON Feed",
    }[fault]
    assert expected in line, line
    assert snapshot(tmp_path) == before


def test_a_feed_larger_than_max_bytes_fails_like_a_listing_would(tmp_path, site):
    size = len(site.render_feed(site.items, "rss").encode())
    result = run_cli(feed_config(tmp_path, feed_source(site.feed_url("rss")), max_bytes=size // 2))

    assert result.returncode == 1
    assert "limit" in errors(result.stderr)[0], result.stderr
    assert not (tmp_path / "feeds" / "all.atom").exists()


def test_a_feed_source_pointed_at_a_page_that_advertises_a_feed_names_it(tmp_path, site):
    site.advertise = "atom"
    result = run_cli(feed_config(tmp_path, feed_source(site.listing_url)))

    assert result.returncode == 1
    assert "set sources[].url to it" in result.stderr
    assert site.feed_url("atom") in errors(result.stderr)[0]
    assert not (tmp_path / "feeds" / "all.atom").exists()


def test_entries_without_a_uuid_are_keyed_by_guid_then_link_and_sanitized(tmp_path, site):
    base = site.base_url
    site.feed_documents["rss"] = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Nyheter</title><link>{base}/</link><description>x</description>
<item><title>Med guid</title><link>{base}/nyheter/med-guid#top</link>
  <guid isPermaLink="false">nyhet-4711</guid><pubDate>Sun, 25 Oct 2026 01:30:00 GMT</pubDate>
  <description><![CDATA[<p>Text <script>alert("x")</script><b>fet</b></p>]]></description></item>
<item><title>Utan guid</title><link>/nyheter/utan-guid</link>
  <pubDate>Sat, 24 Oct 2026 09:00:00 -0400</pubDate><description>Enkel text</description></item>
</channel></rss>"""
    result = run_cli(feed_config(tmp_path, feed_source(site.feed_url("rss"))))
    assert result.returncode == 0, result.stderr

    rows = stored(tmp_path, "SELECT key, link, summary, published FROM items ORDER BY published DESC")
    assert [row[:3] for row in rows] == [
        ("nyhet-4711", f"{base}/nyheter/med-guid", "Text fet"),
        (f"{base}/nyheter/utan-guid", f"{base}/nyheter/utan-guid", "Enkel text"),
    ]
    # 01:30Z on 25 October 2026 is 02:30 CET, the second 02:30 of that night in Stockholm: the instant is
    # kept exactly, not re-read from the wall time (which would give the first 02:30, an hour earlier).
    atom = parsed(tmp_path, "all.atom").entries
    assert [e.published_parsed[:5] for e in atom] == [(2026, 10, 25, 1, 30), (2026, 10, 24, 13, 0)]
    assert [e.id for e in atom] == [
        "tag:127.0.0.1,2026:flode/nyhet-4711",
        f"tag:127.0.0.1,2026:flode/{base}/nyheter/utan-guid",
    ]


def test_the_listing_logs_an_advertised_feed_once_per_cycle(tmp_path, site):
    site.advertise = "atom"
    site.per_page = 5  # several pages: the line must still come once
    result = run_cli(feed_config(tmp_path, listing_source(site.listing_url)))
    assert result.returncode == 0, result.stderr
    assert len(site.listing_requests()) > 1

    lines = [line for line in result.stderr.splitlines() if "advertises" in line]
    assert len(lines) == 1, result.stderr
    assert lines[0].endswith(
        f'lista: the page advertises a feed ({FEED_TITLE}) at {site.feed_url("atom")}; consider type = "feed"'
    )
    # ...and the URL it names works as a feed source.
    other = tmp_path / "other"
    other.mkdir()
    assert run_cli(feed_config(other, feed_source(site.feed_url("atom")))).returncode == 0


def test_a_first_read_with_no_items_says_what_was_looked_for(tmp_path, site):
    site.fault = "empty"
    site.advertise = "rss"
    result = run_cli(feed_config(tmp_path, listing_source(site.listing_url)))

    assert result.returncode == 1
    lines = errors(result.stderr)
    assert len(lines) == 1, result.stderr
    assert "found no news items: looked for repeated blocks of the page holding one article link" in lines[0]
    assert f"run `aktuellt probe {site.listing_url}`" in lines[0]
    assert site.feed_url("rss") in lines[0] and 'type = "feed"' in lines[0]
    assert "layout" not in result.stderr
    assert not (tmp_path / "feeds" / "all.atom").exists()
    # Issue 18: the ready [[sources]] block follows, and a config of it alone reads the feed.
    block = result.stderr.split("reads the feed the page advertises:\n\n", 1)[1].split("\n\n", 1)[0]
    assert block.startswith("[[sources]]") and 'type = "feed"' in block and site.feed_url("rss") in block
    other = tmp_path / "other"
    other.mkdir()
    config = feed_config(other, listing_source(site.listing_url))
    text = config.read_text(encoding="utf-8")
    config.write_text(text[: text.index("[[sources]]")] + block + "\n", encoding="utf-8")
    site.fault = None
    assert run_cli(config).returncode == 0


def test_no_items_after_good_reads_is_still_a_layout_change(tmp_path, site):
    config = feed_config(tmp_path, listing_source(site.listing_url))
    assert run_cli(config).returncode == 0
    before = snapshot(tmp_path)
    site.fault = "empty"
    site.etag = False

    result = run_cli(config)

    assert result.returncode == 1
    lines = errors(result.stderr)
    assert len(lines) == 1 and "the page layout has probably changed" in lines[0], result.stderr
    assert "probe" not in result.stderr and "looked for" not in result.stderr
    assert snapshot(tmp_path) == before


def everything(tmp_path: Path) -> tuple[dict[str, bytes], list[str]]:
    """What a failed read must leave alone: the bytes of every file under the feed folder (topics too), and
    every table of the store as SQL, but for the run log, where a failed run is recorded by design."""
    paths = sorted((tmp_path / "feeds").rglob("*"))
    files = {str(p.relative_to(tmp_path)): p.read_bytes() for p in paths if p.is_file()}
    db = sqlite3.connect(tmp_path / "aktuellt.db")
    try:
        rows = [line for line in db.iterdump() if not line.startswith('INSERT INTO "runs"')]
    finally:
        db.close()
    return files, rows


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_feed_cut_off_inside_an_entry_is_a_failed_read_not_an_edit(tmp_path, site, fmt):
    config = feed_config(tmp_path, feed_source(site.feed_url(fmt)))
    assert run_cli(config).returncode == 0
    before = everything(tmp_path)
    site.feed_fault = "cut"

    result = run_cli(config)

    line = the_one_error(result)
    expected = {
        "rss": "ends before its closing </rss> (the document was cut off)",
        "atom": "ends before its closing </feed> (the document was cut off)",
        "json": "not a JSON Feed (invalid JSON",
    }[fmt]
    assert expected in line, line
    assert everything(tmp_path) == before
    assert stored(tmp_path, "SELECT status FROM runs ORDER BY id") == [("ok",), ("failed",)]

    site.feed_fault = None
    result = run_cli(config)

    assert result.returncode == 0, result.stderr
    assert "0 new, 0 changed" in result.stderr
    assert stored(tmp_path, "SELECT kind FROM events WHERE kind != 'new'") == []
    assert {row[0] for row in stored(tmp_path, "SELECT summary FROM items")} == {s.summary for s in SEED}


#: Articles without a UUID in their links: (path on the listing, title, date). The last one is named by a
#: parameter the source's key_params lists; "ref" is not.
PLAIN_NEWS = [
    ("/nyheter/skolstart-i-augusti", "Skolstart i augusti", "2026-06-03"),
    ("/nyheter/nya-cykelbanor", "Nya cykelbanor i centrum", "2026-06-02"),
    ("/visa?nyhet=12&ref=start", "Badplatserna öppnar", "2026-06-01"),
]


def tracking(link: str) -> str:
    """`link` as a feed writes it: with campaign parameters, and "ref=rss" for the listing's "ref=start"."""
    return link.replace("ref=start", "ref=rss") + ("&" if "?" in link else "?") + "utm_source=rss"


def test_feed_links_with_tracking_parameters_get_the_listings_keys(tmp_path, site):
    esc = html.escape
    blocks = "".join(
        f'<li class="news"><h2><a href="{esc(path)}">{title}</a></h2><time datetime="{day}">{day}</time>'
        f"<p>Om {title.lower()}.</p></li>"
        for path, title, day in PLAIN_NEWS
    )
    site.pages["/nyheter/"] = (
        '<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>Nyheter</title></head>'
        f"<body><main><h1>Nyheter</h1><ul>{blocks}</ul></main></body></html>"
    )
    # The feed's links carry campaign parameters and another "ref"; in the Atom feed the ids are such URLs.
    tracked = [(tracking(site.base_url + path), title, day) for path, title, day in PLAIN_NEWS]
    site.feed_documents["rss"] = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Nyheter</title>'
        f"<link>{site.base_url}/nyheter/</link><description>x</description>"
        + "".join(
            f"<item><title>{title}</title><link>{esc(link)}</link>"
            f"<pubDate>{day[8:]} Jun 2026 08:00:00 GMT</pubDate></item>"
            for link, title, day in tracked
        )
        + "</channel></rss>"
    )
    site.feed_documents["atom"] = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><id>urn:x</id>'
        "<title>Nyheter</title><updated>2026-06-03T08:00:00Z</updated>"
        + "".join(
            f"<entry><id>{esc(link.replace('utm_source=rss', 'utm_source=atom'))}</id><title>{title}</title>"
            f"<link href='{esc(link)}'/><updated>{day}T08:00:00Z</updated></entry>"
            for link, title, day in tracked
        )
        + "</feed>"
    )
    key_params = 'key_params = ["nyhet"]\n'
    config = feed_config(
        tmp_path,
        listing_source(site.base_url + "/nyheter/") + key_params,
        feed_source(site.feed_url("rss"), source_id="rss") + key_params,
        feed_source(site.feed_url("atom"), source_id="atom") + key_params,
    )

    result = run_cli(config)

    assert result.returncode == 0, result.stderr
    keys: dict[str, set[str]] = {}
    for source, key in stored(tmp_path, "SELECT source, key FROM items"):
        keys.setdefault(str(source), set()).add(str(key))
    expected = {
        f"{site.base_url}/nyheter/skolstart-i-augusti",
        f"{site.base_url}/nyheter/nya-cykelbanor",
        f"{site.base_url}/visa?nyhet=12",
    }
    assert keys == {"lista": expected, "rss": expected, "atom": expected}
    # The published link keeps the query the feed wrote, as a listing's does.
    links = {str(row[0]) for row in stored(tmp_path, "SELECT link FROM items WHERE source = 'rss'")}
    assert links == {link for link, _, _ in tracked}
    entries = parsed(tmp_path, "all.atom").entries
    assert f"tag:127.0.0.1,2026:rss/{site.base_url}/visa?nyhet=12" in {e.id for e in entries}
