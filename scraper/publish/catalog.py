"""The feed catalog: which documents the output folder holds, and the bytes of each. Pure.

From the config and each feed's facts (its newest entries, count and newest update, read from the store's
memberships, which `membership` works out), `render_catalog` renders:

- the feeds: `all`, one `topics/<id>` per configured topic, and one `sources/<id>` per source when there is
  more than one; each in RSS, Atom and JSON Feed, holding its newest `max_items` entries;
- each feed's HTML page (`<path>.html`: feedpage.py), which the feed names as its human page;
- `index.html` (feeds, counts, latest entries per topic, a chart by month), the OPML files and `feed.xsl`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import importlib.util
import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from ..config import Config
from ..identity import feed_id
from ..models import Deleted, Entry, FeedMeta
from .feedpage import news_page
from .indexpage import IndexFeed, IndexPage, render_index
from .opml import opml_files
from .topics import compile_rules, entry_topics

__all__ = [
    "CATALOG_FOLDERS",
    "STYLESHEET",
    "FeedData",
    "feed_catalog",
    "fingerprint",
    "membership",
    "render_catalog",
]

#: The XSLT that shows RSS and Atom documents as a page in a browser, at the top of the output folder.
STYLESHEET = "feed.xsl"
#: The subfolders whose feeds come and go with the config: a file there that aktuellt wrote (manifest.py)
#: and the catalog no longer names is removed (a topic deleted from config.toml must not leave a feed that
#: silently stops updating); any other file there is the web site's own and stays.
CATALOG_FOLDERS = ("topics", "sources")
#: How many of a feed's newest entries index.html lists under it.
LATEST_ON_INDEX = 5

Kind = Literal["all", "topic", "source"]


def feed_catalog(config: Config) -> tuple[IndexFeed, ...]:
    """Every feed this config publishes, in the order index.html and feeds.opml list them, as index.html
    lists an empty one; `meta.path` ("all", "topics/<id>", "sources/<id>") names its documents."""
    site = config.site
    first = config.sources[0]
    topic_labels = tuple((topic.id, topic.title) for topic in config.topics)

    def feed(kind: Kind, key: str, label: str, title: str, subtitle: str, timezone: str) -> IndexFeed:
        path = "all" if kind == "all" else f"{kind}s/{key}"
        meta = FeedMeta(
            path=path,
            title=title,
            subtitle=subtitle,
            feed_id=feed_id(first.url, path),
            base_url=site.base_url,
            home_url=f"{site.base_url}{path}.html",  # its page (feedpage.py): what readers link as its site
            language=site.language,
            timezone=timezone,
            stylesheet="../" * path.count("/") + STYLESHEET,
            categories=topic_labels,
            category_scheme=site.base_url + "topics/",
            hub=config.websub.hub,
        )
        anchor = {"all": "alla", "topic": f"amne-{key}", "source": f"kalla-{key}"}[kind]
        return IndexFeed(kind, anchor, label, meta, count=0, in_document=0, updated=None, page=f"{path}.html")

    # The overall feed's facts are exactly the foundation's: readers already follow it.
    subtitle = f"Nyheter från {site.title}, som flöde"
    feeds = [feed("all", "all", "Alla nyheter", site.title, subtitle, first.timezone)]
    for topic in config.topics:
        title = f"{topic.title} – {site.title}"
        subtitle = topic.description or f"Nyheter från {site.title} i ämnet {topic.title}"
        feeds.append(feed("topic", topic.id, topic.title, title, subtitle, first.timezone))
    if len(config.sources) > 1:
        for source in config.sources:
            subtitle = f"Nyheter från {source.title}, som flöde"
            feeds.append(feed("source", source.id, source.title, source.title, subtitle, source.timezone))
    return tuple(feeds)


@dataclass(slots=True)
class FeedData:
    """What one feed needs of the whole history: its count, newest update, and newest entries only
    (at least `max(max_items, LATEST_ON_INDEX)` of them when it has that many), carrying their topics."""

    count: int = 0
    updated: dt.datetime | None = None
    head: list[Entry] = dataclasses.field(default_factory=list)


#: Bump when the matching itself (topics.py) changes, so stored memberships are recomputed.
MEMBERSHIP_VERSION = 1


def membership(config: Config) -> tuple[str, Callable[[Entry], tuple[tuple[str, ...], int]]]:
    """The hash of everything an item's stored feed membership depends on (the `[[topics]]` rules and the
    time zone its month is counted in), and the function giving an entry's (feed paths, month)."""
    rules = compile_rules(config.topics)
    tz_name = config.sources[0].timezone
    tz = ZoneInfo(tz_name)
    described = {
        "version": MEMBERSHIP_VERSION,
        "timezone": tz_name,
        # sources only when set, so that upgrading does not recompute every membership of a store without them
        "topics": [
            [t.id, list(t.match), list(t.exclude), t.regex, list(t.tags)]
            + ([list(t.sources)] if t.sources else [])
            for t in config.topics
        ],
    }
    digest = hashlib.sha256(json.dumps(described, ensure_ascii=False).encode()).hexdigest()

    def feeds_of(entry: Entry) -> tuple[tuple[str, ...], int]:
        """(feed paths, month published as year * 100 + month)."""
        topics = entry_topics(rules, entry)
        paths = ("all", f"sources/{entry.source}", *(f"topics/{topic}" for topic in topics))
        month = entry.published.astimezone(tz)
        return paths, month.year * 100 + month.month

    return digest, feeds_of


