"""One attempt at a request, its redirects followed by hand so each hop is checked (scheme, host, loops,
count) before it is sent. Pure control flow: sending and robots.txt are the caller's."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from ..errors import FetchError, HostNotAllowed
from ..sanity import escape_controls, join_url
from .transport import Response

log = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


def follow_redirects(
    method: str,
    url: str,
    *,
    send: Callable[[str], Response],
    check_robots: Callable[[str], None] | None,
    allowed: Callable[[str, str], bool] | None,
    allowed_text: Callable[[], str],
    max_redirects: int,
) -> Response:
    """One attempt: send, following redirects by hand so each hop is checked, counted and polite."""
    current = url
    seen = [url]
    for hop in range(max_redirects + 1):
        if check_robots is not None:
            check_robots(current)
        response = send(current)
        if response.status not in REDIRECT_STATUSES:
            return response
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
            why = f"redirect to another host {target} (allowed: {allowed_text()})"
            raise HostNotAllowed(f"{method} {url} failed: {why}", url=url, status=status)
        elif target in seen:
            why = f"redirect loop {' -> '.join([*seen, target])}"
        elif hop == max_redirects:
            why = f"more than {max_redirects} redirects"
        else:
            log.debug("%s %s redirects (%d) to %s", method, current, status, target)
            seen.append(target)
            current = target
            continue
        raise FetchError(f"{method} {url} failed: {why}", url=url, status=status)
    raise AssertionError("unreachable")  # pragma: no cover
