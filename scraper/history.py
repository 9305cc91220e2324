"""The record of every version, edit and removal. Only processes data: no store, no network, no clock.

Three decisions live here, pure functions `read.py` and `plan.py` call with what the store and listing said:

- **Versions** (`compare`): an item's observed fields against its latest stored version. A field the cycle
  did not observe (None: the article page was not fetched) carries over; a field that goes from unknown to
  known is filled into the latest version, not an edit; only a real difference in normalized text (whitespace
  runs, NBSP, NFC) is an edit and becomes a new version.
- **Removals** (`missing`): which known items a healthy listing should have shown but did not. The cycle only
  vouches for the range of dates its pages covered: dates strictly after the oldest date it read (that date
  may continue on the next, unread page), or everything when it read the listing to its last page. An item
  missing from two consecutive successful reads is removed, if the second read reached the listing's end (a
  re-dated item may have moved anywhere down the list); one seen again is back (restored if removed).
- **Archives** (`archive_years`): each year's entries and tombstones, from the events alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace

from .identity import content_hash
from .identity import normal_text as normal_text  # re-exported: publish/ reads versions through history
from .models import Deleted, Entry

#: Consecutive successful listing reads that must miss an item before it counts as removed.
CONFIRM_CYCLES = 2

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


def compare(previous: Version, observed: Version) -> tuple[str, Version]:
    """What to do with an observed version (see the module docstring): "same" (nothing), "fill" (unknown
    fields filled in place) or "edit" (a new version); and the version to keep: the observed one, with its
    unobserved fields carried over."""
    carried = {
        f.name: getattr(previous, f.name) for f in fields(Version) if getattr(observed, f.name) is None
    }
    current = replace(observed, **carried)
    action = "same"
    for f in fields(Version):
        before, after = getattr(previous, f.name), getattr(current, f.name)
        if normal_text(before) == normal_text(after):
            continue
        if before is not None and normal_text(before):
            return "edit", current
        action = "fill"  # first time this field is known: not an edit of what readers saw
    return action, current


@dataclass(frozen=True, slots=True)
class Tracked:
    """What the removal decision needs to know about a stored item."""

    key: str
    day: dt.date  #: the listing date
    missing_count: int = 0  #: consecutive successful reads that did not show it
    removed: bool = False


@dataclass(frozen=True, slots=True)
class MissingDecision:
    #: key → new missing count (1 for the first miss), for items not yet removed
    missing: Mapping[str, int] = field(default_factory=dict)
    removed: tuple[str, ...] = ()  #: missing on the CONFIRM_CYCLES-th consecutive read: removed now
    back: tuple[str, ...] = ()  #: counted missing before, now seen again (or out of reach): count resets
    restored: tuple[str, ...] = ()  #: removed before, seen again now
    #: missing again, but the read did not reach the listing's end, where a re-dated item may now sit: not
    #: removed, the count kept as it is (plan.confirm_jobs asks the article page; a 404/410 confirms)
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


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One stored event with the versions around it: the changes feed, alerts and the archives read it."""

    id: int
    source: str
    key: str
    kind: str
    at: dt.datetime
    detail: str | None
    entry_id: str
    link: str
    published: dt.datetime
    after: Version  #: the item as the event left it
    before: Version | None  #: the version an edit replaced


def archive_years(
    events: Sequence[ChangeRow], tz: dt.tzinfo, current_year: int, first_year: int | None = None
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
            deleted.append(Deleted(event.entry_id, event.link, normal_text(event.after.title), event.at))
            continue
        # A first version keeps the item's own date, as in the main feed; a later one is dated by its event.
        updated = event.published if event.kind == "new" else event.at
        entries.append(
            Entry(
                source=event.source,
                key=event.key,
                entry_id=event.entry_id,
                title=event.after.title,
                summary=event.after.summary,
                link=event.link,
                published=event.published,
                updated=max(updated, event.published),
                first_seen=event.at,
                position=0,
                timed="T" in event.after.site_date,
            )
        )
    return years


@dataclass(frozen=True, slots=True)
class RevisionRecord:
    id: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    version: Version


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One stored event of an item (new, edited, removed, restored) and the revision it points at."""

    id: int
    kind: str
    at: dt.datetime
    revision_id: int
    detail: str | None  #: a removal's cause ("listing", or its page's answer "http 404"), else None


@dataclass(frozen=True, slots=True)
class ItemRecord:
    """Everything stored of one item, for `aktuellt history`, export and the history pages."""

    source: str
    key: str
    entry_id: str
    link: str
    published: dt.datetime
    first_seen: dt.datetime
    removed_at: dt.datetime | None  #: None while the item is on the site
    revisions: tuple[RevisionRecord, ...]  #: oldest first
    events: tuple[EventRecord, ...]  #: oldest first
