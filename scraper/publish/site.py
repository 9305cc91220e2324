"""The whole output folder from the store: which documents, their bytes, and writing the changed ones.

`publish_feeds` is the publish step of a cycle: it reads the store's entries and counts, renders every
document (`catalog`, `archives`), and writes only what changed (`files`), keeping what it need not redo.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from ..clock import utc_now
from ..config import Config
from ..models import (
    Deleted,
    Entry,
)
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
    in_config_order,
    membership,
    render_catalog,
)
from .favicon import FAVICON, favicon_fingerprint, favicon_ico
from .feedpage import CHANGES_PAGE
from .files import remove_orphaned_temps, remove_own
from .historysite import HistoryPages, history_links
from .indexpage import FORMATS, IndexFeed
from .manifest import MANIFEST, Manifest, read_manifest, unlisted_files
from .opml import OPML_FILES, SOURCES_OPML, written_by_us
from .push import FEED_SUFFIXES
from .screen import keeps_date, keeps_link, renderable, sane_months
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
    manifest = Manifest.load(out, adopt=store.rendered())
    window = now or utc_now()  # what counts as a sane date (see scraper.sanity)
    deleted = [
        t for t in tombstones(store, config.site.max_items) if keeps_link(f"tombstone {t.entry_id}", t.link)
    ]
    if config.site.removed == "mark":
        # A marked entry is still in the feeds (see feed_data): its tombstone comes when it leaves them, or a
        # reader that honours RFC 6721 would delete the entry the feed is showing.
        leaves = window - dt.timedelta(days=config.site.removed_days)
        deleted = [t for t in deleted if t.when < leaves]
    count, oldest, newest = store.event_summary()
    # the changes feed shows only the newest
    rows = [
        r
        for r in store.changes(limit=config.site.max_items)
        if keeps_link(f"event {r.id} of {r.key}", r.link, "the changes feed")
        and keeps_date(f"event {r.id} of {r.key}", r.published, window, "the changes feed")
    ]
    kept = KeptDocuments(out, store.rendered())
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
        feed_data(config, store, now),
        sane_months(store.month_counts(), window),
        stylesheet(),
        deleted=deleted,
        all_atom_links=all_links,
        also_listed=[changes],
        reuse=kept.reuse,
        # Each feed document is written as soon as it is rendered, not all held until the end.
        sink=lambda name, data: written.extend(manifest.publish({out / name: data})),
    )
    history = HistoryPages(config, store, kept.reuse, window)
    files = {out / name: data for name, data in documents.items()}
    index = files.pop(out / "index.html")
    files.update(changes_files(config, rows, changes, history_links(config, store, rows), reuse=kept.reuse))
    if not kept.reuse(FAVICON, favicon_fingerprint()):  # drawn pixel by pixel: ~10 ms, only when it changed
        files[out / FAVICON] = favicon_ico()
    written += manifest.publish(files)
    written += history.write(manifest.publish)  # after the feeds, before index.html (it links changes.html)
    # The feed documents (rendered or kept) are all in kept.fingerprints.
    unchanged = [out / name for name in kept.fingerprints if name not in documents]
    manifest.keep(unchanged)
    targets = list(files) + unchanged + history.rendered
    store.save_rendered({**kept.records(), **history.records()})
    history.done()
    with_sources_opml = SOURCES_OPML in documents
    del files, documents  # a year's archive may be large: hold nothing else while it is rendered
    for year, data in archives.documents:  # one year at a time: written before the next is rendered
        targets.append(out / "archive" / f"{year}.atom")
        written += manifest.publish({targets[-1]: data})
    targets.append(out / "index.html")
    written += manifest.publish({targets[-1]: index})  # last: everything it links to exists by then
    _without_sources_opml(out, with_sources_opml, written)
    for path in archives.stale:
        if remove_own(out, path, partial(is_archive, own_id=archive_id(config, int(path.stem)))):
            log.info("removed %s: the year is not over, and only a closed year has an archive", path)
    for path in manifest.remove_stale(CATALOG_FOLDERS):
        log.info("removed %s: its topic or source is no longer in the config", path)
    manifest.save()
    targets.append(out / MANIFEST)
    for path in remove_orphaned_temps(targets):
        log.info("removed %s: a temporary file an interrupted cycle left behind", path)
    return [str(path) for path in written]


def foreign_files(config: Config) -> list[str]:
    """Files in `site.output_dir` that aktuellt did not write, by its manifest (for `aktuellt check`). With no
    manifest yet (before the first publish, or a folder published by a version without one), the names this
    config's documents would have count as its own: publishing replaces those files anyway."""
    out = config.site.output_dir
    ours = read_manifest(out)
    if ours is None:
        ours = own_names(config)
        ours |= {p.relative_to(out).as_posix() for p in out.glob("archive/[0-9][0-9][0-9][0-9].atom")}
    return unlisted_files(out, ours)


