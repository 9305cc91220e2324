"""One source's read: its listing pages (or feed) and due article pages → the `CycleWrite` to store.

Fetches and extracts through the source room, diffs against what the store knows, and plans the history
(`plan.py`); writes nothing itself. A page that was cut off, shrank or yielded nothing is an ExtractError.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from . import history, sanity
from .clock import Clock
from .config import SourceConfig
from .diff import listing_hash
from .errors import ExtractError
from .identity import entry_id
from .instants import published_instant
from .intake import admit
from .models import (
    ArticleJob,
    ArticleWrite,
    ListingItem,
    ListingPage,
    NotModified,
    Page,
    SourceReport,
    Validators,
)
from .plan import confirm_jobs, plan_history, site_date_text
from .progress import progress
from .readhints import feeds_phrase, not_a_feed_hint, nothing_found
from .source.fetch import Fetcher
from .store import CycleWrite, ItemUpdate, NewItem, Store

# The page readers (selectolax, nh3, the date grammar) are imported where a page is read: a 304 loads none.

log = logging.getLogger(__name__)


#: A listing whose page 1 shrinks below this share of the last good read is a layout change, not news.
SHRINK_RATIO = 0.5

#: ... but only once the yardstick is big enough for the ratio to mean something.
SHRINK_MIN_YARDSTICK = 4


def read_source(
    source: SourceConfig, *, store: Store, fetcher: Fetcher, started: dt.datetime, clock: Clock
) -> CycleWrite:
    """Fetch and read the source's listing pages and decide what to write. Writes nothing itself."""
    timezone = ZoneInfo(source.timezone)
    requests_before = fetcher.requests_made
    tracked = store.revisions.tracked(source.id)
    # No conditional GET, and every page, while an item is counted missing or new ones were held back: the
    # item may have moved down the listing, and the rest wait there.
    read_all = any(t.missing_count and not t.removed for t in tracked) or store.runs.held_back(source.id) > 0
    stored_validators = Validators() if read_all else store.runs.validators(source.url)
    response = fetcher.get(source.url, stored_validators)
    if isinstance(response, NotModified):
        # The listing is unchanged: no item to read, no removal it vouches for; but retries and re-checks of
        # article pages may be due.
        listing = ListingRead([], 0, 0, False, frozenset())
    elif source.type == "feed":
        listing = _read_feed(source, response, tz=timezone, now=started)
    else:
        listing = _read_pages(
            source, response, store, fetcher, started, read_all=read_all, known=bool(tracked)
        )
    not_modified = isinstance(response, NotModified)
    # RFC 9111 §4.3.4: a 304 may carry fresher validators; keep them (no write when they are the same).
    kept = stored_validators if not_modified else Validators()
    validators = Validators(response.etag or kept.etag, response.last_modified or kept.last_modified)
    known = store.items.known(source.id, [item.key for item in listing.items])
    live, stored = partial(store.items.live_count, source.id), partial(store.items.live_items, source.id)
    diff, items, held_back = admit(source, listing.items, known, live, stored)
    refused = listing.refused | held_back  # held back: on the site, never missing
    new = [_new_item(source, item, timezone, started) for item in diff.new]
    # A changed item's `updated` moves; one that only moved to a new link keeps it.
    updates = [
        ItemUpdate(source.id, item.key, item.title, item.summary, item.link, listing_hash(item), bump)
        for bump, moved in ((True, diff.changed), (False, diff.relinked))
        for item in moved
    ]
    jobs = [ArticleJob(n.key, n.link, n.published, "new") for n in new]
    changed = store.articles.article_states(source.id, [item.key for item in diff.changed])
    jobs += [
        ArticleJob(item.key, item.link, known[item.key].published, "changed", changed.get(item.key))
        for item in diff.changed
    ]
    decision = history.MissingDecision()
    # A 304 shows no item; a feed only its newest entries: one that falls out of it is old, not withdrawn.
    if not (not_modified or source.type == "feed"):
        # Undated items say nothing about how far a read reached.
        oldest = min((item.published.day for item in items if item.published is not None), default=None)
        seen = {item.key for item in items} | refused
        decision = history.missing(tracked, seen, oldest_read=oldest, reached_end=listing.reached_end)
    jobs += confirm_jobs(source, decision, store=store)
    articles = _articles(source, jobs, store=store, fetcher=fetcher, tz=timezone, now=started)
    plan = plan_history(
        items,
        articles,
        tracked,
        store.revisions.latest_versions(source.id, {*(i.key for i in items), *(a.key for a in articles)}),
        decision,
        refused,
    )
    failed = sum(1 for a in articles if a.error is not None)
    report = SourceReport(
        source=source.id,
        status="not_modified" if not_modified else "ok",
        new=len(diff.new),
        changed=len(diff.changed),
        unchanged=len(diff.unchanged) + len(diff.relinked),
        removed=len(plan.removed),
        pages=listing.pages,
        requests=fetcher.requests_made - requests_before,
        articles=len(articles) - failed,
        articles_failed=failed,
        held_back=len(held_back),
    )
    return CycleWrite(
        report=report,
        started=started,
        finished=clock(),
        first_page_items=listing.first_page_items,
        new=new,
        updates=updates,
        seen_keys=[item.key for item in items],
        validators={source.url: validators},
        articles=articles,
        history=plan,
    )


