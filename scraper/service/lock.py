"""One cycle at a time per database: an advisory lock file beside it (`<database>.lock`).

flock(2) is released by the kernel when the process dies, so a killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import LockHeld, StorageError
from ..folders import make_folders


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


@contextmanager
def cycle_lock(database: Path) -> Iterator[None]:
    """Hold the database's lock for the duration of the block; raise LockHeld at once if another has it."""
    path = lock_path(database)
    try:
        make_folders(path.parent)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise StorageError(f"cannot create lock file {path}", path=str(path)) from error
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeld(str(path)) from None
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
