"""The SQLite connection's helpers: the only module that imports sqlite_utils.

The `Database` and `Table` types the other store modules name, the error and transaction wrappers every table
group uses (`TableGroup`), and the conversions of stored values (ISO 8601 UTC text, which sorts as text).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from sqlite_utils import Database as Database
from sqlite_utils.db import Table as Table
from sqlite_utils.migrations import Migrations as Migrations

from ..errors import StorageError


#: What reading a stored value that no cycle of this version writes may raise (hand edits, old versions).
class UnreadableRow(ValueError):
    """A stored value no renderer can use (a date that does not parse, tags that are not JSON): the row is
    left out of what is being read, with a warning, instead of failing every publish."""


#: What makes one stored row unreadable: its values (UnreadableRow) or an instant beyond what datetime can
#: shift into another zone (OverflowError). A programming error (a wrong column count) is neither.
UNREADABLE = (UnreadableRow, OverflowError)


def db_table(db: Database, name: str) -> Table:
    table = db[name]
    assert isinstance(table, Table)
    return table


def iso(moment: dt.datetime) -> str:
    """Aware datetime → ISO 8601 text in UTC (seconds precision is plenty and keeps feeds tidy)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def from_iso(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def stored_tags(text: str | None) -> tuple[str, ...]:
    try:
        return tuple(json.loads(text)) if text else ()
    except (ValueError, TypeError) as error:
        raise UnreadableRow(f"tags {text!r} are not a JSON list: {error}") from None


def stored_instant(text: Any) -> dt.datetime:
    """A stored ISO instant, or UnreadableRow (rows written by hand, or before values were screened)."""
    try:
        return dt.datetime.fromisoformat(text)
    except (ValueError, TypeError) as error:
        raise UnreadableRow(f"{text!r} is not an ISO date: {error}") from None


def epoch_seconds(moment: dt.datetime) -> int:
    """Whole seconds since 1970: how feed_items keeps instants (as iso() does, to the second)."""
    return int(moment.replace(microsecond=0).timestamp())


@contextmanager
def storage_errors(path: Path, doing: str) -> Iterator[None]:
    """Any failure of the database file, as a StorageError naming it."""
    try:
        yield
    except (sqlite3.Error, OSError) as error:
        raise StorageError(f"database {path}: cannot {doing}", path=str(path)) from error


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
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    try:
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
