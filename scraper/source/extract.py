"""Listing and article page HTML → data. The only module that imports selectolax; pure (no network, disk or
clock).

Items are found by structure, not by class names, so that any municipal news page reads (README, "Any news
page"): every article link gets a container, the largest ancestor holding no link to another article; sibling
containers of one shape form a repeated block; the best block (dated by a date element, else by titles or
links, else undated under a news heading) is taken with the blocks of its shape. Dates are searched one
element at a time (`<time>`, date elements, then the title, then the link's path), never in the item's joined
text. `[sources.selectors]` in the config can override each part with a CSS selector; `suggest_selectors`
infers them for `aktuellt probe`. The work is linear in the page, and nesting deeper than `MAX_DEPTH` is
flattened before lexbor (quadratic in depth) sees it.

Article pages (`parse_article`) are read the same way: goteborg.se's `c-article` classes when present, else
structure (the `<article>` or `<main>`, its `h1`, the first `figure`, the largest text block). Nothing on an
article page is required; the body HTML comes back as the site wrote it and must be sanitized before use.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from ..config import SelectorConfig
from ..dates import find_site_date, parse_datetime_attr, parse_site_date, url_date
from ..identity import article_uuid, canonical_link, item_key
from ..models import Article, Attachment, Block, LeadImage, ListingItem, ListingPage, SiteDate

log = logging.getLogger("scraper.extract")  # the logger name log filters know (kept when the module moved)

#: Link texts that mean "next page" on Swedish (and English) sites, compared case-insensitively.
NEXT_TEXTS = frozenset({"nästa", "nästa sida", "next", "›", "»", "nästa »", "nästa ›"})
NEXT_SELECTORS = ("a[rel~=next]", ".c-pagination__next a[href]", "link[rel~=next]")
_DATE_WORD = re.compile(r"\bpublicerad\b", re.IGNORECASE)


def parse_listing(
    html: str,
    page_url: str,
    *,
    timezone: ZoneInfo,
    selectors: SelectorConfig | None = None,
    position_start: int = 0,
    date_order: str = "dmy",
    key_params: Sequence[str] | None = None,
    today: dt.date | None = None,
) -> ListingPage:
    """Extract the items and the next-page link of one listing page.

    `page_url` is the final URL of the response; links resolve against `<base href>` when the page has one
    (WebSphere pages usually do). Without `selectors.item` the items are found by structure (see
    `_discover`): the repeated blocks of the page that each hold one article link, preferring dated ones.
    An item without a date is kept with `published=None` (the pipeline dates it by first sight); items
    without a title are left out and named in `skipped`, and so are the blocks that were not taken
    (`blocks`). `today` (the cycle's local date) supplies the year of dates printed without one when the
    link's path carries no date.
    """
    selectors = selectors or SelectorConfig()
    tree = _parse(html)
    reader = _Reader(_base_url(tree, page_url), timezone, date_order, key_params, today, selectors)
    blocks: tuple[Block, ...] = ()
    if selectors.item:
        found = reader.configured(tree)
    else:
        found, blocks = reader.discover(tree, page_url)
    items: list[ListingItem] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for candidate in found:
        read = candidate.read or reader.read(candidate)
        if read.key in seen:
            skipped.append(f"duplicate item {read.key} ({read.title!r}) left out")
            continue
        if not read.title:
            skipped.append(f"item {read.link}: no title")
            continue
        seen.add(read.key)
        items.append(
            ListingItem(
                key=read.key,
                title=read.title,
                link=read.link,
                published=read.date,
                summary=read.summary,
                position=position_start + len(items),
                date_source=read.date_source,
            )
        )
    skipped.extend(f"item {title!r}: no link" for title in _linkless_titles(tree))
    skipped.extend(_unsafe_item_links(tree, reader.base))
    return ListingPage(
        items=tuple(items),
        next_url=_next_url(tree, reader.base, selectors),
        skipped=tuple(skipped),
        blocks=blocks,
    )


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
    tree = _parse(html)
    reader = _Reader(_base_url(tree, page_url), timezone, date_order, key_params, today, SelectorConfig())
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


def page_title(html: str) -> str:
    """The page's `<title>`, whitespace collapsed ("" without one)."""
    node = _parse(html).css_first("title")
    return _text(node) if node is not None else ""


# -- budget -------------------------------------------------------------------------------------------------

#: Elements nested deeper than this lose their tags before parsing (their text stays). Real pages nest
#: 20-60 deep; lexbor's tree builder is quadratic in the depth (100,000 nested divs took 39 s), so a hostile
#: page is flattened instead of parsed as sent (issue 11, item 6).
MAX_DEPTH = 512
#: Beyond this depth, chains of same-name wrappers (`<div><div><div>…`) collapse to one element.
WRAPPER_DEPTH = 256
#: Elements of one item examined for its date: an item is a teaser, not a page.
ITEM_ELEMENTS = 300

_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)(?:\s[^>]*)?(/?)>|<!--.*?-->", re.DOTALL)
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_RAW_TEXT = frozenset({"script", "style", "textarea", "title", "xmp", "noscript"})
_RAW_END = {name: re.compile(rf"</{name}", re.IGNORECASE) for name in _RAW_TEXT}
#: Elements whose start tag closes an open one of the same name (the parser's implied end tags).
_SELF_CLOSING_SIBLINGS = frozenset({"p", "li", "dt", "dd", "tr", "td", "th", "option"})


