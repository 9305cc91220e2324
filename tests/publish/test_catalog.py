"""catalog, jsonfeed, opml, indexpage and feed.xsl: the documents of the output folder, as `publish_feeds`
writes them from a store holding the test's entries.

JSON Feed is checked against the 1.1 spec's required fields and types; the XSLT is run with lxml on feeds the
project generates; the index is parsed as HTML (the real validator and browser run in test_site_checks.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import feedparser
import pytest
from lxml import etree, html

from scraper.config import Config, parse_config
from scraper.models import Deleted, Entry, LeadImage
from scraper.publish.catalog import (
    LATEST_ON_INDEX,
    FeedData,
    feed_catalog,
    fingerprint,
    membership,
    month_series,
    render_catalog,
)
from scraper.publish.indexpage import IndexFeed
from scraper.publish.jsonfeed import VERSION_URL, render_json
from scraper.publish.render import render_atom, render_rss
from scraper.publish.site import publish_feeds, stylesheet
from scraper.store import Store
from scraper.store.db import iso
from tests.fixture_site import DATA

STOCKHOLM = ZoneInfo("Europe/Stockholm")
UTC = dt.UTC
ATOM = "{http://www.w3.org/2005/Atom}"
LISTING = "https://goteborg.se/wps/portal/enhetssida/jamlikt-goteborg/aktuelltarkiv/"

CONFIG = f"""
[site]
title = "Jämlikt Göteborg – Aktuellt"
base_url = "https://feeds.example.test/aktuellt/"
max_items = 2

[[sources]]
id = "jamlikt-goteborg"
url = "{LISTING}"

[[topics]]
id = "lasning"
title = "Läsning och bibliotek"
description = "Läsfrämjande och bibliotek."
match = ["läsning", "bibliot", "böcker"]

[[topics]]
id = "god-start"
title = "En god start i livet"
match = ["förskol", "bokstart"]

[[topics]]
id = "tom"
title = "Tomt ämne"
match = ["finns inte någonstans"]
"""


def config(text: str = CONFIG, folder: Path = Path("/tmp"), **extra_sources: str) -> Config:
    for source_id, url in extra_sources.items():
        text += f'\n[[sources]]\nid = "{source_id}"\ntitle = "Källa {source_id}"\nurl = "{url}"\n'
    return parse_config(tomllib.loads(text), base_dir=folder)


def published(cfg: Config, entries: Iterable[Entry]) -> dict[str, bytes]:
    """Every file `publish_feeds` writes (relative path → bytes, in the order written) from a new store in
    the config's folder holding `entries` as items (listing facts only: no article, versions or events)."""
    with Store(cfg.site.database) as store:
        store.db.conn.executemany(
            "INSERT INTO items (source, key, entry_id, title, summary, link, site_date, published, updated, "
            "first_seen, last_seen, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (e.source, e.key, e.entry_id, e.title, e.summary, e.link, iso(e.published)[:10])
                + (iso(e.published), iso(e.updated), iso(e.first_seen), iso(e.first_seen), e.position)
                for e in entries
            ],
        )
        store.db.conn.commit()
        written = publish_feeds(cfg, store)
    out = cfg.site.output_dir
    return {Path(path).relative_to(out).as_posix(): Path(path).read_bytes() for path in written}


def assign_topics(cfg: Config, entries: Sequence[Entry]) -> list[Entry]:
    """`entries` with the topics a publish files them under (the topic feeds of `membership`)."""
    feeds_of = membership(cfg)[1]
    tagged = []
    for e in entries:
        topics = tuple(p.removeprefix("topics/") for p in feeds_of(e)[0] if p.startswith("topics/"))
        tagged.append(dataclasses.replace(e, topics=topics))
    return tagged


def select(feed: IndexFeed, entries: Sequence[Entry]) -> list[Entry]:
    """The entries of `feed`, in the given (newest first) order, uncut. Entries must carry their topics."""
    key = feed.meta.path.rpartition("/")[2]
    if feed.kind == "topic":
        return [entry for entry in entries if key in entry.topics]
    return [entry for entry in entries if feed.kind == "all" or entry.source == key]


