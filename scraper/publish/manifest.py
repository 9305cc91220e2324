"""Which files of the output folder aktuellt wrote: the manifest, so that publishing removes only those.

`site.output_dir` may be an existing web folder with files of its own (`sources/app.json`, `topics/list.rss`).
Publishing removes the documents of a topic or source taken out of the config, and nothing else: a file is
removed only when it is named in the manifest, the record of every path a publish ever wrote here.

The manifest is a file in the output folder itself (`.aktuellt-manifest`, one path per line), not a table in
the store, because the question it answers is about the folder:

- **a fresh store** (a deleted or replaced database, a second config with its own database, a restore from
  backup) still finds the folder's record: files written before are removed when their topic goes, and a
  foreign file is never mistaken for one;
- **a crash mid-publish** never leaves a written file unrecorded: a path is added to the manifest, and the
  manifest replaced atomically (temporary file, fsync, rename), *before* the file is first written; a path
  leaves the manifest only after its file is gone. So the manifest is always a superset of the files the
  project wrote, and never names a file it did not;
- it moves with the folder (rsync, backup) and is a dot-file, which neither `serve` nor `deploy/nginx.conf`
  ever serves.

A folder published by a version before the manifest existed has none. The first publish then adopts only
the files the store's render records name (`feeds.rendered`: the feed documents the last publish wrote or
kept, so a topic removed from the config since still has its files removed) plus what it writes itself; any
other file already there is treated as foreign and left alone for good (`aktuellt check` lists them). A
manifest that cannot be read is treated the same way, with a warning. Entries that are absolute, contain
`..` or are not plain relative paths are ignored: the manifest is a file anyone with write access to the
folder could edit, and it must never make publishing delete outside the folder.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

from .files import remove_files, write_if_changed

__all__ = ["MANIFEST", "Manifest", "read_manifest", "unlisted_files"]

log = logging.getLogger(__name__)

#: The manifest's name in the output folder (a dot-file: never served).
MANIFEST = ".aktuellt-manifest"
_HEADER = "# aktuellt: files it wrote in this folder; only these are ever removed by it. Do not edit.\n"
#: At most this many files are listed by `unlisted_files` (for a warning, not an inventory).
_FOREIGN_LIMIT = 1000


class Manifest:
    """The record of the files aktuellt wrote in `root`, kept current through one publish.

    Use `publish` to write files, `keep` for documents left as they are, then
    `remove_stale` and `save` once at the end."""

    def __init__(self, root: Path, names: Iterable[str]) -> None:
        self.root = root
        self.names = set(names)  #: relative POSIX paths of the files written here, ever, and still there
        self.wanted: set[str] = set()  #: what this publish writes or keeps: never stale

    @classmethod
    def load(cls, root: Path, adopt: Iterable[str] = ()) -> Manifest:
        """The folder's manifest; without a readable one, the existing files among `adopt` (module doc)."""
        names = read_manifest(root)
        if names is None:
            names = {name for name in (_safe(n) for n in adopt) if name and (root / name).is_file()}
        return cls(root, names)

    def publish(self, files: Mapping[Path, bytes]) -> list[Path]:
        """Write every file whose bytes changed, in order, up to the first failure, after recording every
        path not yet in the manifest (write-ahead); return the paths written."""
        names = [self._name(path) for path in files]
        self.wanted.update(names)
        if not self.names.issuperset(names):
            self.names.update(names)
            self.save()
        return [path for path, data in files.items() if write_if_changed(path, data)]

    def keep(self, paths: Iterable[Path]) -> None:
        """Documents this publish keeps as they are on disk (not rendered again): not stale either."""
        self.wanted.update(self._name(path) for path in paths)

    def remove_stale(self, folders: Collection[str]) -> list[Path]:
        """Delete the files of the manifest in `folders` that this publish neither wrote nor kept."""
        stale = sorted(
            name for name in self.names if name.split("/", 1)[0] in folders and name not in self.wanted
        )
        removed = remove_files(self.root, stale)
        self.names.difference_update(stale)  # gone, or already gone
        return removed

    def save(self) -> None:
        """Write the manifest (atomically, and only when its bytes change); files gone since are dropped."""
        self.names = {name for name in self.names if name in self.wanted or (self.root / name).is_file()}
        data = _HEADER + "".join(f"{name}\n" for name in sorted(self.names))
        write_if_changed(self.root / MANIFEST, data.encode("utf-8"))

    def _name(self, path: Path) -> str:
        text, prefix = str(path), str(self.root) + os.sep
        if text.startswith(prefix):  # always, for the paths publishing makes; cheaper than relative_to
            return text[len(prefix) :].replace(os.sep, "/")
        return path.relative_to(self.root).as_posix()


def read_manifest(root: Path) -> set[str] | None:
    """The names in `root`'s manifest; None when there is none, or it cannot be read (logged)."""
    path = root / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        log.warning("%s cannot be read (%s): only files named by the store are removed", path, error)
        return None
    lines = (line.strip() for line in text.splitlines())
    return {name for name in (_safe(line) for line in lines if line and not line.startswith("#")) if name}


def unlisted_files(root: Path, ours: Collection[str]) -> list[str]:
    """Files in `root` (recursively, at most a thousand) that are not among `ours` (relative names).

    The manifest itself and a killed writer's temporary files (".all.rss.k3j9x0qz.tmp") are ours too."""
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if name in ours or name == MANIFEST or (path.name.startswith(".") and path.name.endswith(".tmp")):
            continue
        if path.is_file() or path.is_symlink():
            found.append(name)
            if len(found) >= _FOREIGN_LIMIT:
                break
    return found


def _safe(name: str) -> str | None:
    """`name` when it is a plain relative path inside the folder, else None. (Strings, not pathlib: a manifest
    of thousands of names is read every publish.)"""
    if not name or name.startswith("/") or "\\" in name or "\0" in name:
        return None
    return None if any(part in ("", ".", "..") for part in name.split("/")) else name
