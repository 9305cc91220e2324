"""`aktuellt add`: probe a page (or the feed it advertises, or a feed URL itself), say what it holds, and
append a `[[sources]]` block for it to the config; or many at once from a CSV (`id,url`) or OPML list. And
`aktuellt probe`'s read of one page (`probe_page`).

Each page is fetched as a cycle would (robots.txt, the user agent, only the source's own host), several at
once (`fetch.sources_in_parallel`) through the cycle's per-source fetcher views. A page that gives no items
(and advertises no feed that does) is refused with the reason. Nothing is written unless every entry was
found, or `skip_failed` says to add the rest; the config module's writer validates the whole new file first.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from zoneinfo import ZoneInfo

from ..config import FetchConfig, SourceConfig, package_version
from ..errors import ExtractError, ScraperError
from ..models import ListingItem, NotModified, Page
from ..pool import source_hosts
from ..source.fetch import Fetcher
from ..source.probe import ProbeResult, read_page, source_slug

#: The zone feed dates are read in while probing (the source's own `timezone` is set in config later).
PROBE_ZONE = ZoneInfo("Europe/Stockholm")

#: Items named under a source that was found.
SHOWN_ITEMS = 3


@dataclass(frozen=True)
class Wanted:
    """One source to add, as the operator named it: a URL, and an id (None: from the page's host)."""

    url: str
    id: str | None = None


@dataclass(frozen=True)
class Found:
    """What probing one wanted source gave: its `[[sources]]` table, or why it is refused."""

    wanted: Wanted
    block: dict[str, object] | None  #: None: refused
    summary: str  #: one line: what was found, or the reason it was refused
    items: tuple[ListingItem, ...] = ()


def examine(wanted: Wanted, fetcher: Fetcher) -> Found:
    """Fetch `wanted.url` and read it as a feed (when it is one), else as a listing, else through the first
    feed it advertises that gives entries. The block's id is `wanted.id` or "" (set by `choose_ids`)."""
    try:
        page = _get(wanted.url, fetcher)
        if _looks_like_feed(page.text):
            return _as_feed(wanted, wanted.url, page, fetcher)
        result = read_page(page.text, page.url, wanted.url)
        if result.items:
            block: dict[str, object] = {"id": wanted.id or "", "title": result.title or "", "url": wanted.url}
            what = f"listing, {_count(result.items)}"
            return Found(wanted, block, f"{what}{_newest(result.items)}", result.items)
        for feed in result.feeds:
            found = _as_feed(wanted, feed.url, None, fetcher)
            if found.block is not None:
                return found
        reason = "the page holds no news items (looked for repeated blocks of one article link each)"
        if result.feeds:
            reason += f" and the feed it advertises ({result.feeds[0].url}) holds no entries"
        return Found(wanted, None, f"{reason}; `aktuellt probe {wanted.url}` shows what it holds")
    except ScraperError as error:
        return Found(wanted, None, str(error))


def choose_ids(found: Sequence[Found], taken: Iterable[str]) -> list[Found]:
    """Give every found block its id: the one asked for, else a slug of its host, made unique against the
    config's ids and the others' (`-2`, `-3`, …). An id asked for that is taken refuses that entry."""
    used = set(taken)
    chosen: list[Found] = []
    for entry in found:
        if entry.block is None:
            chosen.append(entry)
            continue
        asked = entry.wanted.id
        if asked is not None and asked in used:
            chosen.append(Found(entry.wanted, None, f"the config already has a source with id {asked!r}"))
            continue
        base = asked or source_slug(str(entry.block["url"]))
        new, n = base, 1
        while new in used:
            n += 1
            new = f"{base}-{n}"
        used.add(new)
        block = {**entry.block, "id": new, "title": entry.block.get("title") or new}
        chosen.append(Found(entry.wanted, block, entry.summary, entry.items))
    return chosen


def examine_all(wanted: Sequence[Wanted], fetcher: Fetcher, *, workers: int) -> list[Found]:
    """`examine` every entry, `workers` at a time; results in input order."""
    with ThreadPoolExecutor(max(1, min(workers, len(wanted)))) as pool:
        return list(pool.map(lambda entry: examine(entry, fetcher), wanted))


def wanted_sources(url: str | None, source_id: str | None, list_file: str | None) -> list[Wanted]:
    """What `aktuellt add` is asked to add: `url` (as `source_id`), or every source `list_file` names."""
    if list_file is None:
        return [Wanted(url, source_id)] if url else []
    return read_list(list_file, Path(list_file).read_text(encoding="utf-8-sig"))


def read_list(name: str, text: str) -> list[Wanted]:
    """The sources a list file names: OPML (every `<outline>` with `xmlUrl` or `htmlUrl`; the feed when it
    names both), else CSV rows of `id,url` or just `url` (a header row `id,url` and blank lines skipped)."""
    if name.lower().endswith((".opml", ".xml")) or text.lstrip().startswith("<"):
        try:
            root = ElementTree.fromstring(text)
        except ElementTree.ParseError as error:
            raise ExtractError(f"{name}: not an OPML document: {error}") from None
        urls = [o.get("xmlUrl") or o.get("htmlUrl") for o in root.iter("outline")]
        return [Wanted(url.strip()) for url in urls if url]
    wanted = []
    for row in csv.reader(io.StringIO(text)):
        cells = [cell.strip() for cell in row]
        if not any(cells) or [c.lower() for c in cells[:2]] == ["id", "url"]:
            continue
        wanted.append(Wanted(cells[-1], cells[0] or None) if len(cells) >= 2 else Wanted(cells[0]))
    return wanted


def probe_page(
    url: str, source: SourceConfig | None, fetch: FetchConfig | None, *, date_order: str, pick: int
) -> ProbeResult:
    """What the listing reader makes of `url` (see source.probe): with `source`'s settings when given, else by
    structure alone. Without a config (`fetch` None) there is no public URL of ours to name as the contact:
    never the probed site's own URL. Raises FetchError when the page cannot be fetched."""
    with Fetcher(fetch or FetchConfig(user_agent=f"aktuellt/{package_version()} (probe)")) as fetcher:
        page = _get(url, fetcher, source)
    return read_page(page.text, page.url, url, source=source, date_order=date_order, pick=pick)


def _get(url: str, fetcher: Fetcher, source: SourceConfig | None = None) -> Page:
    """`url` fetched as a cycle of `source` (None: a source of that URL) would: on a view of `fetcher` of its
    own, inside the hosts that cycle would reach (probe shows what `run` will do, and fetches nothing `run`
    would not)."""
    view = fetcher.for_source()
    with view.confined(source_hosts(replace(source, url=url) if source else SourceConfig("add", "", url))):
        response = view.get(url)
    assert not isinstance(response, NotModified)  # no validators were sent
    return response


def _as_feed(wanted: Wanted, url: str, page: Page | None, fetcher: Fetcher) -> Found:
    """`url` read as a feed (fetched when `page` is None)."""
    # Imported here: feedparser is slow to import, and only a feed needs it.
    from ..source.feedsource import parse_feed

    try:
        if page is None:
            page = _get(url, fetcher)
        feed = parse_feed(page.text, page.url, timezone=PROBE_ZONE)
    except ScraperError as error:
        return Found(wanted, None, f"{url}: {error}")
    if not feed.items:
        return Found(wanted, None, f"{url}: the feed holds no entries")
    block: dict[str, object] = {"id": wanted.id or "", "title": "", "url": url, "type": "feed"}
    where = "" if url == wanted.url else f" (the page advertises it: {url})"
    return Found(wanted, block, f"feed, {_count(feed.items)}{where}{_newest(feed.items)}", feed.items)


def _looks_like_feed(text: str) -> bool:
    start = text.lstrip()[:512].lower()
    return start.startswith(("<rss", "<feed", "{")) or (start.startswith("<?xml") and "<html" not in start)


def _count(items: Sequence[ListingItem]) -> str:
    return f"{len(items)} item{'' if len(items) == 1 else 's'}"


def _newest(items: Sequence[ListingItem]) -> str:
    days = [item.published.day for item in items if item.published is not None]
    return f", newest {max(days).isoformat()}" if days else ""


def found_lines(found: Sequence[Found], *, with_items: bool) -> list[str]:
    """What `aktuellt add` says of each page it examined ("found" or "FAILED", the id, the URL, what it read)
    and, `with_items`, the first items' dates and titles. Page text, raw: the caller escapes it."""
    lines = []
    for entry in found:
        name = entry.block["id"] if entry.block else (entry.wanted.id or "-")
        lines.append(f"{'found ' if entry.block else 'FAILED'}  {name}  {entry.wanted.url}: {entry.summary}")
        if entry.block and with_items:
            for item in entry.items[:SHOWN_ITEMS]:
                day = f"{item.published.day.isoformat()}  " if item.published else ""
                lines.append(f"        {day}{item.title}")
    return lines