def walked_catalog(
    cfg: Config, entries: Sequence[Entry], deleted: Sequence[Deleted] = ()
) -> dict[str, bytes]:
    """The catalog's documents rendered the straightforward way: topics assigned to every entry, each feed
    selected from all of them. What a publish reads from the store's memberships must equal it."""
    tagged = assign_topics(cfg, entries)
    data = {}
    for feed in feed_catalog(cfg):
        chosen = select(feed, tagged)
        newest = max((entry.updated for entry in chosen), default=None)
        data[feed.meta.path] = FeedData(
            len(chosen), newest, chosen[: max(cfg.site.max_items, LATEST_ON_INDEX)]
        )
    zone = ZoneInfo(cfg.sources[0].timezone)
    months = Counter(entry.published.astimezone(zone).date().replace(day=1) for entry in entries)
    return rendered(cfg, data, months, deleted)


def rendered(
    cfg: Config, data: Mapping[str, FeedData], months: Mapping[dt.date, int], deleted: Sequence[Deleted] = ()
) -> dict[str, bytes]:
    """Every document `render_catalog` renders, feeds and pages, in the order it gives them."""
    files: dict[str, bytes] = {}
    files |= render_catalog(cfg, data, months, stylesheet(), files.__setitem__, deleted=deleted)
    return files


def entry(key: str, title: str, day: dt.date, summary: str = "", source: str = "jamlikt-goteborg") -> Entry:
    midnight = dt.datetime.combine(day, dt.time(), STOCKHOLM).astimezone(UTC)
    return Entry(
        source=source,
        key=key,
        entry_id=f"tag:goteborg.se,2026:{source}/{key}",
        title=title,
        summary=summary,
        link=f"https://goteborg.se/wps/portal/aktuellt/{key}",
        published=midnight,
        updated=midnight,
        first_seen=midnight,
        position=0,
    )