def replaced_files(config: Config) -> list[str]:
    """Files in `site.output_dir` under the names of this config's documents that the next publish replaces
    though aktuellt may not have written them, for `aktuellt check`: those its manifest does not list (a
    foreign `topics/list.rss` and a topic "list"), or, before the first publish (no manifest), all of them:
    whether an earlier version wrote them or the web site did (its own `index.html`, `favicon.ico`) cannot
    be told."""
    out = config.site.output_dir
    names = own_names(config) - (read_manifest(out) or set())
    return sorted(name for name in names if (out / name).is_file())


def own_names(config: Config) -> set[str]:
    """The names (relative to the output folder) of the documents this config publishes, archives aside."""
    suffixes = (*FEED_SUFFIXES, ".html")  # the feed documents and their pages (feedpage.py)
    feeds = {f"{feed.meta.path}{suffix}" for feed in feed_catalog(config) for suffix in suffixes}
    changes = {"changes.rss", "changes.atom", CHANGES_PAGE}
    return feeds | changes | set(OPML_FILES) | {STYLESHEET, FAVICON, "index.html"}


def _without_sources_opml(out: Path, published: bool, written: list[Path]) -> None:
    """With one source there is no sources.opml (opml.opml_files; `published` says whether this publish has
    one): say so when the index is (re)written, and remove the one an earlier config with several sources
    left, if this program wrote it."""
    if published:
        return
    path = out / SOURCES_OPML
    if remove_own(out, path, partial(written_by_us, name=SOURCES_OPML)):
        log.info("removed %s: with one source there are no source feeds to list", path)
    elif out / "index.html" in written:
        log.info(
            "%s is not written: with one source there are no source feeds (all.* is its feed)", SOURCES_OPML
        )


class KeptDocuments:
    """Which feed documents a publish can keep as they are on disk: those rendered last time from the same
    inputs (fingerprint.fingerprint) whose file is still the one written then (same size and mtime). Most
    of a cycle's feeds do not change, and rendering them again is most of an incremental publish."""

    def __init__(self, out: Path, records: Mapping[str, str]) -> None:
        self.out = out
        self.stored = records
        self.fingerprints: dict[str, str] = {}

    def reuse(self, name: str, fingerprint: str) -> bool:
        self.fingerprints[name] = fingerprint
        try:
            stat = (self.out / name).stat()
        except OSError:
            return False
        return self.stored.get(name) == f"{fingerprint} {stat.st_size} {stat.st_mtime_ns}"

    def records(self) -> dict[str, str | None]:
        """What to record after the documents are written: each one's fingerprint and file; None for a
        document the catalog no longer has."""
        records: dict[str, str | None] = {name: None for name in self.stored}
        for name, fingerprint in self.fingerprints.items():
            try:
                stat = (self.out / name).stat()
            except OSError:
                records[name] = None
                continue
            records[name] = f"{fingerprint} {stat.st_size} {stat.st_mtime_ns}"
        return records


