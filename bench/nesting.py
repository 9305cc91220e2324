"""(7) Hostile nesting (issue 11, item 6): a listing of 1,000 items inside N nested divs, and an article
inside 30,000. The baseline is the bare lexbor parse of the same page as sent, which is what the extractor
did before it flattened excess nesting: lexbor's tree builder is quadratic in the depth."""

from __future__ import annotations

import time
from zoneinfo import ZoneInfo

from selectolax.lexbor import LexborHTMLParser

from scraper.source.article import parse_article
from scraper.source.listing import parse_listing

from .common import Row

TZ = ZoneInfo("Europe/Stockholm")


def nested_listing(depth: int, items: int = 1000) -> str:
    rows = "".join(
        f'<li><a href="/n/{n}">Nyhet nummer {n} om staden</a><span class="date">2026-06-01</span></li>'
        for n in range(items)
    )
    return f"<html><body>{'<div>' * depth}<ul>{rows}</ul>{'</div>' * depth}</body></html>"


def nested_article(depth: int) -> str:
    body = "<p>" + "Text om beslutet. " * 40 + "</p>"
    return f"<html><body><main><h1>Rubrik</h1>{'<div>' * depth}{body}{'</div>' * depth}</main></body></html>"


def once(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def run(depth: int = 20_000) -> list[Row]:
    listing = nested_listing(depth)
    assert len(parse_listing(listing, "https://x.se/", timezone=TZ).items) == 1000
    ours = once(lambda: parse_listing(listing, "https://x.se/", timezone=TZ))
    bare = once(lambda: LexborHTMLParser(listing))
    article = nested_article(30_000)
    assert "Text om beslutet." in parse_article(article, "https://x.se/a").body_html
    ours_article = once(lambda: parse_article(article, "https://x.se/a"))
    bare_article = once(lambda: LexborHTMLParser(article).css("p"))
    return [
        Row(
            "7",
            f"1,000 items in {depth:,} nested divs",
            f"{ours:.2f} s",
            f"bare lexbor parse {bare:.2f} s",
            f"{bare / ours:.0f}× faster",
            "≤ 1 s",
            ours <= 1.0,
        ),
        Row(
            "7",
            "article in 30,000 nested divs",
            f"{ours_article:.2f} s",
            f"bare lexbor parse {bare_article:.2f} s",
            f"{bare_article / ours_article:.0f}× faster",
            "≤ 1 s",
            ours_article <= 1.0,
        ),
    ]