def render_catalog(
    config: Config,
    data: Mapping[str, FeedData],
    months: Mapping[dt.date, int],
    stylesheet: bytes,
    sink: Callable[[str, bytes], None],
    *,
    deleted: Sequence[Deleted] = (),
    all_atom_links: tuple[tuple[str, str], ...] = (),
    also_listed: Sequence[IndexFeed] = (),
    reuse: Callable[[str, str], bool] | None = None,
) -> dict[str, bytes]:
    """Every document of the output folder from each feed's facts (`data`, by feed path; a feed missing there
    is empty) and the items per month: each feed document goes to `sink(name, bytes)` as it is rendered (a
    first publish of 1,000 sources renders 3,000 of them: ~70 MB if held), and the pages that link to them
    (index.html, the OPML files, feed.xsl) are returned (relative path → bytes), to be written after them.

    `deleted` are the RFC 6721 tombstones and `all_atom_links` extra (rel, href) links (RFC 5005
    prev-archive) of the overall Atom feed; `also_listed` are feeds rendered elsewhere (the changes feed)
    that index.html and feeds.opml list after the catalog's own.

    `reuse(name, fingerprint)` lets the caller keep a feed document it already has: the fingerprint covers
    everything the document is rendered from (and the renderers' own code), and a document the caller
    reuses is not rendered."""
    limit = config.site.max_items
    listed: list[IndexFeed] = []
    reprs: dict[int, tuple[object, str]] = {}  # one repr per object (an entry is in several feeds)
    for feed in feed_catalog(config):
        tally = data.get(feed.meta.path) or FeedData()
        window = tally.head[:limit]
        # Its page shows no latest entries: left out, so that its fingerprint does not repr them again.
        shown = dataclasses.replace(feed, count=tally.count, in_document=len(window), updated=tally.updated)
        origin = tuple(
            (source.title, source.url)
            for source in config.sources
            if feed.kind != "source" or f"sources/{source.id}" == feed.meta.path
        )
        atom_meta = feed.meta
        atom_deleted: tuple[Deleted, ...] = ()
        if feed.kind == "all":  # tombstones of items that left it, and its archive link
            atom_meta = dataclasses.replace(feed.meta, links=(*feed.meta.links, *all_atom_links))
            atom_deleted = tuple(deleted)
        documents: dict[str, tuple[object, ...]] = {
            f"{feed.meta.path}.rss": (feed.meta, window),
            f"{feed.meta.path}.atom": (atom_meta, window, atom_deleted),
            f"{feed.meta.path}.json": (feed.meta, window),
            shown.page: (shown, config.site.title, window, origin),
        }
        # A document's fingerprint covers its renderer's arguments: whatever they show, a change renders it.
        for name, arguments in documents.items():
            if reuse is None or not reuse(name, fingerprint(name, arguments, reprs)):
                sink(name, _render(name, arguments))
        listed.append(dataclasses.replace(shown, latest=tuple(tally.head[:LATEST_ON_INDEX])))
    listed += also_listed
    page = IndexPage(
        title=config.site.title,
        language=config.site.language,
        feeds=tuple(listed),
        months=month_series(Counter(months)),
        sources=tuple((source.title, source.url) for source in config.sources),
    )
    # feeds.opml, topics.opml, sources.opml
    return {STYLESHEET: stylesheet, **opml_files(page.title, page.feeds), "index.html": render_index(page)}


