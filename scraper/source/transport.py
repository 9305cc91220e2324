"""One HTTP exchange on the wire: the only module that imports httpx (and httpcore, its transport layer).

The client (no redirects followed: the fetcher checks each hop), wall-clock deadlines on every socket
operation, the size cap while reading (on the wire and decoded), and httpx's exceptions turned into ours
(`retries.Again` for those worth retrying, else FetchError). `post` sends webhooks and WebSub pings.
"""

from __future__ import annotations

import logging
import math
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from io import BytesIO
from types import ModuleType
from typing import Any

# httpx imports its command-line tool (~30 ms) when rich, pygments and click are installed, as here: an empty
# stand-in module makes httpx's own `except ImportError` fallback take over; the library never touches it.
sys.modules.setdefault("httpx._main", ModuleType("httpx._main"))

import httpcore  # noqa: E402  # httpx's own transport layer: the deadline-bounded network backend plugs into it
import httpx  # noqa: E402

from ..errors import FetchError, ResponseTooLarge  # noqa: E402
from ..retries import Again, Retries, failed_answer  # noqa: E402
from .decoding import BadCoding, inflater_for  # noqa: E402
from .hosts import host_of  # noqa: E402

log = logging.getLogger(__name__)


#: Content codings we ask for and decode ourselves, in bounded steps (one layer only, see Inflater).
ACCEPT_ENCODING = "gzip, deflate"

#: A whole exchange may take this many `timeout`s: httpx's timeouts are per read, and a server that dribbles
#: one byte just inside the read timeout must not hold a worker for hours. The status line and headers must
#: have arrived within one `timeout` of the request's start.
TOTAL_TIMEOUT_FACTOR = 3

#: Bodies we do not keep (redirects, errors) are still read when at most this long, to keep the connection.
DRAIN_BYTES = 65_536

_DNS_WORDS = ("name or service not known", "nodename nor servname", "name resolution", "getaddrinfo")


@dataclass(frozen=True)
class Response:
    """One HTTP exchange after its body (if wanted) was read."""

    url: str
    status: int
    reason: str
    headers: httpx.Headers
    body: bytes = b""


def _describe_connect_error(exc: BaseException, host: str) -> str:
    """Say in words why a connection failed: DNS, refused, TLS, or something else."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        text = str(cause).lower()
        if isinstance(cause, socket.gaierror) or any(word in text for word in _DNS_WORDS):
            return f"could not reach host {host} (its name did not resolve)"
        if isinstance(cause, ConnectionRefusedError) or "refused" in text:
            return f"could not reach host {host} (connection refused)"
        if isinstance(cause, ssl.SSLError) or "certificate" in text:
            return f"could not reach host {host} (TLS handshake failed)"
        cause = cause.__cause__ or cause.__context__
    return f"could not reach host {host}"


def drain(response: httpx.Response, method: str) -> None:
    """Read a body we do not want when it is known to be small, so the connection can be reused.

    A larger or unsized body is left unread and the connection closed; failing here costs only the connection.
    """
    length = content_length(response.headers)
    no_body = method == "HEAD" or response.status_code in (204, 304)
    if no_body or (length is not None and length <= DRAIN_BYTES):
        with suppress(httpx.HTTPError):
            if not response.is_stream_consumed:
                for _chunk in response.iter_raw():  # raw: a small gzip bomb is never inflated
                    pass


_DEADLINE_PREFIX = "timed out: "


class _RequestDeadline(threading.local):
    """The deadline of the request this thread is sending (None: none), and what to say when it passes."""

    at: float | None = None
    reason: str = ""


_REQUEST = _RequestDeadline()


@contextmanager
def _bounded(timeout: float | None, error: type[Exception]) -> Iterator[float | None]:
    """`timeout` for one socket operation, shortened to what is left of the request's deadline; a timeout
    once the deadline has passed says so."""
    at = _REQUEST.at
    if at is None:
        yield timeout
        return
    left = at - time.monotonic()
    if left <= 0:
        raise error(_DEADLINE_PREFIX + _REQUEST.reason)
    try:
        yield left if timeout is None else min(timeout, left)
    except httpcore.TimeoutException:
        if time.monotonic() >= at:
            raise error(_DEADLINE_PREFIX + _REQUEST.reason) from None
        raise


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose reads, writes and TLS handshake end by the deadline of the request using it.

    Chosen over a watchdog thread that closes sockets: the deadline is looked up by the thread doing the I/O
    at each operation, so it also holds on a kept-alive connection reused by a later request, needs no extra
    thread, and fails as an ordinary httpx timeout that the pool cleans up after."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        with _bounded(timeout, httpcore.ReadTimeout) as bounded:
            return self._inner.read(max_bytes, bounded)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        with _bounded(timeout, httpcore.WriteTimeout) as bounded:
            self._inner.write(buffer, bounded)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        with _bounded(timeout, httpcore.ConnectTimeout) as bounded:
            return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> object:
        return self._inner.get_extra_info(info)


_SocketOptions = Iterable[
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
]


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's backend, its connections deadline-bounded; TCP only (no `uds`, no connect retries)."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: _SocketOptions | None = None,
    ) -> httpcore.NetworkStream:
        with _bounded(timeout, httpcore.ConnectTimeout) as bounded:
            return _DeadlineStream(
                self._inner.connect_tcp(host, port, bounded, local_address, socket_options)
            )


class DeadlineTransport(httpx.HTTPTransport):
    """httpx's own transport, on a connection pool built with the deadline-bounded network backend (the one
    thing HTTPTransport's constructor does not let us pass)."""

    def __init__(self, limits: httpx.Limits) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_DeadlineBackend(),
        )


