"""robots.txt (RFC 9309): fetched once per origin, its rules for our product token, and its Crawl-delay."""

from __future__ import annotations

import logging
import threading
import urllib.robotparser
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import FetchError, RobotsDisallowed
from .hosts import HostTurns, host_of, netloc
from .transport import Response

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RobotsFile:
    """What one origin's robots.txt said: a parser, or the reason everything is disallowed."""

    url: str
    parser: urllib.robotparser.RobotFileParser | None
    unavailable: str | None = None
    cause: FetchError | None = None


class RobotsRules:
    """The robots.txt of each origin a fetcher reaches, read once (one fetch even when many ask at once)."""

    def __init__(self, product: str, turns: HostTurns, max_delay: float) -> None:
        self._product = product
        self._turns = turns
        self._max_delay = max_delay  #: a Crawl-delay is honoured up to this many seconds
        self._lock = threading.Lock()  # guards the two dicts
        self._locks: dict[str, threading.Lock] = {}
        self._files: dict[str, RobotsFile] = {}
        self._fetched: dict[str, str] = {}  #: robots.txt URL → body, for those fetched (not primed) here

    def prime(self, files: Mapping[str, str]) -> None:
        """Take robots.txt files read in an earlier cycle (URL → body; "" for an origin that answered 4xx,
        which allows everything): they are not fetched again, and their Crawl-delay holds at once."""
        with self._lock:
            for url, body in files.items():
                origin = url.removesuffix("/robots.txt")
                if origin not in self._files:
                    self._files[origin] = self._parsed(url, body)

    def fetched(self) -> dict[str, str]:
        """The robots.txt files fetched by this fetcher that allow crawling (URL → body), to keep."""
        with self._lock:
            return dict(self._fetched)

    def check(self, url: str, fetch: Callable[[str], Response]) -> None:
        """Raise RobotsDisallowed unless `url` may be fetched. `fetch` GETs a robots.txt not yet read (a 2xx
        response, or FetchError), under the asking source's scope."""
        robots = self._for(url, fetch)
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

    def _for(self, url: str, fetch: Callable[[str], Response]) -> RobotsFile:
        origin = f"{urlsplit(url).scheme}://{netloc(url)}"
        with self._lock:
            lock = self._locks.setdefault(origin, threading.Lock())
        with lock:  # one fetch per origin even when several workers ask at once
            robots = self._files.get(origin)
            if robots is None:
                robots = self._files[origin] = self._read(f"{origin}/robots.txt", fetch)
            return robots

    def _read(self, robots_url: str, fetch: Callable[[str], Response]) -> RobotsFile:
        try:
            response = fetch(robots_url)  # never checked against itself (see Fetcher._fetch_robots_txt)
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                log.debug("%s: HTTP %s, so everything is allowed (RFC 9309 2.3.1.3)", robots_url, exc.status)
                with self._lock:
                    self._fetched[robots_url] = ""
                return self._parsed(robots_url, "")
            if exc.status is None:
                # The host cannot be reached at all: say that, plainly, rather than blame robots.txt.
                # Nothing is cached, so the next cycle asks again.
                raise FetchError(exc.message, url=exc.url) from None
            log.warning("%s is unavailable, so nothing on that host is fetched: %s", robots_url, exc)
            reason = exc.message.partition(" failed: ")[2] or exc.message
            return RobotsFile(robots_url, None, unavailable=reason, cause=exc)
        body = response.body.decode("utf-8", errors="replace")
        with self._lock:
            self._fetched[robots_url] = body
        return self._parsed(robots_url, body)

    def _parsed(self, robots_url: str, body: str) -> RobotsFile:
        """A robots.txt body read, its Crawl-delay applied to the host's turns."""
        parser = urllib.robotparser.RobotFileParser(robots_url)
        parser.parse(body.splitlines())
        delay = parser.crawl_delay(self._product)
        if delay is not None:
            state = self._turns.state(host_of(robots_url))
            wanted = min(float(delay), self._max_delay)
            with state.lock:
                if wanted > state.delay:
                    message = "%s asks for Crawl-delay %s; waiting %.1f s between requests"
                    log.info(message, robots_url, delay, wanted)
                    state.delay = wanted
        return RobotsFile(robots_url, parser)
