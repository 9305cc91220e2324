"""Helpers shared by the benchmarks: timing, child processes with their peak memory, the fixture site in a
child process, configs, and the result table."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def timed(fn: Callable[[], object], repeat: int, *, clock: Callable[[], float] = time.perf_counter) -> float:
    """Median seconds of `repeat` calls of `fn` (after one warm-up call)."""
    fn()
    samples = []
    for _ in range(repeat):
        start = clock()
        fn()
        samples.append(clock() - start)
    return median(samples)


@dataclass(frozen=True)
class ProcessResult:
    wall: float  #: seconds
    cpu: float  #: the child's user + system seconds: steadier than wall time on a busy machine
    max_rss_mb: float  #: the child's peak resident set size
    returncode: int
    stderr: str


def run_process(argv: Sequence[str], *, cwd: Path | None = None) -> ProcessResult:
    """Run a child to completion; its wall time and, from wait4, its own peak RSS."""
    start = time.perf_counter()
    child = subprocess.Popen(
        list(argv), cwd=cwd or ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert child.stderr is not None
    stderr = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    return ProcessResult(
        wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, child.returncode, stderr
    )


class Site:
    """`bench.site` in a child process: the loopback fixture site."""

    def __init__(self, *, per_page: int = 25, etag: bool = True) -> None:
        argv = [sys.executable, "-m", "bench.site", "--per-page", str(per_page)]
        if not etag:
            argv.append("--no-etag")
        self._argv = argv
        self._child: subprocess.Popen[str] | None = None
        self.listing_url = ""

    def __enter__(self) -> Site:
        self._child = subprocess.Popen(
            self._argv, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self._child.stdout is not None
        self.listing_url = self._child.stdout.readline().strip()
        if not self.listing_url:
            raise RuntimeError("the fixture site did not start")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._child is not None:
            assert self._child.stdin is not None
            self._child.stdin.close()
            try:
                self._child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._child.kill()
                self._child.wait()


def write_config(
    folder: Path, listing_url: str, *, sources: int = 1, topics: int = 0, max_items: int = 50
) -> Path:
    """A config with `sources` sources on one listing URL (told apart by a query string) and `topics`
    topics (each matching one word of the fixture's titles)."""
    lines = [
        "[site]",
        'title = "Bänk"',
        'base_url = "http://127.0.0.1:8080/"',
        'output_dir = "feeds"',
        'database = "aktuellt.db"',
        f"max_items = {max_items}",
        "[fetch]",
        "timeout = 10",
        "retries = 0",
        "delay = 0",
    ]
    for n in range(sources):
        url = listing_url if sources == 1 else f"{listing_url}?s={n}"
        lines += ["[[sources]]", f'id = "s{n}"', f'url = "{url}"', "articles = false"]
    for n in range(topics):
        lines += ["[[topics]]", f'id = "t{n}"', f'title = "Ämne {n}"', f'match = ["{TOPIC_WORDS[n % 20]}"]']
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


#: Twenty words common in the fixture's titles and summaries, one per bench topic.
TOPIC_WORDS = (
    "barn", "göteborg", "stad", "unga", "läs", "förskol", "jämlik", "hälsa", "familj", "skola",
    "bok", "projekt", "stöd", "boende", "arbete", "kultur", "idrott", "språk", "möte", "nytt",
)  # fmt: skip


@dataclass(frozen=True)
class Row:
    section: str
    measure: str
    value: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    met: bool | None = None


def print_table(rows: Sequence[Row]) -> str:
    header = ("#", "measure", "value", "baseline (same run)", "ratio", "target", "")
    cells = [header] + [
        (r.section, r.measure, r.value, r.baseline, r.ratio, r.target, _verdict(r.met)) for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _verdict(met: bool | None) -> str:
    return "" if met is None else ("met" if met else "MISSED")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"
