"""Listings of other sites (issue 12): small pages in tests/data/pattern-*.html that imitate the markup of
real municipal sites (goteborg.se c-teaser, Sitevision sv-channel, EPiServer simplenewslist, a regjeringen.no
result list, a start.stockholm card, a WordPress press ticker), read with no config; and the deep nesting
that must stay linear (issue 11, item 6)."""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest

from scraper.config import SelectorConfig
from scraper.models import SiteDate
from scraper.source.article import parse_article
from scraper.source.listing import parse_listing
from scraper.source.selectors import suggest_selectors
from tests.fixture_site import DATA

TZ = ZoneInfo("Europe/Stockholm")

TODAY = dt.date(2026, 6, 9)


def read(name: str, url: str, **options: object):
    html = (DATA / f"pattern-{name}.html").read_text(encoding="utf-8")
    return parse_listing(html, url, timezone=TZ, today=TODAY, **options)  # type: ignore[arg-type]


def d(year: int, month: int, day: int, hour: int | None = None, minute: int = 0) -> SiteDate:
    return SiteDate(dt.date(year, month, day), None if hour is None else dt.time(hour, minute))


def test_c_teaser_blocks_of_both_kinds_and_not_the_promos():
    page = read("c-teaser", "https://stad.example.se/wps/portal/start")
    assert [(i.key, i.title, i.published, i.date_source) for i in page.items] == [
        (
            "147a8853-ec7a-40d0-8a13-9fc0f6a70b29",
            "Midsommarfirande i parken 19 juni",
            d(2026, 6, 2),
            "element",
        ),
        ("79256888-f876-4ed9-8d2e-02280375b2f4", "Kampanj mot våld inför sommaren", d(2026, 6, 8), "element"),
        (
            "b9a26015-d117-4b94-a793-4b2fff10a0b8",
            "Plaskdammen öppnar igen – invigning 17 juni",
            d(2025, 6, 4),
            "element",
        ),
        (
            "https://tidning.example.se/p/ta-badbussen/",
            "Ta badbussen till sjön i sommar",
            d(2026, 6, 8),
            "element",
        ),
        (
            "https://tidning.example.se/p/tio-hyllades/",
            "Tio invånare hyllades på stadens födelsedag",
            d(2026, 6, 5),
            "element",
        ),
    ]
    # The teaser's own text, never a neighbour's; the promo with a UUID link is not news.
    assert page.items[0].summary == "Välkommen till ett traditionsenligt midsommarfirande."
    assert "e817311e-72b6-4836-84f4-548370223b28" not in [i.key for i in page.items]
    # The link keeps its query; only the key loses the tracking parameters.
    assert page.items[3].link == "https://tidning.example.se/p/ta-badbussen/?utm_source=stad&utm_medium=web"


def test_a_uuid_link_among_links_without_uuids_keeps_to_its_own_block():
    """Issue 12 item 5: the container of an item holds exactly one item link."""
    uuid = "0b6c1e2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b"
    rows = [
        f'<li><a href="/aktuellt/{uuid}">Med UUID</a><span class="date">2026-06-01</span>'
        "<p>Egen text.</p></li>",
        '<li><a href="/nyheter/b">Utan UUID ett</a><span class="date">2026-06-02</span><p>Text b.</p></li>',
        '<li><a href="/nyheter/c">Utan UUID två</a><span class="date">2026-06-03</span><p>Text c.</p></li>',
    ]
    page = parse_listing(f"<main><ul>{''.join(rows)}</ul></main>", "https://x.se/", timezone=TZ)
    assert [(i.title, i.summary, i.published) for i in page.items] == [
        ("Med UUID", "Egen text.", d(2026, 6, 1)),
        ("Utan UUID ett", "Text b.", d(2026, 6, 2)),
        ("Utan UUID två", "Text c.", d(2026, 6, 3)),
    ]


def test_date_element_wins_over_a_date_in_the_title_per_element_never_joined():
    html = (
        '<ul><li><h3><a href="/n/1">Midsommar i parken 19 juni</a></h3>'
        '<span class="date">2026-06-02</span></li>'
        '<li><h3><a href="/n/2">Konsert 3 juli 2026</a></h3><span class="date">2026-06-03</span></li></ul>'
    )
    page = parse_listing(html, "https://x.se/", timezone=TZ, today=TODAY)
    assert [i.published for i in page.items] == [d(2026, 6, 2), d(2026, 6, 3)]


def test_sitevision_news_in_the_footer_dated_by_title_then_link():
    page = read("sv-channel", "https://stad.example.se/Utbildning.html")
    assert [(i.title, i.published, i.date_source) for i in page.items] == [
        ("Arkitekttävlingen för det nya konstmuseet startar", d(2026, 6, 5), "title"),
        (
            "Därför är lekplatsen fortfarande avstängd",
            d(2026, 6, 8),
            "title",
        ),  # "(08/6)"; the link says 06-05
        ("Matcherna visas på storbildsskärm", d(2026, 6, 3), "url"),
    ]


