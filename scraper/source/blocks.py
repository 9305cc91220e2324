"""Which elements of a listing page are its items: containers of article links, grouped into repeated blocks
and judged (dated, undated news, navigation, a menu). Pure; `listing.py` reads the chosen containers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..identity import article_uuid
from ..markup import Node, node_text
from ..models import ListingItem

#: Elements of one item examined for its date: an item is a teaser, not a page.
ITEM_ELEMENTS = 300

HEADINGS = "h1, h2, h3, h4, h5, h6"
HEADING_TAGS = frozenset(HEADINGS.split(", "))

_STOP_TAGS = frozenset({"body", "html", "main"})

#: Words that mark a block as news when its heading, id or class carries them (undated blocks need this).
_NEWS_RE = re.compile(
    r"aktuell|nyhet|nyhed|nyheit|news|nachricht|pressemitteilung|pressemeldung|pressmeddelande|"
    r"pressemelding|presseticker|meldungen|press release|senaste nytt|siste nytt|ticker",
    re.IGNORECASE,
)

_STATE_CLASSES = frozenset({"first", "last", "odd", "even", "active", "current", "selected", "new"})

_MULTI = "\x00multi"  #: fold state of an element holding links to several articles

_FOLD_CAP = 3  #: distinct keys kept per element; more is `_MULTI`


@dataclass(slots=True)
class Candidate:
    container: Node
    anchor: Node
    url: str
    key: str
    order: int  #: document order of its link
    read: ListingItem | None = None  #: what the container says (`ListingReader.read`), its position 0
    #: For a title link in a heading: the largest ancestor holding no other title link, however many other
    #: links it holds (a blog post with its whole text); None when that is the container itself.
    post: Node | None = None


@dataclass(slots=True)
class BlockGroup:
    """Sibling containers of one shape: a repeated block of the page."""

    members: list[Candidate]
    shape: str  #: the containers' tag and classes, and the path down to the link
    where: str  #: a short CSS-like description of the block, for probe
    tier: int = 0  #: 3 dated by elements, 2 dated by titles or links, 1 undated news, 0 rejected
    why: str = ""
    weight: float = 0.0  #: how much the block looks like the page's news (`grouping.weigh`); 0: its size
    ahead: bool = False  #: most of its dates lie ahead of the cycle's day: a calendar of events, not news

    def rank(self) -> tuple[bool, int, int, float, int]:
        uuids = sum(1 for m in self.members if m.read is not None and article_uuid(m.url))
        words = sum(len(m.read.title.split()) for m in self.members if m.read is not None)
        return (not self.ahead, self.tier, min(uuids, 1), self.weight or len(self.members), words)


@dataclass(slots=True)
class ArticleLink:
    anchor: Node
    url: str
    key: str
    heading: bool  #: inside (or around) a heading: the item's title link
    order: int


def containers_of(links: list[ArticleLink], configured: bool) -> list[Candidate]:
    """One candidate per item container (see `ListingReader.discover`), in document order of their first
    link."""
    heading_fold = _fold([link for link in links if link.heading])
    all_fold = _fold(links)
    absorbed: set[int] = set()
    by_container: dict[int, Candidate] = {}
    duplicates: list[Candidate] = []
    # Title links first: a block with a heading may hold minor links, which then belong to it.
    for link in sorted(links, key=lambda link: (not link.heading, link.order)):
        if link.anchor.mem_id in absorbed:
            continue
        container = _climb(link, heading_fold, all_fold)
        if container.mem_id in by_container:
            known = by_container[container.mem_id]
            if link.heading and in_heading(known.anchor):
                # A second title link to the same article: the page lists it twice; say so in `skipped`.
                duplicates.append(Candidate(container, link.anchor, link.url, link.key, link.order))
            elif link.heading:
                known.anchor = link.anchor  # the heading link names the item, not the image link before it
            known.order = min(known.order, link.order)
            continue
        candidate = Candidate(container, link.anchor, link.url, link.key, link.order)
        by_container[container.mem_id] = candidate
        if link.heading and not configured:
            post = _post_of(container, link.key, heading_fold)
            candidate.post = post if post.mem_id != container.mem_id else None
        if link.heading and not configured and all_fold.get(container.mem_id) != {link.key}:
            absorbed.update(a.mem_id for a in container.css("a[href]"))
    return sorted([*by_container.values(), *duplicates], key=lambda c: c.order)


def _fold(links: list[ArticleLink]) -> dict[int, Any]:
    """For every element holding any of `links`: the set of their keys (up to `_FOLD_CAP`), or `_MULTI`.

    One walk up per link that stops where the element already holds its key (every ancestor does too) or
    is `_MULTI` (so is every ancestor): each element changes at most `_FOLD_CAP` + 1 times, so the whole
    fold is linear in the page. (Sets per ancestor of every link were quadratic: issue 11, item 6.)"""
    state: dict[int, Any] = {}
    for link in links:
        node = link.anchor.parent
        while node is not None:
            held = state.get(node.mem_id)
            if held is _MULTI or (held is not None and link.key in held):
                break
            if held is None:
                state[node.mem_id] = {link.key}
            elif len(held) >= _FOLD_CAP:
                state[node.mem_id] = _MULTI
            else:
                held.add(link.key)
            node = node.parent
    return state


def _climb(link: ArticleLink, heading_fold: dict[int, Any], all_fold: dict[int, Any]) -> Node:
    """The largest ancestor of `link` that holds no title link to another article, and either no other
    link at all or (for a title link) at most a few minor ones."""
    own = {link.key}
    container = link.anchor
    node = link.anchor.parent
    while node is not None and node.tag not in _STOP_TAGS:
        headings = heading_fold.get(node.mem_id)
        if headings is not None and headings != own:
            break
        if all_fold.get(node.mem_id) != own and not (link.heading and headings == own):
            break
        if all_fold.get(node.mem_id) is _MULTI:
            break
        container = node
        node = node.parent
    return container


def _post_of(container: Node, key: str, heading_fold: dict[int, Any]) -> Node:
    """The largest ancestor of `container` whose title links all lead to `key` (a post holding its whole
    text, its tags and comments links). Each element is climbed through by the title link it holds only,
    so all climbs together stay linear in the page."""
    own = {key}
    node = container.parent
    while node is not None and node.tag not in _STOP_TAGS and heading_fold.get(node.mem_id) == own:
        container = node
        node = node.parent
    return container


def in_heading(anchor: Node) -> bool:
    node: Node | None = anchor
    for _ in range(3):
        if node is None:
            return False
        if node.tag in HEADING_TAGS:
            return True
        node = node.parent
    return anchor.css_first(HEADINGS) is not None


def judge_group(group: BlockGroup) -> None:
    """Set the group's tier, or why it is not taken."""
    # A duplicate title link shares its container: it counts once here (and is named in `skipped` later).
    distinct = {m.container.mem_id: m for m in group.members if m.read is not None}
    reads = [m.read for m in distinct.values() if m.read is not None]
    size = len(reads)
    keys = {read.key for read in reads}
    strong = sum(1 for read in reads if read.date_source in ("time", "element", "relative"))
    dated = sum(1 for read in reads if read.published is not None)
    first = group.members[0].container
    around = navigation_of(first)
    if around == "nav":
        group.why = "inside navigation (nav)"
    elif around and strong * 2 < size and dated * 2 <= size:
        # A dated list in a footer is news (malmo.se keeps its "Nyheter" there); an undated one is links.
        group.why = f"undated, inside the page's {around}"
    elif size > 1 and sum(1 for m in group.members if in_running_text(m.anchor)) * 2 > size:
        group.why = "links inside running text"
    elif size > 1 and len(keys) <= size / 2:
        group.why = f"the links repeat ({len(keys)} different links in {size} blocks)"
    elif size > 1 and sum(1 for m in group.members if urlsplit(m.url).path in ("", "/")) > size / 2:
        group.why = "the links lead to home pages, not articles"
    elif size == 1 and not (strong and any(article_uuid(m.url) for m in distinct.values())):
        group.why = "a single block"
    elif strong * 2 >= size:
        group.tier = 3
    elif dated * 2 > size:
        group.tier = 2
    elif sum(len(read.title.split()) for read in reads) < 3 * size:
        group.why = "no dates, and link texts too short for headlines (a menu?)"
    elif _news_context(first):
        group.tier = 1
    elif size >= _TEASERS and _headline_teasers(group, reads):
        group.tier = 1
        group.why = "undated, headlines in the page's main part"
    else:
        group.why = "no dates and no news heading"
    if group.tier and not group.why:
        group.why = ("dated by elements", "dated by titles or links", "undated, under a news heading")[
            3 - group.tier
        ]


