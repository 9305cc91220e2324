"""Item containers → the page's repeated blocks, and the lead teaser that belongs to the chosen one. Pure.

Sibling containers of one tag form a block (issue 18: classes that carry an id or a category, or the extra
class of a lead teaser, differ from card to card); a member sharing no class with most of the others (the
"all posts" button after a river of posts) stands alone. Title links whose containers stand alone (a blog
post with its whole text holds many links) are grouped again by their posts (`Candidate.post`). Once a
block is chosen, the teaser just before it in the same container, or with the same kind of link, is its
lead (`lead_members`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from urllib.parse import urlsplit

from ..markup import Node, node_text
from ..models import ListingItem
from .blocks import (
    BlockGroup,
    Candidate,
    block_shape,
    block_where,
    class_names,
    in_heading,
    navigation_of,
)

_DIGIT_RE = re.compile(r"[0-9]")
_ID_RE = re.compile(r"[0-9]{3}")

#: Words a post's title link needs (fewer: a section heading's link).
_POST_TITLE_WORDS = 3

#: Lone teasers looked at before a chosen block for its lead.
LEAD_LOOKBACK = 2


def group_blocks(candidates: list[Candidate]) -> list[BlockGroup]:
    """The page's blocks: sibling containers of one tag, then the posts of lone title links."""
    slots: dict[tuple[int, str], list[Candidate]] = {}
    for candidate in candidates:
        parent = candidate.container.parent
        slot = (parent.mem_id if parent is not None else 0, candidate.container.tag or "")
        slots.setdefault(slot, []).append(candidate)
    groups = [group for members in slots.values() for group in _split(members)]
    # A post's title is a headline: a section heading that links its archive ("Aktuellt") is no post.
    lone = [
        group.members[0]
        for group in groups
        if len(group.members) == 1
        and group.members[0].post
        and len(node_text(group.members[0].anchor).split()) >= _POST_TITLE_WORDS
    ]
    levels = _post_level(lone)
    posts = [Candidate(post, c.anchor, c.url, c.key, c.order) for c, post in zip(lone, levels, strict=True)]
    # Posts of one look are one block wherever they stand (a blog groups its posts by day).
    alike: dict[tuple[str, str], list[Candidate]] = {}
    for post in posts:
        parent = post.container.parent
        key = (_signature(post.container), _signature(parent) if parent is not None else "")
        alike.setdefault(key, []).append(post)
    for members in alike.values():
        if len(members) > 1:
            groups.extend(group for group in _split(members) if len(group.members) > 1)
    return groups


def _post_level(lone: list[Candidate]) -> list[Node]:
    """Each lone title link's post, at one level for all: the element (between its container and its
    `post`) whose tag and classes the most posts share, the highest such. A day of two posts and a day of one
    (Blogger's `div.date-outer` around `div.post-outer`s) then give the same kind of element."""
    chains: list[list[tuple[str, Node]]] = []
    for candidate in lone:
        chain, node = [], candidate.container.parent
        while node is not None and candidate.post is not None:
            chain.append((_signature(node), node))
            if node.mem_id == candidate.post.mem_id:
                break
            node = node.parent
        chains.append(chain or [(_signature(candidate.container), candidate.container)])
    counts = Counter(sig for chain in chains for sig in {sig for sig, _ in chain})
    return [max(reversed(chain), key=lambda pair: counts[pair[0]])[1] for chain in chains]


def _signature(node: Node) -> str:
    """Tag and classes, leaving out every class with a digit (`post-5`: which post, not what kind)."""
    names = sorted(name for name in class_names(node).split() if not _DIGIT_RE.search(name))
    return (node.tag or "") + "".join(f".{name}" for name in names)


def _split(members: list[Candidate]) -> list[BlockGroup]:
    """One block of `members`, less those that share no class with most of them (each then alone)."""
    odd: list[Candidate] = []
    if len(members) >= 3:
        counts = Counter(c for member in members for c in _classes(member.container))
        common = {name for name, count in counts.items() if count * 2 > len(members)}
        odd = [m for m in members if common and not (_classes(m.container) & common)]
        if len(odd) * 2 >= len(members):
            odd = []
    kept = [m for m in members if m not in odd]
    return [_group(kept), *(_group([m]) for m in odd)]


def _classes(node: Node) -> set[str]:
    return {name for name in class_names(node).split() if not _ID_RE.search(name)}


