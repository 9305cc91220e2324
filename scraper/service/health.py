"""Is the service doing its job? Pure but for `facts`, which reads them from the store: run histories, the
clock's `now` and the window in; a verdict out.

A source is healthy while its last success (an ok or not-modified run) is younger than the health window
(three scheduled cycles plus jitter, see schedule.health_window). A source that has never run is "pending"
and counts as healthy only during the first window after the service started: the first cycle needs time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..config import Config
from ..store import DeliveryState, RunHistory, Store


@dataclass(frozen=True, slots=True)
class SourceHealth:
    history: RunHistory
    healthy: bool
    #: "ok"; "degraded" (the last run failed, but a success is recent enough); "failing" (no success within
    #: the window, and runs fail); "stale" (no success within the window, and no runs either); "pending"
    state: str


def facts(store: Store, config: Config) -> tuple[list[RunHistory], list[DeliveryState]]:
    """Each source's run history, and each notify target's outbox state (none without `[[notify]]`: the
    outbox is not asked): what `status`, /healthz and /metrics show."""
    histories = [store.runs.run_history(source.id) for source in config.sources]
    return histories, store.outbox.delivery_states() if config.notify else []


def assess(
    histories: Sequence[RunHistory],
    *,
    now: dt.datetime,
    window: dt.timedelta,
    since: dt.datetime | None = None,
) -> list[SourceHealth]:
    """`since`: when the service started (None: long ago, as for `aktuellt status`)."""
    verdicts = []
    for history in histories:
        if history.last_run is None:
            verdicts.append(SourceHealth(history, since is not None and now - since <= window, "pending"))
            continue
        fresh = history.last_success is not None and now - history.last_success <= window
        if not fresh:
            state = "failing" if history.consecutive_failures else "stale"
        else:
            state = "ok" if not history.consecutive_failures else "degraded"
        verdicts.append(SourceHealth(history, fresh, state))
    return verdicts


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat() if moment is not None else None


def _json(facts: Any, *leave_out: str) -> dict[str, Any]:
    """A dataclass's fields by name, in order, but `leave_out`; instants as ISO text."""
    values = ((f.name, getattr(facts, f.name)) for f in dataclasses.fields(facts) if f.name not in leave_out)
    return {name: _iso(v) if isinstance(v, dt.datetime) else v for name, v in values}


def document(
    verdicts: Sequence[SourceHealth],
    *,
    now: dt.datetime,
    window: dt.timedelta,
    delivery: Sequence[DeliveryState] = (),
) -> dict[str, Any]:
    """The /healthz (and `status --json`) body: overall status, then one object per source, then one per
    notify target (`delivery`, when there are any): what waits and since when, what was given up, and the
    failures in a row."""
    body = {
        "status": "ok" if all(v.healthy for v in verdicts) else "unhealthy",
        "checked": _iso(now),
        "window_seconds": int(window.total_seconds()),
        "sources": {
            v.history.source: {"healthy": v.healthy, "state": v.state, **_json(v.history, "source")}
            for v in verdicts
        },
    }
    if delivery:  # shown, never part of the verdict: delivery never holds up publishing
        body["delivery"] = {
            s.target: {
                "pending": s.pending,
                "oldest_pending": _iso(s.oldest_pending),
                "oldest_pending_age_seconds": (
                    int((now - s.oldest_pending).total_seconds()) if s.oldest_pending is not None else 0
                ),
                **_json(s, "target", "pending", "oldest_pending"),
            }
            for s in delivery
        }
    return body