def content_length(headers: httpx.Headers) -> int | None:
    return int(value) if (value := headers.get("Content-Length", "").strip()).isdigit() else None


def post(
    url: str,
    *,
    user_agent: str,
    json_body: object | None = None,
    form: Mapping[str, str] | None = None,
    timeout: float = 5.0,
    retries: int = 2,
) -> int:
    """POST a JSON document or a form to `url` (webhooks, WebSub pings); the final status when it is 2xx.

    Short and bounded on purpose: a push target is someone else's server, and a cycle must not wait long for
    it. Each attempt must end within `timeout` seconds of wall clock, however slowly the receiver trickles;
    `retries` more on network errors, timeouts, 429 and 5xx, none logged (a webhook's URL may hold a token).
    Redirects are not followed. Anything else, or the last failure, is a FetchError."""
    client = HttpClient(user_agent=user_agent, timeout=timeout, concurrency=1, transport=None)
    with closing(client):

        def attempt() -> int:
            by, late = time.monotonic() + timeout, f"no complete answer within {timeout:g} s"
            try:
                with client.stream("POST", url, by, late, json=json_body, data=form) as response:
                    drain(response, "POST")
            except Again as again:
                raise Again(again.reason) from None  # the reason says it; no library detail
            if 200 <= response.status_code < 300:
                return response.status_code
            answer = (response.status_code, response.reason_phrase, response.headers)
            raise failed_answer(f"POST {url}", url, *answer)

        return Retries(retries, base=0.5, cap=timeout).run(attempt, f"POST {url}", url)


def read_body(response: httpx.Response, method: str, url: str, limit: int) -> bytes:
    """The body, decoded (gzip or deflate), at most `limit` bytes both on the wire and decoded, by the
    request's deadline.

    Raw bytes are read and inflated here in steps of at most DECODE_STEP output bytes, the cap checked
    after each: httpx would inflate a whole chunk (through every coding layer) before anyone could count,
    and a few KB of gzip-of-gzip inflate to gigabytes. So memory stays within ~`limit` per request."""

    def too_large(what: str) -> ResponseTooLarge:
        message = f"{method} {url} failed: response {what}"
        return ResponseTooLarge(message, url=url, status=response.status_code)

    declared = content_length(response.headers)
    if declared is not None and declared > limit:
        raise too_large(f"is {declared} bytes (Content-Length), the limit is {limit}")
    if response.is_stream_consumed:  # built in memory (a test's MockTransport): httpx has decoded it already
        inflater, chunks = None, iter([response.content])
    else:
        coding = response.headers.get("Content-Encoding", "")
        inflater, chunks = inflater_for(coding, method, url, response.status_code), response.iter_raw()
    body = BytesIO()  # getvalue() hands over its buffer without a copy
    wire = 0
    passed = f"passed the limit of {limit} bytes"

    def keep(pieces: Iterable[bytes]) -> None:
        for piece in pieces:
            if body.tell() + len(piece) > limit:  # only when inflated: raw bytes meet the wire's cap first
                raise too_large(f"{passed} decoded; stopped reading")
            body.write(piece)

    try:
        for chunk in chunks:
            wire += len(chunk)
            if wire > limit:
                raise too_large(f"{passed} on the wire; stopped reading")
            keep([chunk] if inflater is None else inflater.feed(chunk))
            if _REQUEST.at is not None and time.monotonic() > _REQUEST.at:
                raise Again(_DEADLINE_PREFIX + _REQUEST.reason)
        if inflater is not None:
            keep(inflater.finish())
    except BadCoding as exc:
        raise FetchError(
            f"{method} {url} failed: the compressed body could not be decoded ({exc})", url=url
        ) from exc.__cause__
    return body.getvalue()


