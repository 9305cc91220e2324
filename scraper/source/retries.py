"""When a failed request is worth another attempt, and how long to wait first: the status, Retry-After
(delta-seconds or an HTTP-date, measured against the response's own Date), exponential backoff with jitter."""

from __future__ import annotations

import datetime as dt
import email.utils
import random
from collections.abc import Mapping

from ..errors import FetchError
from .transport import RETRY_STATUSES, Response


def retry_wait(method: str, url: str, response: Response, attempt: int, attempts: int) -> float | None:
    """For an answer that is no success: raise FetchError unless its status is worth another attempt and one
    is left; else the seconds its Retry-After asks for (None: it asks for nothing)."""
    status = response.status
    what = f"HTTP {status} {response.reason}".rstrip()
    if response.url != url:
        what += f" (at {response.url})"
    if status not in RETRY_STATUSES:
        raise FetchError(f"{method} {url} failed: {what}", url=url, status=status)
    if attempt == attempts:
        raise FetchError(
            f"{method} {url} failed: {what} after {plural(attempts, 'attempt')}", url=url, status=status
        )
    return retry_after(response.headers)


def backoff(base: float, rng: random.Random, attempt: int) -> float:  # doubles, plus up to 50 % jitter
    return base * 2.0 ** (attempt - 1) * (1 + 0.5 * rng.random())


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


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
