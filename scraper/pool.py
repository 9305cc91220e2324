"""Sources read side by side: a bounded pool of threads (`fetch.sources_in_parallel`), so a cycle costs about
its slowest sources' network time rather than the sum of every source's.

Each source is read on a `Fetcher.for_source` view (its own host scope, budget and counters; the connections,
per-host turns and robots.txt files shared, so a host several sources live on still gets `delay` between
requests). Each worker thread has its own SQLite connection (a connection belongs to the thread that opened
it; WAL lets them read at once), and the writes (`commit_cycle`, `record_failure`) go one at a time. Reports
come back in the config's order, each with the seconds its source took.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from .config import SourceConfig
from .models import SourceReport
from .source.fetch import Fetcher
from .source.hosts import netloc
from .store import CycleWrite, Store

#: Reads one source and stores what it read: (source, store, fetcher) → its report.
RunOne = Callable[[SourceConfig, Store, Fetcher], SourceReport]


class SerialWrites(Store):
    """A worker's own connection, whose writes wait for every other worker's to finish: SQLite takes one
    writer at a time anyway, and a Python lock queues them without the busy-wait of a locked database."""

    def __init__(self, path: Path, writes: threading.Lock) -> None:
        super().__init__(path)
        self._writes = writes

    def commit_cycle(self, write: CycleWrite) -> None:
        with self._writes:
            super().commit_cycle(write)

    def record_failure(self, report: SourceReport, started: dt.datetime, finished: dt.datetime) -> None:
        with self._writes:
            super().record_failure(report, started, finished)


def run_sources(
    sources: Sequence[SourceConfig], *, workers: int, store: Store, fetcher: Fetcher, run: RunOne
) -> tuple[SourceReport, ...]:
    """Run `run` for every source, `workers` at a time (one: in this thread, on `store` and `fetcher`).
    An exception that escapes `run` (a storage failure, a bug) stops the pool taking new sources and is
    raised here once the running ones are done."""
    if min(workers, len(sources)) <= 1:
        return tuple(_timed(run, source, store, fetcher) for source in sources)
    reports: list[SourceReport | None] = [None] * len(sources)
    queue = iter(enumerate(sources))
    taking = threading.Lock()  # guards `queue`, `ahead` and `errors`
    writes = threading.Lock()
    errors: list[BaseException] = []
    ahead = iter(sources)

    def warm() -> None:
        while True:
            with taking:
                source = next(ahead, None)
                if source is None or errors or all(r is not None for r in reports):
                    return
            view = fetcher.for_source()
            with view.confined(source_hosts(source)):
                view.warm_robots(source.url)

    def work() -> None:
        try:
            with SerialWrites(store.path, writes) as own:
                while True:
                    with taking:
                        index, source = next(queue, (-1, None))
                        if source is None or errors:
                            return
                    reports[index] = _timed(run, source, own, fetcher.for_source())
        except BaseException as error:  # raised in the cycle's thread below, not lost with this one
            with taking:
                errors.append(error)

    # Daemon threads: a service that gives up on a cycle at shutdown must not wait for them to exit. With more
    # sources than workers, as many threads again fetch robots.txt ahead of the readers: a reader then
    # spends one round trip per source, not two and a `delay` (each host's turn is still kept: it is shared).
    threads = [
        threading.Thread(target=work, name=f"source-{n}", daemon=True)
        for n in range(min(workers, len(sources)))
    ]
    if len(sources) > workers:
        threads += [threading.Thread(target=warm, name=f"robots-{n}", daemon=True) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return tuple(report for report in reports if report is not None)


def source_hosts(source: SourceConfig) -> tuple[str, ...]:
    """The hosts a source's requests may go to: the listing URL's own (with its port when it names one),
    then `allowed_hosts`. Written as `allowed_hosts` entries are (config.checks._host_entry)."""
    return (netloc(source.url), *source.allowed_hosts)


def _timed(run: RunOne, source: SourceConfig, store: Store, fetcher: Fetcher) -> SourceReport:
    started = time.monotonic()
    report = run(source, store, fetcher)
    return replace(report, seconds=round(time.monotonic() - started, 3))
