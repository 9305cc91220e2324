"""The imperative shell: one cycle, fetch → extract → diff → store → render → publish.

The only module that sequences I/O. The decisions live in pure modules (extract, diff, dates, render);
this one reads like a script. `now` comes from an injected clock, read once per source, so one cycle
stamps every item it first sees with the same instant.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from . import history, push
from .articles import fetch_articles
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
    site_home,
)
from .config import Config, FetchConfig, SourceConfig
from .dates import published_instant
from .diff import diff_items, listing_hash
from .errors import ExtractError, FetchError, ScraperError, error_kind
from .extract import parse_listing
from .fetch import Fetcher, FetchSettings, post
from .identity import entry_id, feed_id
from .indexpage import FORMATS, IndexFeed
from .models import (
    ArticleJob,
    ArticleWrite,
    Change,
    Deleted,
    Entry,
    FeedMeta,
    ListingItem,
    NotModified,
    Page,
    RunReport,
    SiteDate,
    SourceReport,
    Validators,
)
from .progress import progress
from .publish import publish_all, remove_orphaned_temps, remove_stale
from .render import render_atom, render_changes_atom, render_changes_rss
from .store import ChangeRow, CycleWrite, HistoryWrite, ItemUpdate, NewItem, Store, VersionWrite, iso

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]

#: A listing whose page 1 shrinks below this share of the last good read is a layout change, not news.
SHRINK_RATIO = 0.5
#: ... but only once the yardstick is big enough for the ratio to mean something.
SHRINK_MIN_YARDSTICK = 4


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def fetch_settings(fetch: FetchConfig) -> FetchSettings:
    return FetchSettings(
        user_agent=fetch.user_agent,
        timeout=fetch.timeout,
        retries=fetch.retries,
        concurrency=fetch.concurrency,
        delay=fetch.delay,
        max_bytes=fetch.max_bytes,
    )


def run_cycle(config: Config, *, store: Store, fetcher: Fetcher, clock: Clock = utc_now) -> RunReport:
    """Run every source, then publish if any source succeeded. A failed source touches neither its items
    nor the feeds; when every source failed, no feed file is rewritten at all."""
    last_event = store.last_event_id() if config.notify.webhook else 0
    reports = tuple(
        run_source(source, store=store, fetcher=fetcher, clock=clock) for source in config.sources
    )
    written: list[str] = []
    if any(report.status != "failed" for report in reports):
        written = publish_feeds(config, store, now=clock())
        for path in written:
            log.info("wrote %s", path)
    # Push last: everything is stored and published, so a slow or broken receiver cannot undo any of it.
    if config.notify.webhook:
        notify_webhook(config, store.changes(after_id=last_event), user_agent=fetcher.settings.user_agent)
    if config.websub.hub and written:
        ping_hub(config, [Path(p) for p in written], user_agent=fetcher.settings.user_agent)
    return RunReport(sources=reports, files_written=tuple(written))


def notify_webhook(config: Config, rows: list[ChangeRow], *, user_agent: str) -> int:
    """POST one JSON document per event, oldest first; a failure is logged and never fails the cycle.
    Returns how many were delivered."""
    webhook = config.notify.webhook
    assert webhook is not None
    delivered = 0
    for row in reversed(rows):  # `changes` is newest first; receivers get them in the order they happened
        document = push.event_document(
            event_id=f"{row.entry_id}/events/{row.id}",
            kind=row.kind,
            at=iso(row.at),
            source=row.source,
            key=row.key,
            item_id=row.entry_id,
            link=row.link,
            after=row.after,
            before=row.before,
            detail=row.detail,
        )
        try:
            post(webhook, json_body=document, user_agent=user_agent, timeout=config.notify.timeout)
        except FetchError as error:
            log.warning("webhook: event %s not delivered: %s", document["id"], error)
            if delivered == 0 and len(rows) > 1:
                log.warning(
                    "webhook: receiver unreachable; %d more events of this cycle dropped", len(rows) - 1
                )
                break  # the receiver is down: do not spend the whole timeout on every event
            continue
        delivered += 1
    return delivered


def ping_hub(config: Config, written: list[Path], *, user_agent: str) -> None:
    """Tell the WebSub hub which feeds changed (hub.mode=publish); a failure is logged, never raised."""
    hub = config.websub.hub
    assert hub is not None
    for url in push.topic_urls(written, config.site.output_dir, config.site.base_url):
        try:
            post(
                hub,
                form={"hub.mode": "publish", "hub.url": url},
                user_agent=user_agent,
                timeout=5.0,
                retries=1,
            )
        except FetchError as error:
            log.warning("websub: could not ping %s for %s: %s; not pinging again this cycle", hub, url, error)
            return  # the hub is down: the other pings would fail the same way


def run_source(source: SourceConfig, *, store: Store, fetcher: Fetcher, clock: Clock) -> SourceReport:
    started = clock()
    requests_before = fetcher.requests_made
    try:
        write = read_source(source, store=store, fetcher=fetcher, started=started, clock=clock)
    except ScraperError as error:
        report = SourceReport(
            source=source.id,
            status="failed",
            requests=fetcher.requests_made - requests_before,
            error=str(error),
            error_kind=error_kind(error),
        )
        log.error("%s: failed: %s", source.id, error)
        store.record_failure(report, started, clock())
        return report
    store.commit_cycle(write)
    report = write.report
    articles = ""
    if report.articles or report.articles_failed:
        articles = f", {report.articles} articles read"
        if report.articles_failed:
            articles += f" ({report.articles_failed} failed, will retry)"
    removed = f", {report.removed} removed" if report.removed else ""
    log.info(
        "%s: %s, %d new, %d changed, %d unchanged%s, %d pages%s, %d requests, %.2fs",
        source.id,
        report.status.replace("_", " "),
        report.new,
        report.changed,
        report.unchanged,
        removed,
        report.pages,
        articles,
        report.requests,
        (write.finished - started).total_seconds(),
    )
    return report


def read_source(
    source: SourceConfig, *, store: Store, fetcher: Fetcher, started: dt.datetime, clock: Clock
) -> CycleWrite:
    """Fetch and read the source's listing pages and decide what to write. Writes nothing itself."""
    timezone = ZoneInfo(source.timezone)
    requests_before = fetcher.requests_made
    tracked = store.tracked(source.id)
    pending = history.pending_oldest(tracked)
    # An item counted missing once is confirmed (or cleared) only by a real read: no conditional GET then.
    stored_validators = store.validators(source.url) if pending is None else Validators()
    response = fetcher.get(source.url, stored_validators)
    if isinstance(response, NotModified):
        # The listing is unchanged, but retries and re-checks of article pages may be due.
        articles = _articles(source, [], store=store, fetcher=fetcher, tz=timezone, now=started)
        report = SourceReport(
            source.id,
            "not_modified",
            requests=fetcher.requests_made - requests_before,
            articles=sum(1 for a in articles if not a.failed),
            articles_failed=sum(1 for a in articles if a.failed),
        )
        # RFC 9111 §4.3.4: a 304 may carry fresher validators; keep them (no write when they are the same).
        refreshed = Validators(
            etag=response.etag or stored_validators.etag,
            last_modified=response.last_modified or stored_validators.last_modified,
        )
        plan = _plan_history(
            [],
            articles,
            tracked,
            store.latest_versions(source.id, [a.key for a in articles]),
            listing_read=False,
            reached_end=False,
        )
        return CycleWrite(
            report, started, clock(), validators={source.url: refreshed}, articles=articles, history=plan
        )

    items, pages, first_page_items, reached_end = _read_pages(
        source, response, store=store, fetcher=fetcher, tz=timezone, pending=pending
    )
    diff = diff_items(items, store.known(source.id, [item.key for item in items]))
    new = [_new_item(source, item, timezone, started) for item in diff.new]
    updates = [_update(source, item, bump=True) for item in diff.changed]
    updates += [_update(source, item, bump=False) for item in diff.relinked]
    jobs = [ArticleJob(n.key, n.link, n.published, "new") for n in new]
    changed = store.article_states(source.id, [item.key for item in diff.changed])
    published = store.published(source.id, [item.key for item in diff.changed])
    jobs += [
        ArticleJob(item.key, item.link, published[item.key], "changed", changed.get(item.key))
        for item in diff.changed
        if item.key in published
    ]
    articles = _articles(source, jobs, store=store, fetcher=fetcher, tz=timezone, now=started)
    plan = _plan_history(
        items,
        articles,
        tracked,
        store.latest_versions(source.id, {*(i.key for i in items), *(a.key for a in articles)}),
        listing_read=True,
        reached_end=reached_end,
    )
    report = SourceReport(
        source=source.id,
        status="ok",
        new=len(diff.new),
        changed=len(diff.changed),
        unchanged=len(diff.unchanged) + len(diff.relinked),
        removed=len(plan.removed),
        pages=pages,
        requests=fetcher.requests_made - requests_before,
        articles=sum(1 for a in articles if not a.failed),
        articles_failed=sum(1 for a in articles if a.failed),
    )
    return CycleWrite(
        report=report,
        started=started,
        finished=clock(),
        first_page_items=first_page_items,
        new=new,
        updates=updates,
        seen_keys=[item.key for item in items],
        validators={source.url: Validators(etag=response.etag, last_modified=response.last_modified)},
        articles=articles,
        history=plan,
    )


