"""Folders and files the program creates: folders 0755 whatever the umask (a restrictive umask, 077 from a
hardened shell or unit, would make the feeds unreadable to a web server running as another user; an existing
folder keeps its mode: never loosened), and files replaced atomically (a temporary file in the same folder,
fsynced, renamed over the target, the folder fsynced): a reader sees the old file or the new one, never half.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

FOLDER_MODE = 0o755


def make_folders(path: Path) -> None:
    """Create `path` and its missing parents, each new one with FOLDER_MODE. Raises OSError as mkdir does."""
    missing: list[Path] = []
    current = path
    while not current.is_dir() and current.parent != current:
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, FOLDER_MODE)
        except FileExistsError:
            if folder.is_dir():
                continue  # made meanwhile by someone else: theirs, its mode is not ours to set
            raise
        os.chmod(folder, FOLDER_MODE)  # mkdir's mode went through the umask


def replace_file(path: Path, data: bytes, mode: int) -> None:
    """Make `path` hold `data` with permission bits `mode`, atomically (module doc), creating missing
    folders. Raises OSError; the old file is then left as it was and no temporary file is left behind."""
    tmp: str | None = None
    try:
        make_folders(path.parent)
        with tempfile.NamedTemporaryFile(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
        ) as handle:
            tmp = handle.name
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        tmp = None  # it is the target now: nothing to clean up
        fsync_folder(path.parent)
    finally:
        # Also on KeyboardInterrupt or a bug: never leave a ".all.rss.xxxx.tmp" behind.
        if tmp is not None:
            with contextlib.suppress(OSError):  # the original error is the one worth reporting
                os.unlink(tmp)


def fsync_folder(directory: Path) -> None:
    """Make a rename durable. POSIX only: Windows cannot open a directory, and its rename is journaled."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as error:
        # Some filesystems (certain network and FUSE mounts) cannot fsync a directory; the file itself is
        # already fsynced and renamed, so that is no reason to fail the publish.
        if error.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)
