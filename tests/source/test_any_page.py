"""Issue 18: any news page, read with no config. Small pages written here, each with the markup of one
failure class that several real sites share (the real pages are in ../shared/realpages and
`test_realpages.py`): whole-card links, full-post front pages, relative dates, the wrong block, the lead
teaser."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from scraper.models import SiteDate
from scraper.source.listing import parse_listing

TZ = ZoneInfo("Europe/Berlin")
TODAY = dt.date(2026, 6, 9)


def read(body: str, **options: object):
    html = f"<!doctype html><html><head><title>t</title></head><body>{body}</body></html>"
    return parse_listing(html, "https://news.example.org/", timezone=TZ, today=TODAY, **options)  # type: ignore[arg-type]


CARDS = """<main><ul class="cards">{}</ul></main>"""
CARD = """<li><a class="card" href="/post/{n}">
  <div class="meta"><span class="kind">News</span> <time>{day:02}.05.2026</time></div>
  <p class="big">Headline number {n} of the cards</p>
  <p class="text">The summary of item {n}, longer than the headline and written in full sentences.</p>
  <div class="byline"><span>Jane Writer</span> <span>3 minute read</span> <span>42</span></div>
</a></li>"""


def test_whole_card_link_gives_the_headline_and_its_date_still_counts():
    page = read(CARDS.format("".join(CARD.format(n=n, day=10 + n) for n in range(1, 5))))
    assert [(i.title, i.published, i.date_source) for i in page.items] == [
        (f"Headline number {n} of the cards", SiteDate(dt.date(2026, 5, 10 + n)), "element")
        for n in range(1, 5)
    ]


def test_whole_card_link_with_a_heading_or_a_label_attribute():
    heading = """<li><a href="/a/{n}"><span>Report</span><h3>A heading inside the link {n}</h3>
        <span>May {n}, 2026</span></a></li>"""
    labelled = """<li><a href="/b/{n}" aria-label="Short {n}"><span>Short {n}</span>
        <div>Jane Writer</div><time datetime="2026-05-0{n}">May {n}, 2026</time></a></li>"""
    page = read(CARDS.format("".join(heading.format(n=n) for n in range(1, 4))))
    assert [i.title for i in page.items] == [f"A heading inside the link {n}" for n in range(1, 4)]
    assert [i.published for i in page.items] == [SiteDate(dt.date(2026, 5, n)) for n in range(1, 4)]
    page = read(CARDS.format("".join(labelled.format(n=n) for n in range(1, 4))))
    assert [i.title for i in page.items] == [f"Short {n}" for n in range(1, 4)]


TEASER = """<article class="teaser{extra}"><a href="/news/{n}-story.html">
  <header class="teaser-title">Story number {n} of the day</header><p>What happened in story {n}.</p>
  <ul><li class="author">A. Writer</li><li><time>{when}</time></li></ul></a></article>"""


def test_relative_dates_are_read_against_the_fetch_time_in_the_sources_zone():
    whens = ["heute, 18:00 Uhr", "gestern, 17:35 Uhr", "vor 2 Stunden", "igår", "idag 14:30", "2 hours ago"]
    body = (
        "<main><div>"
        + "".join(TEASER.format(extra="", n=n, when=w) for n, w in enumerate(whens))
        + "</div></main>"
    )
    now = dt.datetime(2026, 6, 9, 20, 30, tzinfo=dt.UTC)  # 22:30 in Berlin
    page = read(body, now=now)
    assert [(i.published, i.date_source) for i in page.items] == [
        (SiteDate(dt.date(2026, 6, 9), dt.time(18, 0)), "relative"),
        (SiteDate(dt.date(2026, 6, 8), dt.time(17, 35)), "relative"),
        (SiteDate(dt.date(2026, 6, 9), dt.time(20, 30)), "relative"),
        (SiteDate(dt.date(2026, 6, 8)), "relative"),
        (SiteDate(dt.date(2026, 6, 9), dt.time(14, 30)), "relative"),
        (SiteDate(dt.date(2026, 6, 9), dt.time(20, 30)), "relative"),
    ]
    assert [i.title for i in page.items] == [f"Story number {n} of the day" for n in range(6)]


def test_cards_of_one_list_with_ids_and_categories_in_their_classes_form_one_block():
    body = (
        "<main><div class='posts'>"
        + "".join(
            TEASER.format(extra=f" post-{1000 + n} category-{'ab'[n % 2]}", n=n, when=f"2026-06-0{n + 1}")
            for n in range(5)
        )
        + "</div></main><aside><ul>"
        + "".join(
            f"<li><a href='/tag/{n}'>Tag {n} with words</a> <span>2026-05-0{n + 1}</span></li>"
            for n in range(1, 4)
        )
        + "</ul></aside>"
    )
    page = read(body)
    assert [i.title for i in page.items] == [f"Story number {n} of the day" for n in range(5)]


POST = """<div class="post"><h2 class="title">
  <a href="https://blog.example.org/2026/05/post-{n}.html">Post {n} with its whole text</a></h2>
  <div class="post-header"><span class="publishdate">Tuesday, May {n}, 2026</span></div>
  <div class="post-body"><p>First paragraph of post {n}.</p>
  <p>More with <a href="https://x.example/{n}">a link</a>,
  <a href="https://y.example/{n}">another</a> and <a href="https://z.example/{n}">a third</a>.</p>
  <h3>A section of the post</h3><p>Text.</p></div>
  <div class="post-footer"><a href="https://blog.example.org/search/label/a">a</a>
  <a href="https://blog.example.org/search/label/b">b</a></div></div>"""


def test_a_front_page_of_full_posts_gives_each_post_with_its_date_and_first_paragraph():
    body = "<main><div class='blog'>" + "".join(POST.format(n=n) for n in range(1, 5)) + "</div></main>"
    page = read(body)
    assert [(i.title, i.link, i.published, i.summary) for i in page.items] == [
        (
            f"Post {n} with its whole text",
            f"https://blog.example.org/2026/05/post-{n}.html",
            SiteDate(dt.date(2026, 5, n)),
            f"First paragraph of post {n}.",
        )
        for n in range(1, 5)
    ]


def test_the_lead_teaser_before_the_list_belongs_to_it():
    lead = """<section class="lead"><a href="/news/99-lead-story.html"><h2>The lead story of the day</h2>
        <p>Its summary.</p></a></section>"""
    teasers = "".join(TEASER.format(extra="", n=n, when=f"2026-06-0{n + 1}") for n in range(4))
    page = read(f"<main><div class='front'>{lead}<div class='list'>{teasers}</div></div></main>")
    assert [i.title for i in page.items] == ["The lead story of the day"] + [
        f"Story number {n} of the day" for n in range(4)
    ]
    # A promo elsewhere on the page, linking the same kind of URL, is not a lead.
    promo = '<div class="promo"><h3><a href="/news/98-promo.html">A promoted story far above</a></h3></div>'
    page = read(
        f"<main>{promo}<section><div class='front'><div class='list'>{teasers}</div></div></section></main>"
    )
    assert [i.title for i in page.items] == [f"Story number {n} of the day" for n in range(4)]


def test_an_event_date_in_the_title_never_wins_over_the_items_own_date_element():
    item = """<li><h3><a href="/n/{n}">24. Oktober: Fahrrad-Versteigerung {n}</a></h3>
        <div class="post-meta"><p>Am 24. Oktober versteigert das Fundbüro Räder, ab 10 Uhr am 25. Oktober.</p>
        <span class="date">03.10.2025</span></div></li>"""
    page = read("<main><ul>" + "".join(item.format(n=n) for n in range(3)) + "</ul></main>")
    assert [(i.published, i.date_source) for i in page.items] == [
        (SiteDate(dt.date(2025, 10, 3)), "element")
    ] * 3


def test_the_news_block_in_main_wins_over_a_larger_box_in_an_aside_and_links_in_running_text():
    """Issue 18, class 4: a box of category links ("More articles") beside the news, and a paragraph whose
    sentences link several pages, are never taken instead of (or beside) the page's news."""
    news = "".join(
        f'<li><h3><a href="/news/2026/item-{n}">News item number {n} of the town</a></h3><p>Summary.</p></li>'
        for n in range(4)
    )
    more = "".join(
        f'<li><a href="/category/topic-{n}/">Topic number {n} in the archive</a></li>' for n in range(7)
    )
    prose = (
        "<p>"
        + " ".join(
            f'The council met on Monday and <a href="/page/{n}">decided matter {n}</a> after a long debate.'
            for n in range(6)
        )
        + "</p>"
    )
    body = (
        f"<main><section><h2>News</h2><ul>{news}</ul></section><section><h2>Aktuellt</h2>{prose}</section>"
        f"</main><aside><section><h2>More news articles</h2><ul>{more}</ul></section></aside>"
    )
    page = read(body)
    assert [i.title for i in page.items] == [f"News item number {n} of the town" for n in range(4)]
    why = {block.sample: block.why for block in page.blocks}
    assert why["decided matter 0"] == "links inside running text"


