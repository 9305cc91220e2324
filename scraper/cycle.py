"""One cycle, as a story: for each source read it (fetch → extract → diff), store what it read in one
transaction, then publish the feeds and push the news.

The only module that sequences a whole cycle; the steps live in `read.py` (one source's read),
`plan.py` (what the read means for the history), the store, and `publish/site.py`. `now` comes from an
injected clock, read once per source, so one cycle stamps every item it first sees with the same instant.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

from .clock import Clock, utc_now
from .config import Config, FetchConfig, SourceConfig
from .errors import FetchError, ScraperError, error_kind
from .models import RunReport, SourceReport
from .publish import push
from .publish.site import publish_feeds
from .read import read_source
from .source.fetch import Fetcher, FetchSettings
from .source.transport import post
from .store import ChangeRow, Store, iso

log = logging.getLogger("scraper.pipeline")  # the logger name log filters know (the module was split)


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
            suggestion=getattr(error, "suggestion", ""),
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
    then `allowed_hosts`. Written as `allowed_hosts` entries are (config.checks._host_entry)."""
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
