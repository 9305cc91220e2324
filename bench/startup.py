"""(3) Start-up as whole processes: `aktuellt --help` and an unchanged `aktuellt run` (the source answers
304), against `python -c pass` with the same interpreter; and the unchanged run against the naive script a
reader might write instead (`bench/naive_feed.py`: httpx + BeautifulSoup + feedgen, fetching and rewriting
everything), the two run in turn on the same site (issue 20: target ≤ 0.6×). The figure is the child's CPU
time (user + system, from wait4): on a shared machine wall time mostly measures the neighbours."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from .common import BIN, ROOT, Row, Site, median, run_process, write_config

#: Issue 20: an unchanged `aktuellt run` process costs at most this share of the naive script's.
NAIVE_TARGET = 0.6


def _cpu(argv: list[str], repeat: int) -> float:
    run_process(argv)  # warm the page cache and .pyc files
    samples = []
    for _ in range(repeat):
        result = run_process(argv)
        assert result.returncode == 0, (argv, result.stderr)
        samples.append(result.cpu)
    return median(samples)


def run(repeat: int = 15) -> list[Row]:
    # Byte-compiled first, as an installed package is (pip compiles at install): with PYTHONDONTWRITEBYTECODE
    # set, an editable install would otherwise compile the project's ~140 modules in every process, while
    # the baselines' libraries come compiled.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "scraper")], check=True)
    aktuellt = str(BIN / "aktuellt")
    bare = _cpu([sys.executable, "-c", "pass"], repeat)
    helps = _cpu([aktuellt, "--help"], repeat)
    with tempfile.TemporaryDirectory() as tmp, Site(per_page=9) as site:
        config = str(write_config(Path(tmp), site.listing_url))
        assert run_process([aktuellt, "--config", config, "run"]).returncode == 0
        unchanged = _cpu([aktuellt, "--config", config, "-q", "run"], repeat)
        naive, ours = _side_by_side(
            [sys.executable, str(ROOT / "bench" / "naive_feed.py"), site.listing_url, f"{tmp}/naive"],
            [aktuellt, "--config", config, "-q", "run"],
            repeat,
        )
    baseline = f"python -c pass {bare * 1e3:.0f} ms"
    return [
        Row("3", "aktuellt --help (CPU)", f"{helps * 1e3:.0f} ms", baseline, f"{helps / bare:.1f}×", "≤ 3×",
            helps / bare <= 3),
        Row("3", "aktuellt run, unchanged 304 (CPU)", f"{unchanged * 1e3:.0f} ms", baseline,
            f"{unchanged / bare:.1f}×", "", None),
        Row("3", "aktuellt run, unchanged, vs a naive script (CPU)", f"{ours * 1e3:.0f} ms",
            f"httpx + BeautifulSoup + feedgen script {naive * 1e3:.0f} ms", f"{ours / naive:.2f}×",
            f"≤ {NAIVE_TARGET}×", ours / naive <= NAIVE_TARGET),
    ]  # fmt: skip


def _side_by_side(first: list[str], second: list[str], repeat: int) -> tuple[float, float]:
    """Median CPU of each, run in turn (first, second, first, …) so both meet the same neighbours."""
    for argv in (first, second):
        run_process(argv)  # warm the page cache and .pyc files
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for argv, into in zip((first, second), samples, strict=True):
            result = run_process(argv)
            assert result.returncode == 0, (argv, result.stderr)
            into.append(result.cpu)
    return median(samples[0]), median(samples[1])
