"""The naive page-to-feed script a reader might write instead of aktuellt: the baseline of the whole-process
row in (3). httpx fetches the listing, BeautifulSoup finds the items, feedgen writes RSS and Atom, every run,
whatever changed: no store, no conditional GET, no politeness.

    python bench/naive_feed.py LISTING_URL OUTPUT_DIR
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from urllib.parse import urljoin

import httpx
from bs4 import BeautifulSoup
from feedgen.feed import FeedGenerator


def main(url: str, output: Path) -> None:
    page = httpx.get(url, timeout=10)
    soup = BeautifulSoup(page.text, "html.parser")
    feed = FeedGenerator()
    feed.id(url)
    feed.title("Aktuellt")
    feed.link(href=url, rel="alternate")
    feed.description("Aktuellt")
    now = dt.datetime.now(dt.UTC)
    for block in soup.select("li"):
        link = block.find("a", href=True)
        if link is None or not link.get_text(strip=True):
            continue
        entry = feed.add_entry(order="append")
        href = urljoin(url, str(link["href"]))
        entry.id(href)
        entry.title(link.get_text(" ", strip=True))
        entry.link(href=href)
        entry.updated(now)
    output.mkdir(parents=True, exist_ok=True)
    feed.rss_file(str(output / "all.rss"))
    feed.atom_file(str(output / "all.atom"))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
