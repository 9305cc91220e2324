"""diff_items: examples and properties (the output groups partition the input, in listing order)."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from scraper.diff import Diff, StoredState, diff_items, listing_hash
from scraper.models import ListingItem, SiteDate


def item(key: str, title: str = "Titel", summary: str = "Ingress", link: str | None = None) -> ListingItem:
    return ListingItem(
        key=key,
        title=title,
        link=link or f"https://goteborg.se/aktuellt/{key}",
        published=SiteDate(dt.date(2019, 5, 2)),
        summary=summary,
        position=0,
    )


def state(it: ListingItem) -> StoredState:
    published = dt.datetime(2019, 5, 2, 10, 30, tzinfo=dt.UTC)
    return StoredState(key=it.key, content_hash=listing_hash(it), link=it.link, published=published)


def nothing_to_write(diff: Diff) -> bool:
    return not (diff.new or diff.changed or diff.relinked)


def test_new_changed_relinked_unchanged():
    a, b, c, d = item("a"), item("b"), item("c"), item("d")
    stored = {
        "b": state(item("b", title="Old title")),
        "c": state(item("c", link="https://goteborg.se/old/c")),
        "d": state(d),
    }
    result = diff_items([a, b, c, d], stored)
    assert result.new == (a,)
    assert result.changed == (b,)
    assert result.relinked == (c,)
    assert result.unchanged == (d,)
    assert not nothing_to_write(result)


def test_whitespace_is_not_a_change():
    stored = {"a": state(item("a", title="Så ska  storstäderna\u00a0bli"))}
    assert nothing_to_write(diff_items([item("a", title="Så ska storstäderna bli")], stored))


keys = st.lists(st.sampled_from([f"k{i}" for i in range(12)]), unique=True)
texts = st.text(max_size=20)


@given(keys, st.data())
def test_groups_partition_input_in_order(scraped_keys, data):
    scraped = [item(k, title=data.draw(texts)) for k in scraped_keys]
    known = data.draw(st.lists(st.sampled_from(scraped_keys), unique=True)) if scraped_keys else []
    stored = {k: state(item(k, title=data.draw(texts))) for k in known}
    result = diff_items(scraped, stored)
    groups = [result.new, result.changed, result.relinked, result.unchanged]
    flat = [it.key for group in groups for it in group]
    assert sorted(flat) == sorted(scraped_keys)
    assert {it.key for it in result.new}.isdisjoint(stored)
    for group in groups:
        order = [scraped_keys.index(it.key) for it in group]
        assert order == sorted(order)


@given(keys)
def test_diff_against_own_state_is_empty(scraped_keys):
    scraped = [item(k) for k in scraped_keys]
    assert nothing_to_write(diff_items(scraped, {it.key: state(it) for it in scraped}))
