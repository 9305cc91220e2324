"""HTTP for the whole project: the only module that imports httpx (and httpcore, its transport layer).

Owns politeness (User-Agent, robots.txt, a delay per host), conditional GET, retries with backoff, the size
cap (on decoded bytes, as they are decoded), deadlines (per request and per source), which hosts a source
may reach (every request and every redirect hop is checked), and decoding the body to text exactly once.
It must not parse HTML, touch the store or decide what changed, and no httpx exception or type leaves it:
callers see `Page`, `NotModified` or a `FetchError`.
"""

from __future__ import annotations

import codecs
import datetime as dt
import email.utils
import logging
import random
import re
import socket
import ssl
import threading
import time
import urllib.robotparser
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from io import BytesIO
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpcore  # httpx's own transport layer: the deadline-bounded network backend below plugs into it
import httpx

from ..errors import FetchError, HostNotAllowed, OutOfTime, ResponseTooLarge, RobotsDisallowed
from ..models import NotModified, Page, Validators

__all__ = ["FetchSettings", "Fetcher", "post"]

log = logging.getLogger("scraper.fetch")  # the logger name log filters know (kept when the module moved)

#: Statuses worth trying again: the server is busy or broken for now, not telling us we are wrong.
#: (Every 5xx except 501 Not Implemented and 505 HTTP Version Not Supported, which will not get better.)
RETRY_STATUSES = frozenset({429} | set(range(500, 600)) - {501, 505})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
#: A whole exchange may take this many `timeout`s: httpx's timeouts are per read, and a server that dribbles
#: one byte just inside the read timeout must not hold a worker for hours. The status line and headers must
#: have arrived within one `timeout` of the request's start.
TOTAL_TIMEOUT_FACTOR = 3
#: Validators (ETag, Last-Modified) longer than this are neither stored nor sent: a source's 90 KB ETag sent
#: back on every request would make it answer 431 forever.
MAX_VALIDATOR = 1024
#: Statuses to a conditional GET that are about the page or our rate, not the validators we sent: no retry
#: without them (429 is retried with backoff anyway).
_NOT_ABOUT_VALIDATORS = frozenset({404, 410, 429})
#: Content codings we ask for and decode ourselves, in bounded steps (one layer only, see _Inflater).
ACCEPT_ENCODING = "gzip, deflate"
#: At most this many decoded bytes come out of one decompression step; the size cap is checked after each.
DECODE_STEP = 65_536
DEFAULT_PORTS = {"http": 80, "https": 443}
#: Bodies we do not keep (redirects, errors) are still read when at most this long, to keep the connection.
DRAIN_BYTES = 65_536
#: How far into the body a <meta charset> declaration is looked for.
META_SNIFF_BYTES = 4096
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([-\w.:]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([-\w.:]+)""", re.IGNORECASE)
#: WHATWG Encoding: these labels mean windows-1252 on the web (Python's latin-1 maps 0x80-0x9F to controls).
_WINDOWS_1252_NAMES = frozenset({"iso8859-1", "latin-1", "ascii", "cp1252"})
_DNS_WORDS = ("name or service not known", "nodename nor servname", "name resolution", "getaddrinfo")


@dataclass(frozen=True)
class FetchSettings:
    """The `[fetch]` section of the config, as the fetcher needs it."""

    user_agent: str
    timeout: float = 20.0  #: seconds, for connecting and for each read
    retries: int = 3  #: extra attempts after the first, on network errors, timeouts, 429 and 5xx
    concurrency: int = 4  #: connections kept per Fetcher (article pages in flight)
    delay: float = 1.0  #: minimum seconds between the starts of two requests to one host
    max_bytes: int = 10_000_000  #: a larger body is an error; it is never read whole
    max_redirects: int = 5
    max_retry_after: float = 120.0  #: cap on any single wait: honoured Retry-After and backoff
    backoff_base: float = 1.0  #: first backoff; doubles per attempt, plus up to 50% random jitter


@dataclass(frozen=True)
class _Response:
    """One HTTP exchange after its body (if wanted) was read; internal to this module."""

    url: str
    status: int
    reason: str
    headers: httpx.Headers
    body: bytes = b""


class _Transient(Exception):
    """A failure worth retrying (network error, timeout, body cut off); never leaves this module."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _HostState:
    lock: threading.Lock
    delay: float
    last_start: float | None = None


@dataclass(frozen=True)
class _Robots:
    """What one origin's robots.txt said: a parser, or the reason everything is disallowed."""

    url: str
    parser: urllib.robotparser.RobotFileParser | None
    unavailable: str | None = None
    cause: FetchError | None = None


@dataclass(frozen=True)
class _Scope:
    """What one source's requests may do: the hosts they may reach and when its time runs out."""

    hosts: frozenset[str]  #: "host" (its scheme's default port) or "host:port"; IPv6 as "[::1]:8080"
    deadline: float | None  #: on the Fetcher's clock
    budget: float | None  #: seconds, for messages


class Fetcher:
    """A polite HTTP client for one cycle. Thread-safe; close it (or use `with`) when done.

    `requests_made` counts every request sent (retries, robots.txt and redirect hops included);
    `bytes_received` counts body bytes as they came off the wire (before gzip decoding).
    """

    def __init__(
        self,
        settings: FetchSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        allowed_hosts: Iterable[str] | None = None,
    ) -> None:
        self.settings = settings
        self.requests_made = 0
        self.bytes_received = 0
        self._sleep = sleep
        self._clock = clock
        self._allowed_hosts = frozenset(h.lower() for h in allowed_hosts or ())
        self._product = _product_token(settings.user_agent)
        self._random = random.Random()
        self._lock = threading.Lock()  # guards the counters and the two dicts below
        self._hosts: dict[str, _HostState] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._robots: dict[str, _Robots] = {}
        self._scope: _Scope | None = None
        pool = max(1, settings.concurrency)
        limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
        self._client = httpx.Client(
            transport=transport if transport is not None else _DeadlineTransport(limits),
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            timeout=httpx.Timeout(settings.timeout),
            limits=limits,
            follow_redirects=False,  # every hop is checked and counted by _follow
        )

    # -- public API

    def get(
        self, url: str, validators: Validators | None = None, *, check_robots: bool = True
    ) -> Page | NotModified:
        """GET `url`, conditionally when `validators` are given; 304 comes back as `NotModified`."""
        headers: dict[str, str] = {}
        if validators is not None:
            if validators.etag and len(validators.etag) <= MAX_VALIDATOR:
                headers["If-None-Match"] = validators.etag
            if validators.last_modified and len(validators.last_modified) <= MAX_VALIDATOR:
                headers["If-Modified-Since"] = validators.last_modified
        try:
            try:
                response = self._fetch("GET", url, headers, check_robots=check_robots, allowed=self._allows)
            except FetchError as error:
                status = error.status
                if (
                    not headers
                    or status is None
                    or not 400 <= status < 500
                    or status in _NOT_ABOUT_VALIDATORS
                ):
                    raise
                # A 4xx to a conditional request may be about the validators (431 for a huge ETag): drop them
                # and ask again, at once, without them. The answer's own validators replace the old ones.
                log.info(
                    "GET %s: HTTP %d to a conditional request; asking again without validators", url, status
                )
                headers, validators = {}, None
                response = self._fetch("GET", url, headers, check_robots=check_robots, allowed=self._allows)
            text = _decode(response.body, response.headers.get("Content-Type"), response.url)
        except MemoryError:
            raise FetchError(f"GET {url} failed: out of memory reading the response", url=url) from None
        etag = _validator(response.headers.get("ETag"))
        last_modified = _validator(response.headers.get("Last-Modified"))
        if response.status == 304:
            if not headers:
                raise FetchError(
                    f"GET {url} failed: HTTP 304 to a request that was not conditional", url=url, status=304
                )
            assert validators is not None
            return NotModified(
                response.url,
                etag=etag or validators.etag,
                last_modified=last_modified or validators.last_modified,
            )
        return Page(
            url=response.url,
            text=text,
            status=response.status,
            etag=etag,
            last_modified=last_modified,
            size=len(response.body),
        )

    def head(self, url: str) -> tuple[str | None, int | None]:
        """HEAD `url` for an enclosure: (media type without parameters, Content-Length), best effort.

        Any failure (robots, HTTP error, network) gives (None, None) and a debug log line; it never raises.
        """
        try:
            response = self._fetch("HEAD", url, {}, check_robots=True, allowed=self._allows)
        except FetchError as exc:
            log.debug("HEAD %s gave nothing: %s", url, exc)
            return None, None
        media_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        return media_type or None, _content_length(response.headers)

    def allows(self, url: str) -> bool:
        """Whether a request to `url` may be sent in the current scope (see `confined`)."""
        scope = self._scope
        return scope is None or _host_allowed(url, scope.hosts)

    @contextmanager
    def confined(self, hosts: Iterable[str], *, budget: float | None = None) -> Iterator[None]:
        """Confine every request made inside the block (redirect hops, robots.txt, HEADs included) to `hosts`
        ("host": on its scheme's default port; "host:port"; "[v6]:port"), and stop sending any after `budget`
        seconds. Sources are read one at a time, so one scope at a time is enough; a Fetcher used outside
        any scope reaches any host (redirects only to the request's own host or `allowed_hosts`)."""
        deadline = None if budget is None else self._clock() + budget
        self._scope = _Scope(frozenset(h.lower() for h in hosts), deadline, budget)
        try:
            yield
        finally:
            self._scope = None

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- retries

    def _allows(self, url: str, origin: str) -> bool:
        """May a request (or a redirect hop) go to `url`, for a request first sent to `origin`?"""
        scope = self._scope
        if scope is not None:
            return _host_allowed(url, scope.hosts)
        return _host(url) in self._allowed_hosts | {_host(origin)}

    def _allowed_hosts_text(self) -> str:
        scope = self._scope
        return ", ".join(sorted(scope.hosts if scope is not None else self._allowed_hosts))

    def _time_left(self) -> float | None:
        scope = self._scope
        if scope is None or scope.deadline is None:
            return None
        return scope.deadline - self._clock()

    def _out_of_time(self, method: str, url: str, what: str) -> OutOfTime:
        budget = self._scope.budget if self._scope is not None else None
        return OutOfTime(
            f"{method} {url} {what}: the source's time for this cycle ({budget or 0:.0f} s) ran out", url=url
        )

    def _fetch(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        *,
        check_robots: bool,
        allowed: Callable[[str, str], bool] | None,
    ) -> _Response:
        """Send with retries; return a 2xx or 304 response, or raise FetchError. `allowed=None`: any host."""
        if urlsplit(url).scheme not in ("http", "https") or not _host(url):
            raise FetchError(f"{method} {url} failed: not an http(s) URL", url=url)
        if allowed is not None and not allowed(url, url):
            raise HostNotAllowed(
                f"{method} {url} not sent: host {_host_port(url)} is not one the source allows "
                f"(allowed: {self._allowed_hosts_text()})",
                url=url,
            )
        attempts = max(0, self.settings.retries) + 1
        for attempt in range(1, attempts + 1):
            left = self._time_left()
            if left is not None and left <= 0:
                raise self._out_of_time(method, url, "not sent")
            try:
                response = self._follow(method, url, headers, check_robots=check_robots, allowed=allowed)
            except MemoryError:
                raise FetchError(
                    f"{method} {url} failed: out of memory reading the response", url=url
                ) from None
            except _Transient as exc:
                if attempt == attempts:
                    raise FetchError(
                        f"{method} {url} failed: {exc.reason} after {_plural(attempts, 'attempt')}", url=url
                    ) from exc.__cause__
                wait = self._backoff(attempt)
                reason = exc.reason
            else:
                status = response.status
                if (200 <= status < 300 and status != 206) or status == 304:
                    return response
                what = f"HTTP {status} {response.reason}".rstrip()
                if response.url != url:
                    what += f" (at {response.url})"
                if status not in RETRY_STATUSES:
                    raise FetchError(f"{method} {url} failed: {what}", url=url, status=status)
                if attempt == attempts:
                    raise FetchError(
                        f"{method} {url} failed: {what} after {_plural(attempts, 'attempt')}",
                        url=url,
                        status=status,
                    )
                retry_after = _retry_after(response.headers)
                wait = self._backoff(attempt) if retry_after is None else retry_after
                reason = f"HTTP {status}"
            wait = min(max(wait, 0.0), self.settings.max_retry_after)
            left = self._time_left()
            if left is not None and wait >= left:
                raise self._out_of_time(method, url, f"failed ({reason}) and was not retried")
            log.info(
                "%s %s: %s; retrying in %.1f s (attempt %d of %d)",
                method,
                url,
                reason,
                wait,
                attempt + 1,
                attempts,
            )
            self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int) -> float:
        base = self.settings.backoff_base * 2.0 ** (attempt - 1)
        return base * (1 + 0.5 * self._random.random())

    # -- redirects

    def _follow(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        *,
        check_robots: bool,
        allowed: Callable[[str, str], bool] | None,
    ) -> _Response:
        """One attempt: send, following redirects by hand so each hop is checked, counted and polite."""
        current = url
        seen = [url]
        for hop in range(self.settings.max_redirects + 1):
            if check_robots:
                self._check_robots(current)
            response = self._send(method, current, headers)
            if response.status not in REDIRECT_STATUSES:
                return response
            location = response.headers.get("Location")
            if not location:
                raise FetchError(
                    f"{method} {url} failed: HTTP {response.status} redirect without Location (at {current})",
                    url=url,
                    status=response.status,
                )
            target = urljoin(current, location.strip()).split("#", 1)[0]
            if urlsplit(target).scheme not in ("http", "https"):
                raise FetchError(f"{method} {url} failed: redirect to a non-http URL {target}", url=url)
            if allowed is not None and not allowed(target, url):
                raise HostNotAllowed(
                    f"{method} {url} failed: redirect to another host {target} "
                    f"(allowed: {self._allowed_hosts_text()})",
                    url=url,
                    status=response.status,
                )
            if target in seen:
                chain = " -> ".join([*seen, target])
                raise FetchError(
                    f"{method} {url} failed: redirect loop {chain}", url=url, status=response.status
                )
            if hop == self.settings.max_redirects:
                raise FetchError(
                    f"{method} {url} failed: more than {self.settings.max_redirects} redirects",
                    url=url,
                    status=response.status,
                )
            log.debug("%s %s redirects (%d) to %s", method, current, response.status, target)
            seen.append(target)
            current = target
        raise AssertionError("unreachable")  # pragma: no cover

    # -- one request

    def _send(self, method: str, url: str, headers: Mapping[str, str]) -> _Response:
        """Wait for the host's turn, send one request, read a success's body under the size cap.

        Wall-clock deadlines (httpx's timeouts are per socket read, so a server sending a byte a second never
        trips them): the status line and headers within `timeout` of the start, the whole exchange within
        TOTAL_TIMEOUT_FACTOR × `timeout`, and neither past the source's own deadline."""
        self._wait_turn(_host(url))
        left = self._time_left()
        if left is not None and left <= 0:
            raise self._out_of_time(method, url, "not sent")
        with self._lock:
            self.requests_made += 1
        started = time.perf_counter()
        timeout = self.settings.timeout
        total = timeout * TOTAL_TIMEOUT_FACTOR
        start = time.monotonic()
        head_by, done_by = start + timeout, start + total
        if left is not None:
            head_by, done_by = min(head_by, start + left), min(done_by, start + left)
        status: int | str = "failed"
        wire = 0
        try:
            with (
                _request_deadline(head_by, f"no status line and headers within {head_by - start:.3g} s"),
                _translate_errors(method, url),
                self._client.stream(method, url, headers=headers) as response,
            ):
                _set_request_deadline(done_by, f"the body took longer than {done_by - start:.3g} s")
                status = response.status_code
                body = b""
                try:
                    if method == "GET" and 200 <= status < 300:
                        body = self._read_body(response, method, url, done_by)
                    else:
                        _drain(response, method)
                finally:
                    wire = response.num_bytes_downloaded
                return _Response(url, status, response.reason_phrase, response.headers, body)
        finally:
            with self._lock:
                self.bytes_received += wire
            elapsed = (time.perf_counter() - started) * 1000
            log.debug("%s %s -> %s, %d bytes, %.0f ms", method, url, status, wire, elapsed)

    def _read_body(self, response: httpx.Response, method: str, url: str, deadline: float) -> bytes:
        """The body, decoded (gzip or deflate), at most `max_bytes` both on the wire and decoded.

        Raw bytes are read and inflated here in steps of at most DECODE_STEP output bytes, the cap checked
        after each: httpx would inflate a whole chunk (through every coding layer) before anyone could count,
        and a few KB of gzip-of-gzip inflate to gigabytes. So memory stays within ~max_bytes per request."""
        limit = self.settings.max_bytes
        declared = _content_length(response.headers)
        if declared is not None and declared > limit:
            raise ResponseTooLarge(
                f"{method} {url} failed: response is {declared} bytes (Content-Length), the limit is {limit}",
                url=url,
                status=response.status_code,
            )
        if (
            response.is_stream_consumed
        ):  # built in memory (a test's MockTransport): httpx has decoded it already
            inflater, chunks = None, iter([response.content])
        else:
            coding = response.headers.get("Content-Encoding", "")
            inflater, chunks = _inflater(coding, method, url, response.status_code), response.iter_raw()
        body = BytesIO()  # getvalue() hands over its buffer without a copy
        wire = 0

        def too_large(what: str) -> ResponseTooLarge:
            return ResponseTooLarge(
                f"{method} {url} failed: response passed the limit of {limit} bytes {what}; stopped reading",
                url=url,
                status=response.status_code,
            )

        def keep(pieces: Iterable[bytes]) -> None:
            for piece in pieces:
                if body.tell() + len(piece) > limit:
                    raise too_large("decoded" if inflater is not None else "")
                body.write(piece)

        try:
            for chunk in chunks:
                wire += len(chunk)
                if wire > limit:
                    raise too_large("on the wire")
                keep([chunk] if inflater is None else inflater.feed(chunk))
                if time.monotonic() > deadline:
                    total = self.settings.timeout * TOTAL_TIMEOUT_FACTOR
                    raise _Transient(f"timed out: the body took longer than {total:g} s")
            if inflater is not None:
                keep(inflater.finish())
        except _BadCoding as exc:
            raise FetchError(
                f"{method} {url} failed: the compressed body could not be decoded ({exc})", url=url
            ) from exc.__cause__
        return body.getvalue()

    def _wait_turn(self, host: str) -> None:
        """Wait until `delay` seconds have passed since the last request to `host` started; claim the turn."""
        state = self._host_state(host)
        with state.lock:
            now = self._clock()
            if state.last_start is not None:
                earliest = state.last_start + state.delay
                if now < earliest:
                    self._sleep(earliest - now)
                    now = max(self._clock(), earliest)
            state.last_start = now

    def _host_state(self, host: str) -> _HostState:
        with self._lock:
            state = self._hosts.get(host)
            if state is None:
                state = self._hosts[host] = _HostState(threading.Lock(), max(0.0, self.settings.delay))
            return state

    # -- robots.txt (RFC 9309)

    def _check_robots(self, url: str) -> None:
        robots = self._robots_for(url)
        if robots.parser is None:
            raise RobotsDisallowed(
                f"robots.txt at {robots.url} is unavailable ({robots.unavailable}); RFC 9309 says to assume "
                f"everything is disallowed, so {url} was not fetched",
                url=url,
            ) from robots.cause
        if not robots.parser.can_fetch(self._product, url):
            raise RobotsDisallowed(
                f"robots.txt at {robots.url} disallows {url} for user agent {self._product!r}", url=url
            )

    def _robots_for(self, url: str) -> _Robots:
        parts = urlsplit(url)
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host  # an IPv6 literal keeps its brackets
        origin = f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")
        with self._lock:
            lock = self._robots_locks.setdefault(origin, threading.Lock())
        with lock:  # one fetch per origin even when several workers ask at once
            robots = self._robots.get(origin)
            if robots is None:
                robots = self._robots[origin] = self._fetch_robots(f"{origin}/robots.txt")
            return robots

    def _fetch_robots(self, robots_url: str) -> _Robots:
        parser = urllib.robotparser.RobotFileParser(robots_url)
        try:
            # robots.txt is never checked against itself. Its redirects may leave the host (RFC 9309 2.3.1.2),
            # but never the hosts the source allows.
            allowed = self._allows if self._scope is not None else None
            response = self._fetch("GET", robots_url, {}, check_robots=False, allowed=allowed)
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                log.debug("%s: HTTP %s, so everything is allowed (RFC 9309 2.3.1.3)", robots_url, exc.status)
                parser.parse([])
                return _Robots(robots_url, parser)
            if exc.status is None:
                # The host cannot be reached at all: say that, plainly, rather than blame robots.txt.
                # Nothing is cached, so the next cycle asks again.
                raise FetchError(exc.message, url=exc.url) from None
            log.warning("%s is unavailable, so nothing on that host is fetched: %s", robots_url, exc)
            reason = exc.message.partition(" failed: ")[2] or exc.message
            return _Robots(robots_url, None, unavailable=reason, cause=exc)
        parser.parse(response.body.decode("utf-8", errors="replace").splitlines())
        delay = parser.crawl_delay(self._product)
        if delay is not None:
            state = self._host_state(_host(robots_url))
            wanted = min(float(delay), self.settings.max_retry_after)
            with state.lock:
                if wanted > state.delay:
                    log.info(
                        "%s asks for Crawl-delay %s; waiting %.1f s between requests",
                        robots_url,
                        delay,
                        wanted,
                    )
                    state.delay = wanted
        return _Robots(robots_url, parser)


