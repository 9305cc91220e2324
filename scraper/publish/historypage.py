"""history/<name>.html: one item's every version, newest first, each edit as an inline diff, with its events,
a link to the article and to archived copies of it. Pure: stored records in, bytes out.

Like index.html: Swedish, no script, landmarks, one h1 and headings in order, and every date from the data
(never the clock), so an unchanged history renders to the same bytes. The text of each version is the one
stored when it was seen ("arkiverad text"); the Internet Archive link opens the snapshots it holds of the
article page, nearest the time the version was first seen. changes.html (changespage.py) shares the
document around the page, each item's page name, and the inline diff.

A diff reads three ways: coloured (deleted words struck through on red, inserted underlined on green, with
contrast that passes WCAG AA in light and dark mode), as `<del>`/`<ins>` for software, and in words for a
screen reader, which announces neither colour nor those elements: each run starts with a visually hidden
"borttaget:" or "tillagt:".
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from ..history import KIND_LABELS, ItemRecord, Version, normal_text
from . import pagestyle
from .diffs import FIELD_LABELS, REMOVAL_DETAILS, changed_fields, shown_value, word_diff
from .pagestyle import a, section, t, time_html

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


def document(
    site: PageSite, title: str, description: str, header: Sequence[str], main: Sequence[str], *, depth: int
) -> bytes:
    """A whole page of the history (pagestyle.document's `history`) with its footer. `depth`: folders below
    the output folder (history pages: 1), for the relative links."""
    up = "../" * depth
    footer = (
        f'Sidan skapas av aktuellt ur allt det har sett på webbplatsen. <a href="{up}index.html">'
        f'Alla flöden</a> · <a href="{up}changes.html">Alla ändringar</a> · '
        f'<a href="{up}changes.rss" type="application/rss+xml">Ändringarna som flöde (RSS)</a>'
    )
    changes = ("application/rss+xml", f"{site.title} – ändringar", f"{site.base_url}changes.rss")
    return pagestyle.document(
        site.language, title, description, header, main, footer, up=up, alternates=[changes], history=True
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


def fields_diff(before: Version, after: Version, context: int | None = None) -> list[str]:
    """The fields that changed, each as a `marked_diff`, in a `<dl>`."""
    rows = [
        (FIELD_LABELS[name], marked_diff(name, getattr(before, name), getattr(after, name), context))
        for name in changed_fields(before, after)
    ]
    return [
        '<dl class="fields">',
        *(f"<dt>{label}</dt><dd><p>{diff}</p></dd>" for label, diff in rows),
        "</dl>",
    ]


def paragraphs(name: str, value: str | None) -> str:
    """A field's whole text as HTML paragraphs (the article text is stored one line per block)."""
    lines = [line.strip() for line in shown_value(name, value).splitlines()]
    return "".join(f"<p>{t(line)}</p>" for line in lines if line)


def wayback(link: str, moment: str = "*") -> str:
    """The Internet Archive's page for `link`: its snapshots ("*"), or the one nearest a moment given as
    YYYYMMDDhhmmss."""
    return f"https://web.archive.org/web/{moment}/{link}"


def render_history_page(site: PageSite, records: Sequence[ItemRecord], sources: Mapping[str, str]) -> bytes:
    """The page of one key: normally one record; a key two sources share (a site's listing and its feed)
    gets a section per source. `sources`: source id → title."""
    tz = ZoneInfo(site.timezone)
    first = records[0]
    latest = normal_text(first.revisions[-1].version.title) if first.revisions else first.key
    header = [
        f'<p class="crumbs"><a href="../index.html">{t(site.title)}</a> › '
        '<a href="../changes.html">Ändringar</a></p>',
        f"<h1>{t(latest)}</h1>",
        '<p class="lead">Alla versioner av nyheten som aktuellt har sett på webbplatsen, den senaste först, '
        "med vad som ändrades mellan dem.</p>",
    ]
    main: list[str] = []
    for record in records:
        if len(records) > 1:
            main.append(f"<h2>{t(sources.get(record.source, record.source))}</h2>")
        # Version anchors: "version-3", or per source when the page holds several.
        prefix = f"{record.source}-version-" if len(records) > 1 else "version-"
        main += _record(record, tz, level=3 if len(records) > 1 else 2, sources=sources, prefix=prefix)
    description = f"Versionshistorik för nyheten {latest}"
    return document(site, f"{latest} – versionshistorik – {site.title}", description, header, main, depth=1)


def _record(
    record: ItemRecord, tz: ZoneInfo, *, level: int, sources: Mapping[str, str], prefix: str
) -> list[str]:
    h = f"h{level}"
    status = (
        f"Borttagen från webbplatsen {time_html(record.removed_at, tz, clock=True)}"
        if record.removed_at
        else "Finns på webbplatsen"
    )
    parts = [
        '<dl class="facts">',
        f"<dt>Status</dt><dd>{status}</dd>",
        # the day only: a listing date without a time is stored with a nominal one (dates.py)
        f"<dt>Publicerad</dt><dd>{time_html(record.published, tz)}</dd>",
        f"<dt>Versioner</dt><dd>{len(record.revisions)}</dd>",
        f"<dt>Källa</dt><dd>{t(sources.get(record.source, record.source))}</dd>",
        f'<dt>Artikeln</dt><dd><a href="{a(record.link)}">{t(record.link)}</a></dd>',
        f'<dt>Arkiverat</dt><dd><a href="{a(wayback(record.link))}">Sparade kopior av sidan hos Internet '
        "Archive</a></dd>",
        "</dl>",
        f"<{h}>Händelser</{h}>",
        '<ol class="timeline">',
    ]
    numbers = {revision.id: n for n, revision in enumerate(record.revisions, start=1)}
    for event in record.events:
        label = KIND_LABELS.get(event.kind, event.kind)
        # Why it was removed, in words: "listing", or "http 404" (its article page's answer).
        why = event.detail or ""
        why = f"artikelsidan svarade {why[5:]}" if why.startswith("http ") else REMOVAL_DETAILS.get(why, why)
        detail = f" ({t(why)})" if why else ""
        number = numbers.get(event.revision_id)
        target = f' – <a href="#{prefix}{number}">version {number}</a>' if number else ""
        parts.append(f"<li>{time_html(event.at, tz, clock=True)}: {label}{detail}{target}</li>")
    parts += ["</ol>", f"<{h}>Versioner</{h}>"]
    made_by = {event.revision_id: event.kind for event in record.events if event.kind in ("new", "edited")}
    for number in range(len(record.revisions), 0, -1):
        revision = record.revisions[number - 1]
        previous = record.revisions[number - 2] if number > 1 else None
        kind, anchor = made_by.get(revision.id, ""), f"{prefix}{number}"
        how = f" · {KIND_LABELS[kind]}" if kind in KIND_LABELS else ""
        moment = revision.first_seen.astimezone(ZoneInfo("UTC")).strftime("%Y%m%d%H%M%S")
        seen = f"Sedd första gången {time_html(revision.first_seen, tz, clock=True)}{how}"
        snapshot = f'<a href="{a(wayback(record.link, moment))}">Sidan vid den tiden hos Internet Archive</a>'
        fields = [
            f"<dt>{label}</dt><dd>{paragraphs(name, getattr(revision.version, name))}</dd>"
            for name, label in FIELD_LABELS.items()
            if normal_text(getattr(revision.version, name))
        ]
        content = [f'<p class="meta">{seen} · {snapshot}</p>']
        listed = ['<dl class="fields">', *fields, "</dl>"]
        if previous is not None:
            content += [
                f"<p>Ändringar mot version {number - 1}:</p>",
                *fields_diff(previous.version, revision.version),
            ]
            summary = f"<summary>Hela den sparade texten i version {number}</summary>"
            listed = ["<details>", summary, *listed, "</details>"]
        parts.append(section(anchor, f"Version {number}", *content, *listed, level=level + 1, kind="version"))
    return parts
