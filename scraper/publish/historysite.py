"""The publish step's share for people reading the history: changes.html and history/<name>.html.

Incremental, like the feeds: a history page is rendered again only for the items in the store's queue
(`history_pending`, filled by triggers when an item gets an event, a version is filled in or its link
changes), and changes.html only when an event was added, a queued item changed, or its inputs did (the
config's titles and topics, the renderers' code). Every page is rendered again, once, when the renderers or
those config values change (their fingerprint is recorded as "history/*"). One edit in a 100,000-item
store so writes two files here: its page and changes.html (make bench).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path

from ..config import Config
from ..store import ChangeRow, Store
from .catalog import fingerprint, membership
from .changespage import CHANGES_ON_PAGE, PageEvent, render_changes_page
from .diffs import change_time
from .historypage import HISTORY_FOLDER, PageSite, page_path, render_history_page

log = logging.getLogger(__name__)

#: The name under which the history pages' fingerprint is recorded with the feed documents' records.
PAGES_RECORD = "history/*"
CHANGES_HTML = "changes.html"


def page_site(config: Config) -> PageSite:
    first = config.sources[0]
    return PageSite(config.site.title, config.site.language, first.timezone, config.site.base_url)


def _fingerprint(config: Config, name: str, *extra: object) -> str:
    """Everything the pages are rendered from besides the store: the renderers' code and config values."""
    topics = [(topic.id, topic.title) for topic in config.topics]
    return fingerprint(name, (page_site(config), [(s.id, s.title) for s in config.sources], topics, *extra))


class HistoryPages:
    """One publish's history pages (`stored`: their fingerprint recorded last time; `count`: the events
    stored): `write` renders and writes what is due; then `code` (their fingerprint, recorded with the feed
    documents' records) and `done` (the queue emptied)."""

    def __init__(
        self, config: Config, store: Store, reuse: Callable[[str, str], bool], stored: str | None, count: int
    ) -> None:
        self.config = config
        self.store = store
        self.out = config.site.output_dir
        self.code = _fingerprint(config, PAGES_RECORD)
        self.queued, self.last_row = store.pages.pending_history()
        # Everything again after a change of the renderers or config; or when the folder went missing (but
        # not every time for a store that has no page yet, whose folder was never made).
        missing = not (self.out / HISTORY_FOLDER).is_dir() and bool(store.pages.keys_with_history(limit=1))
        self.full = stored != self.code or missing
        self.rendered: list[Path] = []  #: every page rendered, written or not (publish cleans beside them)
        self.count = count
        # The topic rules too: they decide which topics (filters) each event carries.
        inputs = (store.events.last_event_id(), self.count, membership(config)[0])
        # Asked always, so its record is kept (KeptDocuments forgets a document it was not asked about).
        fresh = reuse(CHANGES_HTML, _fingerprint(config, CHANGES_HTML, *inputs))
        # A queued item may show on changes.html (a filled-in version, a new link): render it again then.
        self.changes_due = self.full or bool(self.queued) or not fresh

    def write(self, publish: Callable[[Mapping[Path, bytes]], list[Path]]) -> list[Path]:
        """Write the due history pages, rendered one at a time (a first publish of a long history holds one
        page, not all of them), then changes.html (which links to them) when due, each through `publish`
        (the output folder's manifest: these are files aktuellt wrote); returns the paths written."""
        keys = self.store.pages.keys_with_history(None if self.full else self.queued)
        if self.full and keys:
            log.info("writing the history pages of %d items", len(keys))
        site = page_site(self.config)
        sources = {source.id: source.title for source in self.config.sources}
        written: list[Path] = []
        for key in keys:
            records = sorted(self.store.revisions.records(key), key=lambda record: record.source)
            if records:
                self.rendered.append(self.out / page_path(key))
                written += publish({self.rendered[-1]: render_history_page(site, records, sources)})
        if self.changes_due:
            written += publish({self.out / CHANGES_HTML: self._changes_page(site)})
        return written

    def _changes_page(self, site: PageSite) -> bytes:
        rows = self.store.events.changes(limit=CHANGES_ON_PAGE)
        with_pages = set(self.store.pages.keys_with_history({row.key for row in rows}))
        topics = self.store.pages.item_topics((row.source, row.key) for row in rows)
        events = sorted(
            (
                PageEvent(
                    row,
                    change_time(row.kind, row.at, row.published),
                    topics.get((row.source, row.key), ()),
                    page_path(row.key) if row.key in with_pages else None,
                )
                for row in rows
            ),
            key=lambda event: (event.at, event.row.id),
            reverse=True,
        )
        topic_list = [(topic.id, topic.title) for topic in self.config.topics]
        return render_changes_page(site, events, topic_list, self.count)

    def done(self) -> None:
        """Empty the queue up to what this publish read (its pages are written)."""
        self.store.pages.done_history(self.last_row)


def history_links(config: Config, store: Store, rows: list[ChangeRow]) -> dict[str, str]:
    """The history page's URL of each key among `rows` that has one (the changes feed links them)."""
    keys = store.pages.keys_with_history({row.key for row in rows})
    return {key: config.site.base_url + page_path(key) for key in keys}