def _parse(html: str) -> LexborHTMLParser:
    """Parse `html`, flattened first when it nests deeper than `MAX_DEPTH` (see there)."""
    if html.count("<") > WRAPPER_DEPTH:
        html = _flatten(html)
    return LexborHTMLParser(html)


def _flatten(html: str) -> str:
    """`html` with its excess nesting removed, in one pass over the tags (a stack of open elements with the
    parser's common implied end tags): beyond `WRAPPER_DEPTH`, a start tag that directly follows a start
    tag of the same name (`<div><div><div>…`) is dropped with its end tag; beyond `MAX_DEPTH` every one is.
    Text is always kept. Pages within the limits come back unchanged (the same object)."""
    stack: list[tuple[str, bool]] = []  # (tag name, dropped)
    kept = 0  # elements of `stack` that were not dropped: the depth the parser will see
    cuts: list[tuple[int, int]] = []
    position = 0
    previous = ("", -1)  # (name, end offset) of the last start tag
    while (match := _TAG_RE.search(html, position)) is not None:
        position = match.end()
        name = (match[2] or "").lower()
        if not name:
            continue  # a comment
        if match[1]:  # an end tag: close the nearest open element of that name, if it is near the top
            for depth in range(len(stack) - 1, max(len(stack) - 8, -1), -1):
                if stack[depth][0] == name:
                    cuts.extend([match.span()] if stack[depth][1] else [])
                    kept -= sum(1 for _, dropped in stack[depth:] if not dropped)
                    del stack[depth:]
                    break
            continue
        if name in _VOID or match[3]:
            continue
        if name in _RAW_TEXT:
            closing = _RAW_END[name].search(html, position)
            position = len(html) if closing is None else closing.start()
            continue
        if name in _SELF_CLOSING_SIBLINGS:
            for depth in range(len(stack) - 1, max(len(stack) - 4, -1), -1):
                if stack[depth][0] == name:
                    kept -= sum(1 for _, dropped in stack[depth:] if not dropped)
                    del stack[depth:]
                    break
        wrapper = previous[0] == name and not html[previous[1] : match.start()].strip()
        dropped = kept >= MAX_DEPTH or (wrapper and kept >= WRAPPER_DEPTH)
        previous = (name, match.end())
        if dropped:
            cuts.append(match.span())
        else:
            kept += 1
        stack.append((name, dropped))
    if not cuts:
        return html
    parts, last = [], 0
    for start, end in cuts:
        parts.append(html[last:start])
        last = end
    parts.append(html[last:])
    return "".join(parts)


# -- finding the items --------------------------------------------------------------------------------------

_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_STOP_TAGS = frozenset({"body", "html", "main"})
_NAV_TAGS = frozenset({"header", "footer"})
_NAV_ROLES = frozenset({"navigation", "menu", "menubar"})
#: Words that mark a block as news when its heading, id or class carries them (undated blocks need this).
_NEWS_RE = re.compile(
    r"aktuell|nyhet|nyhed|nyheit|news|nachricht|pressemitteilung|pressemeldung|pressmeddelande|"
    r"pressemelding|presseticker|meldungen|press release|senaste nytt|siste nytt|ticker",
    re.IGNORECASE,
)
_DATE_CLASS_RE = re.compile(r"date|datum|dato|datetime|\btime\b|publish|byline|\bmeta\b|posted", re.I)
_STATE_CLASSES = frozenset({"first", "last", "odd", "even", "active", "current", "selected", "new"})
_MULTI = "\x00multi"  #: fold state of an element holding links to several articles
_FOLD_CAP = 3  #: distinct keys kept per element; more is `_MULTI`


@dataclass(slots=True)
class _Read:
    """What one item container says: the fields of a `ListingItem` and where its date came from."""

    key: str
    link: str
    title: str
    summary: str
    date: SiteDate | None
    date_source: str  #: "time", "element", "title", "url" or "none"
    date_node: LexborNode | None = None
    uuid: bool = False


@dataclass(slots=True)
class _Candidate:
    container: LexborNode
    anchor: LexborNode
    url: str
    key: str
    order: int  #: document order of its link
    read: _Read | None = None


@dataclass(slots=True)
class _Group:
    """Sibling containers of one shape: a repeated block of the page."""

    members: list[_Candidate]
    shape: str  #: the containers' tag and classes, and the path down to the link
    where: str  #: a short CSS-like description of the block, for probe
    tier: int = 0  #: 3 dated by elements, 2 dated by titles or links, 1 undated news, 0 rejected
    why: str = ""

    def rank(self) -> tuple[int, int, int, int]:
        uuids = sum(1 for m in self.members if m.read is not None and m.read.uuid)
        words = sum(len(m.read.title.split()) for m in self.members if m.read is not None)
        return (self.tier, min(uuids, 1), len(self.members), words)


