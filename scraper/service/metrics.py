"""Prometheus metrics of `aktuellt serve`. The only module that imports prometheus_client.

One registry per service (not the library's global one), so tests and embedders start from zero. Every
metric is thread-safe: the scheduler's thread counts cycles while the server's thread counts requests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from ..models import RunReport
from ..store import DeliveryState, RunHistory

# The `*_created` series double the output and no dashboard of ours uses them (process-wide; we own the only
# registry in this process).
disable_created_metrics()  # type: ignore[no-untyped-call]

CONTENT_TYPE = CONTENT_TYPE_LATEST
#: Cycle outcomes: every source ok · some failed · all failed · another run held the lock · store/feeds/bug.
OUTCOMES = ("ok", "partial", "failed", "locked", "error")
#: The `change` label of aktuellt_items: SourceReport's counts of that name.
CHANGES = ("new", "changed", "removed")


class Metrics:
    def __init__(self, sources: Iterable[str], *, version: str = "") -> None:
        self.registry = CollectorRegistry()

        def counter(name: str, text: str, *labels: str) -> Counter:
            return Counter(f"aktuellt_{name}", text, labels, registry=self.registry)

        def gauge(name: str, text: str, *labels: str) -> Gauge:
            return Gauge(f"aktuellt_{name}", text, labels, registry=self.registry)

        gauge("build_info", "Always 1; the running version as a label.", "version").labels(version).set(1)
        self.cycles = counter("cycles", "Cycles run, by outcome.", "outcome")
        self.items = counter("items", "Items seen to be new, changed or removed.", "source", "change")
        self.fetch_errors = counter(
            "fetch_errors", "Failed source reads, by kind of error.", "source", "kind"
        )
        self.bytes_fetched = counter(
            "fetched_bytes", "Response body bytes received from sources (on the wire)."
        )
        self.requests_made = counter("source_requests", "HTTP requests sent to sources.")
        self.duration = Histogram(
            "aktuellt_cycle_duration_seconds",
            "Wall time of a whole cycle.",
            buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
            registry=self.registry,
        )
        self.last_success = gauge(
            "last_success_timestamp_seconds",
            "Unix time of each source's last successful run (0: never).",
            "source",
        )
        self.failures = gauge(
            "consecutive_failures", "Failed runs since the source's last success.", "source"
        )
        self.feed_requests = counter(
            "feed_requests", "Requests for files under output_dir, by response status.", "status"
        )
        self.notify_pending = gauge(
            "notify_pending", "Events queued for a notify target, not yet delivered.", "target"
        )
        self.notify_oldest = gauge(
            "notify_oldest_pending_age_seconds",
            "Age of the oldest event a notify target has not yet got (0: none waits).",
            "target",
        )
        self.notify_undeliverable = gauge(
            "notify_undeliverable",
            "Events a notify target never confirmed within give_up_after (given up).",
            "target",
        )
        self.notify_failures = gauge(
            "notify_consecutive_failures",
            "Failed delivery attempts to a notify target since its last delivery.",
            "target",
        )
        for outcome in OUTCOMES:  # present from the start, so rate() and alerts see a zero, not a gap
            self.cycles.labels(outcome)
        for source in sources:
            for change in CHANGES:
                self.items.labels(source, change)
            self.last_success.labels(source)
            self.failures.labels(source)

    def cycle(self, outcome: str, report: RunReport | None, *, seconds: float) -> None:
        self.cycles.labels(outcome).inc()
        self.duration.observe(seconds)
        self.bytes_fetched.inc(report.bytes_received if report is not None else 0)
        for source in report.sources if report is not None else ():
            for change in CHANGES:
                self.items.labels(source.source, change).inc(getattr(source, change))
            self.requests_made.inc(source.requests)
            if source.status == "failed":
                self.fetch_errors.labels(source.source, source.error_kind or "other").inc()

    def refresh(
        self,
        histories: Iterable[RunHistory],
        states: Iterable[DeliveryState],
        *,
        clock: Callable[[], dt.datetime],
    ) -> None:
        """Refresh the per-source gauges from the runs table and the per-target ones from the outbox (at
        start, so they are right after a restart too, and after each cycle). The oldest pending event's age
        is reckoned at each scrape (`clock`): between cycles, which may be a day apart, it grows, so an alert
        on it fires while the receiver is still down."""
        for h in histories:
            stamp = h.last_success.timestamp() if h.last_success is not None else 0.0
            self.last_success.labels(h.source).set(stamp)
            self.failures.labels(h.source).set(h.consecutive_failures)

        def age_of(oldest: dt.datetime | None) -> Callable[[], float]:
            return lambda: max((clock() - oldest).total_seconds(), 0.0) if oldest is not None else 0.0

        for s in states:
            self.notify_pending.labels(s.target).set(s.pending)
            self.notify_oldest.labels(s.target).set_function(age_of(s.oldest_pending))
            self.notify_undeliverable.labels(s.target).set(s.undeliverable)
            self.notify_failures.labels(s.target).set(s.consecutive_failures)

    def feed_request(self, status: int) -> None:
        self.feed_requests.labels(str(status)).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
