"""The HTTP side of `aktuellt serve`: the files in output_dir, `/healthz` and `/metrics`.

The only module that imports starlette and uvicorn. Files are served the way a careful static server does:
a strong ETag from the bytes, Last-Modified from the file's mtime (publish rewrites a file only when its bytes
change, so the mtime is the last content change), conditional GET per RFC 9110 §13.2.2 (If-None-Match wins
over If-Modified-Since), HEAD, gzip when asked, and nothing outside output_dir: no directory listings, no
dot-files (publish's temporary files), no `..`, no symlink leading out, only known feed extensions.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import resource
import socket
import threading
import time
from collections.abc import Callable
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

import h11  # uvicorn's HTTP/1.1 parser: its states tell whether a request's headers have arrived
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from uvicorn.protocols.http.h11_impl import H11Protocol

from ..errors import ScraperError
from ..publish.pagestyle import content_security_policy
from ..sanity import json_text
from .files import FEED_SUFFIXES, FileCache, Representation, _accepts_gzip, etag_matches, safe_path
from .metrics import CONTENT_TYPE as METRICS_TYPE
from .metrics import Metrics

__all__ = ["FeedServer", "build_app", "connection_limit"]


log = logging.getLogger(__name__)


ALLOWED = "GET, HEAD"

_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"]

#: Seconds a client has to send a request's line and headers, on a new connection or between keep-alive
#: requests. uvicorn has no such deadline: a client that connects and sends nothing holds a socket (a file
#: descriptor) for ever, and ~1,000 of them used up every descriptor the process had.
HEADER_TIMEOUT = 5.0

#: Descriptors kept free below RLIMIT_NOFILE for all that is not a connection: the database and its -wal and
#: -shm, the lock file, a cycle's fetches and published files, files opened per request, /healthz reading the
#: store in up to 40 threads (3 each). Refused connections and a batch of accepts come on top.
FD_HEADROOM = 192

#: Connections at most, however high the descriptor limit.
MAX_CONNECTIONS = 10_000

#: Connections accepted per wake-up of the listening socket (asyncio accepts up to the backlog at once).
ACCEPT_BATCH = 64

#: Refused connections get their 503 and this long to read it before the socket is closed; at most
#: REFUSING_MAX of them linger at a time: a new one resets the oldest (most likely an idle client).
REFUSE_LINGER = 1.0

REFUSING_MAX = 64

#: On every response, uvicorn's own 503s included: no content sniffing (a feed whose text looks like HTML
#: must stay a feed, never become a page running its script).
COMMON_HEADERS = [("x-content-type-options", "nosniff")]

_REFUSAL = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 25\r\nretry-after: 5\r\nconnection: close\r\nx-content-type-options: nosniff\r\n"
    b"\r\n503 too many connections\n"
)


def connection_limit(soft_limit: int) -> int:
    """Connections the server keeps open at most, under a soft RLIMIT_NOFILE of `soft_limit`."""
    if soft_limit == resource.RLIM_INFINITY or soft_limit < 0:
        return MAX_CONNECTIONS
    reserved = max(FD_HEADROOM + REFUSING_MAX + ACCEPT_BATCH, soft_limit // 4)
    return max(1, min(MAX_CONNECTIONS, soft_limit - reserved))


def _not_modified(request: Request, representation: Representation) -> bool:
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:  # RFC 9110 §13.2.2: when present, If-Modified-Since is ignored
        return etag_matches(if_none_match, representation)
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError, IndexError):
        return False  # an invalid date is ignored (RFC 9110 §13.1.3)
    if since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    if since > dt.datetime.now(dt.UTC):  # a date later than the server's clock is invalid: ignored too
        return False
    return representation.last_modified <= since


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
    root = output_dir.resolve()
    cache = FileCache()
    cache_control = f"public, max-age={max_age}"
    page_policy = content_security_policy()  # index.html's; any other .html gets it too (so no script runs)

    def answer(status: int, body: bytes, headers: dict[str, str], *, head: bool) -> Response:
        metrics.feed_request(status)
        headers = {"content-length": str(len(body)), **headers}
        return Response(b"" if head else body, status_code=status, headers=headers)

    async def files(request: Request) -> Response:
        head = request.method == "HEAD"
        if request.method not in ("GET", "HEAD"):
            return answer(
                405, b"405 method not allowed\n", {"allow": ALLOWED, "content-type": "text/plain"}, head=False
            )
        path = safe_path(root, request.scope["path"])  # percent-decoded by the server
        representation = cache.get(path) if path is not None else None
        if representation is None:
            return answer(404, b"404 not found\n", {"content-type": "text/plain; charset=utf-8"}, head=head)
        use_gzip = representation.gzipped is not None and _accepts_gzip(
            request.headers.get("accept-encoding", "")
        )
        headers = {
            "etag": representation.etag_gzip if use_gzip else representation.etag,
            "last-modified": format_datetime(representation.last_modified, usegmt=True),
            "cache-control": cache_control,
            "vary": "Accept-Encoding",
        }
        if path is not None and path.suffix == ".html":
            headers["content-security-policy"] = page_policy
        if _not_modified(request, representation):
            metrics.feed_request(304)
            return Response(status_code=304, headers=headers)
        body = representation.body
        if use_gzip:
            assert representation.gzipped is not None
            body = representation.gzipped
            headers["content-encoding"] = "gzip"
        headers["content-type"] = representation.content_type
        if hub and base_url and path is not None and path.suffix in FEED_SUFFIXES:
            topic = base_url + path.relative_to(root).as_posix()
            headers["link"] = f'<{hub}>; rel="hub", <{topic}>; rel="self"'
        return answer(200, body, headers, head=head)

    def healthz(request: Request) -> Response:  # sync: Starlette runs it in a thread, it reads SQLite
        status, document = health()
        # As `status --json` writes it (DEL, C1 and bidi as \u00XX): an operator reads it with curl, and a
        # source's error reason may quote a redirect's Location, where C1 bytes are legal header text.
        body = json_text(document, indent=2).encode() + b"\n"
        headers = {"cache-control": "no-store", "content-length": str(len(body))}
        media = "application/json; charset=utf-8"
        return Response(b"" if request.method == "HEAD" else body, status, headers, media_type=media)

    def metrics_page(request: Request) -> Response:
        body = metrics.exposition()
        headers = {"cache-control": "no-store", "content-length": str(len(body))}
        return Response(b"" if request.method == "HEAD" else body, 200, headers, media_type=METRICS_TYPE)

    return Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET", "HEAD"]),
            Route("/metrics", metrics_page, methods=["GET", "HEAD"]),
            Route("/{path:path}", files, methods=_ALL_METHODS),
        ]
    )


def _listen(host: str, port: int, family: socket.AddressFamily) -> socket.socket:
    """A listening TCP socket, like `socket.create_server` but created with proto=IPPROTO_TCP.

    asyncio turns Nagle off (TCP_NODELAY) only on accepted sockets whose proto says TCP, and create_server's
    proto is 0: every response, sent as headers then body, then waited for the client's delayed ACK
    (40 ms on Linux), which capped one keep-alive connection at ~22 requests a second (make bench, (6))."""
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        if os.name != "nt":  # as create_server: rebind at once after a restart (Windows means otherwise)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen()
    except OSError:
        sock.close()
        raise
    return sock


class _Limits:
    """What the connections of one server share: the limit, the refused connections lingering, and the
    current burst of refusals (refusals less than BURST_GAP apart), logged once when it starts and once when
    a connection is accepted after it ended."""

    BURST_GAP = 10.0

    def __init__(self, limit: int, soft_limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.soft_limit, self._clock = limit, soft_limit, clock
        self.refusing: dict[asyncio.Transport, None] = {}  #: oldest first
        self.refused = 0  #: in the current burst; 0 when none is going on
        self._last_refusal = 0.0

    def refuse(self, open_connections: int) -> None:
        now = self._clock()
        if self.refused and now - self._last_refusal >= self.BURST_GAP:
            self._ended()
        if not self.refused:
            log.warning(
                "connection limit reached: %d connections open (limit %d, from RLIMIT_NOFILE %d); "
                "answering new ones 503 until some close",
                open_connections,
                self.limit,
                self.soft_limit,
            )
        self.refused += 1
        self._last_refusal = now

    def accepted(self) -> None:
        if self.refused and self._clock() - self._last_refusal >= self.BURST_GAP:
            self._ended()

    def _ended(self) -> None:
        log.warning("connection limit: the burst is over, %d connections were refused", self.refused)
        self.refused = 0


class _StrictConnection(h11.Connection):
    """h11, refusing a request that has both Content-Length and Transfer-Encoding. h11 would read its body by
    Transfer-Encoding and go on with the next request on the connection; a proxy in front that went by
    Content-Length sees another request there (request smuggling). RFC 9112 §6.1: such a message ought to be
    handled as an error and the connection closed; uvicorn answers the error with 400 and closes."""

    def next_event(self) -> Any:
        event = super().next_event()
        if isinstance(event, h11.Request):
            names = {name.lower() for name, _ in event.headers}
            if b"content-length" in names and b"transfer-encoding" in names:
                raise h11.RemoteProtocolError("both Content-Length and Transfer-Encoding", 400)
        return event


def _guarded_protocol(limits: _Limits) -> type[H11Protocol]:
    class GuardedProtocol(H11Protocol):
        """uvicorn's h11 protocol with what it lacks against idle clients: a deadline for each request's line
        and headers, and a fast 503 (then close) for connections beyond the limit, which would otherwise each
        hold a descriptor until the process has none left for its cycles."""

        _header_timer: asyncio.TimerHandle | None = None
        _refused = False

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            # The same parser, stricter (uvicorn made it in __init__ from the config's size limit).
            self.conn = _StrictConnection(h11.SERVER, self.conn._max_incomplete_event_size)
            super().connection_made(transport)  # type: ignore[arg-type]
            if len(self.connections) > limits.limit:
                self._refuse()
                return
            limits.accepted()
            self._arm_header_timer()

        def _refuse(self) -> None:
            self._refused = True
            self.connections.discard(self)  # not a connection the server serves: it does not count
            limits.refuse(len(self.connections))
            if len(limits.refusing) >= REFUSING_MAX:
                oldest = next(iter(limits.refusing))
                del limits.refusing[oldest]
                oldest.abort()
            # Answer, then give the client a moment to read it: closing at once, with its request unread,
            # would reset the connection and lose the 503.
            limits.refusing[self.transport] = None
            self.transport.write(_REFUSAL)
            self.transport.write_eof()
            self.loop.call_later(REFUSE_LINGER, self.transport.close)

        def send_400_response(self, msg: str) -> None:
            """uvicorn's answer to a malformed request (then close), with the headers every response has."""
            headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]
            headers += [(name.encode(), value.encode()) for name, value in COMMON_HEADERS]
            response = h11.Response(status_code=400, headers=headers, reason=b"Bad Request")
            for event in (response, h11.Data(data=msg.encode("ascii")), h11.EndOfMessage()):
                self.transport.write(self.conn.send(event) or b"")
            self.transport.close()

        def data_received(self, data: bytes) -> None:
            if not self._refused:  # a refused connection's request is read and dropped
                super().data_received(data)

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm_header_timer()  # the next request on this connection gets its own deadline

        def connection_lost(self, exc: Exception | None) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
            if self._refused:
                limits.refusing.pop(self.transport, None)
                self.transport.close()
                return
            super().connection_lost(exc)

        def _arm_header_timer(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
            self._header_timer = self.loop.call_later(HEADER_TIMEOUT, self._header_timeout)

        def _header_timeout(self) -> None:
            # IDLE: the request's headers are not complete (a request being answered is past IDLE).
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

    return GuardedProtocol


class _QuietAccept:
    """The event loop's error handler: asyncio logs "socket.accept() out of system resource" with a traceback
    for every failed accept (thousands a second once descriptors run out). Say it once a minute instead."""

    EVERY = 60.0

    def __init__(self) -> None:
        self._last = -self.EVERY
        self._skipped = 0

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if context.get("message") != "socket.accept() out of system resource":
            loop.default_exception_handler(context)
            return
        now = time.monotonic()
        if now - self._last < self.EVERY:
            self._skipped += 1
            return
        error = context.get("exception")
        more = f" ({self._skipped} more since the last report)" if self._skipped else ""
        log.error("cannot accept connections: %s%s; retrying", error, more)
        self._last, self._skipped = now, 0


class FeedServer:
    """uvicorn in a thread of its own (so the main thread keeps the signal handlers), on a socket bound at
    construction: a port already in use fails `serve` at once, and port 0 gets a free one."""

    def __init__(self, app: Starlette, host: str, port: int) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        try:
            self._socket = _listen(host, port, family)
        except OSError as error:
            raise ScraperError(f"cannot listen on {host}:{port}") from error
        # Accepted connections inherit this. Without it a keep-alive client waits ~40 ms per response: uvicorn
        # writes headers and body separately, and Nagle holds the body until the client's delayed ACK.
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.host, self.port = host, self._socket.getsockname()[1]
        soft_limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        self.limit = connection_limit(soft_limit)
        config = uvicorn.Config(
            app,
            http=_guarded_protocol(_Limits(self.limit, soft_limit)),
            log_config=None,  # our logging setup (text or JSON) handles uvicorn's records too
            access_log=False,  # /metrics counts requests; one log line per feed poll is noise
            server_header=False,
            lifespan="off",
            timeout_graceful_shutdown=3,
            headers=COMMON_HEADERS,
            limit_concurrency=self.limit,  # uvicorn answers 503 to requests beyond it (in-flight ones too)
            backlog=ACCEPT_BATCH,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="feed-server", daemon=True)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        asyncio.get_running_loop().set_exception_handler(_QuietAccept())
        await self._server.serve(sockets=[self._socket])

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise ScraperError(f"the feed server did not start on {self.url}")
            time.sleep(0.01)

    def stop(self) -> None:
        """Ask the server to finish its in-flight requests and stop; returns at once (see join)."""
        self._server.should_exit = True

    def join(self, timeout: float) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()