ENTRIES = [
    entry("k1", "Mer högläsning i förskoleklass", dt.date(2019, 5, 2), "Böcker & sagor <för> alla."),
    entry("k2", "Ny idrottshall", dt.date(2019, 3, 7), "Inget ämne här."),
    entry("k3", "Folkbiblioteken öppnar", dt.date(2019, 3, 1)),
    entry("k4", "Bokstart växer", dt.date(2018, 12, 24), "Fler hembesök."),
    entry("k5", "Läsning på sommarlovet", dt.date(2018, 6, 15), "Läsning igen."),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return published(config(folder=tmp_path_factory.mktemp("site")), ENTRIES)


# -- the catalog ----------------------------------------------------------------------------------------


def test_catalog_is_all_then_every_topic_and_no_sources_for_one_source():
    feeds = feed_catalog(config())
    assert [feed.meta.path for feed in feeds] == ["all", "topics/lasning", "topics/god-start", "topics/tom"]
    # Each feed's human page is its own HTML page (feedpage.py): a feed URL shows XML in a browser.
    assert feeds[0].meta.home_url == "https://feeds.example.test/aktuellt/all.html"
    assert feeds[0].meta.feed_id == "tag:goteborg.se,2026:feeds/all"
    assert feeds[1].meta.feed_id == "tag:goteborg.se,2026:feeds/topics/lasning"
    assert feeds[1].meta.subtitle == "Läsfrämjande och bibliotek."
    assert feeds[2].meta.subtitle == "Nyheter från Jämlikt Göteborg – Aktuellt i ämnet En god start i livet"
    assert feeds[1].meta.home_url == "https://feeds.example.test/aktuellt/topics/lasning.html"


def test_sources_get_feeds_only_when_there_are_several(tmp_path):
    feeds = feed_catalog(config(stadsdel="https://goteborg.se/wps/portal/stadsdel/aktuellt/"))
    paths = [feed.meta.path for feed in feeds]
    assert paths[-2:] == ["sources/jamlikt-goteborg", "sources/stadsdel"]
    assert feeds[-1].meta.title == "Källa stadsdel"
    assert feeds[-1].meta.home_url == "https://feeds.example.test/aktuellt/sources/stadsdel.html"
    assert feeds[0].meta.home_url == "https://feeds.example.test/aktuellt/all.html"

    two = [*ENTRIES, entry("s1", "Stadsdelens nyhet", dt.date(2019, 1, 1), source="stadsdel")]
    files = published(
        config(folder=tmp_path, stadsdel="https://goteborg.se/wps/portal/stadsdel/aktuellt/"), two
    )
    titles = [e.title for e in feedparser.parse(files["sources/stadsdel.rss"]).entries]
    assert titles == ["Stadsdelens nyhet"]
    assert len(feedparser.parse(files["sources/jamlikt-goteborg.atom"]).entries) == 2  # max_items


def test_topics_are_computed_from_title_and_summary():
    tagged = {e.key: e.topics for e in assign_topics(config(), ENTRIES)}
    assert tagged == {
        "k1": ("lasning", "god-start"),  # "högläsning", "Böcker"; "förskoleklass"
        "k2": (),
        "k3": ("lasning",),  # "Folkbiblioteken"
        "k4": ("god-start",),
        "k5": ("lasning",),
    }
    lasning = feed_catalog(config())[1]
    assert [e.key for e in select(lasning, assign_topics(config(), ENTRIES))] == ["k1", "k3", "k5"]


def test_a_publish_writes_every_document(site):
    paths = ("all", "topics/lasning", "topics/god-start", "topics/tom")
    expected = {f"{path}{ext}" for path in paths for ext in (".rss", ".atom", ".json", ".html")}
    expected |= {"changes.rss", "changes.atom", "changes-feed.html", "changes.html"}  # no JSON changes feed
    assert set(site) == expected | {"feed.xsl", "feeds.opml", "topics.opml", "favicon.ico", "index.html"}
    assert list(site)[-1] == "index.html"  # written last: everything it links to exists by then
    assert site["feed.xsl"] == stylesheet()


def test_topic_feeds_hold_their_newest_max_items_and_are_valid(site):
    schema = etree.RelaxNG(etree.parse(str(DATA / "atom.rng")))
    for name, data in site.items():
        if name.endswith(".atom"):
            assert schema.validate(etree.fromstring(data).getroottree()), (name, schema.error_log)
        if name.endswith((".rss", ".atom")):
            assert not feedparser.parse(data).bozo, name
    lasning = feedparser.parse(site["topics/lasning.atom"])
    assert [e.title for e in lasning.entries] == ["Mer högläsning i förskoleklass", "Folkbiblioteken öppnar"]
    assert lasning.feed.title == "Läsning och bibliotek – Jämlikt Göteborg – Aktuellt"
    assert lasning.feed.links[1].href == "https://feeds.example.test/aktuellt/topics/lasning.atom"
    empty = feedparser.parse(site["topics/tom.rss"])
    assert empty.entries == [] and empty.feed.title.startswith("Tomt ämne")


def test_entries_carry_their_topics_as_categories_with_a_scheme(site):
    scheme = "https://feeds.example.test/aktuellt/topics/"
    atom = etree.fromstring(site["all.atom"])
    first = atom.find(f"{ATOM}entry")
    assert [(c.get("term"), c.get("label"), c.get("scheme")) for c in first.iter(f"{ATOM}category")] == [
        ("lasning", "Läsning och bibliotek", scheme),
        ("god-start", "En god start i livet", scheme),
    ]
    rss = etree.fromstring(site["all.rss"])
    categories = rss.find("channel/item").findall("category")
    assert [(c.text, c.get("domain")) for c in categories] == [
        ("Läsning och bibliotek", scheme),
        ("En god start i livet", scheme),
    ]
    untagged = rss.findall("channel/item")[1]
    assert untagged.findtext("title") == "Ny idrottshall" and untagged.findall("category") == []


def test_rss_and_atom_point_browsers_at_the_stylesheet_relative_to_themselves(site):
    for name, href in [
        ("all.rss", "feed.xsl"),
        ("all.atom", "feed.xsl"),
        ("topics/lasning.rss", "../feed.xsl"),
    ]:
        lines = site[name].split(b"\n")
        assert lines[0].startswith(b"<?xml version=")
        assert lines[1] == f'<?xml-stylesheet type="text/xsl" href="{href}"?>'.encode()


def test_months_are_counted_in_local_time_with_the_gaps_filled(tmp_path):
    cfg = config(folder=tmp_path)
    published(cfg, ENTRIES)
    with Store(cfg.site.database) as store:
        months = month_series(Counter(store.feeds.month_counts()))
    assert months[0] == (dt.date(2018, 6, 1), 1)
    assert months[-1] == (dt.date(2019, 5, 1), 1)  # 2 May local midnight is 1 May 22:00 UTC: still May
    assert len(months) == 12
    assert dict(months)[dt.date(2019, 3, 1)] == 2
    assert dict(months)[dt.date(2018, 7, 1)] == 0
    assert month_series(Counter()) == ()


def test_identical_data_renders_identical_bytes(site, tmp_path):
    assert published(config(folder=tmp_path), ENTRIES) == site


# -- JSON Feed 1.1 --------------------------------------------------------------------------------------

RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
FEED_STRINGS = ("home_page_url", "feed_url", "description", "user_comment", "next_url", "icon", "favicon")
ITEM_STRINGS: tuple[str, ...] = ("url", "external_url", "title", "content_html", "content_text", "summary")
ITEM_STRINGS += ("image", "banner_image", "language")


def assert_json_feed(document: bytes) -> dict[str, Any]:
    """Checks a document against JSON Feed 1.1 (https://jsonfeed.org/version/1.1): required fields, types."""
    feed: dict[str, Any] = json.loads(document.decode("utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["title"]
    assert isinstance(feed["items"], list)
    for key in FEED_STRINGS + ("language",):
        assert isinstance(feed.get(key, ""), str), key
    for author in feed.get("authors", []):
        assert (
            set(author) <= {"name", "url", "avatar"}
            and author
            and all(isinstance(v, str) for v in author.values())
        )
    known = {"version", "title", "items", "authors", "language", "expired", "hubs", *FEED_STRINGS}
    assert all(key in known or key.startswith("_") for key in feed), set(feed) - known
    ids = []
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"]
        ids.append(item["id"])
        assert "content_html" in item or "content_text" in item
        for key in ITEM_STRINGS:
            assert isinstance(item.get(key, ""), str), key
        for key in ("date_published", "date_modified"):
            if key in item:
                assert RFC3339.fullmatch(item[key]), item[key]
        assert isinstance(item.get("tags", []), list)
        assert all(isinstance(tag, str) for tag in item.get("tags", []))
        known_item = {
            "id",
            "tags",
            "authors",
            "attachments",
            "date_published",
            "date_modified",
            *ITEM_STRINGS,
        }
        assert all(key in known_item or key.startswith("_") for key in item), set(item) - known_item
    assert len(ids) == len(set(ids)), "item ids must be unique"
    return feed


def test_json_feed_has_every_field_the_issue_lists(site):
    feed = assert_json_feed(site["topics/lasning.json"])
    assert feed["title"] == "Läsning och bibliotek – Jämlikt Göteborg – Aktuellt"
    assert feed["home_page_url"] == "https://feeds.example.test/aktuellt/topics/lasning.html"
    assert feed["feed_url"] == "https://feeds.example.test/aktuellt/topics/lasning.json"
    assert feed["language"] == "sv"
    assert feed["description"] == "Läsfrämjande och bibliotek."
    first = feed["items"][0]
    assert first == {
        "id": "tag:goteborg.se,2026:jamlikt-goteborg/k1",
        "url": "https://goteborg.se/wps/portal/aktuellt/k1",
        "title": "Mer högläsning i förskoleklass",
        "content_text": "Böcker & sagor <för> alla.",  # plain text, as is: JSON needs no escaping
        "summary": "Böcker & sagor <för> alla.",
        # Stored at midnight (the oldest rule): shown at the nominal 10:30 UTC, that date in every zone.
        "date_published": "2019-05-02T12:30:00+02:00",
        "date_modified": "2019-05-02T12:30:00+02:00",
        "tags": ["Läsning och bibliotek", "En god start i livet"],
    }
    no_summary = feed["items"][1]
    assert no_summary["content_text"] == "Folkbiblioteken öppnar" and "summary" not in no_summary
    assert no_summary["date_published"] == "2019-03-01T11:30:00+01:00"  # 10:30 UTC, in the winter offset


def test_every_json_document_passes_the_spec_check(site):
    for name, data in site.items():
        if name.endswith(".json"):
            assert_json_feed(data)
    assert json.loads(site["topics/tom.json"])["items"] == []


def test_json_feed_check_catches_what_the_spec_forbids():
    meta = feed_catalog(config())[0].meta
    good = json.loads(render_json(meta, ENTRIES[:1]))
    for broken in (
        {**good, "version": "1.1"},
        {k: v for k, v in good.items() if k != "title"},
        {**good, "items": [{**good["items"][0], "id": 7}]},
        {**good, "items": [{k: v for k, v in good["items"][0].items() if k != "content_text"}]},
        {**good, "items": [{**good["items"][0], "date_published": "2 maj 2019"}]},
        {**good, "items": [{**good["items"][0], "tags": "läsning"}]},
    ):
        with pytest.raises((AssertionError, KeyError)):
            assert_json_feed(json.dumps(broken).encode())


def test_json_feed_version_constant_is_the_spec_url():
    assert VERSION_URL == "https://jsonfeed.org/version/1.1"


# -- the XSLT -----------------------------------------------------------------------------------------------


def transform(feed: bytes) -> html.HtmlElement:
    xslt = etree.XSLT(etree.fromstring(stylesheet()))
    result = xslt(etree.fromstring(feed).getroottree())
    assert not xslt.error_log, xslt.error_log
    return html.fromstring(str(result))


@pytest.mark.parametrize("name", ["topics/lasning.rss", "topics/lasning.atom", "all.rss", "all.atom"])
def test_xslt_renders_a_swedish_page_explaining_how_to_subscribe(site, name):
    page = transform(site[name])
    assert page.get("lang") == "sv"
    assert page.findtext(".//h1") == feedparser.parse(site[name]).feed.title
    assert "Så prenumererar du" in page.text_content()
    assert page.xpath("//input/@value") == [f"https://feeds.example.test/aktuellt/{name}"]
    index = page.xpath("//a[.='Alla flöden och ämnen']/@href")
    assert index == ["../index.html" if name.startswith("topics/") else "index.html"]
    items = page.xpath("//ol[@class='entries']/li")
    assert len(items) == len(feedparser.parse(site[name]).entries) > 0


def test_xslt_shows_entries_with_swedish_dates_topics_and_text(site):
    for name in ("all.rss", "all.atom"):
        first = transform(site[name]).xpath("//ol[@class='entries']/li")[0]
        assert first.findtext(".//h3/a") == "Mer högläsning i förskoleklass"
        assert first.xpath(".//h3/a/@href") == ["https://goteborg.se/wps/portal/aktuellt/k1"]
        meta = " ".join(first.xpath(".//p[@class='meta']")[0].text_content().split())
        assert meta == "2 maj 2019 · Läsning och bibliotek, En god start i livet"
        assert first.xpath(".//time/@datetime") == ["2019-05-02"]
        assert "Böcker & sagor <för> alla." in first.text_content()  # text shown as text, not as markup


def test_xslt_says_so_when_a_feed_is_empty(site):
    page = transform(site["topics/tom.atom"])
    assert "Flödet har inga nyheter ännu." in page.text_content()


# -- OPML ---------------------------------------------------------------------------------------------------


def opml_feeds(document: bytes) -> tuple[str | None, list[str]]:
    """(the one folder's name, the xmlUrls in it) of an OPML file; asserts there is one folder at most."""
    root = ET.fromstring(document)
    assert root.tag == "opml" and root.get("version") == "2.0"
    body = root.find("body")
    assert body is not None
    folders = list(body)
    assert len(folders) <= 1 and not any(o.get("xmlUrl") for o in folders)
    if not folders:
        return None, []
    feeds = list(folders[0])
    assert all(o.get("type") == "rss" and o.get("text") and o.get("htmlUrl") for o in feeds)
    return folders[0].get("text"), [str(o.get("xmlUrl")) for o in feeds]


def test_opml_offers_all_or_the_topics_never_both_in_one_file(site, tmp_path):
    base = "https://feeds.example.test/aktuellt/"
    root = ET.fromstring(site["feeds.opml"])
    assert root.findtext("head/title") == "Jämlikt Göteborg – Aktuellt – rekommenderade flöden"
    assert root.findtext("head/dateModified") == "Wed, 01 May 2019 22:00:00 +0000"
    # A reader imports every outline of a file; `all` and a topic feed share their items' ids, so a reader
    # that keeps one copy per id (newsboat) would show one of them empty. Each file is one working set.
    assert opml_feeds(site["feeds.opml"]) == ("Rekommenderat", [base + "all.rss", base + "changes.rss"])
    assert opml_feeds(site["topics.opml"]) == (
        "Ämnen (välj dessa i stället för allt)",
        [f"{base}topics/{t}.rss" for t in ("lasning", "god-start", "tom")],
    )
    assert "sources.opml" not in site  # one source: no source feeds, no empty list to import

    two = [*ENTRIES, entry("s1", "Stadsdelens nyhet", dt.date(2019, 1, 1), source="stadsdel")]
    files = published(config(folder=tmp_path, stadsdel="https://goteborg.se/wps/portal/stadsdel/"), two)
    folder, urls = opml_feeds(files["sources.opml"])
    assert folder == "Källor (välj dessa i stället för allt)"
    assert urls == [f"{base}sources/jamlikt-goteborg.rss", f"{base}sources/stadsdel.rss"]
    assert opml_feeds(files["feeds.opml"])[1] == [base + "all.rss", base + "changes.rss"]


# -- index.html (structure; validity and the browser are checked in test_site_checks.py) -------------------


def test_index_lists_every_feed_with_counts_updates_and_copyable_urls(site):
    page = html.fromstring(site["index.html"])
    assert page.get("lang") == "sv"
    alternates = page.xpath("//head/link[@rel='alternate']")
    assert [(a.get("type"), a.get("href")) for a in alternates] == [
        ("application/rss+xml", f"https://feeds.example.test/aktuellt/{p}.rss")
        for p in ("all", "topics/lasning", "topics/god-start", "topics/tom", "changes")
    ]
    assert len({a.get("title") for a in alternates}) == 5
    lasning = page.get_element_by_id("amne-lasning")
    assert lasning.findtext(".//h3") == "Läsning och bibliotek"
    text = " ".join(lasning.text_content().split())
    assert "Läsfrämjande och bibliotek." in text
    assert "3 nyheter · senast uppdaterad 2 maj 2019 · flödet visar de 2 senaste" in text
    assert lasning.xpath(".//input/@value") == [
        f"https://feeds.example.test/aktuellt/topics/lasning{ext}" for ext in (".rss", ".atom", ".json")
    ]
    assert all(i.get("readonly") is not None and i.get("aria-label") for i in lasning.iter("input"))
    assert lasning.xpath(".//ol[@class='latest']/li/a/text()") == [
        "Mer högläsning i förskoleklass",
        "Folkbiblioteken öppnar",
        "Läsning på sommarlovet",
    ]
    assert "Inga nyheter ännu" in page.get_element_by_id("amne-tom").text_content()


def test_index_has_landmarks_ordered_headings_and_a_month_chart(site):
    page = html.fromstring(site["index.html"])
    for landmark in ("header", "nav", "main", "footer"):
        assert len(page.findall(f".//{landmark}")) == 1, landmark
    assert len(page.findall(".//h1")) == 1
    levels = [int(h.tag[1]) for h in page.iter("h1", "h2", "h3", "h4")]
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    chart = page.xpath("//svg[@role='img']")
    assert len(chart) == 1
    assert (
        chart[0].findtext("title").startswith("Stapeldiagram: nyheter per månad från juni 2018 till maj 2019")
    )
    assert len(chart[0].findall("rect")) == 12
    table = page.xpath("//section[@id='per-manad']//table//tr[th[@scope='row']]")
    assert [row[0].text for row in table] == ["2019", "2018"]
    assert table[0][-1].text == "3" and table[1][-1].text == "2"  # the "Totalt" column


def test_index_escapes_what_the_site_wrote(tmp_path):
    nasty = entry("x1", '<script>alert("x")</script> & läsning', dt.date(2019, 1, 2))
    page = published(config(folder=tmp_path), [nasty])["index.html"].decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; läsning" in page or (
        '&lt;script&gt;alert("x")&lt;/script&gt; &amp; läsning' in page
    )


def test_json_feed_carries_the_article_its_image_and_the_pages_tags():
    meta = feed_catalog(config())[1].meta
    article = dataclasses.replace(
        ENTRIES[0],
        topics=("lasning",),
        content_html="<p>Hela <b>artikeln</b>.</p>",
        image=LeadImage(url="https://goteborg.se/bild.jpg", alt="Barn läser"),
        tags=("Bibliotek", "Läsning och bibliotek"),
    )
    item = assert_json_feed(render_json(meta, [article]))["items"][0]
    assert item["content_html"] == "<p>Hela <b>artikeln</b>.</p>"
    assert "content_text" not in item  # the article replaces the listing's teaser as the content
    assert item["summary"] == "Böcker & sagor <för> alla."
    assert item["image"] == "https://goteborg.se/bild.jpg"
    assert item["tags"] == ["Läsning och bibliotek", "Bibliotek"]  # our topic first; no duplicate


def test_a_publish_equals_the_full_selection_over_many_entries(tmp_path):
    """A publish reads only each feed's newest entries from the store: every feed document must equal the
    one rendered from the whole list, selected and cut the straightforward way, and the index's counts must
    be the whole history's."""
    cfg = config(CONFIG, tmp_path, andra="https://goteborg.se/andra/")
    many = []
    for n in range(60):
        day = dt.date(2019, 6, 1) - dt.timedelta(days=n * 9)
        title = ["Läsning i parken", "Förskolan bygger", "Ny idrottshall", "Bokstart och bibliotek"][n % 4]
        item = entry(f"m{n}", title, day, source="andra" if n % 3 else "jamlikt-goteborg")
        if n == 41:  # an old item updated lately: the feed's "updated" must still see it
            item = dataclasses.replace(item, updated=dt.datetime(2019, 7, 1, tzinfo=UTC))
        many.append(item)
    files = published(cfg, many)
    tagged = assign_topics(cfg, many)
    for feed in feed_catalog(cfg):
        window = select(feed, tagged)[: cfg.site.max_items]
        assert files[f"{feed.meta.path}.rss"] == render_rss(feed.meta, window), feed.meta.path
        assert files[f"{feed.meta.path}.json"] == render_json(feed.meta, window), feed.meta.path
        if feed.kind != "all":
            assert files[f"{feed.meta.path}.atom"] == render_atom(feed.meta, window), feed.meta.path
    page = files["index.html"].decode()
    counts = {feed.meta.path: len(select(feed, tagged)) for feed in feed_catalog(cfg)}
    assert counts["all"] == 60 and counts["sources/andra"] == 40 and counts["topics/lasning"] == 30
    for feed in feed_catalog(cfg):
        selected = select(feed, tagged)
        if not selected:
            continue
        section = page[page.index(f'id="{feed.anchor}"') :]
        section = section[: section.index("</section>")]
        assert f"{len(selected)} nyheter · senast uppdaterad" in section, feed.meta.path
        newest = max(e.updated for e in selected).astimezone(STOCKHOLM).isoformat()
        assert f'datetime="{newest}"' in section, feed.meta.path


def test_a_fingerprint_is_of_the_arguments_given_even_when_a_cached_objects_id_is_taken_again():
    """render_catalog caches reprs by id across documents: an object that dies (a feed's page arguments)
    must not lend its cached repr to a new object that gets its id."""
    reprs: dict[int, tuple[object, str]] = {}
    for n in range(200):
        origin = ((f"Källa {n}", f"https://example.test/{n}/"),)  # a new tuple each time, freed after
        assert fingerprint("page.html", (origin,), reprs) == fingerprint("page.html", (origin,)), n
