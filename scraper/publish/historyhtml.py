"""What changes.html and the history pages share: the document around them, each item's page name, and the
inline diff marked up for eyes and for screen readers. Pure: data in, text out.

A diff reads three ways: coloured (deleted words struck through on red, inserted underlined on green, with
contrast that passes WCAG AA in light and dark mode), as `<del>`/`<ins>` for software, and in words for a
screen reader, which announces neither colour nor those elements: each run starts with a visually hidden
"borttaget:" or "tillagt:".
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from . import pagestyle
from .diffs import shown_value, word_diff
from .historystyle import HISTORY_STYLE
from .pagestyle import STYLE, t

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
    """A whole page: index.html's stylesheet and the history one, no script, `body`, the footer. `depth`:
    folders below the output folder (history pages: 1), for the relative links."""
    up = "../" * depth
    footer = [
        "<footer>",
        f'<p>Sidan skapas av aktuellt ur allt det har sett på webbplatsen. <a href="{up}index.html">'
        f'Alla flöden</a> · <a href="{up}changes.html">Alla ändringar</a> · '
        f'<a href="{up}changes.rss" type="application/rss+xml">Ändringarna som flöde (RSS)</a></p>',
        "</footer>",
    ]
    changes = ("application/rss+xml", f"{site.title} – ändringar", f"{site.base_url}changes.rss")
    return pagestyle.document(
        site.language,
        title,
        description,
        [*body, *footer],
        up=up,
        alternates=[changes],
        styles=(STYLE, HISTORY_STYLE),
        script=False,
    )


def marked_diff(name: str, before: str | None, after: str | None, context: int | None = None) -> str:
    """Field `name` as a word diff in HTML: unchanged words plain, deleted ones in <del>, inserted in <ins>,
    each run announced by a visually hidden "borttaget:"/"tillagt:"; all text escaped. `context`: keep only
    that many unchanged words on either side of a change, "…" for the rest (a long article's one-word edit
    on changes.html; the history page shows the whole text)."""

    def marked(tag: str, words: str) -> str:
        said = "borttaget:" if tag == "del" else "tillagt:"
        return f'<{tag}><span class="sr">{said} </span>{t(words)}</{tag}>'

    return word_diff(shown_value(name, before), shown_value(name, after), marked, t, context)


def paragraphs(name: str, value: str | None) -> str:
    """A field's whole text as HTML paragraphs (the article text is stored one line per block)."""
    lines = [line.strip() for line in shown_value(name, value).splitlines()]
    return "".join(f"<p>{t(line)}</p>" for line in lines if line)
