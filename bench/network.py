"""(9) Many sources at real-network speed (issue 20): N sources on N loopback hosts (`bench.wan_site`), each
answer 200 ms late, `delay = 1`, robots.txt and one 25-item listing per source, one `aktuellt run` as a
process with the default `sources_in_parallel` (8). First run, then the unchanged run (304s).

Baseline, same run: the sequential reader (`sources_in_parallel = 1`) on a smaller N, its time per source
scaled to N (a sequential first run of 1,000 sources takes ~22 minutes: robots.txt, then the listing `delay`
later, per source).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from .common import BIN, ROOT, ProcessResult, Row, run_process
from .wan_site import listing_url

SIZES = (300, 1000)
SEQUENTIAL = 20
#: Issue 20's targets: seconds for the first and the unchanged cycle, by N; peak RSS in MB.
FIRST_TARGET = {300: 60.0, 1000: 180.0}
UNCHANGED_TARGET = {1000: 60.0}
RSS_TARGET = 200.0


def write_config(folder: Path, port: int, sources: int, parallel: int | None) -> Path:
    lines = [
        "[site]",
        'base_url = "http://127.0.0.1:8080/"',
        "[fetch]",
        "timeout = 10",
        "retries = 0",
        "delay = 1",
    ]
    if parallel is not None:
        lines.append(f"sources_in_parallel = {parallel}")
    for n in range(sources):
        lines += ["[[sources]]", f'id = "s{n}"', f'url = "{listing_url(n, port)}"', "articles = false"]
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cycles(port: int, sources: int, parallel: int | None) -> tuple[ProcessResult, ProcessResult]:
    """The first and the unchanged run of `sources` sources in a fresh folder."""
    with tempfile.TemporaryDirectory() as tmp:
        argv = [
            str(BIN / "aktuellt"),
            "--config",
            str(write_config(Path(tmp), port, sources, parallel)),
            "run",
        ]
        first = run_process(argv)
        assert first.returncode == 0, first.stderr[-2000:]
        second = run_process(argv)
        assert second.returncode == 0, second.stderr[-2000:]
    return first, second


def run(sizes: tuple[int, ...] = SIZES, sequential: int = SEQUENTIAL) -> list[Row]:
    site = subprocess.Popen(
        [sys.executable, "-m", "bench.wan_site", str(max(sizes))],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert site.stdin is not None and site.stdout is not None
    try:
        port = int(site.stdout.readline())
        base_first, base_second = cycles(port, sequential, parallel=1)
        rows = [
            Row("9", f"{sequential} sources, sequential (sources_in_parallel = 1), first / unchanged",
                f"{base_first.wall:.1f} s / {base_second.wall:.1f} s", "", "", "", None)
        ]  # fmt: skip
        for n in sizes:
            first, second = cycles(port, n, parallel=None)
            scaled_first = base_first.wall / sequential * n
            scaled_second = base_second.wall / sequential * n
            rows.append(
                Row("9", f"{n} sources on {n} hosts, 200 ms, delay 1: first run",
                    f"{first.wall:.1f} s, {first.max_rss_mb:.0f} MB",
                    f"sequential ≈ {scaled_first:.0f} s", f"{scaled_first / first.wall:.1f}× faster",
                    _target(FIRST_TARGET.get(n)),
                    _met(first.wall, first.max_rss_mb, FIRST_TARGET.get(n)))
            )  # fmt: skip
            rows.append(
                Row("9", f"{n} sources on {n} hosts: unchanged run (304s)",
                    f"{second.wall:.1f} s, {second.max_rss_mb:.0f} MB",
                    f"sequential ≈ {scaled_second:.0f} s", f"{scaled_second / second.wall:.1f}× faster",
                    _target(UNCHANGED_TARGET.get(n)),
                    _met(second.wall, second.max_rss_mb, UNCHANGED_TARGET.get(n)))
            )  # fmt: skip
    finally:
        site.stdin.close()
        site.wait(timeout=30)
    return rows


def _target(seconds: float | None) -> str:
    return "" if seconds is None else f"≤ {seconds:.0f} s, ≤ {RSS_TARGET:.0f} MB"


def _met(wall: float, rss: float, seconds: float | None) -> bool | None:
    return None if seconds is None else wall <= seconds and rss <= RSS_TARGET
