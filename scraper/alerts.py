"""Alerts through Apprise (mailto://, slack://, msteams://, tgram://, json://, ntfy:// …): the only module
that imports apprise.

Apprise sends with `requests`, whose timeouts are per socket operation: a receiver that trickles its answer
a byte at a time is never timed out. So each message is sent in a worker thread that the caller waits for
`timeout` seconds, wall clock, and no longer; the plugin's own connect and read timeouts are set to the same
value (so a thread left behind by a hung receiver usually ends soon after), and while a target's previous
thread is still running no new one is started for it. E-mail goes as HTML with a plain-text part (Apprise's
multipart/alternative); every other service gets the plain text.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import apprise

from .config import Config

#: Schemes whose messages go as HTML (with a plain-text part the service builds from it).
_HTML_SCHEMES = frozenset({"mailto", "mailtos"})

# Apprise's debug lines, and those of urllib3 under its `requests`, carry the URL it posts to, secrets and all
# (Slack's and Telegram's tokens are in the path): never below INFO, whatever `-v` asks of the rest.
for _name in ("apprise", "urllib3"):
    logging.getLogger(_name).setLevel(logging.INFO)

_lock = threading.Lock()


class AlertFailed(Exception):
    """A message (or a webhook's event) was not confirmed sent: the reason, never the URL (secrets)."""


#: Why Apprise cannot use a URL: Apprise itself says no more than that it returned nothing.
_UNUSABLE = "Apprise does not understand this URL (unknown scheme, or a part it needs is missing)"


def _service(url: str) -> Any:
    """Apprise's plugin for `url`, or None when Apprise cannot use it."""
    return apprise.Apprise.instantiate(url, suppress_exceptions=True)


def uses_html(url: str) -> bool:
    """Whether messages to `url` go as HTML (e-mail) rather than plain text."""
    return urlsplit(url).scheme.lower() in _HTML_SCHEMES


def room(url: str) -> int | None:
    """How many characters a message body to `url` can have and still go as one request (None: no limit
    known). A longer one would be split by Apprise into parts sent with the service's throttle between them
    (5.5 s for most services), which outlasts the deadline: the attempt counts as failed while its parts go
    out anyway, and the whole message is sent again at every retry. So a digest is packed to fit."""
    if uses_html(url):  # Apprise's 32,768 characters are its default, not a limit of e-mail
        return None
    limit = int(getattr(_service(url), "body_maxlen", 0) or 0)
    if limit <= 0:
        return None
    # Leave room for a title Apprise puts into the body (services without a title) and for its escaping.
    return max(int((limit - 250) * 0.9), 500)


@dataclass
class _Outcome:
    """How a message's thread ended (`done`: the service confirmed it), and the caller's key for it."""

    key: tuple[int, ...]
    done: bool = False
    error: str | None = None


#: target id → its message that outlasted its deadline: the thread still sending it, and its outcome
_running: dict[str, tuple[threading.Thread, _Outcome]] = {}


def confirmed_late(target: str) -> tuple[int, ...]:
    """The key of the target's message that outlasted its deadline and that the service has confirmed since
    (a slow SMTP server, a throttled service): it was delivered after all and must not be sent again. ()
    when there is none. Only a long-running process (`serve`) sees one: `run` ends with its cycle."""
    with _lock:
        if target not in _running or _running[target][0].is_alive():
            return ()
        _, outcome = _running.pop(target)
    return outcome.key if outcome.done and outcome.error is None else ()


def send(
    target: str, url: str, *, title: str, text: str, html: str, timeout: float, key: tuple[int, ...] = ()
) -> None:
    """Send one message to `url` (`html` for e-mail, `text` for the rest); return when the service
    confirmed it, else raise AlertFailed, by `timeout` seconds (wall clock) at the latest. `key` names the
    message for `confirmed_late`."""
    with _lock:
        if target in _running and _running[target][0].is_alive():
            raise AlertFailed("the previous message is still being sent (the service has not answered)")
    service = _service(url)
    if service is None:
        raise AlertFailed(_UNUSABLE)
    service.socket_connect_timeout = timeout
    service.socket_read_timeout = timeout
    if "overflow=" not in url and not uses_html(url):  # e-mail goes whole (see `room`)
        # A message past the service's limit (Telegram: 4096 characters) would be refused, stalling the target
        # until give_up_after; split, its parts would outlast the deadline (see `room`). Digests are packed
        # to fit, so only a single long event (an edit of a whole article) is cut, its title and link first.
        service.overflow_mode = apprise.OverflowMode.TRUNCATE
    as_html = uses_html(url)
    outcome = _Outcome(key)

    def work() -> None:
        try:
            outcome.done = bool(
                service.notify(
                    body=html if as_html else text,
                    title=title,
                    body_format=apprise.NotifyFormat.HTML if as_html else apprise.NotifyFormat.TEXT,
                )
            )
        except Exception as error:  # a plugin's bug must cost this message, never the cycle
            outcome.error = f"{type(error).__name__}: {error}"

    thread = threading.Thread(target=work, name=f"alert-{target}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        with _lock:
            _running[target] = (thread, outcome)
        raise AlertFailed(f"no answer within {timeout:g} s")
    if outcome.error is not None:
        raise AlertFailed(outcome.error)
    if not outcome.done:
        raise AlertFailed("the service did not accept the message (Apprise's log says why)")


def check_targets(config: Config) -> tuple[list[tuple[str, str]], list[str]]:
    """For `aktuellt check`: (key, reason) for each `[[notify]]` URL Apprise does not understand, and a
    warning for each URL with several recipients, which Apprise confirms all or nothing: one that refuses
    makes the message count as failed, and the others get it again at every retry."""
    problems, warnings = [], []
    for index, target in enumerate(config.notify):
        if target.url is None:
            continue
        if (service := _service(target.url)) is None:
            problems.append((f"notify[{index}].url", _UNUSABLE))
        elif (count := len(service)) > 1:
            warnings.append(
                f"notify[{index}].url names {count} recipients: a message counts as sent only when all took "
                "it, so one that refuses makes the others get it again at every retry; give each its own "
                "[[notify]]"
            )
    return problems, warnings