def test_dated_news_list_wins_over_undated_promos_under_aktuellt():
    page = read("simplenewslist", "https://kommun.example.se/")
    assert [(i.title, i.published, i.date_source) for i in page.items] == [
        ("Ung aura – ett sommarhäng för unga vuxna", d(2026, 6, 8, 14, 25), "time"),
        ("Grattis till studenten!", d(2026, 6, 5, 8, 1), "time"),
        ("Nya stipendiater inom kultur", d(2026, 6, 4, 11, 56), "time"),
    ]
    assert [i.summary for i in page.items] == ["", "", ""]  # no summaries on the page
    taken = [b for b in page.blocks if b.taken]
    assert [b.where for b in taken] == ["ul.simplenewslist > li"]
    puffs = [(b.taken, b.why) for b in page.blocks if b.sample.startswith("Sommarpasset")]
    assert puffs == [(False, "undated, under a news heading; not the page's main list")]


def test_result_list_with_dotted_dates_a_deadline_that_is_no_publish_date_and_an_undated_item():
    page = read("regjeringen", "https://www.eksempel.no/no/dokument/hoyringar/id1763/", date_order="dmy")
    assert [(i.key, i.published) for i in page.items] == [
        ("https://www.eksempel.no/no/dokumenter/hoyring-om-nav/id3168525/", d(2026, 7, 3)),
        ("https://www.eksempel.no/no/dokumenter/kort-horing/id3167072/", d(2026, 7, 2)),
        # "Høringsfrist: 25.08.2026" is a deadline, not when it was published: dated by first sight
        ("https://www.eksempel.no/no/dokumenter/forslag-til-lov/id3168058/", None),
    ]
    assert page.items[0].summary == "Finansdepartementet sender framlegget på høyring."
    assert page.next_url == "https://www.eksempel.no/no/dokument/hoyringar/id1763/?page=2"


def test_undated_card_under_aktuellt_and_not_the_link_cards_beside_it():
    page = read("card", "https://start.example.se/")
    assert [(i.title, i.published, i.date_source) for i in page.items] == [
        ("Kärlekskonsert i parken – och du är bjuden!", None, "none"),
        ("Skolavslutningstider i stadens skolor", None, "none"),
        ("Se fotbolls-VM på storbildsskärm", None, "none"),
    ]
    why = {b.sample: b.why for b in page.blocks if not b.taken}
    assert "home pages" in why["Hitta tips och inspiration för att leva hållbart"]


def test_press_ticker_and_not_the_dated_social_box_whose_links_repeat():
    page = read("ticker", "http://land.example.de/")
    assert [i.title for i in page.items] == [
        "Herrmann zeichnet verdiente Bergretter aus",
        "Ausbau weiterer barrierefreier Bahnhöfe im Land",
        "209 neue Wohnheimplätze für Studierende in Landshut",
    ]
    assert all(i.published is None for i in page.items)
    assert not any("facebook" in i.link for i in page.items)


def test_javascript_filled_news_block_gives_nothing():
    page = read("js-filled", "https://stad.example.se/kommun-och-politik")
    assert page.items == ()
    assert page.blocks and not any(b.taken for b in page.blocks)


@pytest.mark.parametrize(
    ("name", "url", "item"),
    [
        ("c-teaser", "https://stad.example.se/", "div.c-teaser"),
        ("simplenewslist", "https://kommun.example.se/", "ul.simplenewslist li"),
        ("regjeringen", "https://www.eksempel.no/", "li.listItem"),
        ("ticker", "http://land.example.de/", "div.pressejcarousel li"),
    ],
)
def test_suggested_selectors_find_the_same_items(name, url, item):
    html = (DATA / f"pattern-{name}.html").read_text(encoding="utf-8")
    selectors = suggest_selectors(html, url, timezone=TZ, today=TODAY)
    assert selectors is not None and selectors.item is not None
    assert selectors.item == item or name == "c-teaser"  # the grid column may single them out as well
    by_structure = parse_listing(html, url, timezone=TZ, today=TODAY).items
    by_selectors = parse_listing(html, url, timezone=TZ, today=TODAY, selectors=selectors).items
    assert by_selectors == by_structure


