"""What `aktuellt serve` answers: the files in output_dir, `/healthz` and `/metrics` (the ASGI app; server.py
serves it). The only module that imports starlette.

starlette's StaticFiles finds the file (nothing outside output_dir, however the path or a symlink leads; no
directories) and answers conditional GETs (If-None-Match wins over If-Modified-Since, RFC 9110 §13.2.2).
What it lacks is added here:
- it serves dot-files (publish's temporary files) and any extension, typed by guess (no charset), and
  honours an If-Modified-Since in the future (a cache would keep a stale copy);
- its GZipMiddleware compresses every response anew, takes `gzip;q=0` for yes and gives both codings one
  strong ETag: here each file is read, hashed and gzipped once per change, each coding with its own tag.
"""

from __future__ import annotations

import calendar
import gzip
import hashlib
import operator
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate, parsedate
from http import HTTPStatus
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from ..publish.files import CONTENT_TYPES
from ..publish.pagestyle import content_security_policy
from ..publish.push import FEED_SUFFIXES
from ..sanity import json_text
from .metrics import CONTENT_TYPE as METRICS_TYPE
from .metrics import Metrics

#: Below this, gzip's header costs more than it saves.
GZIP_MIN = 256


def _accepts_gzip(header: str) -> bool:
    for part in header.split(","):
        coding, _, params = part.partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip", "*"):
            params = params.strip().lower()
            try:
                return not params.startswith("q=") or float(params[2:]) > 0
            except ValueError:
                return False
    return False


def _plain(status: int, headers: dict[str, str] | None = None) -> Response:
    return PlainTextResponse(f"{status} {HTTPStatus(status).phrase.lower()}\n", status, headers)


#: What tells a file's versions apart: publish replaces a file by rename, never in place.
_version = operator.attrgetter("st_ino", "st_size", "st_mtime_ns")


@dataclass(frozen=True, slots=True)
class _File:
    version: tuple[int, int, int]
    body: bytes
    gzipped: bytes | None  #: None when it would not be smaller
    digest: str
    last_modified: str  #: the mtime as an HTTP date (whole seconds)


class _FeedFiles(StaticFiles):
    """StaticFiles serving the feed folder; the module docstring says what it adds, and why."""

    def __init__(self, root: Path, metrics: Metrics, max_age: int, hub: str | None, base_url: str | None):
        super().__init__(directory=root, check_dir=False)  # serve creates the folder after the app
        self.config_checked = True  # a folder gone is a 404 like any file gone, not StaticFiles' 500
        self.root, self.metrics, self.hub, self.base_url = root, metrics, hub, base_url
        self.headers = {"cache-control": f"public, max-age={max_age}", "vary": "Accept-Encoding"}
        # index.html's policy; any other .html gets it too (so no script runs)
        self.page_policy = content_security_policy()
        self._files: dict[str, _File] = {}  # only ever used in the event loop's thread

    def get_path(self, scope: Scope) -> str:
        parts = [part for part in scope["path"].split("/") if part]  # percent-decoded by the server
        if any(part.startswith(".") for part in parts):  # "..", ".", and dot-files such as ".all.rss.x.tmp"
            return ""  # the folder itself: a 404
        return os.path.join(*parts) if parts else "index.html"

    async def get_response(self, path: str, scope: Scope) -> Response:
        # Not StaticFiles' own: it looks each path up in a worker thread, which served about half as many
        # requests a second (an A/B run of make bench's (6)), for a few system calls on a cached folder.
        if scope["method"] not in ("GET", "HEAD"):
            response = _plain(405, {"allow": "GET, HEAD"})
        else:
            try:
                full_path, info = self.lookup_path(path)
                if (
                    info is None
                    or not stat.S_ISREG(info.st_mode)
                    or Path(full_path).suffix not in CONTENT_TYPES
                ):
                    raise FileNotFoundError(path)
                response = self.file_response(full_path, info, scope)
            except (OSError, ValueError):  # gone since it was looked up; a NUL in the path
                response = _plain(404)
        self.metrics.feed_request(response.status_code)
        return response

    def file_response(
        self, full_path: Any, stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        path, request = Path(full_path), Headers(scope=scope)
        file = self._read(path, stat_result)
        use_gzip = file.gzipped is not None and _accepts_gzip(request.get("accept-encoding", ""))
        headers = {
            "etag": f'"{file.digest}-gz"' if use_gzip else f'"{file.digest}"',  # two codings, two tags
            "last-modified": file.last_modified,
            **self.headers,
        }
        if path.suffix == ".html":
            headers["content-security-policy"] = self.page_policy
        if self.is_not_modified(Headers(headers), request):
            return Response(status_code=304, headers=headers)
        headers["content-type"] = CONTENT_TYPES[path.suffix]
        if self.hub and self.base_url and path.suffix in FEED_SUFFIXES:  # WebSub's discovery headers
            topic = self.base_url + path.relative_to(self.root).as_posix()
            headers["link"] = f'<{self.hub}>; rel="hub", <{topic}>; rel="self"'
        if use_gzip:
            headers["content-encoding"] = "gzip"
        return Response(file.gzipped if use_gzip else file.body, status_code, headers)

    def is_not_modified(self, response_headers: Headers, request_headers: Headers) -> bool:
        since = parsedate(request_headers.get("if-modified-since", ""))
        if "if-none-match" not in request_headers and since and calendar.timegm(since) > time.time():
            return False  # a date later than the server's clock is invalid, so ignored (RFC 9110 §13.1.3)
        return super().is_not_modified(response_headers, request_headers)

    def _read(self, path: Path, info: os.stat_result) -> _File:
        file = self._files.get(str(path))
        if file is not None and file.version == _version(info):
            return file
        with path.open("rb") as handle:  # the version of the file read, however the name moved since
            info, body = os.fstat(handle.fileno()), handle.read()
        digest = hashlib.sha256(body).hexdigest()[:32]
        gzipped = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= GZIP_MIN else None
        modified = formatdate(info.st_mtime_ns // 1_000_000_000, usegmt=True)
        file = self._files[str(path)] = _File(_version(info), body, gzipped, digest, modified)
        return file


def build_app(
    output_dir: Path,
    *,
    max_age: int,
    metrics: Metrics,
    health: Callable[[], tuple[int, dict[str, Any]]],
    hub: str | None = None,
    base_url: str | None = None,
) -> Starlette:
    """The ASGI app. `health()` returns (status code, JSON document) and may block (it reads the store).

    With a WebSub `hub` (and the public `base_url`), feed documents are served with the discovery `Link`
    headers WebSub §4 asks for: `rel="hub"` and `rel="self"` (the topic URL subscribers use)."""

    def healthz(request: Request) -> Response:  # sync: Starlette runs it in a thread, it reads SQLite
        status, document = health()
        # As `status --json` writes it (DEL, C1 and bidi as \u00XX): an operator reads it with curl, and a
        # source's error reason may quote a redirect's Location, where C1 bytes are legal header text.
        body = json_text(document, indent=2) + "\n"
        return Response(body, status, {"cache-control": "no-store"}, "application/json; charset=utf-8")

    def metrics_page(request: Request) -> Response:
        return Response(metrics.exposition(), 200, {"cache-control": "no-store"}, METRICS_TYPE)

    files = _FeedFiles(output_dir.resolve(), metrics, max_age, hub, base_url)
    return Starlette(routes=[Route("/healthz", healthz), Route("/metrics", metrics_page), Mount("/", files)])
