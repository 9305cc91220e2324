"""Listing extraction: structure-based item discovery, dates, summaries, next links, selector overrides."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from scraper.config import SelectorConfig
from scraper.models import SiteDate
from scraper.source.listing import parse_listing
from tests.fixture_site import DATA

TZ = ZoneInfo("Europe/Stockholm")

U1 = "0b6c1e2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b"
U2 = "1c7d2f3b-4a5e-4f60-9bac-1d2e3f4a5b6c"
PAGE = "https://goteborg.se/wps/portal/enhetssida/jamlikt-goteborg/aktuelltarkiv/"


def li(uuid: str, title: str, meta: str, text: str = "Ingress.") -> str:
    return (
        '<li class="c-teaser"><h2><a href="/wps/portal/enhetssida/jamlikt-goteborg/aktuelltarkiv/'
        f'aktuelltsida/{uuid}/!ut/p/z1/04_Sj9CPyk/dz/d5/L2dBISEvZ0FBIS9nQSEh/">{title}</a></h2>'
        f'<p class="c-teaser__meta">{meta}</p><p class="c-teaser__text">{text}</p></li>'
    )


def page(*items: str, extra: str = "") -> str:
    return f"<html><body><main><h1>Aktuellt</h1><ul>{''.join(items)}</ul>{extra}</main></body></html>"


def test_reads_title_link_date_summary_in_order():
    html = page(
        li(U1, "Så ska storstäderna bli mer jämlika", "Publicerad 2 maj 2019", "I snart 10 år"),
        li(U2, "Flygande matta landar i Göteborg", "Publicerad 30 april 2019"),
    )
    result = parse_listing(html, PAGE, timezone=TZ)
    assert [(i.key, i.title, i.published, i.summary, i.position) for i in result.items] == [
        (U1, "Så ska storstäderna bli mer jämlika", SiteDate(dt.date(2019, 5, 2)), "I snart 10 år", 0),
        (U2, "Flygande matta landar i Göteborg", SiteDate(dt.date(2019, 4, 30)), "Ingress.", 1),
    ]
    assert (
        result.items[0].link
        == f"https://goteborg.se/wps/portal/enhetssida/jamlikt-goteborg/aktuelltarkiv/aktuelltsida/{U1}/"
    )
    assert result.next_url is None


def test_base_href_wins_over_page_url():
    html = (
        '<html><head><base href="https://goteborg.se/wps/portal/x/"></head><body><div>'
        + f'<a href="aktuellt/{U1}">T</a><span>Publicerad 2 maj 2019</span></div></body></html>'
    )
    [item] = parse_listing(html, "http://mirror.example/", timezone=TZ).items
    assert item.link == f"https://goteborg.se/wps/portal/x/aktuellt/{U1}"


def test_time_element_is_preferred_and_text_ignored():
    html = page(
        f'<div class="c-teaser"><a href="/aktuellt/{U1}">T</a><span>Publicerad</span> '
        '<time datetime="2019-05-02T10:15">fel datum 1 januari 2000</time></div>'
    )
    [item] = parse_listing(html, PAGE, timezone=TZ).items
    assert item.published == SiteDate(dt.date(2019, 5, 2), dt.time(10, 15))


def test_item_without_date_is_kept_undated():
    """Issue 12: an item the page shows without a date is kept (`read.py` dates it by first sight)."""
    html = page(li(U1, "Utan datum", "Nyhet"), li(U2, "Med datum", "Publicerad 6 mars 2019"))
    result = parse_listing(html, PAGE, timezone=TZ)
    assert [(i.title, i.published, i.date_source, i.position) for i in result.items] == [
        ("Utan datum", None, "none", 0),
        ("Med datum", SiteDate(dt.date(2019, 3, 6)), "element", 1),
    ]
    assert result.skipped == ()


def test_duplicate_uuid_keeps_first():
    html = page(li(U1, "Första", "Publicerad 6 mars 2019"), li(U1, "Andra", "Publicerad 6 mars 2019"))
    result = parse_listing(html, PAGE, timezone=TZ)
    assert [i.title for i in result.items] == ["Första"]
    assert "duplicate" in result.skipped[0]


def test_image_link_and_title_link_are_one_item():
    html = page(
        f'<li><a href="/aktuellt/{U1}"><img src="x.jpg" alt=""></a><h3><a href="/aktuellt/{U1}">'
        "Rubrik</a></h3><p>Publicerad 6 mars 2019</p><p>Text</p></li>"
    )
    [item] = parse_listing(html, PAGE, timezone=TZ).items
    assert (item.title, item.summary) == ("Rubrik", "Text")


def test_links_without_uuid_are_not_items():
    html = page(
        li(U1, "T", "Publicerad 6 mars 2019"),
        extra='<a href="/wps/wcm/connect/3e9f4b5d-6c70-4b82-9dce-3f4a5b6c7d8e/x.pdf">PDF</a>',
    )
    assert len(parse_listing(html, PAGE, timezone=TZ).items) == 1


@pytest.mark.parametrize(
    "nav",
    [
        '<a rel="next" href="/p2">2</a>',
        '<li class="c-pagination__next"><a href="/p2">Framåt</a></li>',
        '<a href="/p2"> Nästa </a>',
        '<a href="/p2">»</a>',
    ],
)
def test_next_link_forms(nav):
    result = parse_listing(page(li(U1, "T", "Publicerad 6 mars 2019"), extra=nav), PAGE, timezone=TZ)
    assert result.next_url == "https://goteborg.se/p2"


def test_selector_overrides():
    html = (
        '<div class="news"><div class="row"><span class="h">Rubrik</span><a class="go" href="/n/1">läs</a>'
        '<em class="d">2019-05-02</em><span class="s">Sammanfattning</span></div></div>'
        '<a class="more" href="/n?page=2">fler</a>'
    )
    selectors = SelectorConfig(item=".row", title=".h", link="a.go", date=".d", summary=".s", next="a.more")
    result = parse_listing(html, PAGE, timezone=TZ, selectors=selectors)
    [item] = result.items
    assert (item.title, item.summary, item.published) == (
        "Rubrik",
        "Sammanfattning",
        SiteDate(dt.date(2019, 5, 2)),
    )
    assert item.key == "https://goteborg.se/n/1"  # no UUID: the stripped link is the key
    assert result.next_url == "https://goteborg.se/n?page=2"


def test_empty_and_garbage_pages_give_no_items():
    assert parse_listing("", PAGE, timezone=TZ).items == ()
    assert parse_listing("\x00\xff<<<>>>%PDF-1.4 garbage", PAGE, timezone=TZ).items == ()


@pytest.mark.parametrize("name", ["listing-ul", "listing-div", "listing-time"])
def test_golden_pairs(name):
    """Saved fixture pages next to the expected result (add a pair whenever the real site changes)."""
    html = (DATA / f"{name}.html").read_text(encoding="utf-8")
    expected = json.loads((DATA / f"{name}.expected.json").read_text(encoding="utf-8"))
    result = parse_listing(html, expected["page_url"], timezone=TZ)
    got = [
        {
            "key": i.key,
            "title": i.title,
            "link": i.link,
            "date": i.published.day.isoformat() if i.published else None,
            "summary": i.summary,
        }
        for i in result.items
    ]
    assert got == expected["items"]
    assert result.next_url == expected["next_url"]


@pytest.mark.parametrize(
    "line",
    [
        "Veröffentlicht am 3. Juli 2026 um 10:15 Uhr von der Redaktion",
        "Published on July 3, 2026 by the communications office",
        "Publisert 3. juli 2026 av kommunikasjonsavdelinga",
        "Publiceret den 3. juli 2026 af Kommunikationsafdelingen",
    ],
)
def test_a_date_line_in_any_language_dates_the_item_and_is_not_its_summary(line):
    html = page(f'<li><h3><a href="/aktuellt/{U1}">Rubrik</a></h3><p>{line}</p><p>Text</p></li>')
    [item] = parse_listing(html, PAGE, timezone=TZ).items
    assert item.published is not None
    assert (item.published.day, item.summary) == (dt.date(2026, 7, 3), "Text")