@dataclass(frozen=True, slots=True)
class ListingRead:
    """What reading a source's listing pages (or its feed) gives."""

    items: list[ListingItem]  #: the items the store may take (`_accept`), in listing order
    pages: int
    first_page_items: int  #: page 1's item count, the yardstick the next read's page 1 is held to
    reached_end: bool  #: the read reached the listing's last page (a feed never does)
    refused: frozenset[str]  #: the keys of the items refused (`_accept`)


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
    for key, link, published, state in store.articles.due_articles(source.id, now):
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
        from .source.articles import fetch_articles

        return fetch_articles(jobs, fetcher, tz=tz, now=now, on_done=lambda _write: advance())


def _read_pages(
    source: SourceConfig,
    first: Page,
    store: Store,
    fetcher: Fetcher,
    now: dt.datetime,
    *,
    read_all: bool,
    known: bool,
) -> ListingRead:
    """Read page 1 and follow "next" links until a page holds nothing new or max_pages is reached; with
    `read_all` (an item is counted missing, or new ones were held back) go on to the listing's end (to
    confirm it gone, find it re-dated further down, or take the rest). A page that was cut off is an
    ExtractError, and so is a page of no items when the store holds items of this source (`known`: a change,
    not a page that was never understood)."""
    from .source.listing import parse_listing
    from .source.pagefeeds import advertised_feeds

    # The cycle's day gives dates printed without a year ("8 juni") their year.
    tz = ZoneInfo(source.timezone)
    today = now.astimezone(tz).date()
    page = parse_listing(first.text, first.url, **_listing_options(source, tz, today, now))
    logged: set[str] = set()  # a teaser repeated on every page is named once per read
    _log_skipped(source, page.skipped, logged)
    feeds = advertised_feeds(first.text, first.url)
    if feeds:  # page 1 only: one line per cycle, not one per page
        log.info('%s: %s; consider type = "feed"', source.id, feeds_phrase(feeds))
    yardstick = None if page.capped else store.runs.first_page_yardstick(source.id)  # a cap is no shrink
    if not page.items and (known or yardstick is not None):
        raise ExtractError(
            f"{source.url}: the listing yielded no items; the page layout has probably changed"
        )
    if not page.items:
        # The one error line names the feed; `aktuellt run` prints the block that reads it, ready to paste.
        from .source.probe import feed_block

        suggestion = feed_block(source, feeds[0].url) if feeds else ""
        raise ExtractError(nothing_found(source, page, feeds), suggestion=suggestion)
    _check_complete(first, page)
    if yardstick and yardstick >= SHRINK_MIN_YARDSTICK and len(page.items) < yardstick * SHRINK_RATIO:
        raise ExtractError(
            f"{source.url}: page 1 held {len(page.items)} items where it usually holds {yardstick}; "
            "the page layout has probably changed"
        )
    first_page_items = len(page.items)
    items, refused = _accept(source, page, now)
    seen = {item.key for item in page.items}
    visited = {first.url}
    pages = 1
    while page.next_url and pages < source.max_pages:
        # A refused item (`_accept`) is never stored: counted, it would make every cycle read the next page.
        wanted = [item.key for item in page.items if item.key not in refused]
        if not read_all and wanted and len(store.items.known(source.id, wanted)) == len(wanted):
            break  # everything on this page the store may take is known: older pages hold nothing new
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
            response.text, response.url, position_start=len(items), **_listing_options(source, tz, today, now)
        )
        pages += 1
        _log_skipped(source, page.skipped, logged)
        _check_complete(response, page)
        fresh = [item for item in page.items if item.key not in seen]
        seen.update(item.key for item in fresh)
        accepted, more_refused = _accept(source, replace(page, items=tuple(fresh)), now)
        items.extend(accepted)
        refused |= more_refused
    return ListingRead(
        items, pages, first_page_items, page.next_url is None and not page.capped, frozenset(refused)
    )


