"""The "what is new?" decision. Does not interact with any dependencies, only processes data.

An item's identity is its key (the article UUID), never its URL: goteborg.se re-renders the portlet state in
every link on every request. Whether an item changed is decided by a hash over its normalized text fields, so
whitespace and markup noise are not changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .identity import content_hash
from .models import ListingItem


@dataclass(frozen=True, slots=True)
class StoredState:
    """What the store knows about an item, as far as the diff (and the article jobs of a read) need it."""

    key: str
    content_hash: str
    link: str
    published: dt.datetime


@dataclass(frozen=True, slots=True)
class Diff:
    new: tuple[ListingItem, ...] = ()
    changed: tuple[ListingItem, ...] = ()  #: title or summary differ (bumps `updated`)
    relinked: tuple[ListingItem, ...] = ()  #: only the canonical link moved (no new `updated`)
    unchanged: tuple[ListingItem, ...] = ()


def listing_hash(item: ListingItem) -> str:
    """The hash of the fields a listing shows; a new field must be empty for old items to keep their hash."""
    return content_hash({"title": item.title, "summary": item.summary})


def diff_items(scraped: Iterable[ListingItem], stored: Mapping[str, StoredState]) -> Diff:
    """Split the scraped items by what the store must do with them. Keeps the listing order in each group."""
    new: list[ListingItem] = []
    changed: list[ListingItem] = []
    relinked: list[ListingItem] = []
    unchanged: list[ListingItem] = []
    for item in scraped:
        state = stored.get(item.key)
        if state is None:
            new.append(item)
        elif state.content_hash != listing_hash(item):
            changed.append(item)
        elif state.link != item.link:
            relinked.append(item)
        else:
            unchanged.append(item)
    return Diff(tuple(new), tuple(changed), tuple(relinked), tuple(unchanged))
