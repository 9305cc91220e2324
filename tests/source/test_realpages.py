"""Acceptance (issues 12 and 18): real saved news pages of other sites, read with no config and with the
config `aktuellt probe` suggests. The pages live in ../shared/realpages/ (never copied into the project);
SOURCES.md there gives each page's true item count and, for most, every item's title, link and date, which
`tests/source/realpages.py` reads (with the pages read by hand before) and scores.

Every page must be read right item by item, with no config and with probe's config; probe's config never
reads fewer or worse items than no config; the page whose news block JavaScript fills in must fail with a
clear message.
"""

from __future__ import annotations

import pytest

from scraper.source.listing import parse_listing
from scraper.source.probe import read_page, report
from scraper.source.selectors import candidate_blocks, suggest_selectors
from tests.source.realpages import REALPAGES, TODAY, TZ, Page, pages, probe_config, read, score

pytestmark = pytest.mark.skipif(
    not (REALPAGES / "SOURCES.md").is_file(), reason=f"no real pages at {REALPAGES}"
)

PAGES = {page.name: page for page in pages()} if (REALPAGES / "SOURCES.md").is_file() else {}
NEWS = sorted(name for name, page in PAGES.items() if page.count)
JS_PAGE = "goteborg-kommun-politik.html"

#: Pages whose failure class is not fixed yet (issue 18); the list only shrinks.
NOT_YET: frozenset[str] = frozenset()
#: Pages probe's config does not read right yet (issue 18); the list only shrinks.
PROBE_NOT_YET: frozenset[str] = frozenset()

#: Pages where probe's config still reads less than no config (issue 18); the list only shrinks.
NOT_WORSE_YET: frozenset[str] = frozenset()


def _param(name: str, not_yet: frozenset[str] = NOT_YET) -> object:
    mark = pytest.mark.xfail(strict=True, reason="issue 18: not read right yet") if name in not_yet else ()
    return pytest.param(name, marks=mark)


def test_every_page_sources_md_names_is_scored():
    assert len(PAGES) >= 14 and JS_PAGE in PAGES
    assert all(page.items is not None for name, page in PAGES.items() if page.count), "a page without items"


@pytest.mark.parametrize("name", [_param(name) for name in NEWS])
def test_page_read_right_with_no_config(name):
    result = score(PAGES[name], read(PAGES[name]))
    assert result.fully_right, result.problems


@pytest.mark.parametrize("name", [_param(name, PROBE_NOT_YET) for name in NEWS])
def test_page_read_right_with_the_config_probe_suggests(name):
    page = PAGES[name]
    selectors = probe_config(page)
    assert selectors is not None and selectors.item, f"{name}: probe suggested no item selector"
    assert ":nth-child" not in str(selectors)
    result = score(page, read(page, selectors))
    assert result.fully_right, (selectors, result.problems)


@pytest.mark.parametrize("name", [_param(name, NOT_WORSE_YET) for name in NEWS])
def test_probes_config_never_reads_fewer_or_worse_items_than_no_config(name):
    page: Page = PAGES[name]
    plain = score(page, read(page))
    selectors = probe_config(page)
    configured = score(page, read(page, selectors)) if selectors is not None else None
    assert configured is not None, f"{name}: probe suggested no config"
    assert (configured.right, -configured.wrong) >= (plain.right, -plain.wrong), configured.problems


def test_javascript_filled_page_fails_with_a_clear_message():
    page = PAGES[JS_PAGE]
    html = (REALPAGES / page.name).read_text(encoding="utf-8")
    listing = parse_listing(html, page.url, timezone=TZ, today=TODAY)
    assert listing.items == ()
    assert listing.blocks and not any(block.taken for block in listing.blocks)
    assert suggest_selectors(html, page.url, timezone=TZ, today=TODAY) is None
    result = read_page(html, page.url, today=TODAY)
    assert not result.ok
    text = report(result)
    assert "No items" in text and "JavaScript" in text
    # It still points at what the page offers instead: its Atom feed.
    assert ("application/atom+xml", "RSS-flöde för aktuellt från Göteborgs Stad") in [
        (feed.media_type, feed.title) for feed in result.feeds
    ]


def test_both_goteborg_pages_advertise_their_atom_feed():
    for name in ("goteborg-home.html", JS_PAGE):
        result = read_page(
            (REALPAGES / name).read_text(encoding="utf-8"), "https://goteborg.se/", today=TODAY
        )
        assert [feed.media_type for feed in result.feeds] == ["application/atom+xml"]


@pytest.mark.parametrize("name", NEWS)
def test_every_candidate_probe_offers_is_read_by_its_pick_config_or_has_none(name):
    """`--pick N` for each ranked candidate: the config it prints reads that candidate's items (each article
    once), never an empty list and never a `:nth-child`."""
    page = PAGES[name]
    html = (REALPAGES / page.name).read_text(encoding="utf-8")
    blocks = candidate_blocks(html, page.url, timezone=TZ, today=TODAY)
    assert blocks and {title for title in blocks[0].titles if title} == {i.title for i in read(page)}
    for block in blocks[1:]:
        selectors = suggest_selectors(html, page.url, timezone=TZ, today=TODAY, pick=block.number)
        if selectors is None:
            continue
        assert ":nth-child" not in str(selectors)
        got = parse_listing(html, page.url, timezone=TZ, today=TODAY, selectors=selectors).items
        assert got and {i.key for i in got} <= {m.key for m in block.members}, (block.number, selectors)
