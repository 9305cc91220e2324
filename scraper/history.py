"""The record of every version, edit and removal. Only processes data: no store, no network, no clock.

Three decisions live here, each a pure function the pipeline calls with what the store and the listing said:

- **Versions** (`compare`): an item's observed fields against its latest stored version. A field the cycle
  did not observe (None: the article page was not fetched) carries over; a field that goes from unknown to
  known is filled into the latest version, not an edit; only a real difference in normalized text (whitespace
  runs, NBSP, NFC) is an edit and becomes a new version.
- **Removals** (`missing`): which known items a healthy listing should have shown but did not. The cycle only
  vouches for the range of dates its pages covered: dates strictly after the oldest date it read (that date
  may continue on the next, unread page), or everything when it read the listing to its last page. An item
  missing from two consecutive successful reads is removed, if the second read reached the listing's end (a
  re-dated item may have moved anywhere down the list); one seen again is back (restored if removed).
- **Diffs** (`diff_html`): a readable field-by-field HTML diff, word by word, with `<del>[−old]</del>` and
  `<ins>[+new]</ins>`: the brackets and spaces keep it readable when a reader strips the tags.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import html
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace

from .identity import content_hash
from .models import Deleted, Entry

__all__ = [
    "CONFIRM_CYCLES",
    "ArchiveEvent",
    "EventRecord",
    "ItemRecord",
    "RevisionRecord",
    "export_csv",
    "export_json",
    "history_text",
    "archive_years",
    "FIELD_LABELS",
    "KIND_LABELS",
    "Compared",
    "MissingDecision",
    "Tracked",
    "Version",
    "change_content",
    "change_time",
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
    back: tuple[str, ...] = ()  #: counted missing before, now seen again (or out of reach): count resets
    restored: tuple[str, ...] = ()  #: removed before, seen again now
    #: missing again, but the read did not reach the listing's end, where a re-dated item may now sit: not
    #: removed, the count kept as it is (the pipeline asks the article page; a 404/410 confirms)
    unconfirmed: tuple[str, ...] = ()


def missing(
    tracked: Iterable[Tracked], seen: Iterable[str], *, oldest_read: dt.date | None, reached_end: bool
) -> MissingDecision:
    """Decide removals from one successful listing read.

    `seen`: keys of every item on the pages read. `oldest_read`: the oldest listing date among them.
    `reached_end`: the read went to the listing's last page (so every date is covered).

    A first miss needs a read that covered the item's stored date. A removal needs more: the site may have
    re-dated the item older, moving it to any later page, so only a read that reached the listing's end
    confirms it; a shorter one leaves the item `unconfirmed` (issue 11, item 10).
    """
    seen_keys = set(seen)
    counts: dict[str, int] = {}
    removed: list[str] = []
    back: list[str] = []
    restored: list[str] = []
    unconfirmed: list[str] = []
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
            # Older than anything this read vouches for (past max_pages, or paging stopped). A count from an
            # earlier read cannot be confirmed now: it starts over, rather than wait (and page) forever.
            if item.missing_count:
                back.append(item.key)
            continue
        count = item.missing_count + 1
        if count < CONFIRM_CYCLES:
            counts[item.key] = count
        elif reached_end:
            removed.append(item.key)
        else:
            unconfirmed.append(item.key)
    return MissingDecision(counts, tuple(removed), tuple(back), tuple(restored), tuple(unconfirmed))


def pending_oldest(tracked: Iterable[Tracked]) -> dt.date | None:
    """The oldest date among items counted missing but not yet removed (None: none is): while there is one,
    paging goes on to the listing's end (or max_pages), where the item may have moved."""
    return min((t.day for t in tracked if t.missing_count and not t.removed), default=None)


# -- HTML ------------------------------------------------------------------------------------------------

# A word with the whitespace before it: a run of changed words then reads as one change ("[-i Göteborg-]"),
# not as word, space, word.
_TOKEN = re.compile(r"\s*\S+|\s+")


def _word_ops(before: str, after: str) -> list[tuple[str, str, str]]:
    """(unchanged, removed, added) runs of a word diff; whitespace shared at a change's start stays out."""
    old, new = _TOKEN.findall(_norm(before)), _TOKEN.findall(_norm(after))
    ops: list[tuple[str, str, str]] = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            ops.append(("".join(old[a1:a2]), "", ""))
            continue
        removed, added = "".join(old[a1:a2]), "".join(new[b1:b2])
        head = ""
        while removed and added and removed[0].isspace() and removed[0] == added[0]:
            head, removed, added = head + removed[0], removed[1:], added[1:]
        ops.append((head, removed, added))
    return ops


