"""HTTP for the whole project: `Fetcher`, the polite client every request of a cycle goes through.

Owns politeness (User-Agent, robots.txt in `robots`, a delay per host in `hosts`), conditional GET, retries
with backoff, redirects (followed by hand: every hop is checked against the hosts a source may reach),
deadlines per source, and decoding the body to text exactly once (`decoding`). The wire itself (httpx, the
per-request deadlines, the size cap while reading) is `transport`. It must not parse HTML, touch the store or
decide what changed, and no httpx exception or type leaves it: callers see `Page`, `NotModified` or a
`FetchError`.
"""

from __future__ import annotations

import copy
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from functools import partial
from urllib.parse import urlsplit

from ..config import FetchConfig
from ..errors import FetchError, HostNotAllowed, OutOfTime
from ..models import NotModified, Page, Validators
from ..retries import Retries, failed_answer
from ..sanity import escape_controls, join_url
from .decoding import decode_text
from .hosts import HostTurns, Scope, host_allowed, host_of, host_port
from .robots import RobotsRules
from .transport import HttpClient, Response, Transport, content_length

__all__ = ["Fetcher"]


log = logging.getLogger(__name__)


#: Validators (ETag, Last-Modified) longer than this are neither stored nor sent: a source's 90 KB ETag sent
#: back on every request would make it answer 431 forever.
MAX_VALIDATOR = 1024

