"""Issue 18: any news page, read with no config. Small pages written here, each with the markup of one
failure class that several real sites share (the real pages are in ../shared/realpages and
`test_realpages.py`): whole-card links, full-post front pages, relative dates, the wrong block, the lead
teaser."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

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
