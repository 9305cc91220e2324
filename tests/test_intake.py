"""The intake decisions on plain data: when a read's keys look unstable, and which new items wait."""

from __future__ import annotations

import datetime as dt

from scraper.diff import Diff
from scraper.intake import take_new, unstable_keys
from scraper.models import ListingItem, SiteDate

BASE = "https://example.se/nyheter/visa"


def items(*keys: str) -> tuple[ListingItem, ...]:
    day = SiteDate(dt.date(2026, 6, 2))
    return tuple(
        ListingItem(key=k, title=k, link=k, published=day, summary="", position=i) for i, k in enumerate(keys)
    )


def read(new: int, known: int) -> Diff:
    return Diff(
        new=items(*(f"{BASE}?art={n}&v=2" for n in range(new))),
        unchanged=items(*(f"{BASE}?art=k{n}" for n in range(known))),
    )


def links(*found: str):
    return lambda limit: list(found)


def test_every_key_new_against_as_many_stored_is_unstable():
    assert "every key changed" in (unstable_keys(read(20, 0), 20, links(), None) or "")
    assert unstable_keys(read(20, 1), 20, links(), None)  # almost every
    assert unstable_keys(read(17, 3), 20, links(), None) is None  # three known of 20: a real read
    assert unstable_keys(read(20, 0), 0, links(), None) is None  # the first read
    assert unstable_keys(read(4, 0), 4, links(), None) is None  # too few to tell
    assert unstable_keys(read(20, 0), 10, links(), None)  # a store of 10, all gone, 20 new


def test_stored_links_that_key_like_the_read_under_todays_rule_are_a_rule_change():
    stored = [f"{BASE}?art={n}&v=1" for n in range(20)]
    assert unstable_keys(read(20, 0), 20, links(*stored), None)  # v=1 and v=2: churn
    # key_params = ["art"] keys both as ...?art=<n>; the read's keys (under that rule) match them.
    rekeyed = Diff(new=items(*(f"{BASE}?art={n}" for n in range(20))))
    assert unstable_keys(rekeyed, 20, links(*stored), ["art"]) is None


def test_take_new_keeps_the_first_new_items_and_every_known_one():
    diff = read(5, 2)
    everything = [*diff.new, *diff.unchanged]
    intake = take_new(everything, diff, 3)
    assert intake.held_back == {item.key for item in diff.new[3:]}
    assert intake.items == [*diff.new[:3], *diff.unchanged]
    assert take_new(everything, diff, 5).held_back == frozenset()
