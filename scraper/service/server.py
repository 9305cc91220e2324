"""The feed server of `aktuellt serve`: uvicorn on its own socket and thread, serving files.py's app. The
only module that imports uvicorn and h11.

uvicorn sends `nosniff` on every response, closes idle keep-alive connections and answers 503 to requests
beyond `limit_concurrency`. What it lacks against hostile clients is added here: a deadline for every
request's line and headers (its keep-alive timer starts only after a response, and stops at the first byte),
a fast 503 for connections beyond a limit (it accepts them until no descriptor is left: limit_concurrency
answers requests, it refuses no connection), and a 400 for a request with both Content-Length and
Transfer-Encoding (h11 reads it).
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import h11  # uvicorn's HTTP/1.1 parser: its states tell whether a request's headers have arrived
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from ..errors import ScraperError

log = logging.getLogger(__name__)

#: Seconds a client has to send a request's line and headers, on a new connection or between keep-alive
#: requests; read when a FeedServer is made (tests shorten it). Without it a client that connects and sends
#: nothing holds a socket (a file descriptor) for ever, and ~1,000 of them used up every descriptor.
HEADER_TIMEOUT = 5

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
        self.accepted()  # it ends a burst that is over
        if not self.refused:
            log.warning(
                "connection limit reached: %d connections open (limit %d, from RLIMIT_NOFILE %d); "
                "answering new ones 503 until some close",
                open_connections,
                self.limit,
                self.soft_limit,
            )
        self.refused += 1
        self._last_refusal = self._clock()

    def accepted(self) -> None:
        if self.refused and self._clock() - self._last_refusal >= self.BURST_GAP:
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


class _GuardedProtocol(H11Protocol):
    """uvicorn's h11 protocol with what it lacks against idle clients: its keep-alive deadline also for a new
    connection's first request and until a request's headers are complete (not only until its first byte),
    and a fast 503 (then close) for connections beyond the limit, which would otherwise each hold a
    descriptor until the process has none left for its cycles. FeedServer subclasses it with `limits`."""

    limits: _Limits
    _refused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # The same parser, stricter (uvicorn made it in __init__ from the config's size limit).
        self.conn = _StrictConnection(h11.SERVER, self.conn._max_incomplete_event_size)
        super().connection_made(transport)  # type: ignore[arg-type]
        if len(self.connections) > self.limits.limit:
            self._refuse()
            return
        self.limits.accepted()
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )

    def _unset_keepalive_if_required(self) -> None:
        if self.conn.their_state is not h11.IDLE:  # IDLE: the request's line and headers are not all in
            super()._unset_keepalive_if_required()

    def timeout_keep_alive_handler(self) -> None:
        if self.conn.their_state is h11.IDLE:  # a request being answered is past IDLE
            super().timeout_keep_alive_handler()

    def _refuse(self) -> None:
        self._refused = True
        self.connections.discard(self)  # not a connection the server serves: it does not count
        refusing = self.limits.refusing
        self.limits.refuse(len(self.connections))
        if len(refusing) >= REFUSING_MAX:
            oldest = next(iter(refusing))
            del refusing[oldest]
            oldest.abort()
        # Answer, then give the client a moment to read it: closing at once, with its request unread,
        # would reset the connection and lose the 503.
        refusing[self.transport] = None
        self.transport.write(_REFUSAL)
        self.transport.write_eof()
        self.loop.call_later(REFUSE_LINGER, self.transport.close)

    def data_received(self, data: bytes) -> None:
        if not self._refused:  # a refused connection's request is read and dropped
            super().data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.limits.refusing.pop(self.transport, None)
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a malformed request (then close), with the headers every response has."""
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]
        headers += [(name.encode(), value.encode()) for name, value in COMMON_HEADERS]
        response = h11.Response(status_code=400, headers=headers, reason=b"Bad Request")
        for event in (response, h11.Data(data=msg.encode("ascii")), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event) or b"")
        self.transport.close()


class FeedServer:
    """uvicorn in a thread of its own (so the main thread keeps the signal handlers), on a socket bound at
    construction: a port already in use fails `serve` at once, and port 0 gets a free one."""

    def __init__(self, app: Callable[..., Any], host: str, port: int) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        try:
            self._socket = _listen(host, port, family)
        except OSError as error:
            raise ScraperError(f"cannot listen on {host}:{port}") from error
        self.host, self.port = host, self._socket.getsockname()[1]
        soft_limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        self.limit = connection_limit(soft_limit)
        protocol = type("GuardedProtocol", (_GuardedProtocol,), {"limits": _Limits(self.limit, soft_limit)})
        config = uvicorn.Config(
            app,
            http=protocol,
            log_config=None,  # our logging setup (text or JSON) handles uvicorn's records too
            access_log=False,  # /metrics counts requests; one log line per feed poll is noise
            server_header=False,
            lifespan="off",
            timeout_graceful_shutdown=3,
            timeout_keep_alive=HEADER_TIMEOUT,  # see _GuardedProtocol: for the headers of every request
            headers=COMMON_HEADERS,
            limit_concurrency=self.limit,  # uvicorn answers 503 to requests beyond it (in-flight ones too)
            backlog=ACCEPT_BATCH,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="feed-server", daemon=True
        )

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

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
