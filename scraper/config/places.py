"""Paths the config may not name: system folders, the program itself, or an output folder holding the
database or the config (publish renames and removes files there).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .checks import Checker
from .tree import PACKAGE_DIR

#: Folders of the system, or of everyone: never an output folder (publish writes and prunes feed files in it).
_SYSTEM_FOLDERS = frozenset(
    Path(name)
    for name in (
        "/ /bin /boot /dev /etc /home /lib /lib32 /lib64 /libx32 /media /mnt /opt /proc /root /run /sbin "
        "/srv /sys /tmp /usr /usr/bin /usr/include /usr/lib /usr/libexec /usr/local /usr/local/bin "
        "/usr/local/lib /usr/local/sbin /usr/local/share /usr/sbin /usr/share /var /var/cache /var/lib "
        "/var/log /var/tmp /var/www"
    ).split()
)

#: Trees of devices, kernel state and the system's own configuration: neither path may lead anywhere inside.
_SYSTEM_TREES = tuple(Path(name) for name in ("/dev", "/proc", "/sys", "/etc", "/boot"))


def _system_place(real: Path) -> str | None:
    """Why `real` (a resolved path) is the system's, or None when it is not."""
    if real in _SYSTEM_FOLDERS or real == Path.home().resolve():
        return f"{real} is a system or home folder"
    for tree in _SYSTEM_TREES:
        if real.is_relative_to(tree):
            return f"{real} is inside {tree}"
    return None


def resolve_places(checker: Checker, site: dict[str, Any], base_dir: Path, config_path: Path | None) -> None:
    """Resolve `site`'s output_dir and database against `base_dir`, then refuse paths that would destroy data:
    publish renames feed files into output_dir (and removes stale ones), so a database in it is replaced by
    a feed, and a config or program in it is exposed or worse. Symlinks are resolved first: what counts is
    where a path really leads."""
    for name in ("output_dir", "database"):
        if name in site:
            site[name] = Path(os.path.normpath(base_dir / site[name]))
    output = site["output_dir"].resolve() if "output_dir" in site else None
    database = site["database"].resolve() if "database" in site else None
    if output is not None:
        if output.is_relative_to(PACKAGE_DIR):
            checker.add("site.output_dir", f"must not be inside the scraper package ({PACKAGE_DIR})")
        if (why := _system_place(output)) is not None:
            checker.add("site.output_dir", f"must not be a system folder: {why}")
        elif output.exists() and not output.is_dir():
            checker.add("site.output_dir", f"must be a folder: {output} is not one")
        if config_path is not None and config_path.resolve().is_relative_to(output):
            checker.add("site.output_dir", f"must not contain the config file ({config_path.resolve()})")
        if PACKAGE_DIR.is_relative_to(output):
            checker.add("site.output_dir", f"must not contain the program ({PACKAGE_DIR})")
    if database is not None:
        if (why := _system_place(database)) is not None:
            checker.add("site.database", f"must not be a system path: {why}")
        elif database.exists() and not database.is_file():
            checker.add("site.database", f"must be a file: {database} is a folder or a device")
        if output is not None and database.is_relative_to(output):
            checker.add(
                "site.database",
                f"must not be inside site.output_dir ({output}): publishing would replace or serve it",
            )