def test_a_calendar_of_events_ahead_never_beats_the_news():
    """A sidebar calendar is dated too, but by days still to come: the (undated) news list under its heading
    is the page's news."""
    news = "".join(
        f'<li><a href="/aktuellt/nyhet-{n}">Nyhet nummer {n} från kommunen idag</a></li>' for n in range(5)
    )
    events = "".join(
        f'<li><a href="/evenemang/e-{n}">Konsert nummer {n} med kören</a> <time>2026-07-1{n}</time></li>'
        for n in range(5)
    )
    body = f"<main><section><h2>Nyheter</h2><ul>{news}</ul></section></main><div><ul>{events}</ul></div>"
    page = read(body)
    assert [i.title for i in page.items] == [f"Nyhet nummer {n} från kommunen idag" for n in range(5)]
    assert any("calendar" in block.why for block in page.blocks)


def test_a_kicker_before_the_headline_and_a_byline_after_it_are_not_the_title():
    kicker = """<li><a href="/p/{n}"><span class="kicker">Local politics</span>
        <span>The headline of item {n} here</span><span class="date">June {n}, 2026</span></a></li>"""
    page = read(CARDS.format("".join(kicker.format(n=n) for n in range(1, 4))))
    assert [(i.title, i.published) for i in page.items] == [
        (f"The headline of item {n} here", SiteDate(dt.date(2026, 6, n))) for n in range(1, 4)
    ]
    plain = '<li><a href="/q/{n}">The plain headline {n} | Kody Kester | Jun {n}, 2022</a></li>'
    page = read(CARDS.format("".join(plain.format(n=n) for n in range(1, 4))))
    assert [(i.title, i.published) for i in page.items] == [
        (f"The plain headline {n}", SiteDate(dt.date(2022, 6, n))) for n in range(1, 4)
    ]


