"""The intake decisions on plain data: when a read's keys look unstable, and which new items wait."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import NoReturn

from scraper.config import SourceConfig
from scraper.diff import Diff, StoredState, listing_hash
from scraper.intake import admit, unstable_keys
from scraper.models import ListingItem, SiteDate

BASE = "https://example.se/nyheter/visa"


def items(*keys: str) -> tuple[ListingItem, ...]:
    day = SiteDate(dt.date(2026, 6, 2))
    return tuple(
        ListingItem(key=k, title=title(k), link=k, published=day, summary="", position=i)
        for i, k in enumerate(keys)
    )


def title(key: str) -> str:
    """The same title for an article under any cache-buster: `Nyhet <art>`."""
    return "Nyhet " + key.partition("art=")[2].partition("&")[0]


def read(new: int, known: int) -> Diff:
    return Diff(
        new=items(*(f"{BASE}?art={n}&v=2" for n in range(new))),
        unchanged=items(*(f"{BASE}?art=k{n}" for n in range(known))),
    )


def stored(count: int, version: int = 1, *, titles: str = "Nyhet {n}"):
    """The store's newest items: the same articles under an older cache-buster."""
    rows = [(f"{BASE}?art={n}&v={version}", titles.format(n=n)) for n in range(count)]
    return lambda limit: rows[:limit]


def never(*_: object) -> NoReturn:
    raise AssertionError("the store was asked")


def test_every_key_new_against_as_many_stored_is_unstable():
    assert "every key changed; keys look unstable: set key_params" in (
        unstable_keys(read(20, 0), lambda: 20, stored(20), None) or ""
    )
    assert unstable_keys(read(20, 1), lambda: 20, stored(20), None)  # almost every
    assert unstable_keys(read(17, 3), lambda: 20, stored(20), None) is None  # three of 20 seen: a real read
    assert unstable_keys(read(20, 0), lambda: 0, stored(0), None) is None  # the first read
    assert unstable_keys(read(4, 0), never, never, None) is None  # too few to tell: the store is not asked
    assert unstable_keys(read(20, 0), lambda: 10, stored(10), None)  # a store of 10, none seen, 20 new


def test_a_real_turnover_and_a_backlog_are_not_churn():
    # Every item new, but under titles the store does not hold: the news changed (a short listing read
    # seldom), and it is taken.
    assert unstable_keys(read(20, 0), lambda: 20, stored(20, titles="Gammal nyhet {n}"), None) is None
    # Ten stored of 26 (max_new_items_per_cycle held 16 back): those ten are seen again.
    assert unstable_keys(read(16, 10), lambda: 10, stored(10), None) is None


def test_stored_links_that_key_like_the_read_under_todays_rule_are_a_rule_change():
    assert unstable_keys(read(20, 0), lambda: 20, stored(20), None)  # v=1 and v=2: churn
    # key_params = ["art"] keys both as ...?art=<n>; the read's keys (under that rule) match them.
    rekeyed = Diff(new=items(*(f"{BASE}?art={n}" for n in range(20))))
    assert unstable_keys(rekeyed, lambda: 20, stored(20), ["art"]) is None


def test_admit_takes_the_first_new_items_and_every_known_one():
    everything = list(items(*(f"{BASE}?art={n}" for n in range(7))))
    when = dt.datetime(2026, 6, 2, tzinfo=dt.UTC)
    known = {i.key: StoredState(i.key, listing_hash(i), i.link, when) for i in everything[5:]}
    source = SourceConfig("s", "S", BASE, max_new_items_per_cycle=3)
    diff, taken, held_back = admit(source, everything, known, lambda: 2, stored(2))
    assert held_back == {item.key for item in everything[3:5]}
    assert taken == [*everything[:3], *everything[5:]]
    assert (list(diff.new), list(diff.unchanged)) == (everything[:3], everything[5:])
    roomy = replace(source, max_new_items_per_cycle=5)
    assert admit(roomy, everything, known, lambda: 2, stored(2))[1:] == (everything, frozenset())