#: Undated teasers with headlines in `<main>` form a news block from this many on.
_TEASERS = 3


def _headline_teasers(group: BlockGroup, reads: list[ListingItem]) -> bool:
    """Teasers that look like news though undated and under no news heading: title links in headings, of
    four words or more on average, inside `<main>` (or role=main) and no aside, header or footer."""
    if sum(1 for m in group.members if in_heading(m.anchor)) * 2 < len(group.members):
        return False
    if sum(len(read.title.split()) for read in reads) < 4 * len(reads):
        return False
    node = group.members[0].container.parent
    main = False
    while node is not None:
        if node.tag in ("aside", "header", "footer"):
            return False
        main = main or node.tag == "main" or node.attributes.get("role") == "main"
        node = node.parent
    return main


def in_running_text(anchor: Node) -> bool:
    """A link in the middle of a sentence: in a paragraph with text on both sides of it (a "read more"
    link at a summary's end, or a title link that starts its paragraph, is not). Only the link's near
    siblings are read, so a paragraph of thousands of links costs no more than its length."""
    node, parent = anchor, anchor.parent
    for _ in range(3):
        if parent is None or parent.tag in _RUNNING_STOPS:
            return False
        if parent.tag in ("p", "blockquote", "dd"):
            return (
                _beside(node, before=True) >= _RUNNING_SIDE and _beside(node, before=False) >= _RUNNING_SIDE
            )
        node, parent = parent, parent.parent
    return False


