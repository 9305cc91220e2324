"""feedsource.parse_feed (a feed document → listing items) and pagefeeds.advertised_feeds, on small inputs."""

from __future__ import annotations

import datetime as dt
import html
import json
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.errors import ExtractError
from scraper.identity import canonical_link, item_key
from scraper.models import SiteDate
from scraper.source.feedsource import feed_item_key, parse_feed
from scraper.source.pagefeeds import AdvertisedFeed, advertised_feeds
from tests.fixture_site import REPO

STOCKHOLM = ZoneInfo("Europe/Stockholm")
REALPAGES = REPO.parent / "shared" / "realpages"
FEED_URL = "https://example.se/nyheter/rss"
UUID = "58f5f940-8ea1-55f6-9bc6-922c0944110e"
ARTICLE = f"https://goteborg.se/wps/portal/x/aktuelltsida/{UUID}/!ut/p/z1/04_abc/dz/d5/L2dBISEvZ0FBIS9nQSEh/"


def rss(*items: str) -> str:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://example.se/</link>'
        f"<description>d</description>{''.join(items)}</channel></rss>"
    )


def item(title: str = "Rubrik", link: str = "https://example.se/a", date: str = "", extra: str = "") -> str:
    date = date or "Tue, 02 Jun 2026 08:00:00 GMT"
    return f"<item><title>{title}</title><link>{link}</link><pubDate>{date}</pubDate>{extra}</item>"


def atom(*entries: str) -> str:
    return (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><id>urn:f</id><title>T</title>'
        f"<updated>2026-06-02T10:00:00+02:00</updated>{''.join(entries)}</feed>"
    )


def parse(text: str, tz: ZoneInfo = STOCKHOLM):
    return parse_feed(text, FEED_URL, timezone=tz)


@pytest.mark.parametrize(
    "date",
    ["Tue, 02 Jun 2026 08:00:00 GMT", "Tue, 02 Jun 2026 10:00:00 +0200", "Tue, 02 Jun 2026 03:00:00 -0500"],
)
def test_an_rss_date_is_one_instant_whatever_offset_it_is_written_in(date):
    (found,) = parse(rss(item(date=date))).items
    assert found.instant == dt.datetime(2026, 6, 2, 8, 0, tzinfo=dt.UTC)
    assert found.published == SiteDate(dt.date(2026, 6, 2), dt.time(10, 0))  # wall time in Stockholm


def test_the_wall_time_follows_the_sources_zone_and_the_instant_does_not():
    (found,) = parse(rss(item(date="Tue, 02 Jun 2026 02:00:00 GMT")), ZoneInfo("America/New_York")).items
    assert found.published == SiteDate(dt.date(2026, 6, 1), dt.time(22, 0))
    assert found.instant == dt.datetime(2026, 6, 2, 2, 0, tzinfo=dt.UTC)


def test_atom_published_wins_over_updated_and_updated_is_the_fallback():
    both = "<entry><id>urn:1</id><title>A</title><link href='https://example.se/1'/>"
    both += (
        "<published>2026-06-01T09:00:00+02:00</published><updated>2026-06-03T09:00:00+02:00</updated></entry>"
    )
    only = "<entry><id>urn:2</id><title>B</title><link href='https://example.se/2'/>"
    only += "<updated>2026-06-03T09:30:00Z</updated></entry>"
    first, second = parse(atom(both, only)).items
    assert first.instant == dt.datetime(2026, 6, 1, 7, 0, tzinfo=dt.UTC)
    assert second.instant == dt.datetime(2026, 6, 3, 9, 30, tzinfo=dt.UTC)