@contextmanager
def _translate_errors(method: str, url: str) -> Iterator[None]:
    """The one place httpx exceptions become ours: retryable ones as _Transient, the rest as FetchError."""
    try:
        yield
    except httpx.TimeoutException as exc:
        if str(exc).startswith(_DEADLINE_PREFIX):
            raise _Transient(str(exc)) from exc
        phase = {
            httpx.ConnectTimeout: "timed out connecting",
            httpx.ReadTimeout: "timed out waiting for the server",
            httpx.WriteTimeout: "timed out sending the request",
            httpx.PoolTimeout: "timed out waiting for a free connection",
        }.get(type(exc), "timed out")
        raise _Transient(phase) from exc
    except httpx.ConnectError as exc:
        raise _Transient(_describe_connect_error(exc, _host(url))) from exc
    except (httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError) as exc:
        raise _Transient("the connection broke off (the response may be cut short)") from exc
    except httpx.InvalidURL as exc:
        raise FetchError(f"{method} {url} failed: invalid URL", url=url) from exc
    except httpx.DecodingError as exc:
        raise FetchError(f"{method} {url} failed: the compressed body could not be decoded", url=url) from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"{method} {url} failed: unexpected error", url=url) from exc


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


def _drain(response: httpx.Response, method: str) -> None:
    """Read a body we do not want when it is known to be small, so the connection can be reused.

    A larger or unsized body is left unread and the connection closed; failing here costs only the connection.
    """
    length = _content_length(response.headers)
    no_body = method == "HEAD" or response.status_code in (204, 304)
    if no_body or (length is not None and length <= DRAIN_BYTES):
        with suppress(httpx.HTTPError):
            if not response.is_stream_consumed:
                for _chunk in response.iter_raw():  # raw: a small gzip bomb is never inflated
                    pass


