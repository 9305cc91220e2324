"""render: valid RSS and Atom, the caller's order, Stockholm offsets, stable ids, and identical bytes for
identical data. Parsed back with feedparser and checked against the RFC 4287 RELAX NG schema."""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re
from dataclasses import replace
from zoneinfo import ZoneInfo

import feedparser
import pytest
from lxml import etree

from scraper.models import Entry, FeedMeta
from scraper.publish.indexpage import feed_url
from scraper.publish.render import EMPTY_FEED_UPDATED, render_atom, render_rss, xml_safe
from tests.fixture_site import DATA

STOCKHOLM = ZoneInfo("Europe/Stockholm")
UTC = dt.UTC
A = "{http://www.w3.org/2005/Atom}"

META = FeedMeta(
    path="all",
    title="Jämlikt Göteborg – Aktuellt",
    subtitle="Nyheter från Jämlikt Göteborg – Aktuellt, som flöde",
    feed_id="tag:goteborg.se,2024:aktuellt/all",
    base_url="http://127.0.0.1:8080/",
    home_url="https://goteborg.se/wps/portal/enhetssida/jamlikt-goteborg/aktuelltarkiv/",
    language="sv",
)


FIRST_RUN = dt.datetime(2024, 9, 1, 6, 0, tzinfo=UTC)


def entry(key: str, title: str, published: dt.datetime, **changes: object) -> Entry:
    values: dict[str, object] = {
        "source": "jamlikt-goteborg",
        "key": key,
        "entry_id": f"tag:goteborg.se,2024:jamlikt-goteborg/{key}",
        "title": title,
        "summary": "",
        "link": f"https://goteborg.se/wps/portal/enhetssida/jamlikt-goteborg/aktuellt/{key}",
        "published": published,
        "updated": published,
        "first_seen": FIRST_RUN,  # found after its date, as on a first run
        "position": 0,
    }
    values.update(changes)
    return Entry(**values)  # type: ignore[arg-type]


SUMMER = entry(
    "6f1c2a9e-1d5b-4c8e-9a7e-2b9d0c3e4f51",
    "Sommarlov – ”Kul i stan” för alla barn",
    # A date without a time: 10:30 UTC on 10 June 2024 (12:30 CEST), stored as UTC like the store does.
    dt.datetime(2024, 6, 10, 10, 30, tzinfo=UTC),
    summary="Gratis aktiviteter & läger för barn <12 år.",
    topics=("god-start-i-livet", "fritid"),
)
MAY = entry(
    "0b8e5f3a-77c4-4d2e-8f0a-6c1b2d3e4f50",
    'Ny rapport: "Jämlikhet i Göteborg" – nu ute',
    dt.datetime(2024, 5, 2, 8, 15, tzinfo=UTC),
    timed=True,  # the site printed "kl. 10:15"
    # Edited in August: this, not the first entry's, is the newest `updated` in the feed.
    updated=dt.datetime(2024, 8, 20, 9, 30, 15, 250_000, tzinfo=UTC),
    summary="Rapporten visar skillnader\x0bmellan stadsdelar.",
)
WINTER = entry(
    "a2c4e6f8-0a1b-4c3d-8e5f-7a9b0c1d2e3f",
    "Bokstart & familjecentraler\x0b i vinter",
    # A date without a time: 10:30 UTC on 15 January 2024 (11:30 CET, +01:00).
    dt.datetime(2024, 1, 15, 10, 30, tzinfo=UTC),
    summary="Läs mer om <Bokstart> & språkutveckling.",
    topics=("god-start-i-livet",),
)
ENTRIES = (SUMMER, MAY, WINTER)


def atom_schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(DATA / "atom.rng")))


def assert_valid_atom(document: bytes) -> None:
    schema = atom_schema()
    assert schema.validate(etree.fromstring(document).getroottree()), schema.error_log


def parse(document: bytes) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(document)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