def _plan_history(
    items: list[ListingItem],
    articles: list[ArticleWrite],
    tracked: list[history.Tracked],
    latest: dict[str, tuple[int, history.Version]],
    *,
    listing_read: bool,
    reached_end: bool,
) -> HistoryWrite:
    """Versions to record and removals to count, from what this cycle read (see scraper.history): the
    listing's items (when it was read: not on a 304) and the article pages fetched."""
    observed: dict[str, history.Version] = {
        item.key: history.Version(item.title, item.summary, _site_date_text(item.published)) for item in items
    }
    for article in articles:
        content = article.content
        if content is None:
            continue
        base = observed.get(article.key) or (latest[article.key][1] if article.key in latest else None)
        if base is None:
            continue  # an article of an item the store does not know: nothing to version it against
        updated = iso(content.site_updated) if content.site_updated else None
        observed[article.key] = replace(base, body_text=content.body_text, article_updated=updated)
    versions: list[VersionWrite] = []
    for key, version in observed.items():
        if key not in latest:
            versions.append(VersionWrite(key, version, "new"))
            continue
        revision, previous = latest[key]
        compared = history.compare(previous, version)
        if compared.action != "same":
            kind = "edited" if compared.action == "edit" else "fill"
            versions.append(VersionWrite(key, compared.version, kind, revision))
    seen = {item.key for item in items}
    decision = history.MissingDecision(missing={})
    if listing_read:
        decision = history.missing(
            tracked,
            seen,
            oldest_read=min((item.published.day for item in items), default=None),
            reached_end=reached_end,
        )
    removed = [(key, "listing") for key in decision.removed]
    # An article page answering 404/410 confirms at once that an item the listing no longer shows is gone
    # (one the listing still shows is a broken link, not a withdrawal).
    present = {t.key for t in tracked if not t.removed} | {
        key for key, v in observed.items() if key not in latest
    }
    for article in articles:
        if article.status == "gone" and article.key in present and article.key not in seen:
            if article.key not in decision.removed and article.key in latest:
                removed.append((article.key, f"http {article.http_status}"))
    missing = {k: n for k, n in decision.missing.items() if k not in dict(removed)}
    return HistoryWrite(
        versions=versions,
        missing=missing,
        back=decision.back,
        removed=removed,
        restored=decision.restored,
    )


