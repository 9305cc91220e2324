"""A progress bar for long work (backfilling article pages) on a terminal, and the plain tables
`aktuellt probe` prints. The only module that imports rich.

Under cron, systemd or a pipe (stderr is not a TTY) it shows nothing: the caller's summary log line per
source is the record there, and a bar's control codes would only litter a log file.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from .sanity import escape_controls

#: Fewer steps than this finish before a bar is worth drawing.
MIN_STEPS = 3


@contextmanager
def progress(description: str, total: int) -> Iterator[Callable[[], None]]:
    """Yield a thread-safe `advance()` to call once per finished step; draw a bar only on a terminal."""
    if total < MIN_STEPS or not sys.stderr.isatty():
        yield lambda: None
        return
    # Imported here, as in `table`: rich costs ~20 ms to import, which cron's runs (no terminal) never need.
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda: bar.advance(task)


def table(
    title: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    width: int = 160,
    min_widths: dict[str, int] | None = None,
) -> str:
    """`rows` as a text table (box lines, no colour codes: it may go to a file or a pipe). Long cells
    fold onto more lines; `min_widths` keeps a column at least that wide (a UUID on one line)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    grid = Table(title=Text(escape_controls(title)), title_justify="left", show_lines=False)
    for column in columns:
        grid.add_column(column, overflow="fold", min_width=(min_widths or {}).get(column))
    for row in rows:
        # Page text: its control characters escaped before layout (so columns stay aligned), and never
        # read as rich markup (a title "[/b]" would raise, "[link=…]" would style).
        grid.add_row(*(Text(escape_controls(cell)) for cell in row))
    output = io.StringIO()
    Console(width=width, no_color=True, color_system=None, file=output).print(grid)
    return output.getvalue()
