"""(3) Start-up as whole processes: `aktuellt --help` and an unchanged `aktuellt run` (the source answers
304), against `python -c pass` with the same interpreter. The figure is the child's CPU time (user + system,
from wait4): on a shared machine wall time mostly measures the neighbours."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from .common import BIN, Row, Site, median, run_process, write_config


def _cpu(argv: list[str], repeat: int) -> float:
    run_process(argv)  # warm the page cache and .pyc files
    samples = []
    for _ in range(repeat):
        result = run_process(argv)
        assert result.returncode == 0, (argv, result.stderr)
        samples.append(result.cpu)
    return median(samples)


def run(repeat: int = 15) -> list[Row]:
    aktuellt = str(BIN / "aktuellt")
    bare = _cpu([sys.executable, "-c", "pass"], repeat)
    helps = _cpu([aktuellt, "--help"], repeat)
    with tempfile.TemporaryDirectory() as tmp, Site(per_page=9) as site:
        config = str(write_config(Path(tmp), site.listing_url))
        assert run_process([aktuellt, "--config", config, "run"]).returncode == 0
        unchanged = _cpu([aktuellt, "--config", config, "-q", "run"], repeat)
    baseline = f"python -c pass {bare * 1e3:.0f} ms"
    return [
        Row("3", "aktuellt --help (CPU)", f"{helps * 1e3:.0f} ms", baseline, f"{helps / bare:.1f}×", "≤ 3×",
            helps / bare <= 3),
        Row("3", "aktuellt run, unchanged 304 (CPU)", f"{unchanged * 1e3:.0f} ms", baseline,
            f"{unchanged / bare:.1f}×", "", None),
    ]  # fmt: skip