def test_english_ordinal_dates_and_section_links_that_are_no_posts():
    item = """<div class="entry"><h2><a href="/2020/11/post-{n}">A blog post title number {n}</a></h2>
        <p class="byline">Tuesday {n}{th} November 2020 by Jo</p><p>Body of {n} with <a href="/x/{n}">one</a>,
        <a href="/y/{n}">two</a> and <a href="/z/{n}">three</a> links.</p></div>"""
    section = """<section><h2><a href="/{name}/">{name}</a></h2><p><a href="/{name}/1">x</a>
        <a href="/{name}/2">y</a> <a href="/{name}/3">z</a> <a href="/{name}/4">w</a></p></section>"""
    sections = section.format(name="Aktuellt") + section.format(name="Evenemang")
    posts = "".join(item.format(n=n, th=th) for n, th in ((1, "st"), (2, "nd"), (3, "rd")))
    page = read(f"<main>{sections}<div>{posts}</div></main>")
    assert [(i.title, i.published) for i in page.items] == [
        (f"A blog post title number {n}", SiteDate(dt.date(2020, 11, n))) for n in (1, 2, 3)
    ]


def test_undated_headline_teasers_in_main_beat_a_dated_calendar_and_a_most_read_list():
    news = "".join(
        f'<li class="teaser"><a href="/artikel/{n}-r"><img src="a.jpg" alt=""></a>'
        f'<a class="section" href="/sektion/sport/">Sport</a>'
        f'<h3><a href="/artikel/{n}-r">Rubrik nummer {n} i tidningen</a></h3></li>'
        for n in range(1, 7)
    )
    side = "".join(f'<li><a href="/artikel/{n}-r">Rubrik nummer {n} i tidningen</a></li>' for n in (3, 1, 5))
    cal = "".join(
        f'<li><a href="/evenemang/{n}">Konsert {n}</a><span class="date">2026-06-2{n}</span></li>'
        for n in range(1, 6)
    )
    page = read(f"<main><ul>{news}</ul></main><aside><h2>Mest läst</h2><ol>{side}</ol><ul>{cal}</ul></aside>")
    assert [i.title for i in page.items] == [f"Rubrik nummer {n} i tidningen" for n in range(1, 7)]