@pytest.mark.parametrize("render", [render_rss, render_atom])
def test_parses_cleanly_with_titles_links_ids_and_order(render):
    parsed = parse(render(META, ENTRIES))

    assert parsed.feed.title == META.title
    assert parsed.feed.language == "sv"
    assert [e.title for e in parsed.entries] == [
        "Sommarlov – ”Kul i stan” för alla barn",
        'Ny rapport: "Jämlikhet i Göteborg" – nu ute',
        "Bokstart & familjecentraler  i vinter",  # the vertical tab became a space
    ]
    assert [e.link for e in parsed.entries] == [e.link for e in ENTRIES]
    assert [e.id for e in parsed.entries] == [e.entry_id for e in ENTRIES]
    if render is render_rss:  # feedparser's guidislink means nothing for Atom (it reads an id as a guid)
        assert {e.guidislink for e in parsed.entries} == {False}
    published = [calendar.timegm(e.published_parsed) for e in parsed.entries]
    assert published == [int(e.published.timestamp()) for e in ENTRIES]
    assert [[t.term for t in e.get("tags", [])] for e in parsed.entries] == [list(e.topics) for e in ENTRIES]


@pytest.mark.parametrize("render", [render_rss, render_atom])
def test_keeps_the_callers_order_exactly(render):
    # feedgen prepends by default; render must neither reverse nor sort what it is given.
    shuffled = (MAY, WINTER, SUMMER)
    assert [e.id for e in parse(render(META, shuffled)).entries] == [e.entry_id for e in shuffled]


def test_atom_is_valid_rfc4287():
    assert_valid_atom(render_atom(META, ENTRIES))


def test_rss_guid_is_not_a_permalink_and_channel_links_point_the_right_way():
    channel = etree.fromstring(render_rss(META, ENTRIES)).find("channel")
    assert channel.findtext("link") == META.home_url
    selfs = channel.findall(f"{A}link")
    assert [(x.get("rel"), x.get("href")) for x in selfs] == [("self", "http://127.0.0.1:8080/all.rss")]
    assert channel.findtext("language") == "sv"
    assert channel.findtext("generator") == "aktuellt"
    assert {g.get("isPermaLink") for g in channel.iter("guid")} == {"false"}
    assert channel.find("pubDate") is None  # a channel pubDate would have to be "now"


def test_atom_links_alternate_first_then_self():
    root = etree.fromstring(render_atom(META, ENTRIES))
    links = root.findall(f"{A}link")
    assert (links[0].get("rel"), links[0].get("href")) == ("alternate", META.home_url)
    assert (links[1].get("rel"), links[1].get("href")) == ("self", feed_url(META, ".atom"))
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "sv"
    assert root.findtext(f"{A}id") == META.feed_id
    assert root.findtext(f"{A}subtitle") == META.subtitle
    # The publisher, not the title again (rss2email builds its From: name from both).
    assert root.findtext(f"{A}author/{A}name") == "Göteborgs Stad" != META.title
    assert root.findtext(f"{A}generator") == "aktuellt"


def test_rss_dates_carry_the_stockholm_offset_of_their_season():
    document = render_rss(META, ENTRIES).decode()
    assert "<pubDate>Mon, 10 Jun 2024 12:30:00 +0200</pubDate>" in document
    assert "<pubDate>Thu, 02 May 2024 10:15:00 +0200</pubDate>" in document
    assert "<pubDate>Mon, 15 Jan 2024 11:30:00 +0100</pubDate>" in document
    # The newest `updated` (the May entry's August edit), to whole seconds, never the first entry's.
    assert "<lastBuildDate>Tue, 20 Aug 2024 11:30:15 +0200</lastBuildDate>" in document
    assert "GMT" not in document and "+0000" not in document


def test_atom_dates_carry_the_stockholm_offset_of_their_season():
    root = etree.fromstring(render_atom(META, ENTRIES))
    entries = root.findall(f"{A}entry")
    assert [e.findtext(f"{A}published") for e in entries] == [
        "2024-06-10T12:30:00+02:00",
        "2024-05-02T10:15:00+02:00",
        "2024-01-15T11:30:00+01:00",
    ]
    assert [e.findtext(f"{A}updated") for e in entries] == [
        "2024-06-10T12:30:00+02:00",
        "2024-08-20T11:30:15+02:00",
        "2024-01-15T11:30:00+01:00",
    ]
    assert root.findtext(f"{A}updated") == "2024-08-20T11:30:15+02:00"