class _Reader:
    """Reads item containers of one listing page (its base URL, zone and the source's date settings)."""

    def __init__(
        self,
        base: str,
        timezone: ZoneInfo,
        date_order: str,
        key_params: Sequence[str] | None,
        today: dt.date | None,
        selectors: SelectorConfig,
    ) -> None:
        self.base = base
        self.timezone = timezone
        self.date_order = date_order
        self.key_params = key_params
        self.today = today
        self.selectors = selectors

    # -- the two ways to find containers

    def configured(self, tree: LexborHTMLParser) -> list[_Candidate]:
        """`selectors.item` containers, each with its `selectors.link` (or first) link."""
        found = []
        assert self.selectors.item
        for order, container in enumerate(tree.css(self.selectors.item)):
            anchor = container.css_first(self.selectors.link or "a[href]")
            if anchor is not None and (href := anchor.attributes.get("href")):
                url = urljoin(self.base, href.strip())
                found.append(_Candidate(container, anchor, url, item_key(url, self.key_params), order))
        return found

    def discover(self, tree: LexborHTMLParser, page_url: str) -> tuple[list[_Candidate], tuple[Block, ...]]:
        """The items found by structure, in document order, and every repeated block considered.

        Each article link gets a container: the largest ancestor holding no link to another article (a
        block with a heading may also hold a few minor links: tags, "read more"). Sibling containers of
        one shape form a group; groups are ranked (dated by a date element, then dated by titles or
        links, then undated under a news heading), and the best one is taken with the groups of the same
        shape elsewhere on the page. A link with an article UUID and a date element is an item wherever
        it stands, as it always was. Linear in the page: each element's fold state changes at most
        `_FOLD_CAP` + 1 times.
        """
        links = self._links(tree, page_url)
        candidates = _containers(links, self.selectors.link is not None)
        groups: dict[tuple[int, str], _Group] = {}
        for candidate in candidates:
            parent = candidate.container.parent
            slot = (parent.mem_id if parent is not None else 0, _signature(candidate.container))
            if slot not in groups:
                shape = _shape(candidate.container, candidate.anchor)
                groups[slot] = _Group([], shape, _where(candidate.container))
            groups[slot].members.append(candidate)
        for group in groups.values():
            # A lone block is only ever an item when it links an article UUID: read no other.
            if len(group.members) > 1 or article_uuid(group.members[0].url) is not None:
                for member in group.members:
                    member.read = self.read(member)
                _judge(group)
            else:
                group.why = "a single block"
        if self.selectors.link:
            chosen = candidates  # the configured link selector names the item links: take them all
        else:
            chosen = _choose(list(groups.values()))
        taken = {id(candidate) for candidate in chosen}
        blocks = tuple(
            Block(
                where=group.where,
                items=len(group.members),
                dated=sum(1 for m in group.members if m.read is not None and m.read.date is not None),
                taken=id(group.members[0]) in taken,
                why=group.why,
                sample=group.members[0].read.title if group.members[0].read else "",
            )
            for group in groups.values()
            if len(group.members) > 1 or id(group.members[0]) in taken
        )
        return sorted(chosen, key=lambda c: c.order), blocks

    def _links(self, tree: LexborHTMLParser, page_url: str) -> list[_Link]:
        """Every link of the page to another http(s) page, with its key, in document order."""
        here = page_url.partition("#")[0]
        found: list[_Link] = []
        anchors = tree.css(self.selectors.link) if self.selectors.link else tree.css("a[href]")
        for anchor in anchors:
            href = (anchor.attributes.get("href") or "").strip()
            if not href or href.startswith("#"):
                continue
            url = urljoin(self.base, href)
            if not url.startswith(("http://", "https://")) or url.partition("#")[0] in (here, self.base):
                continue
            found.append(_Link(anchor, url, item_key(url, self.key_params), _in_heading(anchor), len(found)))
        return found

    # -- one container

    def read(self, candidate: _Candidate) -> _Read:
        container, anchor, url = candidate.container, candidate.anchor, candidate.url
        title = _title(container, anchor, self.selectors)
        date, source, node = self._date(container, anchor, url, title)
        if source == "title":
            title = _PAREN_DATE_END_RE.sub("", title).strip() or title
        return _Read(
            key=candidate.key,
            link=canonical_link(url),
            title=title,
            summary=_summary(container, title, self.selectors, self.date_order),
            date=date,
            date_source=source,
            date_node=node,
            uuid=article_uuid(url) is not None,
        )

    def _date(
        self, container: LexborNode, anchor: LexborNode, url: str, title: str
    ) -> tuple[SiteDate | None, str, LexborNode | None]:
        """The item's date and where it came from: a configured date element; else a `<time>` or an
        element that is a date (by its class, or by text that is only a date or a "Publicerad" line),
        searched one element at a time outside the title; else the title; else the link's path."""
        in_path = url_date(url)
        # A date printed without its year takes it from the link's date, else from the cycle's day.
        reference = in_path.day if in_path is not None else self.today
        if self.selectors.date:
            node = container.css_first(self.selectors.date)
            if node is None:
                return None, "none", None
            attr = node.attributes.get("datetime")
            if attr and (found := parse_datetime_attr(attr, self.timezone)):
                return found, "time", node
            found = self._parse(_text(node), reference)
            return found, ("element" if found else "none"), node
        for node in container.css("time[datetime]"):
            if found := parse_datetime_attr(node.attributes.get("datetime") or "", self.timezone):
                return found, "time", node
        outside = _outside_title(container, anchor)
        for node in outside:
            if node.tag == "time" or _DATE_CLASS_RE.search(_classes(node)):
                if found := self._parse(_text(node), reference):
                    return found, "element", node
        for node in outside:
            own = clean_text(node.text(deep=False))
            if own and (found := self._date_line(own, reference)):
                return found, "element", node
        own = clean_text(container.text(deep=False))
        if own and (found := self._date_line(own, reference)):
            return found, "element", container
        if found := self._parse(title, reference):
            return found, "title", None
        if found := url_date(url):
            return found, "url", None
        return None, "none", None

    def _parse(self, text: str, reference: dt.date | None) -> SiteDate | None:
        return parse_site_date(text, order=self.date_order, reference=reference)

    def _date_line(self, text: str, reference: dt.date | None) -> SiteDate | None:
        """The date of a text that is a date line: "Publicerad 2 maj 2019", "2026-06-02", "8 juni 2026
        kl. 10"; not a sentence that mentions a date ("Høringsfrist: 14.08.2026" is not a publish date)."""
        if len(text) > 80:
            return None
        if _PUBLISHED_LABEL_RE.search(text):
            return self._parse(text, reference)
        match = find_site_date(text, order=self.date_order, reference=reference)
        if match is None or len(_WORD_CHARS_RE.sub("", match.rest)) > 3:
            return None
        return match.date


