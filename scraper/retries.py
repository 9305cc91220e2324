"""One retry policy for every outgoing request (page fetches, webhook pushes, hub pings, bucket uploads):
which failures are worth another attempt, how long to wait first (the answer's Retry-After, delta-seconds or
an HTTP-date measured against its own Date; else exponential backoff with jitter; each wait capped), and the
error once the attempts are spent."""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from .errors import FetchError

T = TypeVar("T")

#: Statuses worth trying again (busy or broken for now): every 5xx but 501 and 505, which will not get better.
RETRY_STATUSES = frozenset({429} | set(range(500, 600)) - {501, 505})


class Again(Exception):
    """An attempt failed in a way worth another: why (`detail`: at more length, for the final error), its
    HTTP status if it had one, and the seconds its answer's Retry-After asked for."""

    def __init__(
        self, reason: str, *, detail: str = "", status: int | None = None, asked: float | None = None
    ):
        super().__init__(reason)
        self.reason, self.detail, self.status, self.asked = reason, detail or reason, status, asked


@dataclass(frozen=True)
class Retries:
    retries: int = 3  #: attempts after the first
    base: float = 1.0  #: the first backoff; it doubles per attempt, plus up to 50 % random jitter
    cap: float = 120.0  #: no single wait is longer, a Retry-After's or a backoff's
    sleep: Callable[[float], None] = time.sleep

    def run(
        self,
        attempt: Callable[[], T],
        what: str,
        url: str,
        *,
        in_time: Callable[[float, str | None], None] | None = None,
        log: logging.Logger | None = None,
    ) -> T:
        """`attempt()` until it returns, raises anything but Again, or the attempts are spent (FetchError).
        `in_time(wait, reason)` raises when a deadline leaves no time for the next attempt (before the first:
        wait 0, reason None); `log` gets a line per retry (none for a URL that may hold a secret)."""
        attempts = max(0, self.retries) + 1
        for number in range(1, attempts + 1):
            if in_time is not None:
                in_time(0.0, None)
            try:
                return attempt()
            except Again as again:
                if number == attempts:
                    raise FetchError(
                        f"{what} failed: {again.detail} after {attempts} attempt{'s' * (attempts > 1)}",
                        url=url,
                        status=again.status,
                    ) from again.__cause__
                asked = again.asked
                if asked is None:
                    asked = self.base * 2.0 ** (number - 1) * (1 + 0.5 * random.random())
                wait = min(max(asked, 0.0), self.cap)
                if in_time is not None:
                    in_time(wait, again.reason)
                if log is not None:
                    message = "%s: %s; retrying in %.1f s (attempt %d of %d)"
                    log.info(message, what, again.reason, wait, number + 1, attempts)
                self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover


def failed_answer(
    what: str, url: str, status: int, reason: str, headers: Mapping[str, str], *, at: str = ""
) -> Again:
    """An answer that is no success: Again when its status is worth another attempt, else FetchError raised.
    `at`: where the answer came from, when a redirect led away from `url`."""
    detail = f"HTTP {status} {reason}".rstrip() + (f" (at {at})" if at and at != url else "")
    if status not in RETRY_STATUSES:
        raise FetchError(f"{what} failed: {detail}", url=url, status=status)
    return Again(f"HTTP {status}", detail=detail, status=status, asked=retry_after(headers))


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Retry-After as seconds: delta-seconds, or an HTTP-date measured against the response's own Date."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    when = http_date(value)
    if when is None:
        return None
    now = http_date(headers.get("Date") or "") or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


def http_date(value: str) -> dt.datetime | None:
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)
