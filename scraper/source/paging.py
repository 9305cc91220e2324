"""A listing page's paging: the link to its next page (the configured `next` selector, else `rel=next`, a
pagination link, or a link whose text says "next"), and the cap on the items one page may give. Pure."""

from __future__ import annotations

from dataclasses import replace

from ..config import SelectorConfig
from ..markup import HTMLTree, node_text
from ..models import ListingPage
from ..sanity import join_url

#: Link texts that mean "next page" on Swedish (and English) sites, compared case-insensitively.
NEXT_TEXTS = frozenset({"nästa", "nästa sida", "next", "›", "»", "nästa »", "nästa ›"})

NEXT_SELECTORS = ("a[rel~=next]", ".c-pagination__next a[href]", "link[rel~=next]")


def next_url(tree: HTMLTree, base: str, selectors: SelectorConfig) -> str | None:
    if selectors.next:
        candidates = tree.css(selectors.next)
    else:
        candidates = [node for selector in NEXT_SELECTORS for node in tree.css(selector)]
        candidates += [a for a in tree.css("a[href]") if node_text(a).casefold() in NEXT_TEXTS]
    for node in candidates:
        href = node.attributes.get("href")
        if href and (url := join_url(base, href)):
            return url
    return None


#: A page is parsed up to its link number `max_items` × this + `LINKS_BESIDE` at most: items have a title
#: link and often an image, a "read more" and tags; menus and footers have the rest.
LINKS_PER_ITEM, LINKS_BESIDE = 8, 1000


def cap(page: ListingPage, max_items: int) -> ListingPage:
    """`page` with its first `max_items` items only, one warning line more in `skipped`, and no next page: a
    listing that long is hostile or misread, and what lies past the cap is not read (so nothing there counts
    missing: `capped`)."""
    line = (
        f"the page holds more than {max_items} items; only the first {max_items} are read, the rest and any "
        "next page are not (sources[].max_items_per_page)"
    )
    return replace(
        page, items=page.items[:max_items], next_url=None, skipped=(*page.skipped, line), capped=True
    )