class HttpClient:
    """An httpx client that follows no redirect, on the deadline-bounded transport (or a test's)."""

    def __init__(
        self, *, user_agent: str, timeout: float, concurrency: int, transport: Transport | None
    ) -> None:
        self._timeout = timeout
        pool = max(1, concurrency)
        limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
        self._client = httpx.Client(
            transport=transport if transport is not None else DeadlineTransport(limits),
            headers={"User-Agent": user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            timeout=httpx.Timeout(timeout),
            limits=limits,
            follow_redirects=False,  # every hop is checked and counted by the fetcher
        )

    def close(self) -> None:
        self._client.close()

    @contextmanager
    def stream(self, method: str, url: str, by: float, late: str, **request: Any) -> Iterator[httpx.Response]:
        """`httpx.Client.stream`, the status line and headers due `by` (else: `late`). The one place httpx
        exceptions become ours: retryable ones as Again, the rest as FetchError."""
        _REQUEST.at, _REQUEST.reason = by, late
        try:
            with self._client.stream(method, url, **request) as response:
                yield response
        except httpx.TimeoutException as exc:
            if str(exc).startswith(_DEADLINE_PREFIX):
                raise Again(str(exc)) from exc
            phase = {
                httpx.ConnectTimeout: "timed out connecting",
                httpx.ReadTimeout: "timed out waiting for the server",
                httpx.WriteTimeout: "timed out sending the request",
                httpx.PoolTimeout: "timed out waiting for a free connection",
            }.get(type(exc), "timed out")
            raise Again(phase) from exc
        except httpx.ConnectError as exc:
            raise Again(_describe_connect_error(exc, host_of(url))) from exc
        except (httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError) as exc:
            raise Again("the connection broke off (the response may be cut short)") from exc
        except httpx.InvalidURL as exc:
            raise FetchError(f"{method} {url} failed: invalid URL", url=url) from exc
        except httpx.DecodingError as exc:
            raise FetchError(
                f"{method} {url} failed: the compressed body could not be decoded", url=url
            ) from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"{method} {url} failed: unexpected error", url=url) from exc
        finally:
            _REQUEST.at = None

    def exchange(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        *,
        left: float | None,
        max_bytes: int,
        counted: Callable[[int], None],
    ) -> Response:
        """Send one request; read a success's body under the size cap, drain (or drop) any other's. The status
        line and headers must arrive within one `timeout`, the whole exchange end within TOTAL_TIMEOUT_FACTOR
        of them, both within `left` seconds (None: no limit). `counted` gets the body bytes that came off the
        wire (before gzip decoding), whatever happened."""
        start = time.monotonic()
        end = start + (left if left is not None else math.inf)
        head_by = min(start + self._timeout, end)
        done_by = min(start + self._timeout * TOTAL_TIMEOUT_FACTOR, end)
        late = f"no status line and headers within {head_by - start:.3g} s"
        status: int | str = "failed"
        wire = 0
        try:
            with self.stream(method, url, head_by, late, headers=headers) as response:
                _REQUEST.at, _REQUEST.reason = done_by, f"the body took longer than {done_by - start:.3g} s"
                status = response.status_code
                body = b""
                try:
                    if method == "GET" and 200 <= status < 300:
                        body = read_body(response, method, url, max_bytes)
                    else:
                        drain(response, method)
                finally:
                    wire = response.num_bytes_downloaded
                return Response(url, status, response.reason_phrase, response.headers, body)
        finally:
            counted(wire)
            elapsed = (time.monotonic() - start) * 1000
            log.debug("%s %s -> %s, %d bytes, %.0f ms", method, url, status, wire, elapsed)


#: The transport a test may hand the fetcher instead of the network (httpx.MockTransport).
Transport = httpx.BaseTransport