def _check_complete(response: Page, page: ListingPage) -> None:
    """A listing page cut off mid-way is a failed read, not a shorter listing (issue 11, item 14)."""
    key, title = (page.items[-1].key, page.items[-1].title) if page.items else (None, "")
    if reason := sanity.cut_off(response.text, key, title):
        raise ExtractError(f"{response.url}: {reason}")


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


def _read_feed(source: SourceConfig, response: Page, *, tz: ZoneInfo, now: dt.datetime) -> ListingRead:
    """Read a `type = "feed"` source: one document (no paging), its entries as listing items, screened
    like a listing's (`_accept`). A document that is no feed, or a feed with no usable entries, fails the
    source."""
    # Imported here: feedparser takes ~40 ms to import, which listing-only installs need not pay.
    from .source.feedsource import parse_feed

    try:
        page = parse_feed(response.text, response.url, timezone=tz, **_feed_options(source))
    except ExtractError as error:
        raise ExtractError(error.message + not_a_feed_hint(response)) from None
    _log_skipped(source, page.skipped)
    if not page.items:
        reason = f" ({len(page.skipped)} left out, first: {page.skipped[0]})" if page.skipped else ""
        raise ExtractError(f"{source.url}: the feed holds no entries{reason}")
    items, refused = _accept(source, page, now)
    # reached_end is False: a feed shows its newest entries, never the whole history.
    return ListingRead(items, 1, len(page.items), False, frozenset(refused))


def _listing_options(source: SourceConfig, tz: ZoneInfo, today: dt.date, now: dt.datetime) -> dict[str, Any]:
    """The source's settings for `parse_listing`, and the fetch time relative dates are read against."""
    return {
        "timezone": tz,
        "selectors": source.selectors,
        "date_order": source.date_order,
        "today": today,
        **_feed_options(source),
        "now": now,
    }


def _feed_options(source: SourceConfig) -> dict[str, Any]:
    """The source's settings that a listing page and a feed both take."""
    return {"key_params": source.key_params, "max_items": source.max_items_per_page}


def _log_skipped(source: SourceConfig, skipped: tuple[str, ...], logged: set[str] | None = None) -> None:
    """One warning per item left out; with `logged`, a line already given in this read is not repeated."""
    for line in skipped:
        if logged is not None:
            if line in logged:
                continue
            logged.add(line)
        log.warning("%s: %s", source.id, line)


def _new_item(source: SourceConfig, item: ListingItem, tz: ZoneInfo, first_seen: dt.datetime) -> NewItem:
    # The instant a feed gave, else the listing date's (see instants.published_instant), else, for an item
    # the page shows without a date, the moment it was first seen.
    if item.instant is not None:
        published = item.instant
    elif item.published is not None:
        published = published_instant(item.published, tz, first_seen, item.position)
    else:
        published = first_seen
    return NewItem(
        source=source.id,
        key=item.key,
        entry_id=entry_id(source.url, source.id, item.key),
        title=item.title,
        summary=item.summary,
        link=item.link,
        site_date=site_date_text(item.published),
        published=published,
        content_hash=listing_hash(item),
        position=item.position,
        date_source=item.date_source,
    )