def feed_data(config: Config, store: Store, now: dt.datetime | None) -> dict[str, FeedData]:
    """Each catalog feed's count, newest update and newest entries, read from the store's memberships (brought
    up to date first: the items written since the last publish, or all of them after a `[[topics]]` change).
    With `site.removed = "mark"`, items removed in the last `removed_days` stay, marked. Stored rows no feed
    may carry are left out (see `renderable`), judged by `now` (default: the clock)."""
    window = now or utc_now()
    rules_hash, feeds_of = membership(config)
    store.sync_memberships(rules_hash, feeds_of)
    summaries = store.feed_summaries()
    keep = max(config.site.max_items, LATEST_ON_INDEX)
    removed_since = None
    # The day a marked removal is dated by: in its own source's zone (the first source's if it is gone).
    zones = {source.id: ZoneInfo(source.timezone) for source in config.sources}
    zones[""] = ZoneInfo(config.sources[0].timezone)
    if config.site.removed == "mark":
        removed_since = window - dt.timedelta(days=config.site.removed_days)
    data: dict[str, FeedData] = {}
    shown: dict[str, Entry] = {}  # one object per item across feeds (fingerprints reuse its repr)
    refused: set[str] = set()  # stored rows no feed may carry, each logged once
    for feed in feed_catalog(config):
        path = feed.meta.path
        count, updated = summaries.get(path, (0, None))
        head = []
        for stored, removed in store.feed_entries(path, keep, removed_since=removed_since):
            if stored.entry_id in refused:
                continue
            if stored.entry_id not in shown:
                entry = next(renderable([stored], window), None)  # None: left out, with a warning
                if entry is None:
                    refused.add(stored.entry_id)
                    continue
                zone = zones.get(entry.source, zones[""])
                marked = entry if removed is None else marked_removed(entry, removed, zone)
                shown[stored.entry_id] = in_config_order(config, marked)
            head.append(shown[stored.entry_id])
        data[path] = FeedData(count=count, updated=updated, head=head)
    return data


def stylesheet() -> bytes:
    """The XSLT shipped in the package (scraper/static/feed.xsl), copied into the output folder. Read beside
    this file, not through importlib.resources (~10 ms to import, on every cycle): the package is installed
    as files, never zipped."""
    return (Path(__file__).resolve().parents[1] / "static" / STYLESHEET).read_bytes()


def tombstones(store: Store, max_items: int) -> list[Deleted]:
    """RFC 6721 tombstones for removed items that would still be in the window of `max_items`."""
    return [
        Deleted(
            entry_id=t.entry_id,
            when=t.removed_at,
            link=t.link,
            comment=f"Borttagen från webbplatsen: {t.title}",
        )
        for t in store.tombstones(limit=max_items)
    ]


def folder_warnings(config: Config) -> list[str]:
    """What `aktuellt check` says of the output folder: files aktuellt did not write (left alone), and files
    named like documents it publishes (its next run replaces them). Escaped for a terminal."""
    from ..sanity import escape_controls

    folder = escape_controls(str(config.site.output_dir))
    replaced = replaced_files(config)
    foreign = [name for name in foreign_files(config) if name not in replaced]
    warnings = []
    if foreign:
        # A web folder shared with other files works: publishing never removes what it did not write.
        warnings.append(
            f"site.output_dir {folder} holds {len(foreign)} file(s) aktuellt did not write "
            f"(left alone, never removed): {_names(foreign)}"
        )
    if replaced:
        # The web site's own index.html, or topics/list.rss and a topic "list": replaced, and so lost.
        warnings.append(
            f"site.output_dir {folder} holds {len(replaced)} file(s) named like documents aktuellt "
            f"publishes, which its next run replaces (fine if an earlier aktuellt wrote them): "
            f"{_names(replaced)}"
        )
    return warnings


def _names(names: list[str]) -> str:
    """The first ten of `names`, escaped, and how many more."""
    from ..sanity import escape_controls

    more = f" and {len(names) - 10} more" if len(names) > 10 else ""
    return ", ".join(escape_controls(name) for name in names[:10]) + more