@dataclass(slots=True)
class _Link:
    anchor: LexborNode
    url: str
    key: str
    heading: bool  #: inside (or around) a heading: the item's title link
    order: int


def _containers(links: list[_Link], configured: bool) -> list[_Candidate]:
    """One candidate per item container (see `_Reader.discover`), in document order of their first link."""
    heading_fold = _fold([link for link in links if link.heading])
    all_fold = _fold(links)
    absorbed: set[int] = set()
    by_container: dict[int, _Candidate] = {}
    duplicates: list[_Candidate] = []
    # Title links first: a block with a heading may hold minor links, which then belong to it.
    for link in sorted(links, key=lambda link: (not link.heading, link.order)):
        if link.anchor.mem_id in absorbed:
            continue
        container = _climb(link, heading_fold, all_fold)
        if container.mem_id in by_container:
            known = by_container[container.mem_id]
            if link.heading and _in_heading(known.anchor):
                # A second title link to the same article: the page lists it twice; say so in `skipped`.
                duplicates.append(_Candidate(container, link.anchor, link.url, link.key, link.order))
            elif link.heading:
                known.anchor = link.anchor  # the heading link names the item, not the image link before it
            known.order = min(known.order, link.order)
            continue
        by_container[container.mem_id] = _Candidate(container, link.anchor, link.url, link.key, link.order)
        if link.heading and not configured and all_fold.get(container.mem_id) != {link.key}:
            absorbed.update(a.mem_id for a in container.css("a[href]"))
    return sorted([*by_container.values(), *duplicates], key=lambda c: c.order)


def _fold(links: list[_Link]) -> dict[int, Any]:
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


def _climb(link: _Link, heading_fold: dict[int, Any], all_fold: dict[int, Any]) -> LexborNode:
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


def _in_heading(anchor: LexborNode) -> bool:
    node: LexborNode | None = anchor
    for _ in range(3):
        if node is None:
            return False
        if node.tag in _HEADING_TAGS:
            return True
        node = node.parent
    return anchor.css_first("h1, h2, h3, h4, h5, h6") is not None


def _judge(group: _Group) -> None:
    """Set the group's tier, or why it is not taken."""
    # A duplicate title link shares its container: it counts once here (and is named in `skipped` later).
    distinct = {m.container.mem_id: m.read for m in group.members if m.read is not None}
    reads = list(distinct.values())
    size = len(reads)
    keys = {read.key for read in reads}
    strong = sum(1 for read in reads if read.date_source in ("time", "element"))
    dated = sum(1 for read in reads if read.date is not None)
    first = group.members[0].container
    around = _navigation(first)
    if around == "nav":
        group.why = "inside navigation (nav)"
    elif around and strong * 2 < size and dated * 2 <= size:
        # A dated list in a footer is news (malmo.se keeps its "Nyheter" there); an undated one is links.
        group.why = f"undated, inside the page's {around}"
    elif size > 1 and len(keys) <= size / 2:
        group.why = f"the links repeat ({len(keys)} different links in {size} blocks)"
    elif size > 1 and sum(1 for m in group.members if urlsplit(m.url).path in ("", "/")) > size / 2:
        group.why = "the links lead to home pages, not articles"
    elif size == 1 and not (reads and reads[0].uuid and strong):
        group.why = "a single block"
    elif strong * 2 >= size:
        group.tier = 3
    elif dated * 2 > size:
        group.tier = 2
    elif sum(len(read.title.split()) for read in reads) < 3 * size:
        group.why = "no dates, and link texts too short for headlines (a menu?)"
    elif _news_context(first):
        group.tier = 1
    else:
        group.why = "no dates and no news heading"
    if group.tier:
        group.why = ("dated by elements", "dated by titles or links", "undated, under a news heading")[
            3 - group.tier
        ]


def _choose(groups: list[_Group]) -> list[_Candidate]:
    """The best group, the groups of its shape elsewhere on the page, and every dated group of UUID links
    (the goteborg.se rule the project started with)."""
    taken = [group for group in groups if group.tier]
    if not taken:
        return []
    best = max(taken, key=_Group.rank)
    chosen: list[_Candidate] = []
    for group in taken:
        uuid_dated = group.tier == 3 and any(m.read is not None and m.read.uuid for m in group.members)
        if group is best or group.shape == best.shape or uuid_dated:
            chosen.extend(group.members)
        else:
            group.why = f"{group.why}; not the page's main list"
    return chosen


