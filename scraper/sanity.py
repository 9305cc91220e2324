"""What a hostile or broken source may not put into the store, the feeds or the logs. Pure: stdlib only.

Small checks the read (`read.py`) and the renderers apply at their edges (issue 11):

- **Dates**: a date before 1990 or more than a year after the cycle's clock is no real news date ("15 dec
  9999", "1 jan 0001"); such an item is refused (a row stored before is quarantined: store/quarantine.py).
- **URLs**: only http(s) URLs with a host may be an item's, an image's or a document's link in any output
  (`javascript:`, `data:`, `vbscript:`, `file:` and the like never are). A link the page writes so that it
  cannot be resolved at all ("http://[x/", an unclosed IPv6 bracket) is no link: `join_url` gives None.
- **Truncation**: a listing page whose closing `</body>`/`</html>` does not follow its last item was cut off
  (a connection closed early, with nothing at the HTTP level to say so).
- **Logs and the terminal**: control characters from the source are escaped before they reach a text log
  line or anything a command prints (`escape_controls`, `escape_lines`), so an ESC cannot drive the
  operator's terminal (OSC 52 writes the clipboard, OSC 0 the window title) and a newline cannot forge a log
  line; JSON output writes them as `\\uXXXX` (`json_text`), which parses back to the same text.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from html import escape
from typing import Any
from urllib.parse import urljoin, urlsplit

#: The oldest date a news item may carry: the listing's site is younger than that.
EARLIEST = dt.date(1990, 1, 1)
#: How far after the cycle's clock a date may lie (a site may pre-date an announcement, not by years).
AHEAD = dt.timedelta(days=366)

_WEB_SCHEMES = frozenset({"http", "https"})


def sane_day(day: dt.date, now: dt.datetime) -> bool:
    """Whether `day` lies in EARLIEST … `now` + AHEAD (`now` aware; its UTC date is the reference)."""
    latest = now.astimezone(dt.UTC).date() + AHEAD
    return EARLIEST <= day <= latest


def sane_instant(moment: dt.datetime, now: dt.datetime) -> bool:
    """`sane_day` for an aware instant, by its UTC date (a day's slack either side is no matter here); a
    naive one (which no renderer takes) is not sane."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return False
    return sane_day(moment.astimezone(dt.UTC).date(), now)


def web_url(url: str) -> bool:
    """Whether `url` is an absolute http(s) URL with a host: the only kind an output may link to."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in _WEB_SCHEMES and bool(host) and url == url.strip()


def join_url(base: str, href: str) -> str | None:
    """`href` resolved against `base`, or None when the two make no URL: urllib raises ValueError for an
    unclosed IPv6 bracket ("http://[x/"), a host that changes under NFKC, or a port that is no number up
    to 65535. Every link, image, base and redirect a source writes is joined here, so that one such link
    costs that link, never the source's read or the cycle."""
    try:
        url = urljoin(base, href)
        urlsplit(url).port  # noqa: B018 (the property raises for a port that is no port)
    except ValueError:
        return None
    return url


_CLOSING = re.compile(r"</(?:body|html)\s*>", re.IGNORECASE)


def cut_off(html: str, last_item_key: str | None = None, last_item_title: str = "") -> str | None:
    """Why the listing page `html` looks cut off, or None when it ends properly.

    A complete page closes its `<body>` or `<html>` after everything it lists. A body cut mid-page ends
    before that, with an unclosed item as its last (parsers close it silently and would read a shortened
    item as an edit). The last item the page yielded is looked for in the raw text, so that a `</body>`
    inside an inline script before the items does not pass for the end: by its key (an article UUID is
    written as is) and by its title, as text and as escaped HTML (a key that is a URL is absolute, where
    the page's href is mostly relative)."""
    closings = [match.start() for match in _CLOSING.finditer(html)]
    if not closings:
        return "the page ends before its closing </body> or </html> (the body was cut off)"
    marks = [
        mark.lower()
        for mark in (last_item_key, last_item_title, escape(last_item_title, quote=False))
        if mark
    ]
    if marks:
        lowered = html.lower()
        last_item = max(lowered.rfind(mark) for mark in marks)
        if last_item > closings[-1]:
            return "the page's last item comes after its closing </body> or </html> (the body was cut off)"
    return None


# C0 and C1 controls, DEL, and the characters that reorder or hide text on a terminal (bidi overrides and
# isolates, line and paragraph separators).
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")


def escape_controls(text: str) -> str:
    """`text` with every control character written as a Python escape (ESC → `\\x1b`, LF → `\\n`), so
    that one log record stays one line of plain text; everything else is kept as is."""
    if text.isprintable():
        return text
    return "".join(
        repr(char)[1:-1] if char in _BIDI or unicodedata.category(char) == "Cc" else char for char in text
    )


def escape_lines(text: str) -> str:
    """`text` for a terminal, its line breaks kept and every other control character escaped."""
    return "\n".join(escape_controls(line) for line in text.split("\n"))


#: What `json.dumps` leaves raw but a terminal obeys: DEL, the C1 controls (U+009B is CSI, U+009D OSC), and
#: the characters that reorder or hide text. JSON escapes C0 itself.
_JSON_UNSAFE = re.compile("[\x7f-\x9f" + "".join(sorted(_BIDI)) + "]")


def json_text(value: object, *, indent: int | None = None, default: Any = None) -> str:
    """`json.dumps(value)` (UTF-8 text, not ASCII) with every control character and bidi override written
    as a `\\uXXXX` escape: it parses back to exactly the same value, prints safely on a terminal, and each of
    its string literals is a valid TOML basic string too (TOML refuses a raw DEL)."""
    text = json.dumps(value, ensure_ascii=False, indent=indent, default=default)
    return _JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
