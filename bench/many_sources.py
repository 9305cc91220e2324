"""(5) Many sources: N sources (25 items each) served by one loopback site with delay 0, one `aktuellt run`
as a process, for N = 100, 300, 1000. Wall time, requests per second, peak RSS, and the cost per source,
which must stay flat (linear growth). The first run stores everything (N × 25 new items); the second run of
the same store is the unchanged case (every source answers 304).

Baseline: `python -c pass` measured in the same run is not a meaningful anchor for a network run; the anchor
is the smallest N: its per-source cost is what the larger runs are compared with.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from .common import BIN, ProcessResult, Row, Site, run_process, write_config

SIZES = (100, 300, 1000)
_REQUESTS = re.compile(r"(\d+) requests")
_CYCLE_LINE = re.compile(r"cycle \w+: .*?(\d+) requests")


def _requests(result: ProcessResult) -> int:
    """The cycle's request count from its log: the one-line cycle summary when there is one, else the sum
    of the per-source lines (counting both would count every request twice)."""
    if cycle := _CYCLE_LINE.search(result.stderr):
        return int(cycle[1])
    return sum(int(n) for n in _REQUESTS.findall(result.stderr))


def run(sizes: tuple[int, ...] = SIZES) -> list[Row]:
    rows: list[Row] = []
    per_source: dict[int, float] = {}
    with Site(per_page=25) as site:
        for n in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                config = str(write_config(Path(tmp), site.listing_url, sources=n))
                argv = [str(BIN / "aktuellt"), "--config", config, "run"]
                first = run_process(argv)
                assert first.returncode == 0, first.stderr[-2000:]
                second = run_process(argv)
                assert second.returncode == 0, second.stderr[-2000:]
            per_source[n] = first.wall / n
            requests = _requests(first)
            rows.append(
                Row("5", f"{n} sources, first run ({n * 25} new items)",
                    f"{first.wall:.2f} s, {requests / first.wall:.0f} req/s, {first.max_rss_mb:.0f} MB",
                    f"{sizes[0]} sources: {per_source[sizes[0]] * 1e3:.1f} ms/source",
                    f"{per_source[n] / per_source[sizes[0]]:.2f}× per source", "linear (≈1×)",
                    per_source[n] / per_source[sizes[0]] < 1.5)
            )  # fmt: skip
            rows.append(
                Row("5", f"{n} sources, unchanged run (304s)",
                    f"{second.wall:.2f} s, {_requests(second) / second.wall:.0f} req/s, "
                    f"{second.max_rss_mb:.0f} MB", "", f"{second.wall / n * 1e3:.1f} ms/source", "", None)
            )  # fmt: skip
    return rows
