"""`aktuellt status`: sources, their last runs, item counts and health, as a table or as JSON. Pure: the
facts come in (read by the caller from the store), text goes out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from ..sanity import json_text
from ..store import DeliveryState
from . import health

#: With more sources than this, those that are simply ok are summarised in one line (`status --all` lists
#: them): with 300 sources the ones that need looking at must not scroll away.
MAX_ROWS = 20


def _rank(verdict: health.SourceHealth) -> int:
    """Unhealthy (failing, stale) first, then degraded, then not yet run, then ok."""
    if not verdict.healthy:
        return 0
    return {"degraded": 1, "pending": 2}.get(verdict.state, 3)


def _when(moment: dt.datetime | None, now: dt.datetime) -> str:
    if moment is None:
        return "never"
    seconds = int((now - moment).total_seconds())
    for size, unit in ((86_400, "d"), (3_600, "h"), (60, "m")):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{max(seconds, 0)}s ago"


def render(
    verdicts: Sequence[health.SourceHealth],
    counts: Mapping[str, int],
    topics: Mapping[str, int] | None = None,
    delivery: Sequence[DeliveryState] = (),
    *,
    now: dt.datetime,
    window: dt.timedelta,
    as_json: bool = False,
    everything: bool = False,
) -> str:
    """One JSON document (`as_json`), or a table: one row per source, those that need looking at first;
    beyond MAX_ROWS sources (unless `everything`) the ok ones are one summary line."""
    if as_json:
        document: dict[str, Any] = health.document(verdicts, now=now, window=window, delivery=delivery)
        for source, facts in document["sources"].items():
            facts["items"] = counts.get(source, 0)
        if topics is not None:
            document["topics"] = dict(topics)
        return json_text(document, indent=2)  # a source's error reason may hold its control characters
    header = ("source", "health", "items", "last run", "last success", "failures", "last error")
    rows = [header]
    ordered = sorted(verdicts, key=_rank)
    folded = [] if everything or len(ordered) <= MAX_ROWS else [v for v in ordered if _rank(v) == 3]
    for v in ordered[: len(ordered) - len(folded)]:
        h = v.history
        last_run = f"{h.last_status} {_when(h.last_run, now)}" if h.last_run else "never"
        rows.append(
            (
                h.source,
                v.state if v.healthy else f"{v.state} (UNHEALTHY)",
                str(counts.get(h.source, 0)),
                last_run,
                _when(h.last_success, now),
                str(h.consecutive_failures),
                (h.last_error or "")[:80] if h.consecutive_failures else "",
            )
        )
    lines = _columns(rows)
    if folded:
        successes = [v.history.last_success for v in folded if v.history.last_success is not None]
        since = (
            f"; last success {_when(max(successes), now)} to {_when(min(successes), now)}"
            if successes
            else ""
        )
        items = sum(counts.get(v.history.source, 0) for v in folded)
        lines.append(
            f"… and {len(folded)} more sources ok ({items} items{since}); `aktuellt status --all` lists them"
        )
    overall = "healthy" if all(v.healthy for v in verdicts) else "UNHEALTHY"
    minutes = int(window.total_seconds() // 60)
    lines.append("")
    lines.append(f"{overall}: every source must succeed within {minutes} min (three scheduled cycles)")
    if topics:
        counted = [("topic", "items (published, current config)"), *((t, str(n)) for t, n in topics.items())]
        lines += ["", *_columns(counted)]
    if delivery:
        rows = [("notify", "pending", "oldest pending", "undeliverable", "sent", "failures", "last error")]
        rows += [
            (
                s.target,
                str(s.pending),
                _when(s.oldest_pending, now) if s.oldest_pending is not None else "-",
                str(s.undeliverable),
                str(s.sent),
                str(s.consecutive_failures),
                (s.last_error or "")[:80] if s.consecutive_failures else "",
            )
            for s in delivery
        ]
        lines += ["", *_columns(rows)]
    return "\n".join(lines)


def _columns(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