def test_keys_are_the_uuid_then_the_guid_then_the_canonical_link():
    page = parse(
        rss(
            item("Med uuid", ARTICLE, extra="<guid>annat-id</guid>"),
            item("Med guid", "https://example.se/b", extra='<guid isPermaLink="false">nyhet-7</guid>'),
            item(
                "Med url-guid",
                "https://example.se/c",
                extra=f"<guid>{ARTICLE.replace(UUID, 'x')}#frag</guid>",
            ),
            item("Bara länk", "https://example.se/d#Z7_X"),
        )
    )
    assert [i.key for i in page.items] == [
        UUID,
        "nyhet-7",
        "https://goteborg.se/wps/portal/x/aktuelltsida/x/",  # a URL guid loses its portlet state too
        "https://example.se/d",
    ]
    assert page.items[0].link == f"https://goteborg.se/wps/portal/x/aktuelltsida/{UUID}/"
    assert feed_item_key("https://example.se/e", "  ") == "https://example.se/e"
    assert feed_item_key("https://example.se/f", "http://[::1") == "http://[::1"  # a broken URL id: as is


def test_a_link_key_drops_tracking_and_session_parameters_as_a_listing_key_does():
    links = [
        "https://example.se/x?utm_source=rss&utm_medium=feed",
        "https://example.se/x;jsessionid=AB12?fbclid=1",
        "https://example.se/visa?nyhet=12&ref=rss&utm_source=rss",
        "https://example.se/visa?id=7&lang=sv",
    ]
    assert [feed_item_key(link, "") for link in links] == [
        "https://example.se/x",
        "https://example.se/x",
        "https://example.se/visa?nyhet=12&ref=rss",
        "https://example.se/visa?id=7",  # id names the article (the default key_params)
    ]
    assert [item_key(link) for link in links] == [feed_item_key(link, "") for link in links]
    assert (
        feed_item_key(links[2], "", ["nyhet"])
        == item_key(links[2], ["nyhet"])
        == "https://example.se/visa?nyhet=12"
    )
    # A URL guid follows the same rule, key_params included.
    assert feed_item_key("https://example.se/a", links[2], ["nyhet"]) == "https://example.se/visa?nyhet=12"
    # Keys without such parameters stay what they were (the canonical link).
    for plain in ("https://example.se/d", "https://example.se/s?q=1&sida=2", "https://example.se/a%20b/"):
        assert feed_item_key(plain, "") == canonical_link(plain)


def test_parse_feed_keys_with_the_sources_key_params():
    text = rss(
        item("Ett", "https://example.se/visa?nyhet=12&ref=rss&utm_source=rss"),
        item("Två", "https://example.se/nyheter/tva?utm_source=rss"),
    )
    page = parse_feed(text, FEED_URL, timezone=STOCKHOLM, key_params=["nyhet"])
    assert [i.key for i in page.items] == [
        "https://example.se/visa?nyhet=12",
        "https://example.se/nyheter/tva",
    ]
    # The link is published with the query the site wrote, as a listing's is.
    assert page.items[1].link == "https://example.se/nyheter/tva?utm_source=rss"


def test_relative_links_resolve_against_the_feed_url():
    (found,) = parse(rss(item(link="../artikel/9"))).items
    assert found.link == "https://example.se/artikel/9"


def test_summaries_are_sanitized_text_and_plain_text_stays_literal():
    html_summary = "<description><![CDATA[<p>Läs <b>mer</b><script>bad()</script><style>p{}</style></p>"
    html_summary += "<p>Två</p>]]></description>"
    text = "<entry><id>urn:t</id><title type='html'>&lt;em&gt;Ny&lt;/em&gt; skola</title>"
    text += "<link href='https://example.se/t'/><updated>2026-06-02T10:00:00Z</updated>"
    text += "<summary type='text'>a &lt; b &amp;  c</summary></entry>"
    content = "<entry><id>urn:c</id><title>C</title><link href='https://example.se/c'/>"
    content += "<updated>2026-06-02T10:00:00Z</updated>"
    content += "<content type='html'>&lt;p&gt;Brödtext&lt;/p&gt;</content></entry>"
    (from_rss,) = parse(rss(item(extra=html_summary))).items
    plain, from_content = parse(atom(text, content)).items
    assert from_rss.summary == "Läs mer Två"
    assert (plain.title, plain.summary) == ("Ny skola", "a < b & c")
    assert from_content.summary == "Brödtext"