def _group(members: list[Candidate]) -> BlockGroup:
    first = members[0]
    return BlockGroup(members, block_shape(first.container, first.anchor), block_where(first.container))


def weigh(group: BlockGroup) -> float:
    """How much a block looks like the page's news, beyond its tier (issue 18, class 4): its size, times
    more for title links in headings, for a place in `<main>` or an `<article>` (less in an aside, header
    or footer), for links of one kind (the same URL pattern) and for headline-long titles."""
    members = group.members
    size = len(members)
    headings = sum(1 for m in members if in_heading(m.anchor)) / size
    patterns = Counter(url_pattern(m.url) for m in members).most_common(1)[0][1] / size
    words = sum(len(m.read.title.split()) for m in members if m.read is not None) / size
    return (
        size * (1 + headings) * _place(members[0].container) * (0.5 + patterns) * (1 if words >= 4 else 0.6)
    )


def dated_ahead(group: BlockGroup, today: dt.date | None) -> bool:
    """Whether most of the block's dates lie more than `AHEAD_DAYS` after `today`: the events a calendar
    announces ("Veranstaltungen"), which rank below any block of news."""
    if today is None:
        return False
    days = [m.read.published.day for m in group.members if m.read and m.read.published]
    limit = today + dt.timedelta(days=AHEAD_DAYS)
    dated_block = len(days) * 2 >= len(group.members)  # one date in an undated list says nothing
    return dated_block and sum(1 for day in days if day > limit) * 2 > len(days)


#: Days after the cycle's day a news date may lie (time zones, a site's clock); later ones are events.
AHEAD_DAYS = 2


def _place(node: Node) -> float:
    """1.5 inside `<main>` or an `<article>`, 0.5 inside an aside, header or footer, else 1."""
    current = node.parent
    weight = 1.0
    while current is not None:
        if current.tag in ("aside", "header", "footer"):
            return 0.5
        if current.tag in ("main", "article") or current.attributes.get("role") == "main":
            weight = 1.5
        current = current.parent
    return weight


def lead_members(
    chosen: list[Candidate], candidates: list[Candidate], read: Callable[[Candidate], ListingItem]
) -> list[Candidate]:
    """The lead teaser of the chosen block: up to `LEAD_LOOKBACK` lone teasers right before its first member
    (in document order), in the same container or linking the same kind of URL as most of its members, with
    a headline (in a heading, or of three words or more), outside navigation, header, footer and asides."""
    if not chosen:
        return []
    first = min(chosen, key=lambda c: c.order)
    parents = {c.container.parent.mem_id for c in chosen if c.container.parent is not None}
    patterns = Counter(url_pattern(c.url) for c in chosen)
    pattern, count = patterns.most_common(1)[0]
    before = sorted((c for c in candidates if c.order < first.order), key=lambda c: c.order)
    found: list[Candidate] = []
    taken = {id(c) for c in chosen}
    for candidate in reversed(before[-LEAD_LOOKBACK:]):
        if id(candidate) in taken or navigation_of(candidate.container, aside=True):
            break
        parent = candidate.container.parent
        same_place = parent is not None and parent.mem_id in parents
        if not same_place and (
            count * 2 <= len(chosen) or url_pattern(candidate.url) != pattern or not _beside(candidate, first)
        ):
            break
        candidate.read = candidate.read or read(candidate)
        title = candidate.read.title
        if not title or not (in_heading(candidate.anchor) or len(title.split()) >= 3):
            break
        found.append(candidate)
    return found


def _beside(candidate: Candidate, first: Candidate) -> bool:
    """Whether `candidate` stands beside the block of `first`: inside the element around the block's own
    container (a lead section next to the list), not in another part of the page."""
    parent = first.container.parent
    around = parent.parent if parent is not None else None
    node = candidate.container.parent
    for _ in range(_BESIDE_LEVELS):
        if node is None or around is None:
            return False
        if node.mem_id == around.mem_id:
            return True
        node = node.parent
    return False


#: How deep inside the element around a block its lead teaser may stand.
_BESIDE_LEVELS = 4


def url_pattern(url: str) -> str:
    """The kind of link: host and path with digits as 9 and the last segment left out."""
    parts = urlsplit(url)
    segments = parts.path.rstrip("/").split("/")
    return parts.netloc.lower() + _DIGIT_RE.sub("9", "/".join(segments[:-1])) + f"/*{len(segments)}"
