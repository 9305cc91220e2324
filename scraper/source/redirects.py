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
        location = response.headers.get("Location")
        if not location:
            raise FetchError(
                f"{method} {url} failed: HTTP {response.status} redirect without Location (at {current})",
                url=url,
                status=response.status,
            )
        joined = join_url(current, location.strip())
        if joined is None:
            raise FetchError(
                f"{method} {url} failed: redirect to {escape_controls(location.strip())!r}, which is no URL",
                url=url,
                status=response.status,
            )
        target = joined.split("#", 1)[0]
        if urlsplit(target).scheme not in ("http", "https"):
            raise FetchError(f"{method} {url} failed: redirect to a non-http URL {target}", url=url)
        if allowed is not None and not allowed(target, url):
            raise HostNotAllowed(
                f"{method} {url} failed: redirect to another host {target} (allowed: {allowed_text()})",
                url=url,
                status=response.status,
            )
        if target in seen:
            chain = " -> ".join([*seen, target])
            raise FetchError(f"{method} {url} failed: redirect loop {chain}", url=url, status=response.status)
        if hop == max_redirects:
            raise FetchError(
                f"{method} {url} failed: more than {max_redirects} redirects",
                url=url,
                status=response.status,
            )
        log.debug("%s %s redirects (%d) to %s", method, current, response.status, target)
        seen.append(target)
        current = target
    raise AssertionError("unreachable")  # pragma: no cover