def _navigation(node: LexborNode) -> str:
    """ "nav" when `node` is inside a menu (`<nav>`, a navigation role), "header" or "footer" when inside
    the page's header or footer, else ""."""
    current: LexborNode | None = node
    found = ""
    for _ in range(64):
        if current is None:
            break
        role = current.attributes.get("role") or ""
        if current.tag == "nav" or role in _NAV_ROLES:
            return "nav"
        if current.tag in _NAV_TAGS and not found:
            found = current.tag or ""
        current = current.parent
    return found


def _news_context(node: LexborNode) -> bool:
    """Whether the block sits under a news heading ("Aktuellt", "Nyheter", "Pressemitteilungen") or in an
    element named so (id or class), within a few levels."""
    current: LexborNode | None = node.parent
    for _ in range(5):
        if current is None or current.tag in _STOP_TAGS:
            return False
        if _NEWS_RE.search(f"{current.attributes.get('id') or ''} {_classes(current)}"):
            return True
        child = current.child
        while child is not None:
            if child.tag in _HEADING_TAGS and _NEWS_RE.search(_text(child)):
                return True
            child = child.next
        current = current.parent
    return False


def _classes(node: LexborNode) -> str:
    return node.attributes.get("class") or ""


def _signature(node: LexborNode) -> str:
    """Tag and classes, without BEM modifiers and state classes: what sibling items share."""
    classes = sorted({c for c in _classes(node).split() if "--" not in c and c.lower() not in _STATE_CLASSES})
    return (node.tag or "") + "".join(f".{c}" for c in classes)


def _shape(container: LexborNode, anchor: LexborNode) -> str:
    """The container's signature and the path of signatures down to its link."""
    path: list[str] = []
    node: LexborNode | None = anchor
    while node is not None and node.mem_id != container.mem_id and len(path) < 12:
        path.append(_signature(node))
        node = node.parent
    return " > ".join([_signature(container), *reversed(path)])


def _where(node: LexborNode) -> str:
    parent = node.parent
    return f"{_signature(parent)} > {_signature(node)}" if parent is not None else _signature(node)


def _outside_title(container: LexborNode, anchor: LexborNode) -> list[LexborNode]:
    """The container's elements (up to `ITEM_ELEMENTS`) that are not the title: neither the item link nor
    a heading, nor inside one."""
    skip: set[int] = set()
    for node in container.css("a[href], h1, h2, h3, h4, h5, h6"):
        if node.mem_id == anchor.mem_id or node.tag in _HEADING_TAGS:
            skip.add(node.mem_id)
            skip.update(inner.mem_id for inner in node.css("*"))
    elements = container.css("*")[:ITEM_ELEMENTS]
    return [node for node in elements if node.mem_id not in skip]


_PAREN_DATE_END_RE = re.compile(r"\s*\(\s*[0-9]{1,2}\s*[/.]\s*[0-9]{1,2}\.?\s*\)\s*$")
_PUBLISHED_LABEL_RE = re.compile(
    r"^\W*(?:publicera[dt]|publisert|publiceret|veröffentlicht|published|posted)\b", re.IGNORECASE
)
_WORD_CHARS_RE = re.compile(r"[\W_]+")


def _linkless_titles(tree: LexborHTMLParser) -> list[str]:
    """Headings whose link lost its href: an item the listing shows but we cannot fetch, so name it in the log
    rather than leave it out silently (the other malformed items are named in `skipped` too)."""
    found = []
    for anchor in tree.css("h2 a:not([href]), h3 a:not([href])"):
        if title := " ".join(anchor.text(deep=True).split()):
            found.append(title)
    return found


def _unsafe_item_links(tree: LexborHTMLParser, base: str) -> list[str]:
    """Links that would be items but for their scheme (`javascript:`, `data:`, …): they carry an article UUID
    or sit in a heading. They are never items (see `_Reader._links`); name each in the log so a hostile or
    broken teaser is not dropped silently. Menus' `mailto:` and `javascript:void(0)` links are neither, and
    stay out of the log."""
    found = []
    for anchor in tree.css("a[href]"):
        href = (anchor.attributes.get("href") or "").strip()
        try:
            url = urljoin(base, href)
        except ValueError:  # a broken authority such as "http://[x/"
            url = href
        if not href or href.startswith("#") or url.startswith(("http://", "https://")):
            continue
        if article_uuid(href) or _in_heading(anchor):
            title = clean_text(anchor.text(deep=True)) or href
            found.append(f"item {title!r} ({href}) refused: its link is not an http(s) URL")
    return found


def clean_text(text: str) -> str:
    """Collapse every run of whitespace (NBSP included) to one space."""
    return " ".join(text.split())


def _text(node: LexborNode) -> str:
    return clean_text(node.text(deep=True, separator=" "))


def _base_url(tree: LexborHTMLParser, page_url: str) -> str:
    base = tree.css_first("base[href]")
    href = base.attributes.get("href") if base is not None else None
    return urljoin(page_url, href) if href else page_url