def _articles(
    source: SourceConfig,
    jobs: list[ArticleJob],
    *,
    store: Store,
    fetcher: Fetcher,
    tz: ZoneInfo,
    now: dt.datetime,
) -> list[ArticleWrite]:
    """Fetch the article pages of `jobs` plus every stored one that is due (retries, re-checks, backfill)."""
    if not source.articles:
        return []
    planned = {job.key for job in jobs}
    for key, link, published, state in store.due_articles(source.id, now):
        if key not in planned:
            reason = "backfill" if state is None else ("retry" if state.status == "pending" else "recheck")
            jobs.append(ArticleJob(key, link, published, reason, state))
    if not jobs:
        return []
    with progress(f"{source.id}: artiklar", len(jobs)) as advance:
        return fetch_articles(
            jobs,
            fetcher,
            concurrency=fetcher.settings.concurrency,
            tz=tz,
            now=now,
            on_done=lambda _write: advance(),
        )


def _read_pages(
    source: SourceConfig,
    first: Page,
    *,
    store: Store,
    fetcher: Fetcher,
    tz: ZoneInfo,
    pending: dt.date | None = None,
) -> tuple[list[ListingItem], int, int, bool]:
    """Read page 1 and follow "next" links until a page holds nothing new or max_pages is reached; also
    keep going while an item counted missing is older than anything read so far (to confirm or clear it).
    The last value says whether the read reached the listing's last page."""
    page = parse_listing(first.text, first.url, timezone=tz, selectors=source.selectors)
    _log_skipped(source, page.skipped)
    if not page.items:
        raise ExtractError(
            f"{source.url}: the listing yielded no items; the page layout has probably changed", url=first.url
        )
    yardstick = store.first_page_yardstick(source.id)
    if yardstick and yardstick >= SHRINK_MIN_YARDSTICK and len(page.items) < yardstick * SHRINK_RATIO:
        raise ExtractError(
            f"{source.url}: page 1 held {len(page.items)} items where it usually holds {yardstick}; "
            "the page layout has probably changed",
            url=first.url,
        )
    first_page_items = len(page.items)
    items = list(page.items)
    seen = {item.key for item in items}
    visited = {first.url}
    pages = 1
    while page.next_url and pages < source.max_pages:
        oldest = min(item.published.day for item in items)
        if len(store.known(source.id, [item.key for item in page.items])) == len(page.items) and (
            pending is None or pending > oldest
        ):
            break  # everything on this page is known: older pages hold nothing new
        if page.next_url in visited:
            log.warning("%s: next-page link loops back to %s; stopping", source.id, page.next_url)
            break
        visited.add(page.next_url)
        response = fetcher.get(page.next_url)
        assert isinstance(response, Page)  # no validators were sent, so no 304
        page = parse_listing(
            response.text, response.url, timezone=tz, selectors=source.selectors, position_start=len(items)
        )
        pages += 1
        _log_skipped(source, page.skipped)
        fresh = [item for item in page.items if item.key not in seen]
        seen.update(item.key for item in fresh)
        items.extend(fresh)
    return items, pages, first_page_items, page.next_url is None


