"""What changes.html and the history pages share: the document around them, Swedish times, each item's page
name, and the inline diff marked up for eyes and for screen readers. Pure: data in, text out.

A diff reads three ways: coloured (deleted words struck through on red, inserted underlined on green, with
contrast that passes WCAG AA in light and dark mode), as `<del>`/`<ins>` for software, and in words for a
screen reader, which announces neither colour nor those elements: each run starts with a visually hidden
"borttaget:" or "tillagt:".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from .diffs import shown_value, word_ops
from .historystyle import HISTORY_STYLE
from .indexpage import swedish_date
from .pagestyle import STYLE

#: The folder of the history pages, under the output folder.
HISTORY_FOLDER = "history"

# A key kept as the file name: a UUID-like run of lowercase letters, digits and single hyphens (no "--":
# that marks a hashed name, below), so names are the same on case-insensitive file systems.
_PLAIN_KEY = re.compile(r"[0-9a-z]+(-[0-9a-z]+)*")


def page_name(key: str) -> str:
    """The file name of an item's history page under history/: the key itself when it is a plain
    lowercase run of letters, digits and single hyphens (goteborg.se's UUIDs) of at most 64 characters;
    else (an article URL, say) a slug of the URL's last path segment, "--", and the first 16 hex digits
    of the key's SHA-256. Stable: it depends on the key alone, which never changes."""
    if len(key) <= 64 and _PLAIN_KEY.fullmatch(key):
        return f"{key}.html"
    path = urlsplit(key).path if "://" in key else key
    last = [part for part in path.split("/") if part][-1:] or ["nyhet"]
    slug = re.sub(r"[^0-9a-z]+", "-", last[0].lower()).strip("-")[:40].strip("-") or "nyhet"
    return f"{slug}--{hashlib.sha256(key.encode('utf-8')).hexdigest()[:16]}.html"


def page_path(key: str) -> str:
    """The history page's path relative to the output folder: history/<page_name>."""
    return f"{HISTORY_FOLDER}/{page_name(key)}"


@dataclass(frozen=True, slots=True)
class PageSite:
    """What every page says of the site."""

    title: str  #: site.title
    language: str
    timezone: str  #: the first source's: the zone dates are shown in
    base_url: str


def document(site: PageSite, title: str, description: str, body: Sequence[str], *, depth: int) -> bytes:
    """A whole page: head (index.html's stylesheet and the history one, no script), body parts, footer.
    `depth`: folders below the output folder (history pages: 1), for the relative links."""
    up = "../" * depth
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{a(site.language)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{t(title)}</title>",
        f'<meta name="description" content="{a(description)}">',
        '<meta name="generator" content="aktuellt">',
        '<meta name="color-scheme" content="light dark">',
        f'<link rel="icon" href="{up}favicon.ico" sizes="16x16 32x32">',
        f'<link rel="alternate" type="application/rss+xml" title="{a(site.title)} – ändringar" '
        f'href="{a(site.base_url)}changes.rss">',
        f"<style>{STYLE}</style>",
        f"<style>{HISTORY_STYLE}</style>",
        "</head>",
        "<body>",
        '<a class="skip" href="#innehall">Hoppa till innehållet</a>',
        *body,
        "<footer>",
        f'<p>Sidan skapas av aktuellt ur allt det har sett på webbplatsen. <a href="{up}index.html">'
        f'Alla flöden</a> · <a href="{up}changes.html">Alla ändringar</a> · '
        f'<a href="{up}changes.rss" type="application/rss+xml">Ändringarna som flöde (RSS)</a></p>',
        "</footer>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts).encode("utf-8")


def local_time(moment: dt.datetime, tz: ZoneInfo) -> str:
    """A `<time>` reading "29 november 2026 kl. 08:36", in `tz`, to the minute."""
    local = moment.astimezone(tz).replace(microsecond=0)
    return f'<time datetime="{local.isoformat()}">{swedish_date(local)} kl. {local:%H:%M}</time>'


def local_day(moment: dt.datetime, tz: ZoneInfo) -> str:
    """A `<time>` reading "2 maj 2019": for dates whose time of day may be nominal (a listing's date)."""
    local = moment.astimezone(tz).replace(microsecond=0)
    return f'<time datetime="{local.isoformat()}">{swedish_date(local)}</time>'


def marked_diff(name: str, before: str | None, after: str | None, context: int | None = None) -> str:
    """Field `name` as a word diff in HTML: unchanged words plain, deleted ones in <del>, inserted in <ins>,
    each run announced by a visually hidden "borttaget:"/"tillagt:"; all text escaped. `context`: keep only
    that many unchanged words on either side of a change, "…" for the rest (a long article's one-word edit
    on changes.html; the history page shows the whole text)."""
    out: list[str] = []
    ops = word_ops(shown_value(name, before), shown_value(name, after))
    for index, (same, removed, added) in enumerate(ops):
        if context is not None:
            # a change before this run (the previous op's) and after it (this op's, or the next one's)
            changed_before = index > 0
            changed_after = bool(removed or added) or index + 1 < len(ops)
            same = _shortened(same, context, changed_before, changed_after)
        out.append(t(same))
        if removed:
            out.append(_marked("del", "borttaget:", removed))
        if added:
            spaced = added if not removed or added[:1].isspace() else " " + added
            out.append(_marked("ins", "tillagt:", spaced))
    return "".join(out)


def _shortened(same: str, context: int, keep_head: bool, keep_tail: bool) -> str:
    """An unchanged run cut to `context` words after the change before it (`keep_head`) and before the
    change after it (`keep_tail`), "…" where words were left out; its edge spaces kept."""
    words = same.split()
    if len(words) <= 2 * context + 1:
        return same
    head = " ".join(words[:context]) if keep_head else ""
    tail = " ".join(words[-context:]) if keep_tail else ""
    lead = " " if same[:1].isspace() else ""
    trail = " " if same[-1:].isspace() else ""
    return lead + " ".join(part for part in (head, "…", tail) if part) + trail


def _marked(tag: str, said: str, run: str) -> str:
    words = run.lstrip()
    space = run[: len(run) - len(words)]
    return f'{t(space)}<{tag}><span class="sr">{said} </span>{t(words)}</{tag}>'


def paragraphs(name: str, value: str | None) -> str:
    """A field's whole text as HTML paragraphs (the article text is stored one line per block)."""
    lines = [line.strip() for line in shown_value(name, value).splitlines()]
    return "".join(f"<p>{t(line)}</p>" for line in lines if line)


def t(text: str) -> str:
    """Text for an element's content."""
    return escape(text, quote=False)


def a(text: str) -> str:
    """Text for an attribute value."""
    return escape(text, quote=True)
