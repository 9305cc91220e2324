"""`aktuellt serve`: the scheduler's cycles and the feed server in one process, and a clean stop.

Owns the order of things at start and stop; no third-party imports (schedule.py has APScheduler, server.py
starlette and uvicorn, metrics.py prometheus_client). Each cycle opens its own Store and Fetcher in the thread
it runs in (an SQLite connection belongs to one thread; a Fetcher caches robots.txt for its lifetime) and
holds the same per-database lock as `aktuellt run` (both are `cycle.run_locked`), so a cron run overlapping
a cycle exits 75.

Stopping (SIGTERM, SIGINT): no new cycle starts; a running cycle gets STOP_GRACE seconds to finish. If it
does not, the process exits anyway: that is safe, because each source's writes are one SQLite transaction
(rolled back if not committed) and every feed file is replaced by an atomic rename.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from types import FrameType
from typing import Any

from ..clock import utc_now
from ..config import Config, package_version
from ..cycle import outcome_of, run_locked
from ..errors import LockHeld, ScraperError
from ..folders import make_folders
from ..models import RunReport
from ..store import DeliveryState, RunHistory, Store
from . import health
from .files import build_app
from .metrics import Metrics
from .schedule import cache_seconds, cycle_scheduler, health_window
from .server import FeedServer

log = logging.getLogger(__name__)

#: Seconds a running cycle may take to finish after SIGTERM; systemd's default stop timeout is 90 s and the
#: issue asks for 10 s, so the cycle gets 8 and the server the rest.
STOP_GRACE = 8.0


def read_facts(config: Config) -> tuple[list[RunHistory], list[DeliveryState]]:
    """`health.facts` from a Store of its own (opened in the calling thread)."""
    with Store(config.site.database) as store:
        return health.facts(store, config)


def read_health(
    config: Config, *, now: dt.datetime, since: dt.datetime | None, window: dt.timedelta
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, document) for /healthz; 503 also when the store cannot be read at all."""
    try:
        histories, delivery = read_facts(config)
    except ScraperError as error:
        return 503, {"status": "unhealthy", "error": str(error)}
    verdicts = health.assess(histories, now=now, window=window, since=since)
    document = health.document(verdicts, now=now, window=window, delivery=delivery)
    return (200 if document["status"] == "ok" else 503), document


@dataclass
class CycleRunner:
    """The scheduler's job: one locked cycle, counted in `metrics`. Never raises: a failing cycle must not
    stop the scheduler, and one failing source never stops the others (run_cycle goes on past it)."""

    config: Config
    metrics: Metrics

    def __post_init__(self) -> None:
        self.stopping = threading.Event()
        self.idle = threading.Event()  #: set while no cycle runs: a stop waits for it
        self.idle.set()

    def __call__(self) -> str:
        if self.stopping.is_set():
            return "skipped"
        self.idle.clear()
        try:
            return self._cycle()
        finally:
            self.idle.set()

    def _cycle(self) -> str:
        started = time.monotonic()
        report: RunReport | None = None
        try:
            report = run_locked(self.config, then=self._gauges)
            outcome = outcome_of(report)
        except LockHeld as error:
            outcome = "locked"
            log.warning("cycle skipped: %s", error)
        except ScraperError as error:
            outcome = "error"
            log.error("cycle failed: %s", error)
        except Exception:  # a bug: say so loudly, and keep the scheduler alive for the next cycle
            outcome = "error"
            log.exception("cycle crashed (a bug; the next cycle runs as scheduled)")
        self.metrics.cycle(outcome, report, seconds=time.monotonic() - started)
        return outcome

    def _gauges(self, store: Store) -> None:
        self.metrics.refresh(*health.facts(store, self.config), clock=utc_now)


def serve(config: Config) -> int:
    """Run until SIGTERM or SIGINT; return the exit code (0 on a clean stop)."""
    now = utc_now()
    metrics = Metrics((source.id for source in config.sources), version=package_version())
    try:
        metrics.refresh(*read_facts(config), clock=utc_now)
    except ScraperError as error:
        log.warning("cannot read the run history yet: %s", error)
    runner = CycleRunner(config, metrics)
    scheduler = cycle_scheduler(config.schedule, runner)
    # Worked out once: for a cron line it samples a week of fire times, too slow for every probe.
    window = health_window(config.schedule, now)
    app = build_app(
        config.site.output_dir,
        max_age=cache_seconds(config.schedule, now),
        metrics=metrics,
        health=lambda: read_health(config, now=utc_now(), since=now, window=window),  # since the start
        hub=config.websub.hub,
        base_url=config.site.base_url,
    )
    make_folders(config.site.output_dir)
    server = FeedServer(app, config.server.host, config.server.port)

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():  # a second Ctrl-C: the operator does not want to wait
            log.warning("second %s: exiting now", signal.Signals(signum).name)
            _exit_now()
        log.info("%s received: finishing up", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.start()
        log.info(
            "serving %s on %s (/healthz, /metrics; at most %d connections)",
            config.site.output_dir,
            server.url,
            server.limit,
        )
        scheduler.start()
        schedule = config.schedule
        every = f"every {schedule.every.total_seconds():g}s" if schedule.every else f"cron '{schedule.cron}'"
        jitter = schedule.jitter.total_seconds()
        log.info("schedule: %s in %s, jitter %gs; first cycle now", every, schedule.timezone, jitter)
        while not stop.wait(0.5):
            pass
        deadline = time.monotonic() + STOP_GRACE
        runner.stopping.set()
        scheduler.shutdown(wait=False)
        server.stop()
        if not runner.idle.wait(max(0.0, deadline - time.monotonic())):
            log.warning(
                "the running cycle did not finish within %.0fs; abandoning it "
                "(uncommitted writes roll back, feed files are replaced atomically)",
                STOP_GRACE,
            )
            _exit_now()
        server.join(timeout=max(0.5, deadline + 1.5 - time.monotonic()))
        log.info("stopped")
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _exit_now() -> None:
    """Leave without waiting for worker threads (a cycle stuck in a fetch); exit status 0 all the same."""
    logging.shutdown()
    sys.stderr.flush()
    os._exit(0)
