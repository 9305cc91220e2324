"""How much of one read the store may take: none, when every key changed at once (the keys are unstable),
and at most `sources[].max_new_items_per_cycle` new items, the rest left for later cycles. Pure decisions
on a read's items and what the store knows; `read.py` applies them.

A listing whose links carry a fresh cache-buster on every render (`?v=<n>`, not in `key_params`) gives every
item a new key on every read: each cycle all items would be "new" and all previous ones "removed", thousands
of entries in every feed and an ever-growing store. Such a read looks like no real one: (almost) none of the
items it shows is known, while the store holds about as many that it no longer shows. It is refused as a
failed read, loudly, with the remedy (`key_params`). A first read has nothing to compare with and is taken.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

from .config import SourceConfig
from .diff import Diff, StoredState, diff_items
from .errors import ExtractError
from .identity import item_key
from .models import ListingItem

log = logging.getLogger(__name__)

#: Below this many items read, or known, a turnover of every key may be real news: never refused.
CHURN_MIN_ITEMS = 5

#: "Almost every": at most this share of the smaller of the read and the store's live items was seen...
CHURN_KNOWN_SHARE = 0.1

#: ... while the new ones number at least this share of it.
CHURN_NEW_SHARE = 0.9

#: How many of the newest stored items are compared with the read (see `unstable_keys`).
CHURN_LINKS = 5000

UNSTABLE_KEYS = "every key changed; keys look unstable: set key_params"


def unstable_keys(
    diff: Diff,
    live: Callable[[], int],
    live_items: Callable[[int], Sequence[tuple[str, str]]],
    key_params: Sequence[str] | None,
) -> str | None:
    """Why this read's keys look unstable, or None. `live`: how many of the source's stored items are not
    removed (0 on its first read, which is never refused), asked only when the read has enough items to tell
    (never on a 304); `live_items`: the (link, title) of the newest of them, asked only when the counts say
    churn. Two turnovers of every key are taken, not refused: when the stored links, keyed by today's rule
    (`key_params`), give this read's keys, the rule changed (`key_params` was just set): keys move once; and
    when the new items' titles are not the stored ones, the news really changed (a short listing read
    seldom). Churn is the same items under new keys."""
    read = len(diff.new) + len(diff.changed) + len(diff.relinked) + len(diff.unchanged)
    if read < CHURN_MIN_ITEMS:
        return None  # too few to tell
    known = live()
    new, seen, span = len(diff.new), read - len(diff.new), min(read, known)
    if span < CHURN_MIN_ITEMS or seen > span * CHURN_KNOWN_SHARE or new < span * CHURN_NEW_SHARE:
        return None
    stored = live_items(CHURN_LINKS)
    rekeyed = {item_key(link, key_params) for link, _ in stored}
    titles = {title for _, title in stored}
    if len(rekeyed.intersection(item.key for item in diff.new)) * 2 >= new:
        return None
    if sum(1 for item in diff.new if item.title in titles) * 2 < new:
        return None
    return (
        f"{new} of the {read} items read are new, under the titles of stored ones, and {seen} of the {known} "
        f"stored ones were seen: {UNSTABLE_KEYS} (sources[].key_params) to the query parameters that name "
        "an article (`aktuellt probe URL` shows the keys)"
    )


def admit(
    source: SourceConfig,
    items: list[ListingItem],
    known: Mapping[str, StoredState],
    live: Callable[[], int],
    live_items: Callable[[int], Sequence[tuple[str, str]]],
) -> tuple[Diff, list[ListingItem], frozenset[str]]:
    """The diff of the items the store takes from this read, those items, and the keys of the new ones held
    back for later cycles (see the module docstring).
    `known`: the store's state of the items read; `live`, `live_items`: see `unstable_keys`. Raises
    ExtractError when the keys look unstable."""
    diff = diff_items(items, known)
    if why := unstable_keys(diff, live, live_items, source.key_params):
        raise ExtractError(f"{source.url}: {why}")
    # The first new items in the read's order (the listing's newest) are taken; the others are read again,
    # and new then, in later cycles.
    held_back = frozenset(item.key for item in diff.new[source.max_new_items_per_cycle :])
    if not held_back:
        return diff, items, held_back
    log.info(
        "%s: %d new items; storing the first %d now, the rest in later cycles (max_new_items_per_cycle)",
        source.id,
        len(diff.new),
        source.max_new_items_per_cycle,
    )
    taken = [item for item in items if item.key not in held_back]
    return diff_items(taken, known), taken, held_back