def _title(container: LexborNode, anchor: LexborNode, selectors: SelectorConfig) -> str:
    if selectors.title:
        node = container.css_first(selectors.title)
        return _text(node) if node is not None else ""
    title = _text(anchor)
    if title:
        return title
    # An image link carries no text; fall back to the heading or another link of the same item.
    for node in container.css("h1, h2, h3, h4, a[href]"):
        if text := _text(node):
            return text
    return ""


def _summary(container: LexborNode, title: str, selectors: SelectorConfig, date_order: str = "dmy") -> str:
    if selectors.summary:
        node = container.css_first(selectors.summary)
        return _text(node) if node is not None else ""
    for node in container.css("p"):
        text = _text(node)
        if not text or text == title or _is_date_line(text, date_order):
            continue
        return text
    return ""


def _is_date_line(text: str, date_order: str = "dmy") -> bool:
    """A 'Publicerad 2 maj 2019' line, or a bare date: not a summary."""
    if _DATE_WORD.search(text):
        return True
    return len(text) <= 40 and parse_site_date(text, order=date_order) is not None


# -- selectors for probe ------------------------------------------------------------------------------------


def _exact_selector(tree: LexborHTMLParser, nodes: list[LexborNode]) -> str | None:
    """A CSS selector that matches exactly `nodes` (or an element inside each that holds all of its
    text), built from tags and classes, with `:nth-child` where classes alone do not single them out."""
    wanted = {node.mem_id for node in nodes}
    for candidate in _selector_candidates(nodes):
        try:
            matched = {node.mem_id for node in tree.css(candidate)}
        except SelectolaxError:
            continue
        if matched == wanted:
            return candidate
    # The containers' only child (a wrapper such as div.c-teaser inside a grid column) may single them out.
    inner = [_only_child(node) for node in nodes]
    if all(node is not None for node in inner):
        return _exact_selector(tree, [node for node in inner if node is not None])
    return None


def _selector_candidates(nodes: list[LexborNode]) -> Iterator[str]:
    first = nodes[0]
    own = _css_signature(first)
    yield own
    chain: list[LexborNode] = []
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


def _css_signature(node: LexborNode) -> str:
    classes = [c for c in _classes(node).split() if _CSS_IDENT_RE.fullmatch(c)]
    return (node.tag or "") + "".join(f".{c}" for c in classes)


_CSS_IDENT_RE = re.compile(r"-?[A-Za-z_][A-Za-z0-9_-]*")


def _position(node: LexborNode) -> int:
    count, sibling = 1, node.prev
    while sibling is not None:
        if not (sibling.tag or "-").startswith("-"):  # "-text", "-comment": not elements
            count += 1
        sibling = sibling.prev
    return count


def _only_child(node: LexborNode) -> LexborNode | None:
    children = [child for child in node.iter(include_text=False)]
    return children[0] if len(children) == 1 else None


def _common_signature(nodes: list[LexborNode]) -> str | None:
    """The CSS signature all `nodes` share, or None when they differ (or there are none)."""
    signatures = {_css_signature(node) for node in nodes}
    return signatures.pop() if len(signatures) == 1 else None


def _next_url(tree: LexborHTMLParser, base: str, selectors: SelectorConfig) -> str | None:
    candidates: list[LexborNode] = []
    if selectors.next:
        candidates = tree.css(selectors.next)
    else:
        for selector in NEXT_SELECTORS:
            candidates.extend(tree.css(selector))
        candidates.extend(a for a in tree.css("a[href]") if _text(a).casefold() in NEXT_TEXTS)
    for node in candidates:
        href = node.attributes.get("href")
        if href:
            return urljoin(base, href)
    return None


# -- article pages ------------------------------------------------------------------------------------------

_ROOT_SELECTORS = ("article.c-article", "article", "[role=main] article", "main", "[role=main]", "#main")
_INGRESS_SELECTORS = (".c-article__ingress", "[class*=ingress]", "[class*=preamble]", "[class*=lead]")
_BODY_SELECTORS = (".c-article__body", ".c-text", "[class*=article__body]", "[class*=article-body]")
_TAG_SELECTORS = ("a[rel~=tag]", "[class*=tags] a", "[class*=tag-list] a", "[class*=keywords] a")
_UPDATED_RE = re.compile(r"\b(?:senast\s+)?(?:uppdaterad|ändrad)\b\s*:?", re.IGNORECASE)
#: Link targets that are documents to download, not pages: they become the entry's attachments.
_DOCUMENT_RE = re.compile(r"\.(?:pdf|docx?|xlsx?|pptx?|odt|ods|odp|rtf|csv|zip)$", re.IGNORECASE)
#: A cheap first look for `content_attachments`: a document extension anywhere in the HTML.
_DOCUMENT_HINT = re.compile(r"\.(?:pdf|docx?|xlsx?|pptx?|odt|ods|odp|rtf|csv|zip)\b", re.IGNORECASE)
#: Placeholder image sources that lazy-loading scripts replace (the real one is in data-src).
_STOCKHOLM = ZoneInfo("Europe/Stockholm")
_YOUTUBE_EMBED_RE = re.compile(r"https?://(?:www\.)?youtube(?:-nocookie)?\.com/embed/([\w-]+)")
_PLACEHOLDER_RE = re.compile(r"^(?:data:|about:blank)|(?:blank|spacer|placeholder|pixel)\.(?:gif|png)", re.I)


