"""(1) Listing extraction: the project's `parse_listing` on the 25-item fixture page, against the bare
selectolax parse of the same text (the floor) and an equivalent BeautifulSoup + lxml extraction.

The BeautifulSoup version follows the same structural rules (article links by UUID, the largest ancestor
holding only that article, "Publicerad" dates, first real paragraph as summary) and reuses the project's pure
helpers for UUIDs and Swedish dates, so the comparison is the tree library and its use, not the rules. It is
checked to find the same items before it is timed.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup, Tag
from selectolax.lexbor import LexborHTMLParser

from scraper.dates import parse_datetime_attr, parse_site_date
from scraper.identity import article_uuid, canonical_link, item_key
from scraper.source.listing import parse_listing
from tests.fixture_site import FixtureSite, load_seed

from .common import Row, timed

TZ = ZoneInfo("Europe/Stockholm")
_DATE_WORD = re.compile(r"\bpublicerad\b", re.IGNORECASE)


def fixture_page() -> tuple[str, str]:
    """The seed's 25 items on one listing page, as the fixture site renders it (ul variant)."""
    with FixtureSite(load_seed(), per_page=25) as site:
        return site.render_listing(site.items, 1), site.listing_url


def soup_listing(html: str, page_url: str) -> list[dict[str, Any]]:
    soup = BeautifulSoup(html, "lxml")
    base_tag = soup.find("base", href=True)
    base = urljoin(page_url, str(base_tag["href"])) if isinstance(base_tag, Tag) else page_url
    # The same bottom-up walk as the project's: which articles each element holds, computed once.
    links = [(a, urljoin(base, str(a["href"]))) for a in soup.find_all("a", href=True)]
    holds: dict[int, set[str]] = {}
    for anchor, href in links:
        if (uuid := article_uuid(href)) is not None:
            for parent in anchor.parents:
                holds.setdefault(id(parent), set()).add(uuid)
    items = []
    seen: set[str] = set()
    for anchor, href in links:
        own = article_uuid(href)
        if own is None:
            continue
        container: Tag = anchor
        node = anchor.parent
        while isinstance(node, Tag) and node.name not in ("body", "html", "main"):
            if holds.get(id(node)) != {own}:
                break
            container, node = node, node.parent
        key = item_key(href)
        title = " ".join(anchor.get_text(" ").split())
        if key in seen or not title:
            continue
        published = None
        for time_tag in container.find_all("time", datetime=True):
            if published := parse_datetime_attr(str(time_tag["datetime"]), TZ):
                break
        published = published or parse_site_date(" ".join(container.get_text(" ").split()))
        if published is None:
            continue
        summary = ""
        for para in container.find_all("p"):
            text = " ".join(para.get_text(" ").split())
            if text and text != title and not _DATE_WORD.search(text):
                summary = text
                break
        seen.add(key)
        items.append({"key": key, "link": canonical_link(href), "title": title, "summary": summary})
    return items


def run(repeat: int = 200) -> list[Row]:
    html, url = fixture_page()
    ours = parse_listing(html, url, timezone=TZ)
    theirs = soup_listing(html, url)
    assert len(ours.items) == 25, len(ours.items)
    assert [(i.key, i.title, i.summary) for i in ours.items] == [
        (i["key"], i["title"], i["summary"]) for i in theirs
    ], "the BeautifulSoup baseline must find the same items"
    t_ours = timed(lambda: parse_listing(html, url, timezone=TZ), repeat)
    t_floor = timed(lambda: LexborHTMLParser(html), repeat)
    t_soup = timed(lambda: soup_listing(html, url), max(20, repeat // 10))
    return [
        Row(
            "1",
            "extract 25-item listing",
            f"{t_ours * 1e3:.2f} ms",
            f"bare selectolax parse {t_floor * 1e3:.3f} ms",
            f"{t_ours / t_floor:.1f}× floor",
            "≤ 1.5× floor",
            t_ours / t_floor <= 1.5,
        ),
        Row(
            "1",
            "extract 25-item listing",
            f"{t_ours * 1e3:.2f} ms",
            f"BeautifulSoup+lxml {t_soup * 1e3:.2f} ms",
            f"{t_soup / t_ours:.1f}× faster",
            "≥ 10× faster",
            t_soup / t_ours >= 10,
        ),
    ]