def _log_skipped(source: SourceConfig, skipped: tuple[str, ...]) -> None:
    for line in skipped:
        log.warning("%s: %s", source.id, line)


def _site_date_text(site_date: SiteDate) -> str:
    text = site_date.day.isoformat()
    if site_date.time is not None:
        text += "T" + site_date.time.isoformat(timespec="minutes")
    return text


def _new_item(source: SourceConfig, item: ListingItem, tz: ZoneInfo, first_seen: dt.datetime) -> NewItem:
    return NewItem(
        source=source.id,
        key=item.key,
        entry_id=entry_id(source.url, source.id, item.key),
        title=item.title,
        summary=item.summary,
        link=item.link,
        site_date=_site_date_text(item.published),
        published=published_instant(item.published, tz, first_seen),
        content_hash=listing_hash(item),
        position=item.position,
    )


def _update(source: SourceConfig, item: ListingItem, *, bump: bool) -> ItemUpdate:
    return ItemUpdate(
        source=source.id,
        key=item.key,
        title=item.title,
        summary=item.summary,
        link=item.link,
        content_hash=listing_hash(item),
        bump=bump,
    )


def publish_feeds(config: Config, store: Store, *, now: dt.datetime | None = None) -> list[str]:
    """Render every document of the catalog (catalog.py) from all stored items, the changes feed and the
    archives, and write the files whose bytes changed; then remove the topic and source feeds the config no
    longer has. `now` only says which year is the current one, for the archives (default: the year of the
    newest event). Returns the paths written."""
    out = config.site.output_dir
    deleted = tombstones(store, config.site.max_items)
    count, oldest, newest = store.event_summary()
    rows = store.changes(limit=config.site.max_items)  # the changes feed shows only the newest
    archives, newest_archive = archive_files(config, store, oldest, newest, now)
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
    kept = KeptDocuments(out, store.rendered())
    documents = render_catalog(
        config,
        feed_data(config, store, now),
        store.month_counts(),
        stylesheet(),
        deleted=deleted,
        all_atom_links=all_links,
        also_listed=[changes],
        reuse=kept.reuse,
    )
    files = {out / name: data for name, data in documents.items()}
    index = files.pop(out / "index.html")
    files.update(changes_files(config, rows))
    written = publish_all(files)
    targets = list(files) + [out / name for name in kept.fingerprints if name not in documents]
    store.save_rendered(kept.records())
    for year, data in archives:  # one year at a time: written before the next is rendered
        targets.append(out / "archive" / f"{year}.atom")
        written += publish_all({targets[-1]: data})
    targets.append(out / "index.html")
    written += publish_all({targets[-1]: index})  # last: everything it links to exists by then
    for path in remove_stale(out, CATALOG_FOLDERS, keep=set(targets)):
        log.info("removed %s: its topic or source is no longer in the config", path)
    for path in remove_orphaned_temps(targets):
        log.info("removed %s: a temporary file an interrupted cycle left behind", path)
    return [str(path) for path in written]