def test_feed_updated_is_the_newest_entry_updated():
    newest = max(e.updated for e in ENTRIES).replace(microsecond=0)
    rss, atom = parse(render_rss(META, ENTRIES)), parse(render_atom(META, ENTRIES))
    assert calendar.timegm(rss.feed.updated_parsed) == int(newest.timestamp())
    assert calendar.timegm(atom.feed.updated_parsed) == int(newest.timestamp())


@pytest.mark.parametrize("render", [render_rss, render_atom])
def test_no_date_in_the_output_comes_from_the_clock(render):
    # feedgen defaults feed and entry dates to now; every date in the document must come from the data.
    document = render(META, ENTRIES).decode()
    rfc822 = re.findall(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}", document)
    iso = re.findall(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", document)
    found = {dt.datetime.strptime(d, "%a, %d %b %Y %H:%M:%S %z") for d in rfc822}
    found |= {dt.datetime.fromisoformat(d) for d in iso}
    expected = {d.replace(microsecond=0) for e in ENTRIES for d in (e.published, e.updated)}
    assert found and found <= expected
    assert all(d.utcoffset() in (dt.timedelta(hours=1), dt.timedelta(hours=2)) for d in found)


@pytest.mark.parametrize("render", [render_rss, render_atom])
def test_identical_input_gives_identical_bytes(render):
    first = render(META, ENTRIES)
    assert render(META, ENTRIES) == first
    assert render(META, list(ENTRIES)) == first
    # Equal values in new objects (as a fresh read from the store gives): same bytes.
    assert render(replace(META), [replace(e) for e in ENTRIES]) == first


@pytest.mark.parametrize("render", [render_rss, render_atom])
def test_the_same_instant_in_another_zone_renders_the_same(render):
    # The store hands back UTC; any aware value for the same instant must give the same document.
    local = [
        replace(e, published=e.published.astimezone(STOCKHOLM), updated=e.updated.astimezone(STOCKHOLM))
        for e in ENTRIES
    ]
    assert render(META, local) == render(META, ENTRIES)


def test_text_is_escaped_once_in_atom_and_as_html_in_rss():
    atom = parse(render_atom(META, ENTRIES))
    assert atom.entries[0].summary == "Gratis aktiviteter & läger för barn <12 år."
    assert atom.entries[0].summary_detail.type == "text/plain"
    assert atom.entries[1].summary == "Rapporten visar skillnader mellan stadsdelar."

    # An RSS description is HTML: plain text is escaped for it, so "<Bokstart>" is text, not a tag.
    rss_document = render_rss(META, ENTRIES)
    assert b"<description>L\xc3\xa4s mer om &amp;lt;Bokstart&amp;gt; &amp;amp; spr" in rss_document
    rss = parse(rss_document)
    assert rss.entries[2].summary == "Läs mer om &lt;Bokstart&gt; &amp; språkutveckling."


@pytest.mark.parametrize("render", [render_rss, render_atom])
def test_empty_summary_gives_no_summary_element(render):
    parsed = parse(render(META, [entry("k", "Utan ingress", dt.datetime(2024, 3, 1, tzinfo=UTC))]))
    assert "summary" not in parsed.entries[0]


@pytest.mark.parametrize("render", [render_rss, render_atom])
def test_empty_feed_is_valid_and_dated_by_a_constant(render):
    document = render(META, [])
    assert render(META, ()) == document
    parsed = parse(document)
    assert parsed.entries == []
    assert calendar.timegm(parsed.feed.updated_parsed) == int(EMPTY_FEED_UPDATED.timestamp())
    if render is render_atom:
        assert_valid_atom(document)


@pytest.mark.parametrize("render", [render_rss, render_atom])
def test_xml_illegal_characters_never_reach_the_document(render):
    dirty = entry(
        "d",
        "Titel\x00 med\x1f skräp\ufffe",
        dt.datetime(2024, 2, 1, tzinfo=UTC),
        summary="Ingress\ud800 med\x08 kontrolltecken\uffff 😀",
        link="https://goteborg.se/a/d\x01",
    )
    meta = replace(META, title="Flöde\x0cett")
    parsed = parse(render(meta, [dirty]))
    assert parsed.feed.title == "Flöde ett"
    assert parsed.entries[0].title == "Titel med skräp"
    assert parsed.entries[0].link == "https://goteborg.se/a/d"
    assert "😀" in parsed.entries[0].summary


def test_blank_title_falls_back_to_the_link():
    blank = entry("b", " \x0b", dt.datetime(2024, 2, 1, tzinfo=UTC))
    for render in (render_rss, render_atom):
        assert parse(render(META, [blank])).entries[0].title == blank.link


def test_rows_stored_under_the_midnight_rule_are_shown_at_the_nominal_time():
    # Stored before the rule changed: 00:00 Stockholm, which is 9 June in UTC−10 ("a day early").
    old = replace(
        SUMMER,
        published=dt.datetime(2024, 6, 9, 22, 0, tzinfo=UTC),
        updated=dt.datetime(2024, 6, 9, 22, 0, tzinfo=UTC),
    )
    for render in (render_rss, render_atom):
        shown = parse(render(META, [old])).entries[0]
        assert calendar.timegm(shown.published_parsed) == SUMMER.published.timestamp()
    assert parse(render_atom(META, [old])).entries[0].updated == "2024-06-10T12:30:00+02:00"


def test_an_edit_seen_at_first_sight_keeps_its_instant():
    # An archived version is dated by its event, which is also its Entry's first_seen: a real instant that
    # must not be taken for the old first-seen rule.
    seen = dt.datetime(2026, 1, 9, 9, 0, tzinfo=UTC)
    version = replace(MAY, updated=seen, first_seen=seen)
    assert parse(render_atom(META, [version])).entries[0].updated == "2026-01-09T10:00:00+01:00"


def test_naive_datetime_is_refused():
    naive = entry("n", "Naiv", dt.datetime(2024, 2, 1))
    with pytest.raises(ValueError, match="naive"):
        render_atom(META, [naive])


def test_xml_safe_removes_only_what_xml_forbids():
    assert xml_safe("a\x00b\x08c\x0bd\x0ce\x1ff\ud800g\ufffeh\uffffi") == "abc d efghi"
    kept = "tab\there\nnewline\rcr – ”citat” & <tagg> 😀 \x7f\x85"
    assert xml_safe(kept) == kept


@pytest.mark.parametrize("chunk", [1, 2, 3, 100])
def test_an_archive_rendered_in_chunks_is_byte_for_byte_the_whole_render(chunk):
    """`archives.render_archive` (issue 20: a first run's year of 26,000 items took ~130 MB as one feedgen
    tree) splices chunks of entries under one head: the bytes must be render_atom's, images, edits (the
    newest `updated` is not the first entry's), tombstones and the stylesheet instruction included."""
    from scraper.models import Deleted, LeadImage
    from scraper.publish.archives import render_archive

    meta = dataclasses.replace(
        META, stylesheet="feed.xsl", feed_id="tag:goteborg.se,2024:aktuellt/archive/2024"
    )
    start = dt.datetime(2024, 3, 1, 10, 30, tzinfo=UTC)
    entries = [
        entry(f"k{n}", f"Nyhet {n}", start - dt.timedelta(days=n), summary=f"Text {n} & mer")
        for n in range(7)
    ]
    entries[4] = dataclasses.replace(
        entries[4], image=LeadImage(url="https://goteborg.se/bild.jpg", alt="Barn")
    )
    entries[5] = dataclasses.replace(entries[5], updated=start + dt.timedelta(days=40))  # edited: the newest
    deleted = [
        Deleted("tag:goteborg.se,2024:jamlikt-goteborg/gone", "https://goteborg.se/x", "Borttagen", start)
    ]

    whole = render_atom(meta, entries, deleted)

    assert render_archive(meta, entries, deleted, chunk=chunk) == whole
    plain = [replace(e, image=None) for e in entries]
    assert render_archive(meta, plain, (), chunk=chunk) == render_atom(meta, plain)