def fingerprint(
    name: str, arguments: tuple[object, ...], reprs: dict[int, tuple[object, str]] | None = None
) -> str:
    """A digest of everything document `name` is rendered from, so a publish can keep the document on disk
    instead of rendering it again (`site.KeptDocuments`): its arguments (frozen dataclasses with
    deterministic reprs, and lists of them) and the renderers' code. `reprs` caches the repr of objects by
    id, for a caller that passes the same objects to many documents; it holds each object, so that no other
    object can take its id while the cache lives."""
    cache = {} if reprs is None else reprs
    digest = hashlib.sha256(_renderers_digest().encode())
    digest.update(name.encode())
    for argument in arguments:
        for part in argument if isinstance(argument, list | tuple) else [argument]:
            held = cache.get(id(part))
            if held is None:
                held = cache[id(part)] = (part, repr(part))
            digest.update(b"\0" + held[1].encode())
        digest.update(b"\1")
    return digest.hexdigest()


@functools.cache
def _renderers_digest() -> str:
    """The source of the modules that shape a document's bytes (the renderers of feeds, pages, history
    pages and the favicon, and what they show dates and texts with) and feedgen's version: a change to any
    of them renders every document again, once. A new renderer module goes in this list. Read as files,
    without importing them (nor importlib.metadata): a publish that reuses every document never loads them."""
    feedgen = importlib.util.find_spec("feedgen")
    assert feedgen is not None and feedgen.origin is not None
    here = Path(__file__).parent
    renderers = (
        "render jsonfeed feedpage indexpage pagestyle shown favicon changespage diffs historypage archives"
    )
    shared = "models instants history"
    digest = hashlib.sha256(Path(feedgen.origin).with_name("version.py").read_bytes())
    for path in [
        *(here / f"{n}.py" for n in renderers.split()),
        *(here.parent / f"{n}.py" for n in shared.split()),
    ]:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _render(name: str, arguments: tuple[Any, ...]) -> bytes:
    """Document `name`, by the renderer of its suffix. The feed renderers are imported here, when a feed is
    rendered: feedgen and they cost ~15 ms to import, which a publish whose feeds are all reused (an
    unchanged cycle) need not pay."""
    if name.endswith(".html"):
        return news_page(*arguments)
    from .jsonfeed import render_json
    from .render import render_atom, render_rss

    renderers: dict[str, Callable[..., bytes]] = {"rss": render_rss, "atom": render_atom, "json": render_json}
    return renderers[name.rpartition(".")[2]](*arguments)


#: The most months the chart spans (the newest ones): a bound on index.html whatever dates reach it.
MAX_MONTHS = 12 * 50


def month_series(counts: Counter[dt.date]) -> tuple[tuple[dt.date, int], ...]:
    """(first day of month, count) from the oldest counted month to the newest, gaps as 0; at most the
    newest MAX_MONTHS months (the pipeline leaves absurd dates out before; this keeps the page bounded and
    never steps past year 9999 even if one gets here)."""
    if not counts:
        return ()
    last = max(counts)
    index = last.year * 12 + last.month - 1
    start = max(min(counts).year * 12 + min(counts).month - 1, index - MAX_MONTHS + 1)
    months = [dt.date(n // 12, n % 12 + 1, 1) for n in range(start, index + 1)]
    return tuple((month, counts[month]) for month in months)