class KeptDocuments:
    """Which feed documents a publish can keep as they are on disk: those rendered last time from the same
    inputs (catalog.fingerprint) whose file is still the one written then (same size and mtime). Most of a
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
    With `site.removed = "mark"`, items removed in the last `removed_days` stay, marked."""
    rules_hash, feeds_of = membership(config)
    store.sync_memberships(rules_hash, feeds_of)
    summaries = store.feed_summaries()
    keep = max(config.site.max_items, LATEST_ON_INDEX)
    removed_since = None
    if config.site.removed == "mark":
        removed_since = (now or utc_now()) - dt.timedelta(days=config.site.removed_days)
    data: dict[str, FeedData] = {}
    shown: dict[str, Entry] = {}  # one object per item across feeds (fingerprints reuse its repr)
    for feed in feed_catalog(config):
        path = feed.meta.path
        count, updated = summaries.get(path, (0, None))
        head = []
        for entry, removed in store.feed_entries(path, keep, removed_since=removed_since):
            if entry.entry_id not in shown:
                marked = entry if removed is None else marked_removed(entry, removed)
                shown[entry.entry_id] = in_config_order(config, marked)
            head.append(shown[entry.entry_id])
        data[path] = FeedData(count=count, updated=updated, head=head)
    return data


def stylesheet() -> bytes:
    """The XSLT shipped in the package (scraper/static/feed.xsl), copied into the output folder."""
    return (resources.files(__package__) / "static" / STYLESHEET).read_bytes()


def archive_url(config: Config, year: int) -> str:
    return f"{config.site.base_url}archive/{year}.atom"