#: Written inside <del>/<ins>, so the diff still reads right where a reader drops the tags (newsboat, mail
#: clients, screen readers): "landar [−i Göteborg] [+på Gustaf Adolfs torg]". U+2212 is the minus sign.
REMOVED_MARK, ADDED_MARK = "[\u2212", "[+"


def _marked(tag: str, mark: str, run: str) -> str:
    """`run` as <tag>[mark…]</tag>, its leading whitespace kept outside, so words never touch the markers."""
    words = run.lstrip()
    space = run[: len(run) - len(words)]
    return f"{html.escape(space, quote=False)}<{tag}>{mark}{html.escape(words, quote=False)}]</{tag}>"


def _words_diff(before: str, after: str) -> str:
    """Word-level HTML diff: unchanged words plain, removed in <del>[−…]</del>, added in <ins>[+…]</ins>,
    a space between a removal and the addition that replaces it; all text escaped."""
    out: list[str] = []
    for same, removed, added in _word_ops(before, after):
        out.append(html.escape(same, quote=False))
        if removed:
            out.append(_marked("del", REMOVED_MARK, removed))
        if added:
            spaced = added if not removed or added[:1].isspace() else " " + added  # "[−old] [+new]"
            out.append(_marked("ins", ADDED_MARK, spaced))
    return "".join(out)


_MONTHS = "januari februari mars april maj juni juli augusti september oktober november december".split()


def _shown(name: str, value: str | None) -> str:
    """A field as a Swedish reader wants to see it: the listing date as "12 mars 2019", the rest as is."""
    if name == "site_date" and value:
        try:
            day = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
        time = f" kl. {value[11:16]}" if len(value) >= 16 else ""
        return f"{day.day} {_MONTHS[day.month - 1]} {day.year}{time}"
    return value or ""


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
        body = _words_diff(_shown(name, getattr(before, name)), _shown(name, getattr(after, name)))
        parts.append(f"<h3>{FIELD_LABELS[name]}</h3>\n<p>{body}</p>")
    return "\n".join(parts)


def version_html(version: Version) -> str:
    """Every known field of a version as HTML, for "new", "removed" and "restored" entries."""
    parts = []
    for name, label in FIELD_LABELS.items():
        value = _norm(_shown(name, getattr(version, name)))
        if value:
            parts.append(f"<h3>{label}</h3>\n<p>{html.escape(value, quote=False)}</p>")
    return "\n".join(parts)


def change_time(kind: str, at: dt.datetime, published: dt.datetime) -> dt.datetime:
    """When a changes-feed entry is dated: the event's time, except that an item found after its own date
    (the first cycle reads the whole listing) is "new" as of that date, as its first version is in the
    archives. Without that, every item of a first run shared the run's one instant."""
    return min(at, published) if kind == "new" else at


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
    events: Sequence[ArchiveEvent], tz: dt.tzinfo, current_year: int, first_year: int | None = None
) -> dict[int, tuple[list[Entry], list[Deleted]]]:
    """One archive per year, from the first event's year through `current_year` (empty years included, so a
    year's neighbours never change once it is over): for each item that had an event that year, its state
    at the last one: the version it ended the year with, or a tombstone when it ended the year removed.

    One entry per id and document, with the id the item has everywhere: RFC 5005 readers rebuild a feed
    from its archives by id (the newest document wins), and RFC 4287 makes two entries with one id in a
    document the same entry (the W3C validator warns). Every version in between stays in the changes
    feed, `aktuellt history` and `aktuellt export`.

    An archive is built only from events, and events are never changed: once a year is over (and its
    `next-archive` neighbour exists) its document never changes again. That is why an entry shows the
    title and summary of its version, and not the article body, which is filled into a version later.

    `first_year` (the year of the oldest stored event) lets the caller pass only some years' events: the
    years from it on are all listed, those without passed events empty."""
    if not events and first_year is None:
        return {current_year: ([], [])}
    first = first_year if first_year is not None else min(event.at.astimezone(tz).year for event in events)
    years: dict[int, tuple[list[Entry], list[Deleted]]] = {
        year: ([], []) for year in range(first, max(current_year, first) + 1)
    }
    last: set[tuple[int, str]] = set()  # (year, entry id) already given its last event of that year
    for event in sorted(events, key=lambda e: (e.at, e.id), reverse=True):
        year = event.at.astimezone(tz).year
        if (year, event.entry_id) in last:
            continue  # an earlier version of an item this year's document already shows
        last.add((year, event.entry_id))
        entries, deleted = years.setdefault(year, ([], []))
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


