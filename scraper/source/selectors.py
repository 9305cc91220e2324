"""The ranked candidate blocks of a listing page and CSS selectors that single one out, for `aktuellt probe`.
Pure.

Candidate 1 is what `parse_listing` reads with no config (the chosen block, the blocks of its shape and its
lead); the others are the remaining blocks, the likeliest first. `suggest_selectors` builds selectors from
tags, classes and ancestors (`:has()` where an ancestor is told from its look-alikes only by a child), never
from positions (`:nth-child`), and keeps a config only when reading the page with it gives the same items as
the structure did: a config from probe never reads fewer or worse items than no config.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Unpack

from ..config import SelectorConfig
from ..markup import HTMLTree, Node, ParseError, parse_html
from ..models import ListingItem
from .blocks import BlockGroup, Candidate, class_names, in_heading, navigation_of
from .listing import ListingReader, ReadOptions, document_base, parse_listing

#: Candidates `aktuellt probe` lists.
MAX_CANDIDATES = 8
#: Item selectors tried (each checked by reading the page with it) before giving up on a candidate.
_TRIES = 6


@dataclass(frozen=True, slots=True)
class CandidateBlock:
    """One block probe offers: its items' containers and reads, for the table and for `--pick`."""

    number: int
    where: str
    members: tuple[Candidate, ...]
    dated: int
    why: str

    @property
    def titles(self) -> list[str]:
        return [m.read.title for m in self.members if m.read is not None]


def candidate_blocks(
    html: str, page_url: str, *, tree: HTMLTree | None = None, **options: Unpack[ReadOptions]
) -> list[CandidateBlock]:
    """The page's candidate blocks, ranked: what no config reads first, then the other blocks that hold
    news (by `BlockGroup.rank`), then the largest rejected blocks outside menus. `tree`: the page already
    parsed (the blocks' elements are then its own)."""
    tree = tree or parse_html(html)
    reader = ListingReader(document_base(tree, page_url), SelectorConfig(), **options)
    chosen, _ = reader.discover(tree, page_url)
    found: list[CandidateBlock] = []
    if chosen:
        found.append(_block(1, chosen, "what no config reads"))
    taken = {m.container.mem_id for m in chosen}
    others = [g for g in reader.groups if len(g.members) > 1 and g.members[0].container.mem_id not in taken]
    others.sort(key=lambda g: (g.tier > 0, g.rank() if g.tier else (0, 0, len(g.members), 0)), reverse=True)
    # The blocks of one shape are one candidate, as no config takes them.
    shapes: dict[str, list[BlockGroup]] = {}
    for group in others:
        if group.tier or not navigation_of(group.members[0].container):
            shapes.setdefault(group.shape, []).append(group)
    for alike in list(shapes.values())[: MAX_CANDIDATES - len(found)]:
        members = [member for group in alike for member in group.members]
        for member in members:
            member.read = member.read or reader.read(member)
        found.append(_block(len(found) + 1, members, alike[0].why.removesuffix("; not the page's main list")))
    return found


def _block(number: int, members: Sequence[Candidate], why: str) -> CandidateBlock:
    ordered = tuple(sorted(members, key=lambda m: m.order))
    # Named after its largest part (not the lead teaser before it), by what its containers share.
    parents = Counter(_parent_id(m.container) for m in ordered)
    main = parents.most_common(1)[0][0]
    part = [m.container for m in ordered if _parent_id(m.container) == main]
    where = f"{_css_signature([n.parent for n in part])} > {_css_signature(part)}"
    dated = sum(1 for m in ordered if m.read is not None and m.read.published is not None)
    return CandidateBlock(number, where, ordered, dated, why)


def _parent_id(node: Node) -> int:
    return node.parent.mem_id if node.parent is not None else 0


def suggest_selectors(
    html: str, page_url: str, *, pick: int = 1, **options: Unpack[ReadOptions]
) -> SelectorConfig | None:
    """CSS selectors that read exactly the items of candidate `pick` (1: the items `parse_listing` finds by
    structure), or None when there is no such candidate or no selector reads them the same."""
    tree = parse_html(html)
    blocks = candidate_blocks(html, page_url, tree=tree, **options)
    if not 1 <= pick <= len(blocks):
        return None
    members = blocks[pick - 1].members
    expected: list[object]
    if pick == 1:
        expected = [replace(i, position=0) for i in parse_listing(html, page_url, **options).items]
    else:
        # As a cycle reads them: each article once, where it first stands, as its first link there reads.
        first: dict[str, ListingItem] = {}
        for member in members:  # in document order
            if member.read is not None and member.read.title:
                first.setdefault(member.key, member.read)
        expected = [(read.key, read.title, read.published) for read in first.values()]
        if not expected:
            return None  # links without titles: no config reads them as items
    link = _link_selector(members)
    for item in _item_selectors(tree, [m.container for m in members]):
        config = SelectorConfig(item=item, link=link)
        items = parse_listing(html, page_url, selectors=config, **options).items
        got = [replace(i, position=0) if pick == 1 else (i.key, i.title, i.published) for i in items]
        if got == expected:
            return config
    return None


def _link_selector(members: Sequence[Candidate]) -> str | None:
    """The item link, where it is not the container's first link (a post whose image link comes first)."""
    for selector in (None, *_link_candidates(members)):  # None: the first link is the item link
        try:
            picked = [m.container.css_first(selector or "a[href]") for m in members]
        except ParseError:
            continue
        if all(p is not None and p.mem_id == m.anchor.mem_id for p, m in zip(picked, members, strict=True)):
            return selector
    return None


