"""A progress bar for long work (backfilling article pages) on a terminal. The only module that imports rich.

Under cron, systemd or a pipe (stderr is not a TTY) it shows nothing: the caller's summary log line per
source is the record there, and a bar's control codes would only litter a log file.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

#: Fewer steps than this finish before a bar is worth drawing.
MIN_STEPS = 3


@contextmanager
def progress(description: str, total: int) -> Iterator[Callable[[], None]]:
    """Yield a thread-safe `advance()` to call once per finished step; draw a bar only on a terminal."""
    if total < MIN_STEPS or not sys.stderr.isatty():
        yield lambda: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda: bar.advance(task)
