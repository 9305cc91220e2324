"""What one source's cycle writes, decided before the transaction: new items, updates, versions, removals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..history import Version
from ..models import ArticleWrite, SourceReport, Validators


@dataclass(frozen=True, slots=True)
class NewItem:
    """A row to insert: everything the pipeline decided about an item seen for the first time."""

    source: str
    key: str
    entry_id: str
    title: str
    summary: str
    link: str
    site_date: str
    published: dt.datetime
    content_hash: str
    position: int
    date_source: str = "element"  #: see models.ListingItem.date_source; "none": dated by first sight


@dataclass(frozen=True, slots=True)
class ItemUpdate:
    """New text (or just a new link) for a known item; `bump` moves its `updated`."""

    source: str
    key: str
    title: str
    summary: str
    link: str
    content_hash: str
    bump: bool


@dataclass(frozen=True, slots=True)
class VersionWrite:
    """A version to record: "new" (first sight), "edited" (a new revision after `previous`) or "fill"
    (fields that became known, written into revision `previous` in place)."""

    key: str
    version: Version
    kind: str
    previous: int | None = None


@dataclass(frozen=True, slots=True)
class HistoryWrite:
    """The history part of one cycle: versions, missing counts, removals and restorations."""

    versions: Sequence[VersionWrite] = ()
    missing: Mapping[str, int] = field(default_factory=dict)  #: key → consecutive misses (not yet removed)
    back: Sequence[str] = ()  #: seen again before removal: the count resets
    removed: Sequence[tuple[str, str]] = ()  #: (key, why)
    restored: Sequence[str] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.versions or self.missing or self.back or self.removed or self.restored)


@dataclass(frozen=True, slots=True)
class CycleWrite:
    """Everything one successful source cycle writes, committed in one transaction."""

    report: SourceReport
    started: dt.datetime
    finished: dt.datetime
    first_page_items: int = 0
    new: Sequence[NewItem] = ()
    updates: Sequence[ItemUpdate] = ()
    seen_keys: Sequence[str] = ()
    validators: Mapping[str, Validators] | None = None
    articles: Sequence[ArticleWrite] = ()
    history: HistoryWrite = field(default_factory=HistoryWrite)
