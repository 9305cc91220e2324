"""The whole output folder from the store: which documents, their bytes, and writing the changed ones.

`publish_feeds` is the publish step of a cycle: it reads the store's entries and counts, renders every
document (`catalog`, `archives`), and writes only what changed (`files`), keeping what it need not redo.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from pathlib import Path

from ..clock import utc_now
from ..config import Config
from ..models import (
    Deleted,
    Entry,
)
from ..store import Store
from .archives import archive_files, archive_url, changes_files, changes_meta
from .catalog import (
    CATALOG_FOLDERS,
    LATEST_ON_INDEX,
    STYLESHEET,
    FeedData,
    feed_catalog,
    in_config_order,
    marked_removed,
    membership,
    render_catalog,
)
from .favicon import FAVICON, favicon_fingerprint, favicon_ico
from .files import publish_all, remove_orphaned_temps, remove_stale
from .indexpage import FORMATS, IndexFeed
from .screen import keeps_date, keeps_link, renderable, sane_months

log = logging.getLogger("scraper.pipeline")  # the logger name log filters know (the module was split)


def publish_feeds(config: Config, store: Store, *, now: dt.datetime | None = None) -> list[str]:
    """Render every document of the catalog (catalog.py) from all stored items, the changes feed and the
    archives, and write the files whose bytes changed; then remove the topic and source feeds the config no
    longer has. `now` only says which year is the current one, for the archives (default: the year of the
    newest event). Returns the paths written."""
    out = config.site.output_dir
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
    archives, newest_archive = archive_files(config, store, oldest, newest, now, reuse=kept.reuse)
    # RFC 5005 §4: the subscription document points at the newest archive.
    all_links = (("prev-archive", archive_url(config, newest_archive)),)
    changes = IndexFeed(
        kind="changes",
        anchor="andringar",
        label="Ändringar",
        meta=changes_meta(config),
        count=count,
        in_document=min(count, config.site.max_items),
        updated=newest,
        formats=FORMATS[:2],  # RSS and Atom: the changes feed has no JSON Feed
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
        sink=lambda name, data: written.extend(publish_all({out / name: data})),
    )
    files = {out / name: data for name, data in documents.items()}
    index = files.pop(out / "index.html")
    files.update(changes_files(config, rows, reuse=kept.reuse))
    if not kept.reuse(FAVICON, favicon_fingerprint()):  # drawn pixel by pixel: ~10 ms, only when it changed
        files[out / FAVICON] = favicon_ico()
    written += publish_all(files)
    # The feed documents (rendered or kept) are all in kept.fingerprints.
    targets = list(files) + [out / name for name in kept.fingerprints if name not in documents]
    del files, documents  # a year's archive may be large (all of a first run's items): hold nothing else
    for year, data in archives:  # one year at a time: written before the next is rendered
        targets.append(out / "archive" / f"{year}.atom")
        if data is not None:  # None: the file on disk is the one these events render to
            written += publish_all({targets[-1]: data})
    store.save_rendered(kept.records())
    targets.append(out / "index.html")
    written += publish_all({targets[-1]: index})  # last: everything it links to exists by then
    for path in remove_stale(out, CATALOG_FOLDERS, keep=set(targets)):
        log.info("removed %s: its topic or source is no longer in the config", path)
    for path in remove_orphaned_temps(targets):
        log.info("removed %s: a temporary file an interrupted cycle left behind", path)
    return [str(path) for path in written]


class KeptDocuments:
    """Which feed documents a publish can keep as they are on disk: those rendered last time from the same
    inputs (fingerprint.fingerprint) whose file is still the one written then (same size and mtime). Most of a
    cycle's feeds do not change, and rendering them again is most of an incremental publish."""

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
                marked = entry if removed is None else marked_removed(entry, removed)
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
