"""`make bench`: every measurement of issue 8, each against a baseline measured in the same run, as one table.

    python -m bench [--only 1,3] [--quick]

Everything talks to servers on 127.0.0.1 only. See bench/RESULTS.md for recorded runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable

from . import big_page, cycle, extraction, many_sources, nesting, network, serving, startup, store_scale
from .common import Row, print_table

SECTIONS: dict[str, tuple[str, Callable[[bool], list[Row]]]] = {
    "1": ("extraction", lambda quick: extraction.run(50 if quick else 200)),
    "2": ("unchanged cycle", lambda quick: cycle.run(10 if quick else 30)),
    "3": ("start-up", lambda quick: startup.run(5 if quick else 15)),
    "4": ("100k-item store", lambda quick: store_scale.run(1 if quick else 3)),
    "5": ("many sources", lambda quick: many_sources.run((30, 100) if quick else many_sources.SIZES)),
    "6": ("serving", lambda quick: serving.run(1 if quick else 3)),
    "7": ("hostile nesting", lambda quick: nesting.run(10_000 if quick else 30_000)),
    "8": ("1M-item store", lambda quick: store_scale.run_million(1 if quick else 3)),
    "9": ("100k items on one page", lambda quick: big_page.run(100_000)),
    "10": ("real-network sources", lambda quick: network.run((100,), 10) if quick else network.run()),
}


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.1f} GiB RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--only", help="comma-separated section numbers (1-9)")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and smaller sizes")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    chosen = args.only.split(",") if args.only else list(SECTIONS)
    print(machine(), flush=True)
    rows: list[Row] = []
    started = time.perf_counter()
    for number in chosen:
        name, section = SECTIONS[number]
        t0 = time.perf_counter()
        print(f"({number}) {name} …", end=" ", flush=True)
        rows += section(args.quick)
        print(f"{time.perf_counter() - t0:.0f} s", flush=True)
    print()
    print(print_table(rows))
    print(f"\nmedians of repeated runs; total {time.perf_counter() - started:.0f} s")
    return 1 if args.strict and any(row.met is False for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