def test_malformed_entries_are_left_out_and_named():
    page = parse(
        rss(
            "<item><title>Ingen länk</title><pubDate>Tue, 02 Jun 2026 08:00:00 GMT</pubDate></item>",
            "<item><title>Inget datum</title><link>https://example.se/x</link></item>",
            item(title="", link="https://example.se/y"),
            item("Ett", "https://example.se/z"),
            item("Ett igen", "https://example.se/z"),
        )
    )
    assert [i.title for i in page.items] == ["Ett"]
    broken = parse(
        rss(
            item("Trasig", "http://[x/a"),
            item("Skript", "javascript:alert(1)"),
            item("Post", "mailto:a@example.se"),
            item("Hel", "https://example.se/h"),
        )
    )
    assert [i.title for i in broken.items] == ["Hel"]
    assert [line.endswith("no usable link") for line in broken.skipped] == [True, True, True]
    assert page.next_url is None
    assert [line.split(":")[0] for line in page.skipped] == [
        "feed entry 'Ingen länk'",
        "feed entry 'Inget datum' (https",
        "feed entry https",
        "duplicate feed entry https",
    ]


def test_a_feed_with_no_entries_is_an_empty_page_and_a_non_feed_is_an_error():
    assert parse(rss()).items == ()
    for text in (
        "<!DOCTYPE html><html><head><title>x</title></head><body><p>Hej</p></body></html>",
        "\x00\xff",
    ):
        with pytest.raises(ExtractError, match="not an RSS or Atom feed"):
            parse(text)


def two_entry_documents() -> dict[str, str]:
    """A well-formed two-entry document in each format, summaries on both entries."""
    first, second = (
        "<description>Om skolan.</description>",
        "<description>Andra stycket om förskolan.</description>",
    )
    entry = "<entry><id>urn:{n}</id><title>{n}</title><link href='https://example.se/{n}'/>"
    entry += "<updated>2026-06-02T10:00:00Z</updated><summary>Ett stycke om {n}.</summary></entry>"
    items = [
        {
            "id": n,
            "url": f"https://example.se/{n}",
            "title": n,
            "summary": f"Om {n}.",
            "date_published": "2026-06-02T10:00:00Z",
        }
        for n in ("a", "b")
    ]
    return {
        "rss": rss(
            item("Ett", "https://example.se/1", extra=first),
            item("Två", "https://example.se/2", extra=second),
        ),
        "atom": atom(entry.format(n="a"), entry.format(n="b")),
        "json": json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items}, indent=1),
    }


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_a_document_cut_off_anywhere_is_an_error_never_fewer_or_shorter_entries(fmt):
    # feedparser reads a cut-off RSS or Atom document leniently: cut inside the second entry, it still gives
    # both, the second one's summary empty. Taken as a read, that is an edit, so every cut must fail.
    whole = two_entry_documents()[fmt]
    assert len(parse(whole).items) == 2
    end = whole.rindex("}" if fmt == "json" else ">") + 1  # the root's end: cut before it, it is cut off
    for cut in range(end):
        with pytest.raises(ExtractError):
            parse(whole[:cut])


def test_a_cut_off_xml_document_names_the_closing_tag_it_lacks():
    documents = two_entry_documents()
    for fmt, root in (("rss", "rss"), ("atom", "feed")):
        whole = documents[fmt]
        with pytest.raises(
            ExtractError, match=f"ends before its closing </{root}> \\(the document was cut off"
        ):
            parse(whole[: whole.rindex("tycke" if fmt == "atom" else "förskolan")])
    prefixed = atom().replace("<feed ", "<a:feed xmlns:a='http://www.w3.org/2005/Atom' ")
    with pytest.raises(ExtractError, match="closing </a:feed>"):
        parse(prefixed[: prefixed.index("</feed>")] + "<a:entry><a:id>x</a:id><a:title>Cut")


SECOND = "https://example.se/2"
TEXT = "Andra stycket om förskolan."