@pytest.mark.parametrize(
    "item",
    [
        '<li><h3><a href="/n/{n}"><span class="date">0{n}.05.2026</span> Nyheten nummer {n} idag</a></h3>',
        '<li><h3><a href="/n/{n}"><strong>Nyheten nummer {n} idag</strong><br>0{n}.05.2026</a></h3>',
        '<h3><a href="/n/{n}"><time datetime="2026-05-0{n}">May {n}</time> Nyheten nummer {n} idag</a></h3>',
        '<li><a href="/n/{n}"><div>Local news</div><div>Nyheten nummer {n} idag</div><p>May {n}, 2026',
    ],
)
def test_the_headline_is_told_from_a_date_a_time_element_and_a_two_word_label_in_the_link(item):
    page = read(CARDS.format("".join(item.format(n=n) for n in range(1, 5))))
    assert [(i.title, i.published) for i in page.items] == [
        (f"Nyheten nummer {n} idag", SiteDate(dt.date(2026, 5, n))) for n in range(1, 5)
    ]


def test_a_box_of_the_same_markup_in_an_aside_does_not_join_the_news():
    teasers = "".join(TEASER.format(extra="", n=n, when=f"2026-06-0{n + 1}") for n in range(5))
    related = "".join(TEASER.format(extra="", n=n, when=f"2026-05-{n}") for n in range(10, 13))
    page = read(f"<main><div>{teasers}</div></main><aside><h2>Related</h2><div>{related}</div></aside>")
    assert [i.title for i in page.items] == [f"Story number {n} of the day" for n in range(5)]


def blogger_post(n: int, stamp: str) -> str:
    return f"""<div class="post-outer"><div class="post hentry"><h3 class="post-title">
        <a href="https://blog.example.org/2019/09/post-{n}.html">Blog post number {n} title</a></h3>
        <div class="post-body"><p>Body {n} with <a href="https://a.example/{n}">a</a>
        <a href="https://b.example/{n}">b</a> <a href="https://c.example/{n}">c</a> links.</p></div>
        <div class="post-footer"><span class="post-author">Posted by <a href="/profile/1">Jo</a></span>
        {stamp} <a href="https://blog.example.org/search/label/a">a</a></div></div></div>"""


def test_a_blog_that_groups_its_posts_by_day_under_date_headings():
    """Blogger's classic layout: one `h2.date-header` per day, the day's posts after it; a day of one post
    and a day of two give the same kind of item, dated by the heading (or by hAtom's `abbr[title]`)."""
    for stamp, time_of_day in (
        ("", None),
        ('<abbr class="published" title="2019-09-0{n}T10:00:00">10:00</abbr>', 10),
    ):
        days = "".join(
            f'<div class="date-outer"><h2 class="date-header"><span>Thursday, September {day}, 2019</span>'
            f'</h2><div class="date-posts">{"".join(blogger_post(n, stamp.format(n=day)) for n in posts)}'
            "</div></div>"
            for day, posts in ((5, [5]), (4, [4]), (2, [3, 2]))
        )
        page = read(f'<div id="main"><div class="blog-posts">{days}</div></div>')
        clock = None if time_of_day is None else dt.time(time_of_day)
        assert [(i.title, i.published) for i in page.items] == [
            (f"Blog post number {n} title", SiteDate(dt.date(2019, 9, day), clock))
            for n, day in ((5, 5), (4, 4), (3, 2), (2, 2))
        ]
