"""The feed catalog: which documents the output folder holds, and the bytes of each. Pure.

From the config and each feed's facts (its newest entries, count and newest update: `render_catalog`, which
the pipeline fills from the store's memberships; or `render_site`, from all stored entries) it decides:

- the feeds: `all`, one `topics/<id>` per configured topic, and one `sources/<id>` per source when there is
  more than one; each in RSS, Atom and JSON Feed, holding its newest `max_items` entries;
- the topics of every entry (worked out here, from the rules: `membership` gives what the store keeps of
  it, and the hash of the rules that tells the store when to work it out again for every item);
- each feed's HTML page (`<path>.html`: feedpage.py), which the feed names as its human page;
- `index.html` (feeds, counts, latest entries per topic, a chart by month), `feeds.opml` and `feed.xsl`.

Both return every file as a relative path → bytes, in the order they should be written (feeds first, then
the pages that link to them). The caller (pipeline) writes only the files whose bytes changed, and may keep a
feed document rendered from the same inputs before (`reuse`, `fingerprint`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Literal
from zoneinfo import ZoneInfo

from ..config import Config
from ..identity import feed_id
from ..models import Deleted, Entry, FeedMeta
from .feedpage import news_page
from .fingerprint import fingerprint
from .indexpage import IndexFeed, IndexPage, render_index
from .opml import opml_files
from .topics import TopicRule, compile_rules, topics_for

__all__ = [
    "CATALOG_FOLDERS",
    "STYLESHEET",
    "Feed",
    "FeedData",
    "assign_topics",
    "feed_catalog",
    "in_config_order",
    "membership",
    "render_catalog",
    "render_site",
    "select",
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


@dataclass(frozen=True, slots=True)
class Feed:
    """One feed of the catalog: `meta.path` (e.g. "topics/lasning") names its three documents."""

    kind: Kind
    key: str  #: "all", the topic id or the source id
    meta: FeedMeta
    anchor: str  #: the id of its section on index.html
    label: str  #: its short name on index.html (the topic or source title)


def site_home(config: Config) -> str:
    """The human page the yearly archives mirror: the listing itself when there is one source, else the index
    page at base_url. (A live feed's human page is its own page, feedpage.py.)"""
    return config.sources[0].url if len(config.sources) == 1 else config.site.base_url


def feed_catalog(config: Config) -> tuple[Feed, ...]:
    """Every feed this config publishes, in the order index.html and feeds.opml list them."""
    site = config.site
    first = config.sources[0]
    topic_labels = tuple((topic.id, topic.title) for topic in config.topics)

    def meta(path: str, title: str, subtitle: str, timezone: str) -> FeedMeta:
        return FeedMeta(
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

    feeds = [
        Feed(
            "all",
            "all",
            # The overall feed's facts are exactly the foundation's: readers already follow it.
            meta(
                "all",
                site.title,
                f"Nyheter från {site.title}, som flöde",
                first.timezone,
            ),
            "alla",
            "Alla nyheter",
        )
    ]
    for topic in config.topics:
        anchor = f"amne-{topic.id}"
        feeds.append(
            Feed(
                "topic",
                topic.id,
                meta(
                    f"topics/{topic.id}",
                    f"{topic.title} – {site.title}",
                    topic.description or f"Nyheter från {site.title} i ämnet {topic.title}",
                    first.timezone,
                ),
                anchor,
                topic.title,
            )
        )
    if len(config.sources) > 1:
        for source in config.sources:
            feeds.append(
                Feed(
                    "source",
                    source.id,
                    meta(
                        f"sources/{source.id}",
                        source.title,
                        f"Nyheter från {source.title}, som flöde",
                        source.timezone,
                    ),
                    f"kalla-{source.id}",
                    source.title,
                )
            )
    return tuple(feeds)


def assign_topics(config: Config, entries: Sequence[Entry]) -> list[Entry]:
    """`entries` with `topics` set from the config's rules: title, summary and article text are searched,
    and the article page's tags are compared with the topics' `tags`."""
    rules = compile_rules(config.topics)
    return [with_topics(rules, entry) for entry in entries]


def html_text(fragment: str) -> str:
    """`markup.html_text`, imported on first use: selectolax is needed only when items get their topics,
    not in a publish that finds every membership current."""
    from ..markup import html_text as text

    return text(fragment)


def with_topics(rules: Sequence[TopicRule], entry: Entry) -> Entry:
    topics = topics_for(rules, (entry.title, entry.summary, html_text(entry.content_html)), entry.tags)
    return dataclasses.replace(entry, topics=topics)


def in_feed(feed: Feed, entry: Entry, topics: Sequence[str] | None = None) -> bool:
    """Whether `entry` (carrying its topics, or with `topics` given) belongs in `feed`."""
    if feed.kind == "topic":
        return feed.key in (entry.topics if topics is None else topics)
    if feed.kind == "source":
        return entry.source == feed.key
    return True


def select(feed: Feed, entries: Sequence[Entry]) -> list[Entry]:
    """The entries of `feed`, in the given (newest first) order, uncut. Entries must carry their topics."""
    return [entry for entry in entries if in_feed(feed, entry)]


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
        "topics": [[t.id, list(t.match), list(t.exclude), t.regex, list(t.tags)] for t in config.topics],
    }
    digest = hashlib.sha256(json.dumps(described, ensure_ascii=False).encode()).hexdigest()

    def feeds_of(entry: Entry) -> tuple[tuple[str, ...], int]:
        """(feed paths, month published as year * 100 + month)."""
        topics = topics_for(rules, (entry.title, entry.summary, html_text(entry.content_html)), entry.tags)
        paths = ("all", f"sources/{entry.source}", *(f"topics/{topic}" for topic in topics))
        month = month_of(entry, tz)
        return paths, month.year * 100 + month.month

    return digest, feeds_of


def in_config_order(config: Config, entry: Entry) -> Entry:
    """`entry` with its (stored, unordered) topic ids in config order, dropping any the config lacks."""
    order = [topic.id for topic in config.topics]
    return dataclasses.replace(entry, topics=tuple(t for t in order if t in entry.topics))


def render_site(
    config: Config,
    entries: Iterable[Entry],
    stylesheet: bytes,
    *,
    deleted: Sequence[Deleted] = (),
    all_atom_links: tuple[tuple[str, str], ...] = (),
    also_listed: Sequence[IndexFeed] = (),
) -> dict[str, bytes]:
    """Every file of the output folder (relative path → bytes) from all stored entries, newest first.

    `entries` is walked once and may be a generator: only each feed's newest entries are kept, with counts,
    so memory does not grow with the history. (The pipeline does not walk: it reads the same facts from the
    store's memberships, `render_catalog`.) `deleted` are the RFC 6721 tombstones and `all_atom_links` extra
    (rel, href) links (RFC 5005 prev-archive) of the overall Atom feed; `also_listed` are feeds rendered
    elsewhere (the changes feed) that index.html and feeds.opml list after the catalog's own."""
    keep = max(config.site.max_items, LATEST_ON_INDEX)
    feeds = feed_catalog(config)
    data = [FeedData() for _ in feeds]
    rules = compile_rules(config.topics)
    tz = ZoneInfo(config.sources[0].timezone)
    months: Counter[dt.date] = Counter()
    for plain in entries:
        topics = topics_for(rules, (plain.title, plain.summary, html_text(plain.content_html)), plain.tags)
        months[month_of(plain, tz)] += 1
        tagged: Entry | None = None  # the copy carrying its topics, made only for an entry a feed keeps
        for feed, tally in zip(feeds, data, strict=True):
            if not in_feed(feed, plain, topics):
                continue
            tally.count += 1
            if tally.updated is None or plain.updated > tally.updated:
                tally.updated = plain.updated
            if len(tally.head) < keep:
                tagged = tagged or dataclasses.replace(plain, topics=topics)
                tally.head.append(tagged)
    return render_catalog(
        config,
        dict(zip((feed.meta.path for feed in feeds), data, strict=True)),
        months,
        stylesheet,
        deleted=deleted,
        all_atom_links=all_atom_links,
        also_listed=also_listed,
    )


def render_catalog(
    config: Config,
    data: Mapping[str, FeedData],
    months: Mapping[dt.date, int],
    stylesheet: bytes,
    *,
    deleted: Sequence[Deleted] = (),
    all_atom_links: tuple[tuple[str, str], ...] = (),
    also_listed: Sequence[IndexFeed] = (),
    reuse: Callable[[str, str], bool] | None = None,
    sink: Callable[[str, bytes], None] | None = None,
) -> dict[str, bytes]:
    """`render_site` from each feed's facts (`data`, by feed path; a feed missing there is empty) and the
    items per month.

    `reuse(name, fingerprint)` lets the caller keep a feed document it already has: the fingerprint covers
    everything the document is rendered from (and the renderers' own code), and a document the caller
    reuses is left out of the result. `sink(name, bytes)` takes each feed document as it is rendered,
    instead of the result (a first publish of 1,000 sources holds 3,000 of them: ~70 MB)."""
    limit = config.site.max_items
    files: dict[str, bytes] = {}
    listed: list[IndexFeed] = []
    reprs: dict[int, str] = {}  # the entries are alive for the whole loop, so their ids are theirs
    for feed in feed_catalog(config):
        tally = data.get(feed.meta.path) or FeedData()
        window = tally.head[:limit]
        shown = IndexFeed(
            kind=feed.kind,
            anchor=feed.anchor,
            label=feed.label,
            meta=feed.meta,
            count=tally.count,
            in_document=len(window),
            updated=tally.updated,
            latest=tuple(tally.head[:LATEST_ON_INDEX]),
            page=f"{feed.meta.path}.html",
        )
        origin = tuple(
            (source.title, source.url)
            for source in config.sources
            if feed.kind != "source" or source.id == feed.key
        )
        atom_meta = feed.meta
        atom_deleted: tuple[Deleted, ...] = ()
        if feed.kind == "all":  # tombstones of items that left it, and its archive link
            atom_meta = dataclasses.replace(feed.meta, links=(*feed.meta.links, *all_atom_links))
            atom_deleted = tuple(deleted)
        documents: dict[str, tuple[tuple[object, ...], Callable[[], bytes]]] = {
            f"{feed.meta.path}.rss": ((feed.meta, window), partial(_rss, feed.meta, window)),
            f"{feed.meta.path}.atom": (
                (atom_meta, window, atom_deleted),
                partial(_atom, atom_meta, window, atom_deleted),
            ),
            f"{feed.meta.path}.json": ((feed.meta, window), partial(_json, feed.meta, window)),
            shown.page: (
                (feed.meta, window, tally.count, tally.updated, config.site.title, origin),
                partial(news_page, shown, config.site.title, window, origin),
            ),
        }
        for name, (inputs, render) in documents.items():
            if reuse is None or not reuse(name, fingerprint(name, inputs, reprs)):
                if sink is None:
                    files[name] = render()
                else:
                    sink(name, render())
        listed.append(shown)
    listed += also_listed
    files[STYLESHEET] = stylesheet
    page = IndexPage(
        title=config.site.title,
        language=config.site.language,
        feeds=tuple(listed),
        months=month_series(Counter(months)),
        sources=tuple((source.title, source.url) for source in config.sources),
    )
    files.update(opml_files(page.title, page.feeds))  # feeds.opml, topics.opml, sources.opml
    files["index.html"] = render_index(page)
    return files


# The renderers are imported when a document is rendered: feedgen and they cost ~15 ms to import, which a
# publish whose documents are all reused (an unchanged cycle) need not pay.


def _rss(meta: FeedMeta, entries: Sequence[Entry]) -> bytes:
    from .render import render_rss

    return render_rss(meta, entries)


def _atom(meta: FeedMeta, entries: Sequence[Entry], deleted: Sequence[Deleted]) -> bytes:
    from .render import render_atom

    return render_atom(meta, entries, deleted)


def _json(meta: FeedMeta, entries: Sequence[Entry]) -> bytes:
    from .jsonfeed import render_json

    return render_json(meta, entries)


def month_of(entry: Entry, tz: ZoneInfo) -> dt.date:
    return entry.published.astimezone(tz).date().replace(day=1)


def items_per_month(entries: Sequence[Entry], tz: ZoneInfo) -> tuple[tuple[dt.date, int], ...]:
    """(first day of month, items published that month) from the oldest month to the newest, gaps as 0."""
    return month_series(Counter(month_of(entry, tz) for entry in entries))


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
