"""The imperative shell: one cycle, fetch → extract → diff → store → render → publish.

The only module that sequences I/O. The decisions live in pure modules (extract, diff, dates, render);
this one reads like a script. `now` comes from an injected clock, read once per source, so one cycle
stamps every item it first sees with the same instant.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from . import history, sanity
from .config import Config, FetchConfig, SourceConfig
from .dates import published_instant
from .diff import diff_items, listing_hash
from .errors import ExtractError, FetchError, ScraperError, error_kind
from .identity import entry_id, feed_id
from .models import (
    ArticleJob,
    ArticleWrite,
    Change,
    Deleted,
    Entry,
    FeedMeta,
    ListingItem,
    ListingPage,
    NotModified,
    Page,
    RunReport,
    SiteDate,
    SourceReport,
    Validators,
)
from .progress import progress
from .publish import push
from .publish.catalog import (
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
from .publish.favicon import FAVICON, favicon_ico
from .publish.files import publish_all, remove_orphaned_temps, remove_stale
from .publish.indexpage import FORMATS, IndexFeed
from .publish.render import render_atom, render_changes_atom, render_changes_rss
from .source.articles import fetch_articles
from .source.extract import AdvertisedFeed, advertised_feeds, looked_for, parse_listing
from .source.fetch import Fetcher, FetchSettings, post
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


def source_hosts(source: SourceConfig) -> tuple[str, ...]:
    """The hosts a source's requests may go to: the listing URL's own (with its port when it names one),
    then `allowed_hosts`. Written as `allowed_hosts` entries are (config._host_entry)."""
    parts = urlsplit(source.url)
    host = (parts.hostname or "").lower()
    shown = f"[{host}]" if ":" in host else host
    return (shown if parts.port is None else f"{shown}:{parts.port}", *source.allowed_hosts)


def source_budget(source: SourceConfig, fetch: FetchConfig) -> float:
    """Seconds one source may spend fetching in a cycle: `delay` + `timeout` for each request it may plan
    (robots.txt, every listing page, an article page and a lead-image HEAD per article). Generous for a
    healthy site (~39 min with the defaults, where a normal cycle takes seconds), it only bounds a hostile or
    broken one, so the lock is never held for ever."""
    requests = 1 + source.max_pages + 2 * source.max_articles_per_cycle
    return requests * (fetch.delay + fetch.timeout)


def run_cycle(config: Config, *, store: Store, fetcher: Fetcher, clock: Clock = utc_now) -> RunReport:
    """Run every source, then publish if any source succeeded. A failed source touches neither its items
    nor the feeds; when every source failed, no feed file is rewritten at all."""
    last_event = store.last_event_id() if config.notify.webhook else 0
    reports = tuple(
        run_source(
            source, store=store, fetcher=fetcher, clock=clock, budget=source_budget(source, config.fetch)
        )
        for source in config.sources
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


def run_source(
    source: SourceConfig, *, store: Store, fetcher: Fetcher, clock: Clock, budget: float | None = None
) -> SourceReport:
    started = clock()
    requests_before = fetcher.requests_made
    try:
        try:
            with fetcher.confined(source_hosts(source), budget=budget):
                write = read_source(source, store=store, fetcher=fetcher, started=started, clock=clock)
        except MemoryError:
            # A hostile source can still find a way to exhaust memory (parsing, say): that fails the source,
            # like any other fetch failure, rather than the whole run with a traceback.
            raise FetchError(f"{source.url}: ran out of memory reading the source", url=source.url) from None
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

    # The cycle's day gives dates printed without a year ("8 juni") their year.
    today = started.astimezone(timezone).date()
    if source.type == "feed":
        items, pages, first_page_items, reached_end, refused = _read_feed(
            source, response, tz=timezone, now=started
        )
    else:
        items, pages, first_page_items, reached_end, refused = _read_pages(
            source,
            response,
            store=store,
            fetcher=fetcher,
            tz=timezone,
            pending=pending,
            now=started,
            known=bool(tracked),
            today=today,
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
    if source.type != "feed":  # a feed vouches for no removal, so it has none to confirm
        jobs += _confirm_jobs(source, items, refused, tracked, reached_end, store=store)
    articles = _articles(source, jobs, store=store, fetcher=fetcher, tz=timezone, now=started)
    plan = _plan_history(
        items,
        articles,
        tracked,
        store.latest_versions(source.id, {*(i.key for i in items), *(a.key for a in articles)}),
        listing_read=True,
        reached_end=reached_end,
        refused=refused,
        # A feed shows only its newest entries: one that falls out of it is old, not withdrawn.
        absent_means_gone=source.type != "feed",
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
    refused: frozenset[str] = frozenset(),
    absent_means_gone: bool = True,
) -> HistoryWrite:
    """Versions to record and removals to count, from what this cycle read (see scraper.history): the
    listing's items (when it was read: not on a 304) and the article pages fetched. `refused` are the keys
    of items the listing showed but the cycle refused (a date or link no item may have): still on the site,
    so never missing. Without `absent_means_gone` the read vouches for no date, so nothing it lacks is
    counted missing (a feed)."""
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
    seen = {item.key for item in items} | refused
    decision = history.MissingDecision(missing={})
    if listing_read and absent_means_gone:
        decision = _missing(items, refused, tracked, reached_end)
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
    # Missing again where a short read could not confirm it, but its article page is still there: the item
    # is on the site (re-dated past the pages read, most likely). Its count starts over.
    alive = [a.key for a in articles if a.key in decision.unconfirmed and a.status == "ok"]
    return HistoryWrite(
        versions=versions,
        missing=missing,
        back=(*decision.back, *alive),
        removed=removed,
        restored=decision.restored,
    )


def _missing(
    items: list[ListingItem], refused: frozenset[str], tracked: list[history.Tracked], reached_end: bool
) -> history.MissingDecision:
    return history.missing(
        tracked,
        {item.key for item in items} | refused,
        oldest_read=_oldest_day(items),
        reached_end=reached_end,
    )


def _confirm_jobs(
    source: SourceConfig,
    items: list[ListingItem],
    refused: frozenset[str],
    tracked: list[history.Tracked],
    reached_end: bool,
    *,
    store: Store,
) -> list[ArticleJob]:
    """Article pages that decide an unconfirmed removal (see history.missing): a 404 or 410 confirms it,
    a page that is still there clears it."""
    keys = list(_missing(items, refused, tracked, reached_end).unconfirmed)
    if not keys or not source.articles:
        return []
    known = store.known(source.id, keys)
    published = store.published(source.id, keys)
    states = store.article_states(source.id, keys)
    return [
        ArticleJob(key, known[key].link, published[key], "confirm", states.get(key))
        for key in keys
        if key in known and key in published and sanity.web_url(known[key].link)
    ]


def _articles(
    source: SourceConfig,
    jobs: list[ArticleJob],
    *,
    store: Store,
    fetcher: Fetcher,
    tz: ZoneInfo,
    now: dt.datetime,
) -> list[ArticleWrite]:
    """Fetch the article pages of `jobs` plus every stored one that is due (retries, re-checks, backfill):
    only those on a host the source allows (the others keep their listing data), at most
    `max_articles_per_cycle`, newest first; the rest are due again next cycle (an item with no article row is
    a backfill), so a listing of thousands of new items is worked through a cycle at a time."""
    if not source.articles:
        return []
    planned = {job.key for job in jobs}
    for key, link, published, state in store.due_articles(source.id, now):
        if key not in planned:
            reason = "backfill" if state is None else ("retry" if state.status == "pending" else "recheck")
            jobs.append(ArticleJob(key, link, published, reason, state))
    for job in jobs:
        if not fetcher.allows(job.url) and job.reason in ("new", "changed"):
            log.info("%s: article %s is on a host the source does not allow; not fetched", source.id, job.url)
    jobs = sorted(
        (job for job in jobs if fetcher.allows(job.url)), key=lambda job: job.published, reverse=True
    )
    if len(jobs) > source.max_articles_per_cycle:
        log.info(
            "%s: %d article pages due; fetching the newest %d, the rest in later cycles",
            source.id,
            len(jobs),
            source.max_articles_per_cycle,
        )
        jobs = jobs[: source.max_articles_per_cycle]
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
    today: dt.date,
    pending: dt.date | None = None,
    now: dt.datetime | None = None,
    known: bool = False,
) -> tuple[list[ListingItem], int, int, bool, frozenset[str]]:
    """Read page 1 and follow "next" links until a page holds nothing new or max_pages is reached; while an
    item is counted missing, go on to the listing's end (to confirm it gone, or find it re-dated further
    down). Returns the items accepted, the pages read, page 1's item count, whether the read reached the
    listing's last page, and the keys of the items refused (see `_accept`). A page that was cut off is an
    ExtractError. `known`: the store holds items of this source (so a page of none is a change, not a page
    that was never understood)."""
    now = now or utc_now()
    page = parse_listing(first.text, first.url, **_listing_options(source, tz, today))
    logged: set[str] = set()  # a teaser repeated on every page is named once per read
    _log_skipped(source, page.skipped, logged)
    feeds = advertised_feeds(first.text, first.url)
    if feeds:  # page 1 only: one line per cycle, not one per page
        log.info('%s: %s; consider type = "feed"', source.id, _feeds_phrase(feeds))
    yardstick = store.first_page_yardstick(source.id)
    if not page.items and (known or yardstick is not None):
        raise ExtractError(
            f"{source.url}: the listing yielded no items; the page layout has probably changed", url=first.url
        )
    if not page.items:
        raise ExtractError(_nothing_found(source, page, feeds), url=first.url)
    _check_complete(first, page)
    if yardstick and yardstick >= SHRINK_MIN_YARDSTICK and len(page.items) < yardstick * SHRINK_RATIO:
        raise ExtractError(
            f"{source.url}: page 1 held {len(page.items)} items where it usually holds {yardstick}; "
            "the page layout has probably changed",
            url=first.url,
        )
    first_page_items = len(page.items)
    items, refused = _accept(source, page, now)
    seen = {item.key for item in page.items}
    visited = {first.url}
    pages = 1
    while page.next_url and pages < source.max_pages:
        if pending is None and len(store.known(source.id, [i.key for i in page.items])) == len(page.items):
            break  # everything on this page is known: older pages hold nothing new
        if page.next_url in visited:
            log.warning("%s: next-page link loops back to %s; stopping", source.id, page.next_url)
            break
        if not fetcher.allows(page.next_url):
            log.warning("%s: next-page link %s is on another host; stopping", source.id, page.next_url)
            break
        visited.add(page.next_url)
        response = fetcher.get(page.next_url)
        assert isinstance(response, Page)  # no validators were sent, so no 304
        page = parse_listing(
            response.text, response.url, position_start=len(items), **_listing_options(source, tz, today)
        )
        pages += 1
        _log_skipped(source, page.skipped, logged)
        _check_complete(response, page)
        fresh = [item for item in page.items if item.key not in seen]
        seen.update(item.key for item in fresh)
        accepted, more_refused = _accept(source, replace(page, items=tuple(fresh)), now)
        items.extend(accepted)
        refused |= more_refused
    return items, pages, first_page_items, page.next_url is None, frozenset(refused)


def _check_complete(response: Page, page: ListingPage) -> None:
    """A listing page cut off mid-way is a failed read, not a shorter listing (issue 11, item 14)."""
    last = page.items[-1].key if page.items else None
    if reason := sanity.cut_off(response.text, last):
        raise ExtractError(f"{response.url}: {reason}", url=response.url)


def _accept(source: SourceConfig, page: ListingPage, now: dt.datetime) -> tuple[list[ListingItem], set[str]]:
    """The items of `page` the store may take, and the keys of those it may not: an item whose link is not
    http(s) (a `javascript:` link would be a script in every reader's hands), or whose date lies outside
    1990 … a year after `now` (no real news date; "9999" broke every publish). Each refusal is one warning
    naming the item; the rest go on."""
    accepted: list[ListingItem] = []
    refused: set[str] = set()
    for item in page.items:
        if not sanity.web_url(item.link):
            reason = "its link is not an http(s) URL"
        elif item.published is not None and not sanity.sane_day(item.published.day, now):
            reason = f"its date {item.published.day.isoformat()} is before 1990 or over a year ahead"
        else:
            accepted.append(item)
            continue
        refused.add(item.key)
        log.warning("%s: item %r (%s) refused: %s", source.id, item.title, item.link, reason)
    return accepted, refused


def _nothing_found(source: SourceConfig, page: ListingPage, feeds: list[AdvertisedFeed]) -> str:
    """The error for a source never read successfully whose page gives no items: most likely the page was
    never one the extractor understands (not a layout change), so say what was looked for and what to try."""
    message = f"{source.url}: found no news items: looked for {looked_for(source.selectors)}"
    if page.skipped:
        message += f" ({len(page.skipped)} left out, first: {page.skipped[0]})"
    message += f"; run `aktuellt probe {source.url}` to see what the page holds and the config that reads it"
    if feeds:
        message += f'; {_feeds_phrase(feeds)}: a source with type = "feed" reads it'
    return message


def _feeds_phrase(feeds: list[AdvertisedFeed]) -> str:
    """'the page advertises a feed (RSS-flöde för …) at URL', naming every feed the page advertises."""
    named = [f"({feed.title}) at {feed.url}" if feed.title else f"at {feed.url}" for feed in feeds]
    what = "a feed" if len(feeds) == 1 else f"{len(feeds)} feeds"
    return f"the page advertises {what} " + ", ".join(named)


def _read_feed(
    source: SourceConfig, response: Page, *, tz: ZoneInfo, now: dt.datetime
) -> tuple[list[ListingItem], int, int, bool, frozenset[str]]:
    """Read a `type = "feed"` source: one document (no paging), its entries as listing items, screened
    like a listing's (`_accept`). A document that is no feed, or a feed with no usable entries, fails the
    source."""
    # Imported here: feedparser takes ~40 ms to import, which listing-only installs need not pay.
    from .source.feedsource import parse_feed

    try:
        page = parse_feed(response.text, response.url, timezone=tz)
    except ExtractError as error:
        raise ExtractError(error.message + _not_a_feed_hint(response), url=response.url) from None
    _log_skipped(source, page.skipped)
    if not page.items:
        reason = f" ({len(page.skipped)} left out, first: {page.skipped[0]})" if page.skipped else ""
        raise ExtractError(f"{source.url}: the feed holds no entries{reason}", url=response.url)
    items, refused = _accept(source, page, now)
    # reached_end is False: a feed shows its newest entries, never the whole history.
    return items, 1, len(page.items), False, frozenset(refused)


def _not_a_feed_hint(response: Page) -> str:
    """For a feed source that got an HTML page: the feed the page advertises, or what else the URL may be."""
    if feeds := advertised_feeds(response.text, response.url):
        return f"; {_feeds_phrase(feeds)}: set sources[].url to it"
    if "<html" in response.text[:4096].lower():
        return '; it is an HTML page: for a news listing, leave out type = "feed"'
    return ""


def _listing_options(source: SourceConfig, tz: ZoneInfo, today: dt.date) -> dict[str, Any]:
    """The source's settings for `parse_listing`."""
    return {
        "timezone": tz,
        "selectors": source.selectors,
        "date_order": source.date_order,
        "key_params": source.key_params,
        "today": today,
    }


def _oldest_day(items: list[ListingItem]) -> dt.date | None:
    """The oldest listing date among `items` (undated items say nothing about how far a read reached)."""
    return min((item.published.day for item in items if item.published is not None), default=None)


def _log_skipped(source: SourceConfig, skipped: tuple[str, ...], logged: set[str] | None = None) -> None:
    """One warning per item left out; with `logged`, a line already given in this read is not repeated."""
    for line in skipped:
        if logged is not None:
            if line in logged:
                continue
            logged.add(line)
        log.warning("%s: %s", source.id, line)


def _site_date_text(site_date: SiteDate | None) -> str:
    if site_date is None:
        return ""  # undated on the page: dated by first sight, and never counted missing (no position)
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
        published=item.instant or _published(item, tz, first_seen),
        content_hash=listing_hash(item),
        position=item.position,
        date_source=item.date_source,
    )


