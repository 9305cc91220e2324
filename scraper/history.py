"""The record of every version, edit and removal. Only processes data: no store, no network, no clock.

Three decisions live here, each a pure function the pipeline calls with what the store and the listing said:

- **Versions** (`compare`): an item's observed fields against its latest stored version. A field the cycle
  did not observe (None: the article page was not fetched) carries over; a field that goes from unknown to
  known is filled into the latest version, not an edit; only a real difference in normalized text (whitespace
  runs, NBSP, NFC) is an edit and becomes a new version.
- **Removals** (`missing`): which known items a healthy listing should have shown but did not. The cycle only
  vouches for the range of dates its pages covered: dates strictly after the oldest date it read (that date
  may continue on the next, unread page), or everything when it read the listing to its last page. An item
  missing from two consecutive successful reads is removed; one seen again is back (restored if removed).
- **Diffs** (`diff_html`): a readable field-by-field HTML diff, word by word, with `<del>`/`<ins>`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import html
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace

from .identity import content_hash
from .models import Deleted, Entry

__all__ = [
    "CONFIRM_CYCLES",
    "ArchiveEvent",
    "archive_years",
    "FIELD_LABELS",
    "KIND_LABELS",
    "Compared",
    "MissingDecision",
    "Tracked",
    "Version",
    "change_content",
    "change_title",
    "compare",
    "diff_html",
    "missing",
    "version_hash",
    "version_html",
]

#: Consecutive successful listing reads that must miss an item before it counts as removed.
CONFIRM_CYCLES = 2

#: Swedish labels of the versioned fields, in the order a diff shows them (readers of the feeds are Swedish).
FIELD_LABELS: Mapping[str, str] = {
    "title": "Rubrik",
    "summary": "Ingress",
    "site_date": "Publiceringsdatum",
    "body_text": "Brödtext",
    "article_updated": "Senast uppdaterad",
}

KIND_LABELS: Mapping[str, str] = {
    "new": "Ny",
    "edited": "Ändrad",
    "removed": "Borttagen",
    "restored": "Återpublicerad",
}


@dataclass(frozen=True, slots=True)
class Version:
    """One observed version of an item. None means "not observed" (never "empty")."""

    title: str
    summary: str
    site_date: str  #: the date as the listing printed it, ISO (optional time)
    body_text: str | None = None  #: the article's text, when its page was read
    article_updated: str | None = None  #: the article's "Senast uppdaterad", when its page shows one


def version_hash(version: Version) -> str:
    """Fingerprint of a version's normalized text; empty fields are left out (see identity.content_hash)."""
    return content_hash({f.name: getattr(version, f.name) or "" for f in fields(Version)})


@dataclass(frozen=True, slots=True)
class Compared:
    """What to do with an observed version: nothing, fill unknown fields in place, or record an edit."""

    action: str  #: "same", "fill" or "edit"
    version: Version  #: the version to keep (observed, with unobserved fields carried over)
    changed: tuple[str, ...] = ()  #: the fields that really differ (for "edit")


