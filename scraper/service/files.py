"""What the feed server sends for a path: the safe path under output_dir, its content type, and its bytes,
gzip and strong ETags, cached until the file changes. No web framework: plain files in, representations out.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from ..publish.files import CONTENT_TYPES

#: Feed documents: these get WebSub's Link headers.
FEED_SUFFIXES = frozenset({".rss", ".atom", ".json"})

#: Below this, gzip's header costs more than it saves.
GZIP_MIN = 256


def safe_path(root: Path, url_path: str) -> Path | None:
    """The file under `root` that `url_path` (already percent-decoded) names, or None when it names nothing
    servable. `root` must be resolved. "/" means index.html; any other path ending in "/" is a directory."""
    if "\x00" in url_path or "\\" in url_path:
        return None
    parts = [part for part in url_path.split("/") if part]
    if any(part.startswith(".") for part in parts):  # "..", ".", and dot-files such as ".all.rss.x.tmp"
        return None
    if not parts:
        parts = ["index.html"]
    elif url_path.endswith("/"):
        return None  # a directory: no listings
    candidate = root.joinpath(*parts)
    if candidate.suffix not in CONTENT_TYPES:
        return None
    try:
        real = candidate.resolve(strict=True)  # follows symlinks: where does it really lead?
    except (OSError, RuntimeError):
        return None
    if not real.is_relative_to(root) or not real.is_file():
        return None
    return real


@dataclass(frozen=True, slots=True)
class Representation:
    body: bytes
    gzipped: bytes | None
    etag: str  #: strong, of the identity bytes
    etag_gzip: str  #: strong, of the gzip coding (a different representation, so a different tag)
    last_modified: dt.datetime  #: whole seconds, UTC
    content_type: str


class FileCache:
    """Bytes, hashes and gzip of each file, kept until the file changes (a new inode, size or mtime)."""

    def __init__(self) -> None:
        self._entries: dict[Path, tuple[tuple[int, int, int], Representation]] = {}
        self._lock = threading.Lock()

    def get(self, path: Path) -> Representation | None:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return None
        try:
            # Stat and read the same open file: publish replaces files by rename, never in place.
            info = os.fstat(fd)
            key = (info.st_ino, info.st_size, info.st_mtime_ns)
            with self._lock:
                cached = self._entries.get(path)
            if cached is not None and cached[0] == key:
                return cached[1]
            with os.fdopen(os.dup(fd), "rb") as handle:
                body = handle.read()
        finally:
            os.close(fd)
        digest = hashlib.sha256(body).hexdigest()[:32]
        representation = Representation(
            body=body,
            gzipped=gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= GZIP_MIN else None,
            etag=f'"{digest}"',
            etag_gzip=f'"{digest}-gz"',
            last_modified=dt.datetime.fromtimestamp(info.st_mtime_ns // 1_000_000_000, dt.UTC),
            content_type=CONTENT_TYPES[path.suffix],
        )
        with self._lock:
            self._entries[path] = (key, representation)
        return representation


def _accepts_gzip(header: str) -> bool:
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip", "*"):
            q = params.strip().lower()
            if q.startswith("q="):
                try:
                    return float(q[2:]) > 0
                except ValueError:
                    return False
            return True
    return False


def etag_matches(header: str, representation: Representation) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 §13.1.2): W/ is ignored, either coding matches."""
    if header.strip() == "*":
        return True
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return bool(tags & {representation.etag, representation.etag_gzip})