# -- deadlines: a network backend whose every socket operation ends by the request's deadline

_DEADLINE_PREFIX = "timed out: "


class _RequestDeadline(threading.local):
    """The deadline of the request this thread is sending (None: none), and what to say when it passes."""

    at: float | None = None
    reason: str = ""


_REQUEST = _RequestDeadline()


def _set_request_deadline(at: float | None, reason: str = "") -> None:
    _REQUEST.at, _REQUEST.reason = at, reason


@contextmanager
def _request_deadline(at: float, reason: str) -> Iterator[None]:
    _set_request_deadline(at, reason)
    try:
        yield
    finally:
        _set_request_deadline(None)


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

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: _SocketOptions | None = None,
    ) -> httpcore.NetworkStream:
        with _bounded(timeout, httpcore.ConnectTimeout) as bounded:
            return _DeadlineStream(self._inner.connect_unix_socket(path, bounded, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _DeadlineTransport(httpx.HTTPTransport):
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


# -- content codings


class _Inflater:
    """One gzip or deflate layer, inflated in steps of at most DECODE_STEP output bytes."""

    def __init__(self, coding: str) -> None:
        self._coding = coding
        self._z: zlib._Decompress | None = None

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._z is None:
            if not data:
                return
            # RFC 9110 "deflate" is the zlib format; some servers send raw deflate: tell them apart by the
            # zlib header (its two bytes are a multiple of 31), as browsers do.
            wbits = 31 if self._coding != "deflate" else 15 if _zlib_header(data) else -15
            self._z = zlib.decompressobj(wbits)
        z = self._z
        while not z.eof:
            try:
                out = z.decompress(data, DECODE_STEP)
            except zlib.error as exc:
                raise _BadCoding(str(exc)) from exc
            if out:
                yield out
            data = z.unconsumed_tail
            if not data and len(out) < DECODE_STEP:
                return  # input used up and nothing held back

    def finish(self) -> Iterator[bytes]:
        if self._z is None:
            return
        yield from self.feed(b"")
        if not self._z.eof and self._coding != "deflate":
            raise _BadCoding("the compressed body ended early")


class _BadCoding(Exception):
    pass


def _zlib_header(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


def _inflater(header: str, method: str, url: str, status: int) -> _Inflater | None:
    """The decoder for a Content-Encoding; two layers or more, or a coding we did not ask for, is an error."""
    codings = [c.strip().lower() for c in header.split(",") if c.strip() and c.strip().lower() != "identity"]
    if not codings:
        return None
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
        return _Inflater(codings[0])
    raise FetchError(
        f"{method} {url} failed: Content-Encoding {header.strip()!r} is not accepted "
        f"(one layer of gzip or deflate is)",
        url=url,
        status=status,
    )


# -- decoding


def _decode(body: bytes, content_type: str | None, url: str) -> str:
    """Bytes to text, once: BOM, else the header's charset, else <meta> in the first 4 KiB, else UTF-8.

    Text that is not valid in the declared (or assumed) UTF-8 is read as windows-1252, with a warning: Latin-1
    served as UTF-8 is the usual mistake. Anything else undecodable gets U+FFFD rather than an error.
    """
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if body.startswith(bom):
            return body.decode(name, errors="replace")
    label, source = None, "default"
    match = _HEADER_CHARSET.search(content_type or "")
    if match:
        label, source = match.group(1), "Content-Type header"
    else:
        meta = _META_CHARSET.search(body[:META_SNIFF_BYTES])
        if meta:
            label, source = meta.group(1).decode("ascii", errors="replace"), "<meta> tag"
    encoding = "utf-8"
    if label is not None:
        try:
            encoding = codecs.lookup(label).name
        except LookupError:
            log.warning("%s: unknown charset %r in the %s; trying UTF-8", url, label, source)
        else:
            if encoding in _WINDOWS_1252_NAMES:
                encoding = "cp1252"
            elif encoding.startswith("utf-16") and source == "<meta> tag":
                encoding = "utf-8"  # an ASCII-readable <meta> cannot be UTF-16 (WHATWG)
    try:
        return body.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding != "utf-8":
            log.warning(
                "%s: body is not valid %s (%s); undecodable bytes replaced", url, encoding, exc.reason
            )
            return body.decode(encoding, errors="replace")
    lenient = body.decode("utf-8", errors="replace")
    replaced = lenient.count("\ufffd") - body.count("\ufffd".encode())
    decoded = sum(1 for ch in lenient if ord(ch) > 127 and ch != "\ufffd")
    if decoded > replaced:
        log.warning("%s: body is mostly UTF-8 but has %d invalid bytes; they were replaced", url, replaced)
        return lenient
    log.warning("%s: body is not valid UTF-8 (charset from the %s); decoded as windows-1252", url, source)
    return body.decode("cp1252", errors="replace")


# -- small helpers


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _host_port(url: str) -> str:
    """`url`'s host and effective port, as allowed_hosts writes them: "example.org:443", "[::1]:8080"."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port or DEFAULT_PORTS.get(parts.scheme, 0)
    except ValueError:
        port = 0
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _host_allowed(url: str, hosts: frozenset[str]) -> bool:
    """Whether `url` is on one of `hosts`: "host" matches it on its scheme's default port, "host:port"
    (or "[v6]:port") on that port only. Names are compared exactly: localhost is not 127.0.0.1."""
    parts = urlsplit(url)
    try:
        explicit = parts.port
    except ValueError:
        return False
    key = _host_port(url)
    if key in hosts:
        return True
    default = DEFAULT_PORTS.get(parts.scheme)
    bare = key.rsplit(":", 1)[0]
    return (explicit is None or explicit == default) and bare in hosts


def _validator(value: str | None) -> str | None:
    """A validator worth keeping: present, and at most MAX_VALIDATOR characters (else dropped)."""
    if value is None or len(value) > MAX_VALIDATOR:
        if value is not None:
            log.info("dropping a %d-character validator: longer than %d", len(value), MAX_VALIDATOR)
        return None
    return value


def _product_token(user_agent: str) -> str:
    """The name robots.txt groups are matched against: "aktuellt/0.1 (+https://…)" gives "aktuellt"."""
    match = re.match(r"[A-Za-z0-9_-]+", user_agent.strip())
    return match.group(0).lower() if match else "*"


def _content_length(headers: httpx.Headers) -> int | None:
    value = headers.get("Content-Length", "").strip()
    return int(value) if value.isdigit() else None


def _retry_after(headers: httpx.Headers) -> float | None:
    """Retry-After as seconds: delta-seconds, or an HTTP-date measured against the response's own Date."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    when = _http_date(value)
    if when is None:
        return None
    now = _http_date(headers.get("Date") or "") or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


def _http_date(value: str) -> dt.datetime | None:
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def post(
    url: str,
    *,
    user_agent: str,
    json_body: object | None = None,
    form: Mapping[str, str] | None = None,
    timeout: float = 5.0,
    retries: int = 2,
    backoff: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """POST a JSON document or a form to `url` (webhooks, WebSub pings); the final status when it is 2xx.

    Short and bounded on purpose: a push target is someone else's server, and a cycle must not wait long for
    it. Network errors, timeouts, 429 and 5xx are retried `retries` times with a doubling `backoff`; redirects
    are not followed. Anything else, or the last failure, is a FetchError."""
    headers = {"User-Agent": user_agent}
    attempt = 0
    with httpx.Client(timeout=timeout, headers=headers, follow_redirects=False) as client:
        while True:
            reason: str
            try:
                with _translate_errors("POST", url):
                    response = client.post(url, json=json_body, data=form)
                if 200 <= response.status_code < 300:
                    return response.status_code
                if response.status_code not in RETRY_STATUSES:
                    raise FetchError(
                        f"POST {url} failed: HTTP {response.status_code}",
                        url=url,
                        status=response.status_code,
                    )
                reason = f"HTTP {response.status_code}"
            except _Transient as transient:
                reason = transient.reason
            if attempt >= retries:
                raise FetchError(f"POST {url} failed: {reason}", url=url)
            sleep(backoff * 2**attempt)
            attempt += 1