def archive_files(
    config: Config,
    store: Store,
    oldest: dt.datetime | None,
    newest: dt.datetime | None,
    now: dt.datetime | None,
) -> tuple[Iterator[tuple[int, bytes]], int]:
    """RFC 5005 archive documents, archive/<year>.atom: every version that entered the feed in that year.

    Returns the documents to write, rendered lazily one year at a time (a first publish over a long history
    holds one year's events and document, not all of them), and the newest archive's year. A year is
    rendered only while it can still change: the current (newest) year, and an earlier year whose file is
    missing or does not yet carry its `next-archive` link (the year just ended). Events are only ever added
    at the time they are observed, so a completed year's document never changes and its file is kept as it
    is; only the events of the years rendered are loaded. `oldest`/`newest` are the stored events' extremes
    (store.event_summary); `now` says which year is the current one (default: the newest event's)."""
    first = config.sources[0]
    tz = ZoneInfo(first.timezone)
    current = (now or newest or dt.datetime.now(dt.UTC)).astimezone(tz).year
    first_year = oldest.astimezone(tz).year if oldest is not None else current
    ordered = list(range(first_year, max(current, first_year) + 1))
    folder = config.site.output_dir / "archive"
    due = [year for year in ordered if year == ordered[-1] or not _archive_complete(folder / f"{year}.atom")]

    def documents() -> Iterator[tuple[int, bytes]]:
        for year in due:
            index = ordered.index(year)
            rows = []
            if oldest is not None:
                start, end = dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)
                rows = store.changes(since=start, until=end)
            events = [
                history.ArchiveEvent(
                    r.id, r.kind, r.at, r.source, r.key, r.entry_id, r.link, r.published, r.after
                )
                for r in rows
            ]
            entries, deleted = history.archive_years(events, tz, year, year)[year]
            yield year, render_atom(_archive_meta(config, ordered, index), entries, deleted)

    return documents(), ordered[-1]


def _archive_meta(config: Config, ordered: list[int], index: int) -> FeedMeta:
    """The head of archive/<year>.atom for `ordered[index]`, linking to its neighbours."""
    first = config.sources[0]
    year = ordered[index]
    links = [("current", f"{config.site.base_url}all.atom")]
    if index > 0:
        links.append(("prev-archive", archive_url(config, ordered[index - 1])))
    if index + 1 < len(ordered):
        links.append(("next-archive", archive_url(config, ordered[index + 1])))
    return FeedMeta(
        path=f"archive/{year}",
        title=f"{config.site.title} – arkiv {year}",
        subtitle=f"Alla versioner av nyheterna som kom in i flödet under {year}",
        feed_id=feed_id(first.url, f"archive/{year}"),
        base_url=config.site.base_url,
        home_url=site_home(config),
        language=config.site.language,
        timezone=first.timezone,
        links=tuple(links),
        archive=True,
    )


def _archive_complete(path: Path) -> bool:
    """Whether a completed year's archive file exists and already links to the next year (the link sits in
    the feed's head, before any entry, so the first 64 KiB hold it)."""
    try:
        with path.open("rb") as file:
            return b'rel="next-archive"' in file.read(65536)
    except FileNotFoundError:
        return False


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


def changes_meta(config: Config) -> FeedMeta:
    first = config.sources[0]
    return FeedMeta(
        path="changes",
        title=f"{config.site.title} – ändringar",
        subtitle="Nya, ändrade och borttagna nyheter, med vad som ändrades",
        feed_id=feed_id(first.url, "changes"),
        base_url=config.site.base_url,
        home_url=site_home(config),
        language=config.site.language,
        timezone=first.timezone,
        stylesheet=STYLESHEET,  # a browser opening changes.rss shows a page, like every other feed
    )


def changes_files(config: Config, rows: list[ChangeRow]) -> dict[Path, bytes]:
    """changes.rss / changes.atom: the given (newest) events, each its own entry."""
    meta = replace(changes_meta(config), hub=config.websub.hub)
    changes = [
        Change(
            event_id=f"{row.entry_id}/events/{row.id}",
            kind=row.kind,
            at=row.at,
            item_id=row.entry_id,
            title=history.change_title(row.kind, row.after.title),
            link=row.link,
            content_html=history.change_content(row.kind, row.after, row.before, row.detail),
        )
        for row in rows
    ]
    out = config.site.output_dir
    return {
        out / "changes.rss": render_changes_rss(meta, changes),
        out / "changes.atom": render_changes_atom(meta, changes),
    }
