"""Writes rendered feed files: only when their bytes changed, and atomically (folders.replace_file). Owns no
rendering and no policy. Unchanged bytes are not rewritten at all, so the file's mtime (and a server's
Last-Modified / ETag) only moves when the content does.

OSError is translated to PublishError here, once; anything else propagates as a bug.
"""

from __future__ import annotations

import contextlib
import re
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

from ..errors import PublishError
from ..folders import fsync_folder, replace_file

__all__ = [
    "CONTENT_TYPES",
    "FILE_MODE",
    "remove_files",
    "remove_orphaned_temps",
    "write_if_changed",
]

#: The name `write_if_changed`'s NamedTemporaryFile gives a target's temporary file: ".<target>.<random>.tmp",
#: its random part eight of tempfile's letters. Nothing looser: ".all.rss.backup.tmp" is someone else's.
_TEMP_NAME = re.compile(r"\.(?P<target>.+)\.[a-z0-9_]{8}\.tmp")
#: Permission bits of a newly created feed file: readable by a web server running as another user.
#: (NamedTemporaryFile creates 0o600, which would make every published file unreadable to nginx.)
FILE_MODE = 0o644

#: What is served (by `serve`) or uploaded (to a `[publish] target`), by extension; anything else in
#: output_dir is not (a misplaced database, a backup, …).
CONTENT_TYPES = {
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".xsl": "text/xsl; charset=utf-8",
    ".xslt": "text/xsl; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".ico": "image/x-icon",
}


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` to `path` unless the file already holds exactly these bytes; True when written. A
    replaced file keeps its permission bits; a new one gets FILE_MODE. Raises PublishError."""
    mode = FILE_MODE
    try:
        current = path.stat()
    except OSError:
        pass  # missing (the usual case), or unreadable: the write below reports a real problem
    else:
        mode = stat.S_IMODE(current.st_mode)
        with contextlib.suppress(OSError):  # unreadable: write it, and let the write report the problem
            if current.st_size == len(data) and path.read_bytes() == data:
                return False

    try:
        replace_file(path, data, mode)
    except OSError as error:
        raise PublishError(f"could not write {path}") from error
    return True


def remove_files(root: Path, names: Iterable[str], ours: Callable[[bytes], bool] | None = None) -> list[Path]:
    """Delete the files `root/<name>` (the manifest decides which, see manifest.py; without one, `ours(the
    file's bytes)` says whether this program wrote it); return those removed."""
    removed = []
    inside = root.resolve()
    for name in names:
        path = root / name
        try:
            if not path.parent.resolve().is_relative_to(inside):
                continue  # its folder was made a symlink out of the output folder since: not ours to touch
            if path.is_dir() and not path.is_symlink():
                continue  # never a folder: it was a file when written, and someone made it a folder since
            if ours is not None and not ours(path.read_bytes()):
                continue
            path.unlink()
        except FileNotFoundError:
            continue  # gone already
        except OSError as error:
            raise PublishError(f"could not remove {path}") from error
        removed.append(path)
    for directory in sorted({path.parent for path in removed}):
        fsync_folder(directory)
    return removed


def remove_orphaned_temps(targets: Iterable[Path]) -> list[Path]:
    """Delete the temporary files a writer killed before its rename left beside `targets` (nothing else
    would). Call only under the cycle lock: then no other writer is mid-write in these folders."""
    names: dict[Path, set[str]] = {}
    for target in targets:
        names.setdefault(target.parent, set()).add(target.name)
    removed = []
    for directory, wanted in names.items():
        try:
            children = list(directory.iterdir())
        except OSError:
            continue  # the writes just made there would have failed first
        for path in children:
            temp = _TEMP_NAME.fullmatch(path.name)
            if temp is not None and temp["target"] in wanted:
                with contextlib.suppress(OSError):  # gone already, or not ours to remove after all
                    path.unlink()
                removed.append(path)
    return removed