#: Statuses to a conditional GET that are about the page or our rate, not the validators we sent: no retry
#: without them (429 is retried with backoff anyway).
_NOT_ABOUT_VALIDATORS = frozenset({404, 410, 429})

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class Fetcher:
    """A polite HTTP client for one cycle. Thread-safe; close it (or use `with`) when done.

    `requests_made` counts every request sent (retries, robots.txt and redirect hops included);
    `bytes_received` counts body bytes as they came off the wire (before gzip decoding). A `for_source`
    view counts its own, and adds them to its parent's too.
    """

    def __init__(
        self,
        settings: FetchConfig,
        *,
        transport: Transport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_redirects: int = 5,  # hops followed per request
        max_retry_after: float = 120.0,  # cap on any wait before a retry, and on a Crawl-delay
        backoff_base: float = 1.0,  # the first backoff; doubles per attempt, plus up to 50 % random jitter
    ) -> None:
        """`settings` is the config's `[fetch]`; the keyword arguments after it are for tests."""
        self.settings = settings
        self.max_redirects = max_redirects
        self._retries = Retries(settings.retries, backoff_base, max_retry_after, sleep)
        self.requests_made = 0
        self.bytes_received = 0
        self._clock = clock
        self._scope: Scope | None = None  #: see `confined`
        self._lock = threading.Lock()  # guards the counters
        self._parent: Fetcher | None = None
        self._turns = HostTurns(max(0.0, settings.delay), sleep=sleep, clock=clock)
        self.robots = RobotsRules(_product_token(settings.user_agent), self._turns, max_retry_after)
        self._client = HttpClient(
            user_agent=settings.user_agent,
            timeout=settings.timeout,
            concurrency=settings.concurrency * max(1, settings.sources_in_parallel),
            transport=transport,
        )

    # -- public API

    def get(
        self, url: str, validators: Validators | None = None, *, check_robots: bool = True
    ) -> Page | NotModified:
        """GET `url`, conditionally when `validators` are given; 304 comes back as `NotModified`."""
        headers = _conditional_headers(validators)

        def fetch() -> Response:
            return self._fetch("GET", url, headers, check_robots=check_robots, allowed=self.allows)

        try:
            response = fetch()
        except FetchError as error:
            status = error.status
            if not headers or status is None or not 400 <= status < 500 or status in _NOT_ABOUT_VALIDATORS:
                raise
            # A 4xx to a conditional request may be about the validators (431 for a huge ETag): drop them
            # and ask again, at once, without them. The answer's own validators replace the old ones.
            log.info("GET %s: HTTP %d to a conditional request; asking again without validators", url, status)
            headers, validators = {}, None
            response = fetch()
        try:  # `_fetch` turns a MemoryError while reading into a FetchError itself
            text = decode_text(response.body, response.headers.get("Content-Type"), response.url)
        except MemoryError:
            raise FetchError(f"GET {url} failed: out of memory reading the response", url=url) from None
        return _answer(url, response, text, conditional=bool(headers), validators=validators)

    def head(self, url: str) -> tuple[str | None, int | None]:
        """HEAD `url` for an enclosure: (media type without parameters, Content-Length), best effort.

        Any failure (robots, HTTP error, network) gives (None, None) and a debug log line; it never raises.
        """
        try:
            response = self._fetch("HEAD", url, {}, check_robots=True, allowed=self.allows)
        except FetchError as exc:
            log.debug("HEAD %s gave nothing: %s", url, exc)
            return None, None
        media_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        return media_type or None, content_length(response.headers)

    def allows(self, url: str, origin: str | None = None) -> bool:
        """Whether a request (or a redirect hop) to `url` may be sent in the current scope (see `confined`);
        outside any, a hop of a request first sent to `origin` only to its host."""
        if self._scope is not None:
            return host_allowed(url, self._scope.hosts)
        return origin is None or host_of(url) == host_of(origin)

    def for_source(self) -> Fetcher:
        """A view for one source's read on its own thread: the same connections, host turns (so a host shared
        by sources read at once still gets `delay` between requests) and robots.txt files, but its own scope
        (`confined`) and counters. Closing a view closes nothing."""
        view = copy.copy(self)
        view.requests_made = view.bytes_received = 0
        view._scope = None
        view._parent = self
        return view

    @contextmanager
    def confined(self, hosts: Iterable[str], *, budget: float | None = None) -> Iterator[None]:
        """Confine every request made inside the block (redirect hops, robots.txt, HEADs included) to `hosts`
        ("host": on its scheme's default port; "host:port"; "[v6]:port"), and stop sending any after `budget`
        seconds. One scope at a time per fetcher (sources read at once each get a `for_source` view); a
        Fetcher used outside any scope reaches any host (redirects only to the request's own host)."""
        deadline = None if budget is None else self._clock() + budget
        self._scope = Scope(frozenset(h.lower() for h in hosts), deadline, budget)
        try:
            yield
        finally:
            self._scope = None

    def _allowed_text(self) -> str:
        return ", ".join(sorted(self._scope.hosts)) if self._scope is not None else ""

    def _time_left(self) -> float | None:
        """Seconds left of the source's time (None: no limit)."""
        scope = self._scope
        return None if scope is None or scope.deadline is None else scope.deadline - self._clock()

    def _out_of_time(self, method: str, url: str, what: str) -> OutOfTime:
        budget = self._scope.budget if self._scope is not None else None
        message = f"{method} {url} {what}: the source's time for this cycle ({budget or 0:.0f} s) ran out"
        return OutOfTime(message, url=url)

    def close(self) -> None:
        if self._parent is None:
            self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- retries

    def _fetch(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        *,
        check_robots: bool,
        allowed: Callable[[str, str], bool] | None,
    ) -> Response:
        """Send with retries; return a 2xx or 304 response, or raise FetchError. `allowed=None`: any host."""
        if urlsplit(url).scheme not in ("http", "https") or not host_of(url):
            raise FetchError(f"{method} {url} failed: not an http(s) URL", url=url)
        if allowed is not None and not allowed(url, url):
            raise HostNotAllowed(
                f"{method} {url} not sent: host {host_port(url)} is not one the source allows "
                f"(allowed: {self._allowed_text()})",
                url=url,
            )

        def attempt() -> Response:
            """Send, following redirects by hand so each hop is checked (scheme, host, loops, count), counted
            and polite before it is sent."""
            current, seen = url, [url]
            for hop in range(self.max_redirects + 1):
                if check_robots:
                    self.robots.check(current, self._fetch_robots_txt)
                try:
                    response = self._send(method, current, headers)
                except MemoryError:
                    raise FetchError(
                        f"{method} {url} failed: out of memory reading the response", url=url
                    ) from None
                if response.status not in REDIRECT_STATUSES:
                    if (200 <= response.status < 300 and response.status != 206) or response.status == 304:
                        return response
                    answer = (response.status, response.reason, response.headers)
                    raise failed_answer(f"{method} {url}", url, *answer, at=response.url)
                location = response.headers.get("Location") or ""
                status: int | None = response.status
                joined = join_url(current, location.strip()) if location else None
                target = joined.split("#", 1)[0] if joined is not None else ""
                if not location:
                    why = f"HTTP {status} redirect without Location (at {current})"
                elif joined is None:
                    why = f"redirect to {escape_controls(location.strip())!r}, which is no URL"
                elif urlsplit(target).scheme not in ("http", "https"):
                    why, status = f"redirect to a non-http URL {target}", None
                elif allowed is not None and not allowed(target, url):
                    why = f"redirect to another host {target} (allowed: {self._allowed_text()})"
                    raise HostNotAllowed(f"{method} {url} failed: {why}", url=url, status=status)
                elif target in seen:
                    why = f"redirect loop {' -> '.join([*seen, target])}"
                elif hop == self.max_redirects:
                    why = f"more than {self.max_redirects} redirects"
                else:
                    log.debug("%s %s redirects (%d) to %s", method, current, status, target)
                    seen.append(target)
                    current = target
                    continue
                raise FetchError(f"{method} {url} failed: {why}", url=url, status=status)
            raise AssertionError("unreachable")  # pragma: no cover

        def in_time(wait: float, reason: str | None) -> None:
            left = self._time_left()
            if left is not None and wait >= left:
                raise self._out_of_time(
                    method, url, f"failed ({reason}) and was not retried" if reason else "not sent"
                )

        return self._retries.run(attempt, f"{method} {url}", url, in_time=in_time, log=log)

    def warm_robots(self, url: str) -> None:
        """Read `url`'s robots.txt now unless known (in this fetcher's scope, taking the host's turn), so the
        source's own read need not wait a `delay` after it. Whatever fails is the read's to meet."""
        with suppress(FetchError):
            self.robots.check(url, self._fetch_robots_txt)

    def _fetch_robots_txt(self, robots_url: str) -> Response:
        # robots.txt is never checked against itself. Its redirects may leave the host (RFC 9309 2.3.1.2),
        # but never the hosts the source allows.
        allowed = self.allows if self._scope is not None else None
        return self._fetch("GET", robots_url, {}, check_robots=False, allowed=allowed)

    def _send(self, method: str, url: str, headers: Mapping[str, str]) -> Response:
        """Wait for the host's turn, then send one request (`HttpClient.exchange`) in the source's time."""
        self._turns.wait(host_of(url))
        left = self._time_left()
        if left is not None and left <= 0:
            raise self._out_of_time(method, url, "not sent")
        _count(self, requests=1)
        return self._client.exchange(
            method, url, headers, left=left, max_bytes=self.settings.max_bytes, counted=partial(_count, self)
        )


