"""`aktuellt probe URL`: what the listing reader would make of a page, and the `[[sources]]` block for it.

The page is fetched once through the project's polite Fetcher (service/adding.py); this runs the same
`parse_listing` a cycle runs on it, and reports the items (key, title, date and where it came from, link,
summary start), the feeds the page advertises, the repeated blocks that were considered and why each was or
was not taken, and a TOML block with the selectors `suggest_selectors` inferred. Writes nothing anywhere.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from ..config import SelectorConfig, SourceConfig
from ..models import Block, ListingItem
from ..progress import table
from ..sanity import json_text
from .listing import ReadOptions, page_title, parse_listing
from .pagefeeds import AdvertisedFeed, advertised_feeds
from .selectors import CandidateBlock, candidate_blocks, suggest_selectors

#: Rows of the blocks table: the taken ones first, then the largest rejected ones.
MAX_BLOCKS = 12


@dataclass(frozen=True, slots=True)
class ProbeResult:
    url: str  #: the final URL, after redirects
    title: str  #: the page's <title>
    items: tuple[ListingItem, ...]
    blocks: tuple[Block, ...]
    feeds: tuple[AdvertisedFeed, ...]
    selectors: SelectorConfig | None  #: inferred; None when nothing singles the items out
    next_url: str | None
    toml: str  #: the `[[sources]]` block to copy into config.toml
    candidates: tuple[CandidateBlock, ...] = ()  #: the ranked candidate blocks (1: what no config reads)

    @property
    def ok(self) -> bool:
        return bool(self.items)


def read_page(
    html: str,
    final: str,
    url: str | None = None,
    *,
    source: SourceConfig | None = None,
    date_order: str = "dmy",
    today: dt.date | None = None,
    pick: int = 1,
) -> ProbeResult:
    """What `aktuellt probe` reports on a page: `final` is its URL after redirects, `url` the one asked for
    (it goes into the TOML block; default `final`). `pick`: the candidate block the TOML block reads (1: what
    no config reads)."""
    url = url or final
    timezone = ZoneInfo(source.timezone if source else "Europe/Stockholm")
    order = source.date_order if source else date_order
    key_params = source.key_params if source else None
    # A given day is a test's: no clock read then (without one, the reader takes its day from `now`).
    now = None if today else dt.datetime.now(dt.UTC)
    options = ReadOptions(timezone=timezone, date_order=order, key_params=key_params, today=today, now=now)
    page = parse_listing(html, final, selectors=source.selectors if source else None, **options)
    inferred = suggest_selectors(html, final, pick=pick, **options)
    candidates = tuple(candidate_blocks(html, final, **options))
    title = page_title(html)
    feeds = tuple(advertised_feeds(html, final))
    # A page of no items that advertises a feed: the block that reads the feed instead.
    instead = feeds[0].url if feeds and not page.items else None
    block = source_block(
        SourceConfig(
            id=source.id if source else source_slug(final),
            title=source.title if source else (title or source_slug(final)),
            url=instead or url,
            timezone=timezone.key,
            selectors=inferred or (source.selectors if source else SelectorConfig()),
            type="feed" if instead else "listing",
            date_order=order,
        )
    )
    return ProbeResult(
        url=final,
        title=title,
        items=page.items,
        blocks=page.blocks,
        feeds=feeds,
        selectors=inferred,
        next_url=page.next_url,
        toml=block,
        candidates=candidates,
    )


def feed_block(source: SourceConfig, url: str) -> str:
    """The `[[sources]]` block that reads the feed at `url` in place of `source`'s page."""
    return source_block(replace(source, url=url, type="feed"))


def source_block(source: SourceConfig) -> str:
    """`source` as a `[[sources]]` TOML block (valid for `aktuellt check`); a feed's without date order and
    selectors."""
    feed = source.type == "feed"
    # JSON string escapes are valid TOML ones; json_text also escapes DEL (raw, TOML refuses it) and C1.
    lines = [
        "[[sources]]",
        f"id = {json_text(source.id)}",
        f"title = {json_text(source.title)}",
        f"url = {json_text(source.url)}",
        *(['type = "feed"'] if feed else []),
        f"timezone = {json_text(source.timezone)}",
        *([] if feed else [f"date_order = {json_text(source.date_order)}"]),
    ]
    chosen = [
        (name, getattr(source.selectors, name))
        for name in ("item", "title", "link", "date", "summary", "next")
        if getattr(source.selectors, name) and not feed
    ]
    if chosen:
        lines += ["", "[sources.selectors]", *(f"{name} = {json_text(value)}" for name, value in chosen)]
    return "\n".join(lines) + "\n"