def _published(item: ListingItem, tz: ZoneInfo, first_seen: dt.datetime) -> dt.datetime:
    """An item's published instant: from its listing date (see dates.published_instant), or, for an item the
    page shows without a date, the moment it was first seen."""
    if item.published is None:
        return first_seen
    return published_instant(item.published, tz, first_seen, item.position)


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
    window = now or utc_now()  # what counts as a sane date (see scraper.sanity)
    deleted = [
        t for t in tombstones(store, config.site.max_items) if _linkable(f"tombstone {t.entry_id}", t.link)
    ]
    count, oldest, newest = store.event_summary()
    # the changes feed shows only the newest
    rows = [
        r
        for r in store.changes(limit=config.site.max_items)
        if _linkable(f"event {r.id} of {r.key}", r.link, "the changes feed")
        and _dated(f"event {r.id} of {r.key}", r.published, window, "the changes feed")
    ]
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
        _sane_months(store.month_counts(), window),
        stylesheet(),
        deleted=deleted,
        all_atom_links=all_links,
        also_listed=[changes],
        reuse=kept.reuse,
    )
    files = {out / name: data for name, data in documents.items()}
    index = files.pop(out / "index.html")
    files.update(changes_files(config, rows))
    files[out / FAVICON] = favicon_ico()
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
    window = now or utc_now()  # what counts as a sane date (see scraper.sanity)

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
                if _linkable(f"event {r.id} of {r.key}", r.link, "the archives")
                and _dated(f"event {r.id} of {r.key}", r.published, window, "the archives")
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