def _count(fetcher: Fetcher, wire: int = 0, *, requests: int = 0) -> None:
    """Add to a fetcher's counters and to its parent's (a view's requests are the cycle's too)."""
    with fetcher._lock:
        counted: Fetcher | None = fetcher
        while counted is not None:
            counted.requests_made += requests
            counted.bytes_received += wire
            counted = counted._parent


def _conditional_headers(validators: Validators | None) -> dict[str, str]:
    """If-None-Match and If-Modified-Since from `validators`, each only when at most MAX_VALIDATOR long."""
    if validators is None:
        return {}
    sent = (("If-None-Match", validators.etag), ("If-Modified-Since", validators.last_modified))
    return {name: value for name, value in sent if value and len(value) <= MAX_VALIDATOR}


def _validator(value: str | None) -> str | None:
    """A validator worth keeping: present, and at most MAX_VALIDATOR characters (else dropped)."""
    if value is not None and len(value) > MAX_VALIDATOR:
        log.info("dropping a %d-character validator: longer than %d", len(value), MAX_VALIDATOR)
        return None
    return value


def _product_token(user_agent: str) -> str:
    """The name robots.txt groups are matched against: "aktuellt/0.1 (+https://…)" gives "aktuellt"."""
    match = re.match(r"[A-Za-z0-9_-]+", user_agent.strip())
    return match.group(0).lower() if match else "*"


def _answer(
    url: str, response: Response, text: str, *, conditional: bool, validators: Validators | None
) -> Page | NotModified:
    """A GET's 2xx or 304 as the caller sees it: the page with its validators, or `NotModified`."""
    etag = _validator(response.headers.get("ETag"))
    last_modified = _validator(response.headers.get("Last-Modified"))
    if response.status == 304:
        if not conditional:
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