def report(result: ProbeResult, *, width: int = 160) -> str:
    """The probe's findings as text tables, then the TOML block."""
    rows = [
        (
            str(n + 1),
            item.title,
            _date_text(item),
            item.date_source,
            # A key that is not a UUID is the link itself, less tracking parameters: shown once.
            item.link if item.key == item.link else f"{item.link}\nkey: {item.key}",
            _start(item.summary),
        )
        for n, item in enumerate(result.items)
    ]
    parts = [
        f"{result.url}  ({result.title})" if result.title else result.url,
        table(
            f"Items ({len(result.items)})",
            ("#", "title", "date", "date from", "link", "summary"),
            rows,
            width=width,
            # A UUID key ("key: " + 36 characters) on one line where the terminal has room for it.
            min_widths={"date": 16, "date from": 9, **({"link": 41} if width >= 140 else {})},
        ),
    ]
    if not result.items:
        parts.append(_nothing_found(result))
    if result.candidates:
        parts.append(candidates_table(result.candidates, width))
    if result.next_url:
        parts.append(f"Next page: {result.next_url}")
    feeds = [(feed.media_type, feed.title, feed.url) for feed in result.feeds]
    parts.append(
        table("Feeds the page advertises", ("type", "title", "url"), feeds, width=width)
        if feeds
        else "Feeds the page advertises: none"
    )
    # Taken first, then the instructive rejections, menus last (a page has many, all alike).
    ordered = sorted(result.blocks, key=lambda b: (not b.taken, b.why.startswith("inside nav"), -b.items))
    blocks = [
        ("taken" if b.taken else "rejected", b.where, str(b.items), str(b.dated), b.why, _start(b.sample, 40))
        for b in ordered[:MAX_BLOCKS]
    ]
    more = f" ({MAX_BLOCKS} of {len(ordered)})" if len(ordered) > MAX_BLOCKS else ""
    parts.append(
        table(
            f"Repeated blocks considered{more}",
            ("", "block", "items", "dated", "why", "first title"),
            blocks,
            width=width,
        )
    )
    parts.append("Config for this page (add it to config.toml, then run `aktuellt check`):\n\n" + result.toml)
    return "\n".join(parts)


def candidates_table(candidates: Sequence[CandidateBlock], width: int = 160) -> str:
    """The ranked candidate blocks: `aktuellt probe URL --pick N` prints the config for block N."""
    rows = [
        (
            str(block.number),
            block.where,
            str(len(block.members)),
            f"{block.dated}/{len(block.members)}",
            "\n".join(_start(title, 60) for title in block.titles[:3]),
            block.why,
        )
        for block in candidates
    ]
    return table(
        "Candidate blocks, likeliest first (--pick N prints the config for block N)",
        ("#", "block", "items", "dated", "first titles", "why"),
        rows,
        width=width,
    )


def _nothing_found(result: ProbeResult) -> str:
    why = "No items: no repeated block of the page holds one article link each with a date or a news heading."
    if result.feeds:
        why += " The page advertises a feed (below): reading that may be simpler."
    return why + (
        " If the page fills its news in with JavaScript, the HTML holds none; look for the site's feed or "
        "an archive page that lists the news in its HTML."
    )


def _date_text(item: ListingItem) -> str:
    if item.published is None:
        return "(first seen)"
    text = item.published.day.isoformat()
    if item.published.time is not None:
        text += " " + item.published.time.isoformat(timespec="minutes")
    return text


def _start(text: str, size: int = 50) -> str:
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def source_slug(url: str) -> str:
    host = (urlsplit(url).hostname or "source").removeprefix("www.")
    return re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-") or "source"


__all__: Sequence[str] = ("ProbeResult", "read_page", "report", "source_block")