def _beside(node: Node, *, before: bool) -> int:
    """Characters of text next to `node` on one side, counted up to `_RUNNING_SIDE` over a few siblings."""
    total = 0
    sibling = node.prev if before else node.next
    for _ in range(_RUNNING_STEPS):
        if sibling is None or total >= _RUNNING_SIDE:
            break
        text = sibling.text_content if sibling.tag == "-text" else node_text(sibling)
        total += len(" ".join((text or "").split()))
        sibling = sibling.prev if before else sibling.next
    return total


#: Siblings looked at on each side of a link for its sentence.
_RUNNING_STEPS = 6


#: Characters of sentence needed on each side of a link in running text.
_RUNNING_SIDE = 20

#: Elements that end the search for a paragraph around a link.
_RUNNING_STOPS = HEADING_TAGS | {"li", "div", "section", "article", "td", "body"}


def choose_groups(groups: list[BlockGroup]) -> list[Candidate]:
    """The best group, the groups of its shape elsewhere on the page, and every dated group of UUID links
    (the goteborg.se rule the project started with)."""
    taken = [group for group in groups if group.tier]
    if not taken:
        return []
    best = max(taken, key=BlockGroup.rank)
    chosen: list[Candidate] = []
    # A block of the best one's shape joins it, unless it stands aside (a "related" box of the same markup)
    # where the best one does not.
    best_aside = bool(navigation_of(best.members[0].container, aside=True))
    for group in taken:
        uuid_dated = group.tier == 3 and any(m.read and article_uuid(m.url) for m in group.members)
        alike = group.shape == best.shape and group.ahead == best.ahead
        if alike and not best_aside and navigation_of(group.members[0].container, aside=True):
            alike = False
        if group is best or alike or uuid_dated:
            chosen.extend(group.members)
        else:
            group.why = f"{group.why}; not the page's main list"
    return chosen


def navigation_of(node: Node, *, aside: bool = False) -> str:
    """ "nav" when `node` is inside a menu (`<nav>`, a navigation role), "header" or "footer" when inside
    the page's header or footer (or "aside" in an `<aside>`, when asked), else ""."""
    current: Node | None = node
    found = ""
    for _ in range(64):
        if current is None:
            break
        role = current.attributes.get("role") or ""
        if current.tag == "nav" or role in ("navigation", "menu", "menubar"):
            return "nav"
        if (current.tag in ("header", "footer") or (aside and current.tag == "aside")) and not found:
            found = current.tag or ""
        current = current.parent
    return found


def _news_context(node: Node) -> bool:
    """Whether the block sits under a news heading ("Aktuellt", "Nyheter", "Pressemitteilungen") or in an
    element named so (id or class), within a few levels."""
    current: Node | None = node.parent
    for _ in range(5):
        if current is None or current.tag in _STOP_TAGS:
            return False
        if _NEWS_RE.search(f"{current.attributes.get('id') or ''} {class_names(current)}"):
            return True
        child = current.child
        while child is not None:
            if child.tag in HEADING_TAGS and _NEWS_RE.search(node_text(child)):
                return True
            child = child.next
        current = current.parent
    return False


def class_names(node: Node) -> str:
    return node.attributes.get("class") or ""


def node_signature(node: Node) -> str:
    """Tag and classes, without BEM modifiers and state classes: what sibling items share."""
    classes = sorted(
        {c for c in class_names(node).split() if "--" not in c and c.lower() not in _STATE_CLASSES}
    )
    return (node.tag or "") + "".join(f".{c}" for c in classes)


def block_shape(container: Node, anchor: Node) -> str:
    """The container's signature and the path of signatures down to its link."""
    path: list[str] = []
    node: Node | None = anchor
    while node is not None and node.mem_id != container.mem_id and len(path) < 12:
        path.append(node_signature(node))
        node = node.parent
    return " > ".join([node_signature(container), *reversed(path)])


def block_where(node: Node) -> str:
    parent = node.parent
    return (
        f"{node_signature(parent)} > {node_signature(node)}" if parent is not None else node_signature(node)
    )


def outside_title(container: Node, anchor: Node, title: Node | None = None) -> list[Node]:
    """The container's elements (up to `ITEM_ELEMENTS`) that are not the title: neither the item link (or,
    when the title is one element inside a whole-card link, that element) nor a heading, nor inside one."""
    title = title or anchor
    skip: set[int] = set()
    for node in [title, *container.css(f"a[href], {HEADINGS}")]:
        if node.mem_id == anchor.mem_id and title.mem_id != anchor.mem_id:
            continue  # a whole-card link: its runs beside the headline are the card's date and labels
        if node.mem_id in (anchor.mem_id, title.mem_id) or node.tag in HEADING_TAGS:
            skip.add(node.mem_id)
            skip.update(inner.mem_id for inner in node.css("*"))
    elements = container.css("*")[:ITEM_ELEMENTS]
    return [node for node in elements if node.mem_id not in skip]
