"""The one summary line per cycle, shared by `aktuellt run` and `aktuellt serve` (per-source lines are the
pipeline's). No third-party imports, so `run` under cron stays quick to start."""

from __future__ import annotations

import logging

from ..models import RunReport

__all__ = ["log_cycle", "outcome_of"]

log = logging.getLogger("scraper.cycle")

#: How many of the slowest sources the cycle's summary names.
SLOWEST = 3


def outcome_of(report: RunReport) -> str:
    """ok (every source ok) · partial (some failed) · failed (all failed)."""
    failed = sum(1 for source in report.sources if source.status == "failed")
    if not failed:
        return "ok"
    return "failed" if failed == len(report.sources) else "partial"


def log_cycle(report: RunReport, *, seconds: float, bytes_received: int) -> None:
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
        bytes_received,
        len(report.files_written),
        seconds,
    )
    if len(sources) > 1:
        slowest = sorted(sources, key=lambda s: s.seconds, reverse=True)[:SLOWEST]
        log.info("cycle: slowest sources: %s", ", ".join(f"{s.source} {s.seconds:.2f}s" for s in slowest))