def renderable(entries: Iterable[Entry], now: dt.datetime) -> Iterator[Entry]:
    """`entries` without the stored rows no feed may carry, each left out with a warning: a link that is
    not http(s), a date outside the sane window around `now` (rows stored before those were refused at the
    door: a "9999" date overflowed every publish and stretched the month chart over 8,000 years). A lead
    image whose URL is not http(s) is dropped from its entry."""
    for entry in entries:
        what = f"stored item {entry.key} ({entry.title!r})"
        if not _linkable(what, entry.link):
            continue
        if not (_dated(what, entry.published, now) and _dated(what, entry.updated, now)):
            continue
        if entry.image is not None and not sanity.web_url(entry.image.url):
            log.warning("%s: lead image %r left out: not an http(s) URL", what, entry.image.url)
            entry = replace(entry, image=None)
        yield entry


def _sane_months(counts: Mapping[dt.date, int], now: dt.datetime) -> dict[dt.date, int]:
    """The month chart's counts without the months no real item has (stored before dates were screened, as
    `renderable` leaves those items out of the feeds); each left out with a warning."""
    kept = {}
    for month, count in counts.items():
        if sanity.sane_day(month, now):
            kept[month] = count
        else:
            log.warning("month %s (%d stored items) left out of the index chart: no sane date", month, count)
    return kept


def _linkable(what: str, link: str, where: str = "the feeds") -> bool:
    if sanity.web_url(link):
        return True
    log.warning("%s left out of %s: its link %r is not an http(s) URL", what, where, link)
    return False


def _dated(what: str, moment: dt.datetime, now: dt.datetime, where: str = "the feeds") -> bool:
    if sanity.sane_instant(moment, now):
        return True
    log.warning(
        "%s left out of %s: its date %s is before 1990 or over a year ahead", what, where, moment.isoformat()
    )
    return False


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
            at=history.change_time(row.kind, row.at, row.published),
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
