"""The whole output folder from the store: which documents, their bytes, and writing the changed ones.

`publish_feeds` is the publish step of a cycle: it reads the store's entries and counts, renders every
document (`catalog`, `archives`), and writes only what changed (`files`), keeping what it need not redo.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from ..clock import utc_now
from ..config import Config
from ..models import Entry
from ..store import Store
from .archives import (
    archive_files,
    archive_id,
    archive_url,
    changes_files,
    changes_meta,
    is_archive,
)
from .catalog import (
    CATALOG_FOLDERS,
    LATEST_ON_INDEX,
    STYLESHEET,
    FeedData,
    feed_catalog,
    fingerprint,
    membership,
    render_catalog,
)
from .favicon import FAVICON, favicon_ico
from .feedpage import CHANGES_PAGE
from .files import remove_files, remove_orphaned_temps
from .historysite import PAGES_RECORD, HistoryPages, history_links
from .indexpage import FORMATS, IndexFeed
from .manifest import MANIFEST, Manifest, read_manifest, unlisted_files
from .opml import OPML_FILES, SOURCES_OPML, written_by_us
from .push import FEED_SUFFIXES
from .shown import marked_removed

log = logging.getLogger(__name__)


def publish_feeds(config: Config, store: Store, *, now: dt.datetime | None = None) -> list[str]:
    """Render every document of the catalog (catalog.py) from all stored items, the changes feed and the
    archives, and write the files whose bytes changed; then remove the topic and source files the config no
    longer has, of those the manifest says aktuellt wrote (manifest.py: never a file of anyone else's). `now`
    only says which year is the current one, for the archives (default: the year of the newest event).
    Returns the paths written."""
    out = config.site.output_dir
    # Before the manifest existed, the store's render records were the only list of what was written here.
    records = store.feeds.rendered()
    manifest = Manifest.load(out, adopt=records)
    deleted = store.events.tombstones(limit=config.site.max_items)
    removed_since = None
    if config.site.removed == "mark":
        removed_since = (now or utc_now()) - dt.timedelta(days=config.site.removed_days)
        # A marked entry is still in the feeds (see feed_data): its tombstone comes when it leaves them, or a
        # reader that honours RFC 6721 would delete the entry the feed is showing.
        deleted = [t for t in deleted if t.removed_at < removed_since]
    count, oldest, newest = store.events.event_summary()
    # the changes feed shows only the newest
    rows = store.events.changes(limit=config.site.max_items)
    kept = KeptDocuments(out, records)
    archives = archive_files(config, store, oldest, newest, now)
    # RFC 5005 §4: the subscription document points at the newest archive, once a year has closed.
    all_links = () if archives.newest is None else (("prev-archive", archive_url(config, archives.newest)),)
    changes = IndexFeed(
        kind="changes",
        anchor="andringar",
        label="Ändringar",
        meta=changes_meta(config),
        count=count,
        in_document=min(count, config.site.max_items),
        updated=newest,
        formats=FORMATS[:2],  # RSS and Atom: the changes feed has no JSON Feed
        page=CHANGES_PAGE,
    )
    written: list[Path] = []
    documents = render_catalog(
        config,
        feed_data(config, store, removed_since),
        store.feeds.month_counts(),
        stylesheet(),
        # Each feed document is written as soon as it is rendered, not all held until the end.
        lambda name, data: written.extend(manifest.publish({out / name: data})),
        deleted=deleted,
        all_atom_links=all_links,
        also_listed=[changes],
        reuse=kept.reuse,
    )
    history = HistoryPages(config, store, kept.reuse, records.get(PAGES_RECORD), count)
    files = {out / name: data for name, data in documents.items()}
    index = files.pop(out / "index.html")
    files.update(changes_files(config, rows, changes, history_links(config, store, rows), reuse=kept.reuse))
    if not kept.reuse(FAVICON, fingerprint(FAVICON, ())):  # drawn pixel by pixel, ~10 ms: only when changed
        files[out / FAVICON] = favicon_ico()
    written += manifest.publish(files)
    written += history.write(manifest.publish)  # after the feeds, before index.html (it links changes.html)
    # The feed documents (rendered or kept) are all in kept.fingerprints.
    unchanged = [out / name for name in kept.fingerprints if name not in documents]
    manifest.keep(unchanged)
    targets = list(files) + unchanged + history.rendered
    store.feeds.save_rendered(kept.records({PAGES_RECORD: history.code}))
    history.done()
    with_sources_opml = SOURCES_OPML in documents
    del files, documents  # a year's archive may be large: hold nothing else while it is rendered
    for year, data in archives.documents:  # one year at a time: written before the next is rendered
        targets.append(out / "archive" / f"{year}.atom")
        written += manifest.publish({targets[-1]: data})
    targets.append(out / "index.html")
    written += manifest.publish({targets[-1]: index})  # last: everything it links to exists by then
    # With one source there is no sources.opml (opml.opml_files): say so when the index is (re)written, and
    # remove the one an earlier config with several sources left, if this program wrote it.
    if not with_sources_opml and remove_files(out, [SOURCES_OPML], partial(written_by_us, name=SOURCES_OPML)):
        log.info("removed %s: with one source there are no source feeds to list", out / SOURCES_OPML)
    elif not with_sources_opml and out / "index.html" in written:
        log.info(
            "%s is not written: with one source there are no source feeds (all.* is its feed)", SOURCES_OPML
        )
    for path in archives.stale:
        own = partial(is_archive, own_id=archive_id(config, int(path.stem)))
        if remove_files(out, [f"archive/{path.name}"], own):
            log.info("removed %s: the year is not over, and only a closed year has an archive", path)
    for path in manifest.remove_stale(CATALOG_FOLDERS):
        log.info("removed %s: its topic or source is no longer in the config", path)
    manifest.save()
    targets.append(out / MANIFEST)
    for path in remove_orphaned_temps(targets):
        log.info("removed %s: a temporary file an interrupted cycle left behind", path)
    return [str(path) for path in written]


class KeptDocuments:
    """Which feed documents a publish can keep as they are on disk: those rendered last time from the same
    inputs (catalog.fingerprint) whose file is still the one written then (same size and mtime). Most
    of a cycle's feeds do not change, and rendering them again is most of an incremental publish."""

    def __init__(self, out: Path, records: Mapping[str, str]) -> None:
        self.out = out
        self.stored = records
        self.fingerprints: dict[str, str] = {}

    def reuse(self, name: str, fingerprint: str) -> bool:
        self.fingerprints[name] = fingerprint
        record = self._record(name, fingerprint)
        return record is not None and self.stored.get(name) == record

    def records(self, extra: Mapping[str, str]) -> dict[str, str | None]:
        """What to record after the documents are written, where it changed: each one's fingerprint and file
        (None for a document the catalog no longer has, or whose file is gone), and `extra`."""
        records: dict[str, str | None] = dict.fromkeys(self.stored)
        records.update((name, self._record(name, digest)) for name, digest in self.fingerprints.items())
        records.update(extra)
        return {name: record for name, record in records.items() if self.stored.get(name) != record}

    def _record(self, name: str, fingerprint: str) -> str | None:
        try:
            stat = (self.out / name).stat()
        except OSError:
            return None
        return f"{fingerprint} {stat.st_size} {stat.st_mtime_ns}"


def feed_data(config: Config, store: Store, removed_since: dt.datetime | None) -> dict[str, FeedData]:
    """Each catalog feed's count, newest update and newest entries, read from the store's memberships (brought
    up to date first: the items written since the last publish, or all of them after a `[[topics]]` change).
    Items removed after `removed_since` (`site.removed = "mark"`) stay, marked."""
    rules_hash, feeds_of = membership(config)
    store.feeds.sync_memberships(rules_hash, feeds_of)
    summaries = store.feeds.feed_summaries()
    keep = max(config.site.max_items, LATEST_ON_INDEX)
    # The day a marked removal is dated by: in its own source's zone (the first source's if it is gone).
    zones = {source.id: ZoneInfo(source.timezone) for source in config.sources}
    zones[""] = ZoneInfo(config.sources[0].timezone)
    order = [topic.id for topic in config.topics]
    data: dict[str, FeedData] = {}
    shown: dict[str, Entry] = {}  # one object per item across feeds (fingerprints reuse its repr)
    for feed in feed_catalog(config):
        path = feed.meta.path
        count, updated = summaries.get(path, (0, None))
        head = []
        for stored, removed in store.feeds.feed_entries(path, keep, removed_since=removed_since):
            if stored.entry_id not in shown:
                zone = zones.get(stored.source, zones[""])
                marked = stored if removed is None else marked_removed(stored, removed, zone)
                # its (stored, unordered) topic ids in config order, dropping any the config lacks
                topics = tuple(topic for topic in order if topic in marked.topics)
                shown[stored.entry_id] = dataclasses.replace(marked, topics=topics)
            head.append(shown[stored.entry_id])
        data[path] = FeedData(count=count, updated=updated, head=head)
    return data


def stylesheet() -> bytes:
    """The XSLT shipped in the package (scraper/static/feed.xsl), copied into the output folder. Read beside
    this file, not through importlib.resources (~10 ms to import, on every cycle): the package is installed
    as files, never zipped."""
    return (Path(__file__).resolve().parents[1] / "static" / STYLESHEET).read_bytes()


def folder_warnings(config: Config) -> list[str]:
    """What `aktuellt check` says of the output folder, escaped for a terminal: files aktuellt did not write
    (left alone), and files named like documents it publishes that its manifest does not list (its next run
    replaces them: a foreign `topics/list.rss` and a topic "list"). Before the first publish (no manifest)
    every such file counts as replaced, since whether an earlier version or the web site (its own
    `index.html`, `favicon.ico`) wrote it cannot be told, and the rest of the folder as foreign."""
    from ..sanity import escape_controls

    out = config.site.output_dir
    listed = read_manifest(out)
    # The documents this config publishes (archives aside): each feed, its page (feedpage.py), the rest.
    suffixes = (*FEED_SUFFIXES, ".html")
    names = {f"{feed.meta.path}{suffix}" for feed in feed_catalog(config) for suffix in suffixes}
    names |= {"changes.rss", "changes.atom", CHANGES_PAGE, *OPML_FILES, STYLESHEET, FAVICON, "index.html"}
    replaced = sorted(name for name in names - (listed or set()) if (out / name).is_file())
    if listed is None:  # no manifest yet: this config's names and the yearly archives count as its own
        listed = names | {
            p.relative_to(out).as_posix() for p in out.glob("archive/[0-9][0-9][0-9][0-9].atom")
        }
    foreign = [name for name in unlisted_files(out, listed) if name not in replaced]

    def shown(some: list[str]) -> str:  # the first ten, escaped, and how many more
        more = f" and {len(some) - 10} more" if len(some) > 10 else ""
        return ", ".join(escape_controls(name) for name in some[:10]) + more

    folder = escape_controls(str(out))
    warnings = []
    if foreign:
        # A web folder shared with other files works: publishing never removes what it did not write.
        warnings.append(
            f"site.output_dir {folder} holds {len(foreign)} file(s) aktuellt did not write "
            f"(left alone, never removed): {shown(foreign)}"
        )
    if replaced:
        warnings.append(
            f"site.output_dir {folder} holds {len(replaced)} file(s) named like documents aktuellt "
            f"publishes, which its next run replaces (fine if an earlier aktuellt wrote them): "
            f"{shown(replaced)}"
        )
    return warnings