def test_picked_block_with_a_doubled_title_link_is_read_as_its_first_link_reads():
    """`--pick 2` on a block where one item links its article twice (a heading, then a "read more" heading):
    a cycle reads that item by its first link, so the config is checked against that title (it was checked
    against the last link's, and no config was offered)."""
    news = "".join(
        f'<li class="news"><h3><a href="/nyheter/n{i}">Nyhet nummer {i} om staden idag</a></h3>'
        f'<time datetime="2026-06-0{i}">{i} juni</time></li>'
        for i in range(1, 5)
    )
    events = "".join(
        f'<div class="ev"><h3><a href="/evenemang/e{i}">Evenemang nummer {i} i parken</a></h3>'
        + (f'<h4><a href="/evenemang/e{i}">Läs mer om evenemang {i} här</a></h4>' if i == 2 else "")
        + "</div>"
        for i in range(1, 4)
    )
    html = (
        f'<html><body><main><h2>Nyheter</h2><ul class="list">{news}</ul>'
        f'<section class="side"><h2>Evenemang</h2>{events}</section></main></body></html>'
    )
    url = "https://stad.example.se/"
    selectors = suggest_selectors(html, url, timezone=TZ, today=TODAY, pick=2)
    assert selectors is not None and selectors.item == "div.ev"
    titles = [item.title for item in parse_listing(html, url, timezone=TZ, selectors=selectors).items]
    assert titles == [f"Evenemang nummer {i} i parken" for i in range(1, 4)]


def test_card_selector_singles_out_the_first_card_without_its_position():
    html = (DATA / "pattern-card.html").read_text(encoding="utf-8")
    selectors = suggest_selectors(html, "https://start.example.se/", timezone=TZ)
    # Issue 18: never `:nth-child` (a card moved on the page would read another card's links).
    assert selectors is not None and selectors.item is not None and ":nth-child" not in selectors.item
    page = parse_listing(html, "https://start.example.se/", timezone=TZ, selectors=selectors)
    assert len(page.items) == 3


def test_configured_item_selector_keeps_undated_items():
    html = (
        '<div class="row"><a href="/n/1">Första nyheten i listan</a></div>'
        '<div class="row"><a href="/n/2">B</a></div>'
    )
    page = parse_listing(html, "https://x.se/", timezone=TZ, selectors=SelectorConfig(item=".row"))
    assert [(i.key, i.published) for i in page.items] == [
        ("https://x.se/n/1", None),
        ("https://x.se/n/2", None),
    ]


def test_key_params_config_reaches_the_keys():
    row = '<li><a href="/show?news={n}&amp;view=2">Nyhet {n} om staden</a>'
    row += '<span class="date">2026-06-0{n}</span></li>'
    html = f"<ul>{row.format(n=5)}{row.format(n=6)}</ul>"
    page = parse_listing(html, "https://x.se/", timezone=TZ, key_params=["news"])
    assert [i.key for i in page.items] == ["https://x.se/show?news=5", "https://x.se/show?news=6"]


# -- issue 11, item 6: deep nesting is linear -------------------------------------------------------------


def test_100000_nested_divs_around_1000_items():
    items = "".join(
        f'<li><a href="/n/{n}">Nyhet nummer {n} om staden</a>'
        f'<span class="date">2026-06-{n % 28 + 1:02}</span></li>'
        for n in range(1000)
    )
    html = f"<html><body>{'<div>' * 100_000}<ul>{items}</ul>{'</div>' * 100_000}</body></html>"
    started = time.monotonic()
    page = parse_listing(html, "https://x.se/", timezone=TZ)
    elapsed = time.monotonic() - started
    assert len(page.items) == 1000
    assert page.items[999].key == "https://x.se/n/999" and page.items[999].published == d(2026, 6, 20)
    assert elapsed < 15, f"took {elapsed:.1f} s: a hang guard, not a benchmark (see make bench)"


def test_30000_nested_divs_article():
    body = "<p>" + "Text om beslutet. " * 40 + "</p>"
    html = (
        f"<html><body><main><h1>Rubrik</h1>{'<div>' * 30_000}{body}{'</div>' * 30_000}</main></body></html>"
    )
    started = time.monotonic()
    article = parse_article(html, "https://x.se/a")
    elapsed = time.monotonic() - started
    assert article.heading == "Rubrik"
    assert "Text om beslutet." in article.body_html
    assert elapsed < 15, f"took {elapsed:.1f} s: a hang guard"


def test_alternating_deep_nesting_is_flattened_not_parsed_for_minutes():
    html = "<html><body>" + "<div><span>" * 50_000 + "<p>x</p>" + "</span></div>" * 50_000 + "</body></html>"
    started = time.monotonic()
    page = parse_listing(html, "https://x.se/", timezone=TZ)
    assert page.items == ()
    assert time.monotonic() - started < 15


def test_article_links_whose_scheme_is_written_in_capitals_are_items_not_refused():
    # Schemes are case-insensitive: urljoin keeps "HTTP://…" as written when the page is https, and the
    # item's key and link come out lower-case (identity.canonical_link).
    teasers = "".join(
        f'<li><h2><a href="HTTP://x.se/nyheter/artikel-{n}">Nyhet nummer {n} om skolan</a></h2>'
        f"<p>Publicerad {n} maj 2026</p></li>"
        for n in range(1, 4)
    )
    page = parse_listing(f"<main><ul>{teasers}</ul></main>", "https://x.se/nyheter/", timezone=TZ)
    assert [item.link for item in page.items] == [f"http://x.se/nyheter/artikel-{n}" for n in range(1, 4)]
    assert page.skipped == ()
