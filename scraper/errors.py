"""The project's exception tree. Every error the tool reports on purpose is a ScraperError.

    ScraperError                base; str() = "message: CauseType: cause"
    ├── ConfigError             .problems: [(key_path, reason)]; also a ValueError
    ├── FetchError              .url, .status (None for transport errors)
    │   ├── RobotsDisallowed    robots.txt forbids our user agent the URL
    │   ├── ResponseTooLarge    the body passed fetch.max_bytes; reading stopped there
    │   ├── HostNotAllowed      a host the source does not allow (sources[].allowed_hosts); not sent
    │   └── OutOfTime           the source's time for this cycle ran out before the request was done
    ├── ExtractError            the listing's layout changed (no items, far fewer than usual)
    ├── ReadFailed              reading a source raised something unexpected
    ├── StorageError            the database could not be opened, migrated or written
    ├── PublishError            a feed file could not be written (the old one is left in place)
    └── LockHeld                another cycle holds the lock (exit 75); this one did nothing

Library exceptions are translated once, in the module that owns the library, with `raise ... from`.
Anything else that escapes a source's read fails that source as ReadFailed (one line; the traceback at -v);
anything else elsewhere is a bug and is logged with its traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar


class ScraperError(Exception):
    """Base of every expected failure; `str()` shows the chained cause in one line."""

    #: What went wrong, as `error_kind` labels it (None: "other"; a FetchError's, by its HTTP status).
    kind: ClassVar[str | None] = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        cause = self.__cause__
        if cause is None or str(cause) in self.message:
            return self.message
        return f"{self.message}: {type(cause).__name__}: {cause}"


class ConfigError(ScraperError, ValueError):
    """The config file is unreadable or invalid; `problems` lists every bad key at once."""

    def __init__(self, problems: Sequence[tuple[str, str]], path: str | None = None) -> None:
        self.problems = list(problems)
        self.path = path
        where = f"{path}: " if path else ""
        lines = "\n".join(f"  {key}: {reason}" for key, reason in self.problems)
        count = len(self.problems)
        super().__init__(f"{where}invalid config ({count} problem{'s' if count != 1 else ''}):\n{lines}")


class FetchError(ScraperError):
    """A URL could not be fetched (network error, timeout, bad status after retries)."""

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class RobotsDisallowed(FetchError):
    kind = "robots"


class ResponseTooLarge(FetchError):
    kind = "too_large"


class HostNotAllowed(FetchError):
    kind = "other_host"


class OutOfTime(FetchError):
    kind = "out_of_time"


class ExtractError(ScraperError):
    """The listing page no longer looks like a listing: the site's layout probably changed."""

    kind = "layout"

    def __init__(self, message: str, *, suggestion: str = "") -> None:
        super().__init__(message)
        self.suggestion = suggestion  #: a ready `[[sources]]` block that reads the source another way


class ReadFailed(ScraperError):
    """Reading a source raised something that is no ScraperError (a bug, or a library's error on hostile
    input); the source fails alone, like any other failed read."""

    kind = "unexpected"

    def __init__(self, url: str, error: Exception) -> None:
        super().__init__(
            f"{url}: reading the source failed: {type(error).__name__}: {error} "
            "(unexpected; run with -v for the traceback)"
        )


class StorageError(ScraperError):
    kind = "storage"


class PublishError(ScraperError):
    kind = "publish"


class LockHeld(ScraperError):
    def __init__(self, path: str) -> None:
        super().__init__(f"another run holds the lock {path}; nothing done")


def error_kind(error: ScraperError) -> str:
    """A short, stable label for what went wrong (a metrics label): "http_503", "robots", "layout", …"""
    if error.kind is None and isinstance(error, FetchError):
        return f"http_{error.status}" if error.status is not None else "transport"
    return error.kind or "other"