def _link_candidates(members: Sequence[Candidate]) -> Iterator[str]:
    anchors = [m.anchor for m in members]
    own = _css_signature(anchors)
    yield own
    if all(in_heading(a) for a in anchors):
        headings = {a.parent.tag for a in anchors if a.parent is not None}
        if len(headings) == 1:
            yield f"{headings.pop()} > {own}"
        yield ", ".join(f"h{n} {own}" for n in range(1, 7))


def _item_selectors(tree: HTMLTree, containers: list[Node]) -> Iterator[str]:
    """Selectors that match exactly `containers` (one per cluster of alike containers, joined by commas),
    up to `_TRIES` of them."""
    clusters: dict[tuple[str, str], list[Node]] = {}
    for node in containers:
        parent = node.parent
        clusters.setdefault((node.tag or "", _css_signature([parent]) if parent else ""), []).append(node)
    options = [list(_exact(tree, nodes)) for nodes in clusters.values()]
    if not all(options):
        return
    for attempt in range(_TRIES):
        yield ", ".join(choices[min(attempt, len(choices) - 1)] for choices in options)
        if all(len(choices) <= attempt + 1 for choices in options):
            return


def _exact(tree: HTMLTree, nodes: list[Node]) -> Iterator[str]:
    """Selectors matching exactly `nodes`, or else exactly their only children (a wrapper such as
    div.c-teaser inside a grid column, which the configured reader reads the same)."""
    for _ in range(3):
        wanted = {node.mem_id for node in nodes}
        found = False
        for candidate in _selector_candidates(tree, nodes):
            if _matched(tree, candidate) == wanted:
                found = True
                yield candidate
        inner = [_only_child(node) for node in nodes]
        if found or not all(inner):
            return
        nodes = [node for node in inner if node is not None]


def _only_child(node: Node) -> Node | None:
    children = list(node.iter(include_text=False))
    return children[0] if len(children) == 1 else None


def _selector_candidates(tree: HTMLTree, nodes: list[Node]) -> Iterator[str]:
    """Tag-and-class selectors, shortest first (one class: a post's category classes change from post to
    post), then chains from the containers up (child and descendant forms), then the same with
    `:has(> child)` on an ancestor that is told from its look-alikes only by a child of its own."""
    own = _css_signature(nodes)
    tag = own.split(".", 1)[0].split("#", 1)[0]
    singles = [f"{tag}.{name}" for name in own.split(".")[1:]]
    yield from singles
    yield own
    levels: list[list[Node]] = [nodes]
    chain: list[str] = []
    for _ in range(6):
        above = [node.parent for node in levels[-1]]
        if any(n is None or n.tag in ("html", "body") for n in above):
            break
        parents = [n for n in above if n is not None]
        levels.append(parents)
        signature = _css_signature(parents)
        # The tag with its id, else with its first class.
        short = ".".join(signature.split(".")[: 1 if "#" in signature else 2])
        chain.insert(0, signature)
        for inner in singles[:1] or [own]:
            if short != (parents[0].tag or ""):
                yield f"{short} {inner}"
        yield " > ".join([*chain, own])
        if signature != (parents[0].tag or ""):
            yield f"{signature} {own}"
    for depth in range(1, len(levels)):
        ancestors = levels[depth]
        signature = _css_signature(ancestors)
        for child in _distinct_children(tree, ancestors, signature):
            marked = f"{signature}:has(> {child})"
            below = [_css_signature(level) for level in reversed(levels[1:depth])]
            yield " ".join([marked, " > ".join([*below, own])])


def _distinct_children(tree: HTMLTree, ancestors: list[Node], signature: str) -> Iterator[str]:
    """Signatures of children every one of `ancestors` has and some look-alike (`signature`) has not."""
    mine = {node.mem_id for node in ancestors}
    others = (_matched(tree, signature) or set()) - mine
    if not others:
        return
    seen: set[str] = set()
    for child in ancestors[0].iter(include_text=False):
        child_signature = _css_signature([child])
        if child_signature in seen or not _CSS_IDENT_RE.match(child.tag or ""):
            continue
        seen.add(child_signature)
        matched = _matched(tree, f"{signature}:has(> {child_signature})")
        if matched is not None and mine <= matched and not others <= matched:
            yield child_signature


def _matched(tree: HTMLTree, selector: str) -> set[int] | None:
    """The elements `selector` matches, by id; None when lexbor refuses the selector."""
    try:
        return {node.mem_id for node in tree.css(selector)}
    except ParseError:
        return None


def _css_signature(nodes: Sequence[Node | None]) -> str:
    """Tag and the classes all `nodes` share (leaving out those with digits: ids, positions, categories),
    with the id when they are one element and its id has no digits."""
    present = [node for node in nodes if node is not None]
    if not present:
        return "*"
    tag = present[0].tag or "*"
    if any(node.tag != tag for node in present):
        tag = "*"
    shared: list[str] = [
        c for c in class_names(present[0]).split() if _CSS_IDENT_RE.fullmatch(c) and not _DIGITS.search(c)
    ]
    for node in present[1:]:
        names = set(class_names(node).split())
        shared = [c for c in shared if c in names]
    ident = present[0].attributes.get("id") or ""
    same = all(node.mem_id == present[0].mem_id for node in present)
    id_part = f"#{ident}" if same and _CSS_IDENT_RE.fullmatch(ident) and not _DIGITS.search(ident) else ""
    return tag + id_part + "".join(f".{c}" for c in dict.fromkeys(shared))


_CSS_IDENT_RE = re.compile(r"-?[A-Za-z_][A-Za-z0-9_-]*")
_DIGITS = re.compile(r"[0-9]{3}")
