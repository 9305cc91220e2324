"""(2) An unchanged cycle, in process: the source answers 304, or 200 with the same items (every link
re-rendered with fresh portlet state). CPU time of `run_cycle` (the site runs in another process), and what
it wrote: SQLite row changes (`total_changes`) and feed files (mtimes), which must be the run record only.

Baseline: the CPU time of the bare HTTP exchange with the same server (one httpx GET through the project's
Fetcher, validators included), which no cycle can beat.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from scraper.config import load_config
from scraper.cycle import run_cycle
from scraper.source.fetch import Fetcher
from scraper.store import Store

from .common import Row, Site, median, write_config


def _mtimes(folder: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def _case(etag: bool, repeat: int) -> tuple[float, float, int, int]:
    with tempfile.TemporaryDirectory() as tmp, Site(per_page=9, etag=etag) as site:
        config = load_config(write_config(Path(tmp), site.listing_url))
        with Store(config.site.database) as store, Fetcher(config.fetch) as fetcher:
            first = run_cycle(config, store=store, fetcher=fetcher)
            assert first.ok and first.sources[0].new > 0, first
            run_cycle(config, store=store, fetcher=fetcher)  # warm: validators stored, connection open
            cpu, fetch_cpu, changes, files = [], [], [], []
            validators = store.runs.validators(site.listing_url)
            for _ in range(repeat):
                before_changes, before_files = store.db.conn.total_changes, _mtimes(config.site.output_dir)
                start = time.process_time()
                report = run_cycle(config, store=store, fetcher=fetcher)
                cpu.append(time.process_time() - start)
                expected = "not_modified" if etag else "ok"
                assert report.sources[0].status == expected and report.sources[0].new == 0, report
                changes.append(store.db.conn.total_changes - before_changes)
                after = _mtimes(config.site.output_dir)
                files.append(sum(1 for k, v in after.items() if before_files.get(k) != v))
                start = time.process_time()
                fetcher.get(site.listing_url, validators)
                fetch_cpu.append(time.process_time() - start)
    return median(cpu), median(fetch_cpu), max(changes), max(files)


def run(repeat: int = 30) -> list[Row]:
    rows = []
    # The issue sets a target for the 200 case only ("well under 20 ms"); a 304 is reported as measured.
    for etag, label, target in ((True, "304", None), (False, "200 unchanged", 0.020)):
        cpu, fetch_cpu, changes, files = _case(etag, repeat)
        rows.append(
            Row(
                "2",
                f"unchanged cycle, {label}: CPU",
                f"{cpu * 1e3:.2f} ms",
                f"bare GET {fetch_cpu * 1e3:.2f} ms",
                f"{cpu / fetch_cpu:.1f}×",
                "" if target is None else f"< {target * 1e3:.0f} ms",
                None if target is None else cpu < target,
            )
        )
        rows.append(
            Row(
                "2",
                f"unchanged cycle, {label}: writes",
                f"{changes} SQLite rows, {files} files",
                "",
                "",
                "1 row (run record), 0 files",
                changes == 1 and files == 0,
            )
        )
    return rows
