"""Folders the program creates (output_dir, topics/, sources/, archive/, the database's folder): 0755 whatever
the umask. A restrictive umask (077 from a hardened shell or unit) would otherwise make the feeds unreadable
to a web server running as another user. A folder that already exists keeps its mode: never loosened."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["FOLDER_MODE", "make_folders"]

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
