"""A listing page's link to its next page: the configured `next` selector, else `rel=next`, a pagination
link, or a link whose text says "next". Pure."""

from __future__ import annotations

from ..config import SelectorConfig
from ..markup import HTMLTree, Node, node_text
from ..sanity import join_url

#: Link texts that mean "next page" on Swedish (and English) sites, compared case-insensitively.
NEXT_TEXTS = frozenset({"nästa", "nästa sida", "next", "›", "»", "nästa »", "nästa ›"})

NEXT_SELECTORS = ("a[rel~=next]", ".c-pagination__next a[href]", "link[rel~=next]")


def next_url(tree: HTMLTree, base: str, selectors: SelectorConfig) -> str | None:
    candidates: list[Node] = []
    if selectors.next:
        candidates = tree.css(selectors.next)
    else:
        for selector in NEXT_SELECTORS:
            candidates.extend(tree.css(selector))
        candidates.extend(a for a in tree.css("a[href]") if node_text(a).casefold() in NEXT_TEXTS)
    for node in candidates:
        href = node.attributes.get("href")
        if href and (url := join_url(base, href)):
            return url
    return None