@pytest.mark.parametrize(
    ("old", "new", "link", "summary"),
    [
        ('<?xml version="1.0"?>', '\n  <?xml version="1.0"?>', SECOND, TEXT),  # blanks before the declaration
        (
            "om förskolan",
            "&ldquo;om&rdquo;&nbsp;förskolan",
            SECOND,
            "Andra stycket “om” förskolan.",
        ),  # entities
        (f"<link>{SECOND}", f"<link>{SECOND}?a=1&b=2", f"{SECOND}?a=1&b=2", TEXT),  # a bare & in a link
        ("<title>Två</title>", "<title>Två</title><itunes:x>y</itunes:x>", SECOND, TEXT),  # undeclared prefix
        ("om förskolan", "om\x0bförskolan", SECOND, TEXT),  # a control character XML forbids
        ("</rss>", "</rss><script>track()</script>", SECOND, TEXT),  # junk after the root
    ],
)
def test_a_complete_document_the_xml_parser_rejects_is_read_as_feedparser_reads_it(old, new, link, summary):
    # Common in real feeds, and feedparser loses no text on them: only a cut-off document fails the read.
    whole = two_entry_documents()["rss"]
    assert old in whole
    page = parse(whole.replace(old, new))
    assert [(i.title, i.link, i.summary) for i in page.items] == [
        ("Ett", "https://example.se/1", "Om skolan."),
        ("Två", link, summary),
    ]


def test_a_well_formed_document_feedparser_flags_for_its_charset_is_read():
    # A lone surrogate gives bytes that are not UTF-8 although the header says so: feedparser sets bozo with
    # CharacterEncodingOverride and reads the document as windows-1252. It is well-formed, so it is read.
    text = rss(item("Ett", "https://example.se/1"), item("Tv\udcff", "https://example.se/2"))
    page = parse(text)
    assert [i.link for i in page.items] == ["https://example.se/1", "https://example.se/2"]


def test_a_document_that_looks_like_a_file_name_or_url_is_never_opened(tmp_path: Path):
    # feedparser.parse(str) would open a file of that name, or fetch a URL: the body must only be parsed.
    path = tmp_path / "feed.xml"
    path.write_text(rss(item()), encoding="utf-8")
    for text in (str(path), "http://127.0.0.1:9/feed"):
        with pytest.raises(ExtractError):
            parse(text)


def test_json_feed_items():
    document = """{"version": "https://jsonfeed.org/version/1.1", "title": "T", "items": [
      {"id": 17, "url": "https://example.se/1", "title": "Ett", "summary": "Kort",
       "date_published": "2026-06-02T10:00:00+02:00"},
      {"id": "b", "external_url": "/2", "title": "Två", "content_html": "<p>Text<script>x()</script></p>",
       "date_modified": "2026-06-02"},
      {"id": "c", "url": "https://example.se/3", "title": "Tre", "content_text": "Lång text",
       "date_published": "2026-06-02T10:00:00"},
      {"id": "d", "url": "https://example.se/4", "title": "Utan datum"}
    ]}"""
    page = parse(document)
    assert [(i.key, i.title, i.summary) for i in page.items] == [
        ("17", "Ett", "Kort"),
        ("b", "Två", "Text"),
        ("c", "Tre", "Lång text"),
    ]
    assert page.items[0].instant == dt.datetime(2026, 6, 2, 8, 0, tzinfo=dt.UTC)
    # No offset (against the spec): the site's wall time, dated like a listing date, without an instant.
    assert (page.items[1].published, page.items[1].instant) == (SiteDate(dt.date(2026, 6, 2)), None)
    assert (page.items[2].published, page.items[2].instant) == (
        SiteDate(dt.date(2026, 6, 2), dt.time(10)),
        None,
    )
    assert page.items[1].link == "https://example.se/2"
    assert len(page.skipped) == 1 and "no date" in page.skipped[0]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"version": "https://jsonfeed.org/version/1.1", "items": [', "invalid JSON"),
        ('{"title": "no version", "items": []}', "version"),
        ('{"version": "https://jsonfeed.org/version/1", "items": {}}', "no items array"),
    ],
)
def test_a_json_document_that_is_no_json_feed_is_an_error(text, reason):
    with pytest.raises(ExtractError, match="not a JSON Feed") as info:
        parse(text)
    assert reason in str(info.value)


