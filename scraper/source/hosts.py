"""Which hosts a request may reach, and when: host:port scopes as `allowed_hosts` writes them, and each
host's turn (at least `delay` seconds between the starts of two requests, raised by a Crawl-delay).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass
class HostState:
    lock: threading.Lock
    delay: float
    last_start: float | None = None


@dataclass(frozen=True)
class Scope:
    """What one source's requests may do: the hosts they may reach and when its time runs out."""

    hosts: frozenset[str]  #: "host" (its scheme's default port) or "host:port"; IPv6 as "[::1]:8080"
    deadline: float | None  #: on the Fetcher's clock
    budget: float | None  #: seconds, for messages


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def netloc(url: str) -> str:
    """`url`'s host (lower case; an IPv6 literal in brackets) and its port when it names one: "[::1]:8080"."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    shown = f"[{host}]" if ":" in host else host
    return shown if parts.port is None else f"{shown}:{parts.port}"


def host_port(url: str) -> str:
    """`url`'s host and effective port, as allowed_hosts writes them: "example.org:443", "[::1]:8080"."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port or DEFAULT_PORTS.get(parts.scheme, 0)
    except ValueError:
        port = 0
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def host_allowed(url: str, hosts: frozenset[str]) -> bool:
    """Whether `url` is on one of `hosts`: "host" matches it on its scheme's default port, "host:port"
    (or "[v6]:port") on that port only. Names are compared exactly: localhost is not 127.0.0.1."""
    parts = urlsplit(url)
    try:
        explicit = parts.port
    except ValueError:
        return False
    key = host_port(url)
    if key in hosts:
        return True
    default = DEFAULT_PORTS.get(parts.scheme)
    bare = key.rsplit(":", 1)[0]
    return (explicit is None or explicit == default) and bare in hosts


class HostTurns:
    """Each host's turn: at least its `delay` seconds between the starts of two requests. Thread-safe."""

    def __init__(self, delay: float, *, sleep: Callable[[float], None], clock: Callable[[], float]) -> None:
        self._delay = delay
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()  # guards the dict
        self._hosts: dict[str, HostState] = {}

    def wait(self, host: str) -> None:
        """Wait until `delay` seconds have passed since the last request to `host` started; claim the turn."""
        state = self.state(host)
        with state.lock:
            now = self._clock()
            if state.last_start is not None:
                earliest = state.last_start + state.delay
                if now < earliest:
                    self._sleep(earliest - now)
                    now = max(self._clock(), earliest)
            state.last_start = now

    def state(self, host: str) -> HostState:
        with self._lock:
            return self._hosts.setdefault(host, HostState(threading.Lock(), self._delay))