def _norm(value: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", value or "").split())


def compare(previous: Version, observed: Version) -> Compared:
    """Compare an observed version with the latest stored one (see the module docstring)."""
    carried = {
        f.name: getattr(previous, f.name) for f in fields(Version) if getattr(observed, f.name) is None
    }
    current = replace(observed, **carried)
    changed: list[str] = []
    filled = False
    for f in fields(Version):
        before, after = getattr(previous, f.name), getattr(current, f.name)
        if _norm(before) == _norm(after):
            continue
        if before is None or not _norm(before):
            filled = True  # first time this field is known: not an edit of what readers saw
        else:
            changed.append(f.name)
    if changed:
        return Compared("edit", current, tuple(changed))
    return Compared("fill" if filled else "same", current)


@dataclass(frozen=True, slots=True)
class Tracked:
    """What the removal decision needs to know about a stored item."""

    key: str
    day: dt.date  #: the listing date
    missing_count: int = 0  #: consecutive successful reads that did not show it
    removed: bool = False


@dataclass(frozen=True, slots=True)
class MissingDecision:
    missing: Mapping[str, int]  #: key → new missing count (1 for the first miss), for items not yet removed
    removed: tuple[str, ...] = ()  #: missing on the CONFIRM_CYCLES-th consecutive read: removed now
    back: tuple[str, ...] = ()  #: seen again after being counted missing (not removed): count resets
    restored: tuple[str, ...] = ()  #: removed before, seen again now


def missing(
    tracked: Iterable[Tracked], seen: Iterable[str], *, oldest_read: dt.date | None, reached_end: bool
) -> MissingDecision:
    """Decide removals from one successful listing read.

    `seen`: keys of every item on the pages read. `oldest_read`: the oldest listing date among them.
    `reached_end`: the read went to the listing's last page (so every date is covered).
    """
    seen_keys = set(seen)
    counts: dict[str, int] = {}
    removed: list[str] = []
    back: list[str] = []
    restored: list[str] = []
    for item in tracked:
        if item.key in seen_keys:
            if item.removed:
                restored.append(item.key)
            elif item.missing_count:
                back.append(item.key)
            continue
        if item.removed:
            continue
        covered = reached_end or (oldest_read is not None and item.day > oldest_read)
        if not covered:
            continue  # older than anything this read vouches for (past max_pages, or paging stopped)
        count = item.missing_count + 1
        if count >= CONFIRM_CYCLES:
            removed.append(item.key)
        else:
            counts[item.key] = count
    return MissingDecision(counts, tuple(removed), tuple(back), tuple(restored))


def pending_oldest(tracked: Iterable[Tracked]) -> dt.date | None:
    """The oldest date among items counted missing but not yet removed: paging must reach past it."""
    return min((t.day for t in tracked if t.missing_count and not t.removed), default=None)


# -- HTML ------------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s+|[^\s]+")


def _words_diff(before: str, after: str) -> str:
    """Word-level HTML diff: unchanged words plain, removed in <del>, added in <ins>; all text escaped."""
    old = _TOKEN.findall(_norm(before))
    new = _TOKEN.findall(_norm(after))
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(html.escape("".join(old[a1:a2]), quote=False))
            continue
        if a2 > a1:
            out.append(f"<del>{html.escape(''.join(old[a1:a2]), quote=False)}</del>")
        if b2 > b1:
            out.append(f"<ins>{html.escape(''.join(new[b1:b2]), quote=False)}</ins>")
    return "".join(out)


def diff_html(before: Version, after: Version, changed: Sequence[str] | None = None) -> str:
    """A readable HTML diff of the fields that changed between two versions, field by field."""
    names = (
        changed
        if changed is not None
        else [
            f.name for f in fields(Version) if _norm(getattr(before, f.name)) != _norm(getattr(after, f.name))
        ]
    )
    parts = []
    for name in FIELD_LABELS:
        if name not in names:
            continue
        body = _words_diff(getattr(before, name) or "", getattr(after, name) or "")
        parts.append(f"<h3>{FIELD_LABELS[name]}</h3>\n<p>{body}</p>")
    return "\n".join(parts)


def version_html(version: Version) -> str:
    """Every known field of a version as HTML, for "new", "removed" and "restored" entries."""
    parts = []
    for name, label in FIELD_LABELS.items():
        value = _norm(getattr(version, name))
        if value:
            parts.append(f"<h3>{label}</h3>\n<p>{html.escape(value, quote=False)}</p>")
    return "\n".join(parts)


def change_title(kind: str, title: str) -> str:
    return f"{KIND_LABELS.get(kind, kind)}: {_norm(title)}"


def change_content(kind: str, after: Version, before: Version | None, detail: str | None = None) -> str:
    """The HTML body of a changes-feed entry: a diff for an edit, the (last known) version otherwise."""
    if kind == "edited" and before is not None:
        return diff_html(before, after)
    if kind == "removed":
        why = (
            "sidan svarar inte längre"
            if detail and detail.startswith("http")
            else "finns inte längre i listan"
        )
        intro = f"<p>Nyheten {why} på webbplatsen. Senast kända version:</p>"
        return intro + "\n" + version_html(after)
    if kind == "restored":
        return "<p>Nyheten finns åter på webbplatsen.</p>\n" + version_html(after)
    return version_html(after)


# -- RFC 5005 archives ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArchiveEvent:
    """An event as the archives need it: what the item was after it, and when."""

    id: int
    kind: str
    at: dt.datetime
    source: str
    key: str
    entry_id: str
    link: str
    published: dt.datetime
    version: Version


def archive_years(
    events: Sequence[ArchiveEvent], tz: dt.tzinfo, current_year: int
) -> dict[int, tuple[list[Entry], list[Deleted]]]:
    """One archive per year, from the first event's year through `current_year` (empty years included, so a
    year's neighbours never change once it is over): each version that entered the feed that year, and a
    tombstone for each removal.

    An archive is built only from events, and events are never changed: once a year is over (and its
    `next-archive` neighbour exists) its document never changes again. That is why an entry shows the
    title and summary of its version, and not the article body, which is filled into a version later."""
    if not events:
        return {current_year: ([], [])}
    first = min(event.at.astimezone(tz).year for event in events)
    years: dict[int, tuple[list[Entry], list[Deleted]]] = {
        year: ([], []) for year in range(first, max(current_year, first) + 1)
    }
    for event in sorted(events, key=lambda e: (e.at, e.id), reverse=True):
        entries, deleted = years.setdefault(event.at.astimezone(tz).year, ([], []))
        if event.kind == "removed":
            comment = f"Borttagen från webbplatsen: {_norm(event.version.title)}"
            deleted.append(Deleted(event.entry_id, event.at, event.link, comment))
            continue
        # A first version keeps the item's own date, as in the main feed; a later one is dated by its event.
        updated = event.published if event.kind == "new" else event.at
        entries.append(
            Entry(
                source=event.source,
                key=event.key,
                entry_id=event.entry_id,
                title=event.version.title,
                summary=event.version.summary,
                link=event.link,
                published=event.published,
                updated=max(updated, event.published),
                first_seen=event.at,
                position=0,
            )
        )
    return years