def test_advertised_feeds_in_the_head():
    page = """<html><head><base href="https://goteborg.se/wps/portal/start/">
      <link rel="stylesheet" href="/s.css">
      <link rel="alternate" type="text/html" hreflang="en" href="/en/">
      <link rel="alternate" type="application/atom+xml" title="RSS-flöde för  aktuellt" href="rss/atom">
      <link rel="Alternate nofollow" type="application/RSS+XML; charset=utf-8" href="https://x.se/f.rss">
      <link rel="alternate" type="application/feed+json" href="rss/atom">
      <link rel="alternate" type="application/feed+json" href="/f.json">
      <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
      <link rel="alternate" type="application/rss+xml">
      <link rel="alternate" type="application/rss+xml" href="http://[x/broken">
    </head><body><a rel="alternate" type="application/rss+xml" href="/body.rss">RSS</a></body></html>"""
    assert advertised_feeds(page, "https://goteborg.se/other/") == [
        AdvertisedFeed(
            "https://goteborg.se/wps/portal/start/rss/atom", "application/atom+xml", "RSS-flöde för aktuellt"
        ),
        AdvertisedFeed("https://x.se/f.rss", "application/rss+xml"),
        AdvertisedFeed("https://goteborg.se/f.json", "application/feed+json"),
    ]
    assert advertised_feeds("<p>no head</p>", "https://x.se/") == []


def test_an_advertised_feed_with_an_upper_case_scheme_is_a_feed():
    # The feed reader takes "HTTP://…" as http (schemes are case-insensitive); urljoin keeps the case when
    # the page's own scheme differs.
    page = '<head><link rel="alternate" type="application/rss+xml" href="HTTP://x.se/f.rss"></head>'
    assert advertised_feeds(page, "https://x.se/") == [
        AdvertisedFeed("HTTP://x.se/f.rss", "application/rss+xml")
    ]


@pytest.mark.parametrize("name", ["goteborg-home.html", "goteborg-kommun-politik.html"])
def test_the_real_goteborg_pages_advertise_their_atom_feed(name):
    if not (REALPAGES / name).is_file():
        pytest.skip(f"{REALPAGES / name} is not there (the saved real pages live beside the repository)")
    html = (REALPAGES / name).read_text(encoding="utf-8", errors="replace")
    (feed,) = advertised_feeds(html, "https://goteborg.se/")
    assert feed.media_type == "application/atom+xml"
    assert feed.title == "RSS-flöde för aktuellt från Göteborgs Stad"
    assert feed.url.startswith("https://goteborg.se/wps/wcm/connect/Portal+Site/Aktuellt/?")


def test_the_text_is_parsed_as_decoded_whatever_its_xml_declaration_says():
    # fetch.py decoded the body once; a declaration naming another charset must not decode it a second time.
    text = rss(item("Förskolan på Hisingen")).replace(
        '<?xml version="1.0"?>', '<?xml version="1.0" encoding="iso-8859-1"?>'
    )
    (found,) = parse(text).items
    assert found.title == "Förskolan på Hisingen"


# -- fuzzing: whatever a feed holds, parse_feed raises nothing but ExtractError ---------------------------

FIELD = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "http://[x/a",
            "javascript:alert(1)",
            f"https://goteborg.se/aktuellt/{UUID}",
            "Tue, 02 Jun 2026 08:00:00 +9999",
            "2026-13-45T25:61:00Z",
            "0000-01-01T00:00:00Z",
            "<script>x()</script>",
            "]]>",
            "\ud800",
            "\x00",
        ]
    ),
)