# -- the record, for `aktuellt history` and `aktuellt export` ---------------------------------------------


@dataclass(frozen=True, slots=True)
class RevisionRecord:
    id: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    version: Version


@dataclass(frozen=True, slots=True)
class EventRecord:
    id: int
    kind: str
    at: dt.datetime
    revision_id: int
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class ItemRecord:
    source: str
    key: str
    entry_id: str
    link: str
    published: dt.datetime
    first_seen: dt.datetime
    removed_at: dt.datetime | None
    revisions: tuple[RevisionRecord, ...]
    events: tuple[EventRecord, ...]


def _words_diff_text(before: str, after: str) -> str:
    """Word diff for a terminal, in `git diff --word-diff` style: [-removed-]{+added+}."""
    out: list[str] = []
    for same, removed, added in _word_ops(before, after):
        out.append(same)
        if removed:
            out.append(f"[-{removed}-]")
        if added:
            out.append(f"{{+{added}+}}")
    return "".join(out)


def history_text(record: ItemRecord, tz: dt.tzinfo) -> str:
    """An item's versions, oldest first, each later one as a word diff against the one before."""

    def local(moment: dt.datetime) -> str:
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    latest = record.revisions[-1].version if record.revisions else None
    lines = [
        _norm(latest.title) if latest else record.key,
        f"  id:     {record.entry_id}",
        f"  länk:   {record.link}",
        f"  status: {'borttagen ' + local(record.removed_at) if record.removed_at else 'publicerad'}",
    ]
    previous: Version | None = None
    for number, revision in enumerate(record.revisions, start=1):
        lines += ["", f"Version {number}: sedd {local(revision.first_seen)} – {local(revision.last_seen)}"]
        for name, label in FIELD_LABELS.items():
            after = _shown(name, getattr(revision.version, name))
            if previous is None:
                if _norm(after):
                    lines.append(f"  {label}: {_norm(after)}")
                continue
            before = _shown(name, getattr(previous, name))
            if _norm(before) != _norm(after):
                lines.append(f"  {label}: {_words_diff_text(before, after)}")
        previous = revision.version
    lines += ["", "Händelser:"]
    for event in record.events:
        detail = f" ({_DETAILS.get(event.detail, event.detail)})" if event.detail else ""
        lines.append(f"  {local(event.at)}  {KIND_LABELS.get(event.kind, event.kind).lower()}{detail}")
    return "\n".join(lines) + "\n"


_DETAILS = {"listing": "saknades i listan två gånger i rad"}

_CSV_COLUMNS = (
    "source", "key", "entry_id", "link", "published", "removed_at", "revision", "first_seen", "last_seen",
    "title", "summary", "site_date", "body_text", "article_updated",
)  # fmt: skip


def _when(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def export_csv(records: Sequence[ItemRecord]) -> str:
    """One row per version of every item (the item's columns repeated), for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_CSV_COLUMNS)
    for r in records:
        for number, revision in enumerate(r.revisions, start=1):
            v = revision.version
            writer.writerow(
                [r.source, r.key, r.entry_id, r.link, _when(r.published), _when(r.removed_at) or "", number,
                 _when(revision.first_seen), _when(revision.last_seen), v.title, v.summary, v.site_date,
                 v.body_text or "", v.article_updated or ""]
            )  # fmt: skip
    return out.getvalue()


def export_json(records: Sequence[ItemRecord]) -> str:
    """Every item with its versions and events, as one JSON document (for notebooks)."""
    items = [
        {
            "source": r.source,
            "key": r.key,
            "id": r.entry_id,
            "link": r.link,
            "published": _when(r.published),
            "first_seen": _when(r.first_seen),
            "removed_at": _when(r.removed_at),
            "revisions": [
                {
                    "revision": number,
                    "first_seen": _when(rev.first_seen),
                    "last_seen": _when(rev.last_seen),
                    **{f.name: getattr(rev.version, f.name) for f in fields(Version)},
                }
                for number, rev in enumerate(r.revisions, start=1)
            ],
            "events": [
                {
                    "kind": e.kind,
                    "at": _when(e.at),
                    "revision": _revision_number(r, e.revision_id),
                    "detail": e.detail,
                }
                for e in r.events
            ],
        }
        for r in records
    ]
    return json.dumps({"items": items}, ensure_ascii=False, indent=2) + "\n"


def _revision_number(record: ItemRecord, revision_id: int) -> int | None:
    for number, revision in enumerate(record.revisions, start=1):
        if revision.id == revision_id:
            return number
    return None
