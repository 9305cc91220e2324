"""CSS selectors that single out the items `parse_listing` finds by structure, for `aktuellt probe`. Pure."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from ..config import SelectorConfig
from ..markup import HTMLTree, Node, ParseError, parse_html
from .blocks import class_names
from .listing import ListingReader, document_base


def suggest_selectors(
    html: str,
    page_url: str,
    *,
    timezone: ZoneInfo,
    date_order: str = "dmy",
    key_params: Sequence[str] | None = None,
    today: dt.date | None = None,
) -> SelectorConfig | None:
    """CSS selectors that pick exactly the items `parse_listing` finds by structure on this page (for
    `aktuellt probe`), or None when it finds none or no selector singles them out."""
    tree = parse_html(html)
    reader = ListingReader(
        document_base(tree, page_url), timezone, date_order, key_params, today, SelectorConfig()
    )
    found, _ = reader.discover(tree, page_url)
    if not found:
        return None
    containers = [candidate.container for candidate in found]
    item = _exact_selector(tree, containers)
    if item is None:
        return None
    anchors = [candidate.anchor for candidate in found]
    link = _common_signature(anchors)
    # The link a configured item uses is its first `a[href]`: name the item link only where that differs.
    firsts = [container.css_first("a[href]") for container in containers]
    if all(first is not None and first.mem_id == a.mem_id for first, a in zip(firsts, anchors, strict=True)):
        link = None
    date_nodes = [candidate.read.date_node if candidate.read else None for candidate in found]
    date = _common_signature([node for node in date_nodes if node is not None])
    if date is not None and sum(node is not None for node in date_nodes) < len(found) / 2:
        date = None
    return SelectorConfig(item=item, link=link, date=date, next=None)


def _exact_selector(tree: HTMLTree, nodes: list[Node]) -> str | None:
    """A CSS selector that matches exactly `nodes` (or an element inside each that holds all of its
    text), built from tags and classes, with `:nth-child` where classes alone do not single them out."""
    wanted = {node.mem_id for node in nodes}
    for candidate in _selector_candidates(nodes):
        try:
            matched = {node.mem_id for node in tree.css(candidate)}
        except ParseError:
            continue
        if matched == wanted:
            return candidate
    # The containers' only child (a wrapper such as div.c-teaser inside a grid column) may single them out.
    inner = [_only_child(node) for node in nodes]
    if all(node is not None for node in inner):
        return _exact_selector(tree, [node for node in inner if node is not None])
    return None


def _selector_candidates(nodes: list[Node]) -> Iterator[str]:
    first = nodes[0]
    own = _css_signature(first)
    yield own
    chain: list[Node] = []
    node = first.parent
    while node is not None and node.tag not in ("html", "body") and len(chain) < 6:
        chain.append(node)
        levels = [_css_signature(n) for n in reversed(chain)]
        yield " > ".join([*levels, own])
        # The same path with the position of one ancestor among its siblings (cards told apart only so).
        for index in range(len(levels)):
            numbered = list(levels)
            position = _position(list(reversed(chain))[index])
            numbered[index] = f"{numbered[index]}:nth-child({position})"
            yield " > ".join([*numbered, own])
        node = node.parent


def _css_signature(node: Node) -> str:
    classes = [c for c in class_names(node).split() if _CSS_IDENT_RE.fullmatch(c)]
    return (node.tag or "") + "".join(f".{c}" for c in classes)


_CSS_IDENT_RE = re.compile(r"-?[A-Za-z_][A-Za-z0-9_-]*")


def _position(node: Node) -> int:
    count, sibling = 1, node.prev
    while sibling is not None:
        if not (sibling.tag or "-").startswith("-"):  # "-text", "-comment": not elements
            count += 1
        sibling = sibling.prev
    return count


def _only_child(node: Node) -> Node | None:
    children = [child for child in node.iter(include_text=False)]
    return children[0] if len(children) == 1 else None


def _common_signature(nodes: list[Node]) -> str | None:
    """The CSS signature all `nodes` share, or None when they differ (or there are none)."""
    signatures = {_css_signature(node) for node in nodes}
    return signatures.pop() if len(signatures) == 1 else None