@st.composite
def feed_documents(draw: st.DrawFn) -> str:
    """RSS, Atom or JSON Feed documents whose every field value is hostile or broken text."""
    fmt = draw(st.sampled_from(["rss", "atom", "json"]))
    entries = draw(st.lists(st.tuples(FIELD, FIELD, FIELD, FIELD, FIELD), max_size=4))
    if fmt == "json":
        keys = ("id", "url", "title", "date_published", "content_html")
        items = [dict(zip(keys, values, strict=True)) for values in entries]
        return json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items})
    esc = html.escape
    if fmt == "rss":
        rows = "".join(
            f"<item><guid>{esc(a)}</guid><link>{esc(b)}</link><title>{esc(c)}</title>"
            f"<pubDate>{esc(d)}</pubDate><description>{esc(e)}</description></item>"
            for a, b, c, d, e in entries
        )
        return rss(rows)
    rows = "".join(
        f"<entry><id>{esc(a)}</id><link href='{esc(b)}'/><title type='html'>{esc(c)}</title>"
        f"<updated>{esc(d)}</updated><summary type='html'>{esc(e)}</summary></entry>"
        for a, b, c, d, e in entries
    )
    return atom(rows)


@settings(max_examples=int(os.environ.get("AKTUELLT_FUZZ_EXAMPLES", "60")), deadline=None)
@given(st.one_of(feed_documents(), st.text()))
def test_parse_feed_raises_only_extract_error(document: str) -> None:
    try:
        page = parse(document)
    except ExtractError:
        return
    for found in page.items:
        assert found.key and found.title and found.link.startswith(("http://", "https://"))


EDGE_DATES = ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "9999-12-31T23:30:00Z"]


@pytest.mark.parametrize("date", EDGE_DATES)
def test_a_json_feed_date_at_the_edge_of_datetimes_range_is_no_date(date):
    # The first two overflowed converting to UTC, the third converting to Stockholm time (issue 17, item 1).
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "items": [
            {"id": "a", "url": "https://example.se/a", "title": "Kant", "date_published": date},
            {
                "id": "b",
                "url": "https://example.se/b",
                "title": "Rätt",
                "date_published": "2026-06-02T08:00Z",
            },
        ],
    }
    page = parse(json.dumps(document))
    assert [i.title for i in page.items] == ["Rätt"]
    assert len(page.skipped) == 1 and "'Kant'" in page.skipped[0] and "no date" in page.skipped[0]


@pytest.mark.parametrize("date", ["Fri, 31 Dec 9999 23:59:59 -0500", "Fri, 31 Dec 9999 23:30:00 GMT"])
def test_an_rss_date_at_the_edge_of_datetimes_range_is_no_date(date):
    page = parse(rss(item("Kant", date=date), item("Rätt", link="https://example.se/b")))
    assert [i.title for i in page.items] == ["Rätt"]


def test_json_nested_deeper_than_the_parser_recurses_is_an_extract_error():
    with pytest.raises(ExtractError, match="JSON nested too deeply"):
        parse(
            '{"version": "https://jsonfeed.org/version/1.1", "items": ' + "[" * 200_000 + "]" * 200_000 + "}"
        )


def test_feed_entries_whose_links_share_a_key_are_named_and_key_params_parts_them():
    links = [f"https://example.se/modules.php?name=News&amp;sid={n}" for n in (1, 2)]
    document = rss(item("Ett", link=links[0]), item("Två", link=links[1]))
    page = parse(document)
    assert [i.title for i in page.items] == ["Ett"]
    assert any("share the key https://example.se/modules.php?name=News," in line for line in page.skipped)
    parted = parse_feed(document, FEED_URL, timezone=STOCKHOLM, key_params=["sid"])
    assert [i.key for i in parted.items] == [f"https://example.se/modules.php?sid={n}" for n in (1, 2)]
    assert not parted.skipped


def test_entries_beyond_max_items_are_not_read_and_the_page_says_so():
    document = rss(*(item(f"Nyhet {n}", link=f"https://example.se/{n}") for n in range(5)))
    page = parse_feed(document, FEED_URL, timezone=STOCKHOLM, max_items=3)
    assert [i.title for i in page.items] == ["Nyhet 0", "Nyhet 1", "Nyhet 2"] and page.capped
    assert page.skipped == (
        "the page holds more than 3 items; only the first 3 are read, the rest and any next page are not "
        "(sources[].max_items_per_page)",
    )
    assert not parse_feed(document, FEED_URL, timezone=STOCKHOLM, max_items=5).capped
