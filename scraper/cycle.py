"""One cycle, as a story: for each source (several at once, `pool.py`) read it (fetch → extract → diff),
store what it read in one transaction (queueing its events in the outbox), then publish the feeds and deliver
the news. `run_locked` is the cycle `aktuellt run` and each of `serve`'s scheduled runs do: under the
database's lock, with its own store and fetcher, summed up in one log line.

The only module that sequences a whole cycle; the steps live in `read.py` (one source's read),
`plan.py` (what the read means for the history), the store, and `publish/site.py`. `now` comes from an
injected clock, read once per source, so one cycle stamps every item it first sees with the same instant.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .clock import Clock, utc_now
from .config import Config, FetchConfig, SourceConfig
from .deliver import deliver
from .errors import FetchError, LockHeld, ReadFailed, ScraperError, StorageError, error_kind
from .folders import make_folders
from .models import RunReport, SourceReport
from .pool import run_sources, source_hosts
from .publish import push
from .publish.site import publish_feeds
from .read import read_source
from .source.fetch import Fetcher
from .source.transport import post
from .store import Store

log = logging.getLogger(__name__)

#: How many of the slowest sources the cycle's summary names.
SLOWEST = 3

#: A robots.txt read in an earlier cycle is used this long without asking again (RFC 9309 2.4: at most 24 h).
ROBOTS_MAX_AGE = dt.timedelta(hours=24)


def run_locked(config: Config, *, then: Callable[[Store], None] | None = None) -> RunReport:
    """One cycle under the database's lock (LockHeld at once when another run holds it), with its own store
    and fetcher, then the cycle's summary line. `then` reads the store before it closes (serve's gauges)."""
    started = time.monotonic()
    with cycle_lock(config.site.database):
        with Store(config.site.database) as store, Fetcher(config.fetch) as fetcher:
            report = run_cycle(config, store=store, fetcher=fetcher)
            if then is not None:
                then(store)
        log_cycle(report, seconds=time.monotonic() - started)
    return report


def run_cycle(config: Config, *, store: Store, fetcher: Fetcher, clock: Clock = utc_now) -> RunReport:
    """Run every source, then publish if any source succeeded. A failed source touches neither its items
    nor the feeds; when every source failed, no feed file is rewritten at all."""
    # Before any source commits: the outbox trigger queues each event for the targets active then.
    left = store.outbox.sync_targets([target.id for target in config.notify], clock())
    for target, pending in left.items():  # renamed, or its URL edited when the id comes from the URL
        log.warning(
            'notify %s: no longer in the config; its %d pending events wait under that id (set `id = "%s"` '
            "on the target to deliver them)",
            target,
            pending,
            target,
        )
    fetcher.robots.prime(store.runs.robots_files(since=clock() - ROBOTS_MAX_AGE))
    reports = run_sources(
        config.sources,
        workers=config.fetch.sources_in_parallel,
        store=store,
        fetcher=fetcher,
        run=lambda source, store, fetcher: run_source(
            source, store=store, fetcher=fetcher, clock=clock, budget=source_budget(source, config.fetch)
        ),
    )
    store.runs.save_robots(fetcher.robots.fetched(), at=clock())
    written: list[str] = []
    if any(report.status != "failed" for report in reports):
        written = publish_feeds(config, store, now=clock())
        for path in written:
            log.info("wrote %s", path)
    if config.publish.target:  # also when nothing was written: an upload that failed is tried again
        from .publish.bucket import sync_bucket  # boto3 is imported only for a bucket (~0.2 s)

        sync_bucket(config, store, now=clock())
    # The hub's ping is part of publishing; delivery may take a target's whole share of the cycle: it waits.
    if config.websub.hub and written:
        ping_hub(config, [Path(p) for p in written], user_agent=fetcher.settings.user_agent)
    # Deliver last: everything is stored and published, so a slow or broken receiver cannot undo any of it.
    # Delivery runs even when every source failed: events queued earlier may still be waiting.
    if config.notify:
        deliver(config, store, now=clock(), user_agent=fetcher.settings.user_agent)
    return RunReport(sources=reports, files_written=tuple(written), bytes_received=fetcher.bytes_received)


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
        except ScraperError:
            raise
        except Exception as error:
            # Anything else a source's bytes provoke (an OverflowError from a date, a RecursionError from a
            # nesting, a bug) fails that source alone, in one line: the other sources must still publish.
            # The traceback is for developers (-v), not for the operator's log every cycle.
            log.debug("%s: unexpected error reading the source", source.id, exc_info=True)
            raise ReadFailed(source.url, error) from None
    except ScraperError as error:
        report = SourceReport(
            source=source.id,
            status="failed",
            requests=fetcher.requests_made - requests_before,
            error=str(error),
            error_kind=error_kind(error),
            suggestion=getattr(error, "suggestion", ""),
        )
        log.error("%s: %s", source.id, error)  # the error says what failed
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
    removed += f", {report.held_back} held back for later cycles" if report.held_back else ""
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
                timeout=config.websub.timeout,  # wall clock, per attempt (transport.post)
                retries=1,
            )
        except FetchError as error:
            log.warning("websub: could not ping %s for %s: %s; not pinging again this cycle", hub, url, error)
            return  # the hub is down: the other pings would fail the same way


def source_budget(source: SourceConfig, fetch: FetchConfig) -> float:
    """Seconds one source may spend fetching in a cycle: `delay` + `timeout` for each request it may plan
    (robots.txt, every listing page, an article page and a lead-image HEAD per article). Generous for a
    healthy site (~39 min with the defaults, where a normal cycle takes seconds), it only bounds a hostile or
    broken one, so the lock is never held for ever."""
    requests = 1 + source.max_pages + 2 * source.max_articles_per_cycle
    return requests * (fetch.delay + fetch.timeout)


@contextmanager
def cycle_lock(database: Path) -> Iterator[None]:
    """Hold the database's lock (`<database>.lock`) for the block; raise LockHeld at once if another has it.
    flock(2) is released by the kernel when the process dies, so a killed run never leaves a stale lock."""
    path = database.with_name(database.name + ".lock")
    try:
        make_folders(path.parent)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise StorageError(f"cannot create lock file {path}") from error
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeld(str(path)) from None
        yield
    finally:  # closing the lock file's only descriptor releases the lock
        os.close(fd)


def outcome_of(report: RunReport) -> str:
    """ok (every source ok) · partial (some failed) · failed (all failed)."""
    failed = sum(1 for source in report.sources if source.status == "failed")
    if not failed:
        return "ok"
    return "failed" if failed == len(report.sources) else "partial"


def log_cycle(report: RunReport, *, seconds: float) -> None:
    """The one summary line per cycle (and its slowest sources); the per-source lines are `run_source`'s."""
    sources = report.sources
    log.info(
        "cycle %s: %d/%d sources ok, %d new, %d changed, %d unchanged, %d removed, %d requests, %d bytes, "
        "%d files written, %.2fs",
        outcome_of(report),
        sum(1 for s in sources if s.status != "failed"),
        len(sources),
        sum(s.new for s in sources),
        sum(s.changed for s in sources),
        sum(s.unchanged for s in sources),
        sum(s.removed for s in sources),
        sum(s.requests for s in sources),
        report.bytes_received,
        len(report.files_written),
        seconds,
    )
    if len(sources) > 1:
        slowest = sorted(sources, key=lambda s: s.seconds, reverse=True)[:SLOWEST]
        log.info("cycle: slowest sources: %s", ", ".join(f"{s.source} {s.seconds:.2f}s" for s in slowest))