def parse_article(html: str, page_url: str, *, timezone: ZoneInfo = _STOCKHOLM) -> Article:
    """Read an article page: heading, ingress, body HTML (unsanitized), lead image, "Senast uppdaterad",
    tags and attachment links. Links are absolute (against `<base href>` or `page_url`). Never raises;
    a page with none of these gives an empty `Article`."""
    tree = _parse(html)
    base = _base_url(tree, page_url)
    root = _first(tree, _ROOT_SELECTORS) or tree.body
    if root is None:
        return Article()
    heading_node = root.css_first("h1") or tree.css_first("h1")
    ingress_node = _first(root, _INGRESS_SELECTORS)
    body_node = _first(root, _BODY_SELECTORS) or _largest_text_block(root, heading_node, ingress_node)
    image = _lead_image(root, body_node, base)
    heading = _text(heading_node) if heading_node is not None else ""
    ingress = _text(ingress_node) if ingress_node is not None else ""
    if body_node is not None:
        _embeds_to_links(body_node, base)
        # A body found by structure may wrap the heading and ingress too: they are carried separately.
        for part in (heading_node, ingress_node):
            if part is not None and _inside(part, body_node):
                part.decompose()
    return Article(
        heading=heading,
        ingress=ingress,
        body_html=(body_node.inner_html or "").strip() if body_node is not None else "",
        image=image,
        updated=_updated(root, timezone),
        tags=_tags(root),
        attachments=_attachments(root, base),
    )


def html_text(fragment: str) -> str:
    """The text of an HTML fragment, one line per block (paragraph, heading, list item), whitespace
    collapsed inside lines. Used to compare article bodies on their words, not their markup."""
    if not fragment.strip():
        return ""
    tree = LexborHTMLParser(f"<div>{fragment}</div>")
    node = tree.css_first("div")
    if node is None:
        return ""
    for block in node.css("p, h1, h2, h3, h4, h5, h6, li, dt, dd, tr, blockquote, figcaption, pre, br, hr"):
        block.insert_before("\n")
        block.insert_after("\n")
    lines = (clean_text(line) for line in node.text(deep=True, separator="").split("\n"))
    return "\n".join(line for line in lines if line)


def _first(node: LexborHTMLParser | LexborNode, selectors: tuple[str, ...]) -> LexborNode | None:
    for selector in selectors:
        found = node.css_first(selector)
        if found is not None:
            return found
    return None


def _largest_text_block(
    root: LexborNode, heading: LexborNode | None, ingress: LexborNode | None
) -> LexborNode | None:
    """Without a known body class: the element holding the most paragraph text, other than the root's
    heading and ingress (a structural guess that works on most CMS article layouts).

    Each paragraph's text is measured once and added to its parent; one pass in reverse document order
    then sums children into parents, so the whole search is linear in the page (a query per candidate
    was quadratic: 30,000 nested divs took 21 s, issue 11 item 6). The first (outermost) candidate with
    the most text wins, as before."""
    skip = {node.mem_id for node in (heading, ingress) if node is not None}
    elements = root.css("*")
    sizes: dict[int, int] = {}
    for paragraph in root.css("p"):
        if paragraph.mem_id not in skip:
            sizes[paragraph.mem_id] = sizes.get(paragraph.mem_id, 0) + len(_text(paragraph))
    totals: dict[int, int] = {}
    for node in reversed(elements):
        own = totals.get(node.mem_id, 0) + sizes.get(node.mem_id, 0)
        parent = node.parent
        if own and parent is not None:
            totals[parent.mem_id] = totals.get(parent.mem_id, 0) + own
        totals[node.mem_id] = own
    best, best_size = None, 0
    for node in elements:
        if node.tag in ("div", "section") and totals.get(node.mem_id, 0) > best_size:
            best, best_size = node, totals[node.mem_id]
    if best is None:
        return root if root.css_first("p") is not None else None
    return best


def _image_source(img: LexborNode, base: str) -> str | None:
    attrs = img.attributes
    src = attrs.get("src") or ""
    for lazy in ("data-src", "data-original", "data-lazy-src"):
        if attrs.get(lazy) and (not src or _PLACEHOLDER_RE.search(src)):
            src = attrs.get(lazy) or ""
            break
    if not src or src.startswith("data:"):
        return None
    url = urljoin(base, src.strip())
    return url if url.startswith(("http://", "https://")) else None


def _lead_image(root: LexborNode, body: LexborNode | None, base: str) -> LeadImage | None:
    """The first figure (or image) of the article that is not inside its body: the top image."""
    body_images = {img.mem_id for img in body.css("img")} if body is not None else set()
    for figure in root.css("figure"):
        img = figure.css_first("img")
        if img is None or img.mem_id in body_images:
            continue
        url = _image_source(img, base)
        if url is None:
            continue
        caption = figure.css_first("figcaption")
        return LeadImage(
            url=url,
            alt=clean_text(img.attributes.get("alt") or ""),
            caption=_text(caption) if caption is not None else "",
        )
    for img in root.css("img"):
        if img.mem_id in body_images:
            continue
        url = _image_source(img, base)
        if url is not None:
            return LeadImage(url=url, alt=clean_text(img.attributes.get("alt") or ""))
    return None


