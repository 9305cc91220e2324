"""The SQLite connection's helpers: the only module that imports sqlite_utils.

The `Database` and `Table` types the other store modules name, the error and transaction wrappers every table
group uses (`TableGroup`), and the conversions of stored values (ISO 8601 UTC text, which sorts as text).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database as Database
from sqlite_utils.db import Table as Table
from sqlite_utils.migrations import Migrations as Migrations

from ..errors import StorageError

T = TypeVar("T")


def db_table(db: Database, name: str) -> Table:
    table = db[name]
    assert isinstance(table, Table)
    return table


def iso(moment: dt.datetime) -> str:
    """Aware datetime → ISO 8601 text in UTC (seconds precision is plenty and keeps feeds tidy)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()


from_iso = dt.datetime.fromisoformat


def epoch_seconds(moment: dt.datetime) -> int:
    """Whole seconds since 1970: how feed_items keeps instants (as iso() does, to the second)."""
    return int(moment.replace(microsecond=0).timestamp())


@contextmanager
def storage_errors(path: Path, doing: str) -> Iterator[None]:
    """Any failure of the database file, as a StorageError naming it."""
    try:
        yield
    except (sqlite3.Error, OSError) as error:
        raise StorageError(f"database {path}: cannot {doing}") from error


@contextmanager
def write_transaction(db: Database) -> Iterator[None]:
    """One write transaction, begun IMMEDIATE. A deferred one that has read first fails at once with
    "database is locked" while another process writes (SQLite calls no busy handler to upgrade a read
    transaction); an immediate one waits up to the connection's timeout for the other writer instead."""
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


class TableGroup:
    """The tables one module owns, on the store's one connection (`Store` holds one of each group)."""

    def __init__(self, db: Database, path: Path) -> None:
        self.db = db
        self.path = path

    def _errors(self, doing: str) -> AbstractContextManager[None]:
        return storage_errors(self.path, doing)

    def _write(self) -> AbstractContextManager[None]:
        return write_transaction(self.db)

    def _rows(self, doing: str, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Every row `sql` reads; a failure is a StorageError saying it could not do `doing`."""
        with self._errors(doing):
            return self.db.execute(sql, list(params)).fetchall()

    def _of_keys(self, doing: str, sql: str, source: str, keys: Iterable[str]) -> list[Any]:
        """The rows of `sql` (`source = ? AND key IN ({marks})`) for `source` and `keys`, read in chunks."""
        with self._errors(doing):
            return [
                row
                for chunk, marks in chunks(keys)
                for row in self.db.execute(sql.format(marks=marks), [source, *chunk]).fetchall()
            ]

    def _row(self, doing: str, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first row `sql` reads (None: none), as `_rows`."""
        with self._errors(doing):
            return self.db.execute(sql, list(params)).fetchone()


def chunks(values: Iterable[T], size: int = 500) -> Iterator[tuple[list[T], str]]:
    """`values` in lists of at most `size`, to stay under SQLite's bound-parameter limit, each with its
    "?,?,…" for an `IN (…)`."""
    values = list(values)
    for start in range(0, len(values), size):
        chunk = values[start : start + size]
        yield chunk, ",".join("?" * len(chunk))


def statements(script: str) -> Iterator[str]:
    """The SQL statements of `script` one by one (executescript would commit the migration's transaction)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending.strip()
            pending = ""