def _updated(root: LexborNode, timezone: ZoneInfo) -> SiteDate | None:
    """The "Senast uppdaterad 2 maj 2019" date (or a `<time>` labelled so), when the page shows one."""
    for node in root.css("p, span, div, li, dd, time, footer"):
        text = _text(node)
        match = _UPDATED_RE.search(text)
        if match is None or len(text) > 120:
            continue
        time_node = node.css_first("time[datetime]")
        attr = time_node.attributes.get("datetime") if time_node is not None else None
        if attr and (found := parse_datetime_attr(attr, timezone)):
            return found
        if found := parse_site_date(text[match.end() :]):
            return found
    return None


def _tags(root: LexborNode) -> tuple[str, ...]:
    tags: list[str] = []
    for selector in _TAG_SELECTORS:
        for node in root.css(selector):
            text = _text(node)
            if text and text not in tags:
                tags.append(text)
    return tuple(tags)


def _inside(node: LexborNode, ancestor: LexborNode) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.mem_id == ancestor.mem_id:
            return True
        parent = parent.parent
    return False


def _embeds_to_links(body: LexborNode, base: str) -> None:
    """Replace each embedded frame (a video, a map) with a link to it: feeds must not carry iframes, and a
    reader should still learn that the article has a film and where to see it."""
    for frame in body.css("iframe[src]"):
        url = urljoin(base, (frame.attributes.get("src") or "").strip())
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            frame.decompose()
            continue
        youtube = _YOUTUBE_EMBED_RE.match(url)
        if youtube:
            url = f"https://www.youtube.com/watch?v={youtube[1]}"
        label = clean_text(frame.attributes.get("title") or "") or f"Inbäddat innehåll från {parts.hostname}"
        link = LexborHTMLParser(f'<p><a href="{escape(url)}">{escape(label)}</a></p>').css_first("p")
        if link is not None:
            frame.replace_with(link)


def content_attachments(fragment: str) -> tuple[Attachment, ...]:
    """The documents (PDF, Word, …) an entry's sanitized content links to, in order, once each: what the
    article page listed as attachments, read back from the HTML the feeds carry (its links are absolute)."""
    if not _DOCUMENT_HINT.search(fragment):
        return ()  # most articles link no document: no parse (this runs for every entry of every feed)
    root = LexborHTMLParser(f"<div>{fragment}</div>").css_first("div")
    return _attachments(root, "") if root is not None else ()


def _attachments(root: LexborNode, base: str) -> tuple[Attachment, ...]:
    found: dict[str, Attachment] = {}
    for anchor in root.css("a[href]"):
        url = urljoin(base, (anchor.attributes.get("href") or "").strip())
        path = urlsplit(url).path
        if not url.startswith(("http://", "https://")) or not _DOCUMENT_RE.search(path):
            continue
        title = _text(anchor) or clean_text(anchor.attributes.get("title") or "") or path.rsplit("/", 1)[-1]
        found.setdefault(url, Attachment(url=url, title=title))
    return tuple(found.values())


# -- what a page offers besides items -----------------------------------------------------------------------

#: The `<link rel="alternate" type=…>` media types that name a feed a `type = "feed"` source can read.
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")


@dataclass(frozen=True, slots=True)
class AdvertisedFeed:
    """A feed a page names in its `<head>` (feed autodiscovery)."""

    url: str  #: absolute
    media_type: str  #: one of FEED_TYPES
    title: str = ""  #: the link's title attribute, as the site wrote it ("RSS-flöde för aktuellt …")


def advertised_feeds(html: str, base_url: str) -> list[AdvertisedFeed]:
    """The feeds `html` advertises with `<link rel="alternate" type="application/rss+xml|atom+xml|feed+json"
    href=…>` in its head, in document order, each URL once; hrefs resolve against `<base href>` or `base_url`.
    Never raises."""
    tree = _parse(html)
    base = _base_url(tree, base_url)
    found: dict[str, AdvertisedFeed] = {}
    for link in tree.css("head link[href]"):
        attrs = link.attributes
        rels = (attrs.get("rel") or "").lower().split()
        media_type = (attrs.get("type") or "").split(";", 1)[0].strip().lower()
        href = (attrs.get("href") or "").strip()
        if "alternate" not in rels or media_type not in FEED_TYPES or not href:
            continue
        try:
            url = urljoin(base, href)
        except ValueError:  # a broken authority such as "http://[x/": no URL a reader could follow
            continue
        if url.startswith(("http://", "https://")):
            found.setdefault(url, AdvertisedFeed(url, media_type, clean_text(attrs.get("title") or "")))
    return list(found.values())


def looked_for(selectors: SelectorConfig | None = None) -> str:
    """What `parse_listing` searches a page for, in words, for the error a page with no items gives (keep
    it in step with the rules above)."""
    selectors = selectors or SelectorConfig()
    if selectors.item:
        parts = [f"elements matching selectors.item {selectors.item!r}, each with a link"]
    else:
        link = f"links matching selectors.link {selectors.link!r}" if selectors.link else "article links"
        parts = [
            f"repeated blocks of the page holding one {link} each (an article UUID, id or path in the URL)"
        ]
    if selectors.date:
        parts.append(f"a date in selectors.date {selectors.date!r}")
    else:
        parts.append(
            'a date or a news heading beside them ("Publicerad 2 maj 2019", 03.07.2026, <time datetime>, …)'
        )
    return " and ".join(parts)
