"""Listing page HTML → the items and next-page link of one page. Pure (no network, disk or clock).

Items are found by structure, not by class names, so that any news page reads (README, "Any news page"):
every article link gets a container, the largest ancestor holding no link to another article; sibling
containers of one tag form a repeated block, and full posts are grouped by their posts (`grouping.py`);
`blocks.py` judges the blocks; the best one (dated by a date element, else by titles or links, else undated
news; ranked by `grouping.weigh` within a tier) is taken with the blocks of its shape and its lead teaser.
The title is the link's headline (`headline.py`). Dates are searched one element at a time (`<time>`,
machine-readable dates, date elements, relative dates, a day heading before the item, then the title, then
the link's path), never in the item's joined text. `[sources.selectors]` in the config can override each
part with a CSS selector (`selectors.py` infers them for `aktuellt probe`).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass, field, replace
from typing import Required, TypedDict, Unpack
from zoneinfo import ZoneInfo

from ..config import SelectorConfig
from ..dates import date_line, parse_datetime_attr, parse_site_date, url_date
from ..identity import article_uuid, canonical_link, item_key, key_collisions
from ..markup import HTMLTree, Node, clean_text, cut_after_links, node_text, parse_html
from ..models import Block, ListingItem, ListingPage, SiteDate
from ..reldates import parse_relative
from ..sanity import join_url
from .blocks import (
    ArticleLink,
    BlockGroup,
    Candidate,
    choose_groups,
    class_names,
    containers_of,
    in_heading,
    judge_group,
    outside_title,
)
from .grouping import dated_ahead, group_blocks, lead_members, weigh
from .headline import headline
from .itemdates import DATE_CLASS_RE, day_headings, machine_date
from .paging import LINKS_BESIDE, LINKS_PER_ITEM, cap, next_url

log = logging.getLogger(__name__)


class ReadOptions(TypedDict, total=False):
    """How a source reads its listing: the keyword arguments `parse_listing` hands to `ListingReader`."""

    timezone: Required[ZoneInfo]
    date_order: str
    key_params: Sequence[str] | None
    today: dt.date | None
    now: dt.datetime | None


def parse_listing(
    html: str,
    page_url: str,
    *,
    selectors: SelectorConfig | None = None,
    position_start: int = 0,
    max_items: int | None = None,
    **options: Unpack[ReadOptions],
) -> ListingPage:
    """Extract the items and the next-page link of one listing page.

    `page_url` is the final URL of the response; links resolve against `<base href>` when the page has one
    (WebSphere pages usually do). Without `selectors.item` the items are found by structure (see
    `ListingReader.discover`). An item without a date is kept with `published=None` (`read.py` dates it by
    first sight); items without a title are left out and named in `skipped`, and so are the blocks that were
    not taken (`blocks`). `today` (the cycle's local date) supplies the year of dates printed without one when
    the link's path carries no date. With `max_items`, items beyond it are not read (see `cap`). `now` (the
    fetch time) reads relative dates ("vor 2 Stunden", "idag 14:30") in `timezone`; without it, only those
    naming a day ("igår", "heute, 18:00 Uhr") read, against `today`.
    """
    selectors = selectors or SelectorConfig()
    cut = cut_after_links(html, max_items * LINKS_PER_ITEM + LINKS_BESIDE) if max_items else None
    tree = parse_html(cut or html)
    reader = ListingReader(document_base(tree, page_url), selectors, **options)
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
        items.append(replace(read, position=position_start + len(items)))
    skipped.extend(f"item {title!r}: no link" for title in _linkless_titles(tree))
    unsafe = _unsafe_item_links(tree, reader.base)
    skipped.extend(line for line in reader.unresolved if line not in unsafe)
    skipped.extend(unsafe)
    skipped.extend(reader.collisions)
    page = ListingPage(tuple(items), next_url(tree, reader.base, selectors), tuple(skipped), blocks)
    return cap(page, max_items) if max_items and (cut or len(items) > max_items) else page


def page_title(html: str) -> str:
    """The page's `<title>`, whitespace collapsed ("" without one)."""
    node = parse_html(html).css_first("title")
    return node_text(node) if node is not None else ""


#: Longer text in an element named like a date is not a date element but a wrapper of one.
_DATE_ELEMENT_CHARS = 120


@dataclass
class ListingReader:
    """Reads item containers of one listing page (its base URL, zone and the source's date settings)."""

    base: str
    selectors: SelectorConfig
    _: KW_ONLY
    timezone: ZoneInfo
    date_order: str = "dmy"
    key_params: Sequence[str] | None = None
    today: dt.date | None = None
    #: The fetch time, kept as a wall time in the source's zone, for relative dates.
    now: dt.datetime | None = None
    groups: list[BlockGroup] = field(default_factory=list, init=False)  #: every block `discover` judged
    #: configured items whose link makes no URL, named in `skipped`
    unresolved: list[str] = field(default_factory=list, init=False)
    #: different links that share a key (identity.key_collisions)
    collisions: list[str] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        if self.now is not None and self.now.tzinfo:
            self.now = self.now.astimezone(self.timezone).replace(tzinfo=None)
        if self.today is None and self.now is not None:
            self.today = self.now.date()

    # -- the two ways to find containers

    def configured(self, tree: HTMLTree) -> list[Candidate]:
        """`selectors.item` containers, each with its `selectors.link` (or first) link."""
        found = []
        assert self.selectors.item
        for order, container in enumerate(tree.css(self.selectors.item)):
            anchor = container.css_first(self.selectors.link or "a[href]")
            if anchor is not None and (href := anchor.attributes.get("href")):
                url = join_url(self.base, href.strip())
                if url is None:
                    self.unresolved.append(_refused(anchor, href.strip()))
                    continue
                found.append(Candidate(container, anchor, url, item_key(url, self.key_params), order))
        self.collisions = key_collisions((candidate.url, candidate.key) for candidate in found)
        return found

    def discover(self, tree: HTMLTree, page_url: str) -> tuple[list[Candidate], tuple[Block, ...]]:
        """The items found by structure (see the module's docstring), in document order, and every repeated
        block considered. A calendar of dates ahead ranks below all news; a link with an article UUID and a
        date element is an item wherever it stands, as it always was."""
        links = self._links(tree, page_url)
        candidates = containers_of(links, self.selectors.link is not None)
        groups = self.groups = group_blocks(candidates)
        for group in groups:
            # A lone block is only ever an item when it links an article UUID: read no other.
            if len(group.members) > 1 or article_uuid(group.members[0].url) is not None:
                for member in group.members:
                    member.read = self.read(member)
                judge_group(group)
                group.weight = weigh(group)
                group.ahead = dated_ahead(group, self.today)
                group.why += "; dates ahead of today (a calendar?)" if group.ahead and group.tier else ""
            else:
                group.why = "a single block"
        if self.selectors.link:
            chosen = candidates  # the configured link selector names the item links: take them all
        else:
            chosen = choose_groups(groups)
            chosen += lead_members(chosen, candidates, self.read)
        taken = {id(candidate) for candidate in chosen}
        blocks = tuple(
            Block(
                where=group.where,
                items=len(group.members),
                dated=sum(1 for m in group.members if m.read is not None and m.read.published is not None),
                taken=id(group.members[0]) in taken,
                why=group.why,
                sample=group.members[0].read.title if group.members[0].read else "",
            )
            for group in groups
            if len(group.members) > 1 or id(group.members[0]) in taken
        )
        return sorted(chosen, key=lambda c: c.order), blocks

    def _links(self, tree: HTMLTree, page_url: str) -> list[ArticleLink]:
        """Every link of the page to another http(s) page, with its key, in document order."""
        here = page_url.partition("#")[0]
        found: list[ArticleLink] = []
        anchors = tree.css(self.selectors.link) if self.selectors.link else tree.css("a[href]")
        for anchor in anchors:
            href = (anchor.attributes.get("href") or "").strip()
            if not href or href.startswith("#"):
                continue
            url = join_url(self.base, href) or ""  # "": no URL at all, such as "http://[x/"
            if not is_web_url(url) or url.partition("#")[0] in (here, self.base):
                continue
            found.append(
                ArticleLink(anchor, url, item_key(url, self.key_params), in_heading(anchor), len(found))
            )
        self.collisions = key_collisions((link.url, link.key) for link in found)
        return found

    # -- one container

    def read(self, candidate: Candidate) -> ListingItem:
        container, anchor, url = candidate.container, candidate.anchor, candidate.url
        title, title_node = _title(container, anchor, self.selectors)
        # A plain link's whole text still dates it where its byline was cut from the title.
        whole = node_text(anchor) if title_node is not None and title_node.mem_id == anchor.mem_id else title
        date, source = self._date(container, anchor, url, whole, title_node)
        if source == "title":
            title = _PAREN_DATE_END_RE.sub("", title).strip() or title
        return ListingItem(
            key=candidate.key,
            link=canonical_link(url),
            title=title,
            summary=self._summary(container, title),
            published=date,
            date_source=source,
            position=0,  # set when the page's items are counted (`parse_listing`)
        )

    def _date(
        self, container: Node, anchor: Node, url: str, title: str, title_node: Node | None = None
    ) -> tuple[SiteDate | None, str]:
        """The item's date and where it came from: a configured date element; else a `<time>` or an
        element that is a date (by its class, or by text that is only a date or a "Publicerad" line),
        searched one element at a time outside the title; else the title; else the link's path."""
        in_path = url_date(url)
        # A date printed without its year takes it from the link's date, else from the cycle's day.
        reference = in_path.day if in_path is not None else self.today
        if self.selectors.date:
            node = container.css_first(self.selectors.date)
            if node is None:
                return None, "none"
            attr = node.attributes.get("datetime")
            if attr and (found := parse_datetime_attr(attr, self.timezone)):
                return found, "time"
            found = self._parse(node_text(node), reference)
            return found, ("element" if found else "none")
        if found := machine_date(container, self.timezone):
            return found, "time"
        outside = outside_title(container, anchor, title_node)
        named = [n for n in outside if n.tag == "time" or DATE_CLASS_RE.search(class_names(n))]
        # A date element that is only a date line first: a wrapper named "meta" may hold a sentence that
        # names another day (an event) before the date element inside it.
        for node in named:
            if found := self._date_line(node_text(node), reference):
                return found, "element"
        for node in named:
            # A long text is a wrapper, not a date element (its date element was looked at above).
            text = node_text(node)
            if len(text) <= _DATE_ELEMENT_CHARS and (found := self._parse(text, reference)):
                return found, "element"
        for node in [*outside, container]:
            own = clean_text(node.text(deep=False))
            if own and (found := self._date_line(own, reference)):
                return found, "element"
        # "heute, 18:00 Uhr", "igår", "2 hours ago": an element that is only a relative date.
        for node in outside:
            if found := parse_relative(node_text(node), self.now, self.today):
                return found, "relative"
        for node in day_headings(container):
            if found := self._date_line(node_text(node), reference):
                return found, "element"
        if found := self._parse(title, reference):
            return found, "title"
        return (in_path, "url") if in_path is not None else (None, "none")

    def _parse(self, text: str, reference: dt.date | None) -> SiteDate | None:
        return parse_site_date(text, order=self.date_order, reference=reference)

    def _date_line(self, text: str, reference: dt.date | None) -> SiteDate | None:
        return date_line(text, order=self.date_order, reference=reference)

    def _summary(self, container: Node, title: str) -> str:
        """The first paragraph that is not the title, a date line, nor a short line holding a date ("News |
        05 September 2019", "Høringsfrist: 25.08.2026")."""
        if self.selectors.summary:
            node = container.css_first(self.selectors.summary)
            return node_text(node) if node is not None else ""
        for node in container.css("p"):
            text = node_text(node)
            short_dated = len(text) <= _META_CHARS and self._parse(text, None)
            if text and text != title and not short_dated and not self._date_line(text, self.today):
                return text
        return ""


_PAREN_DATE_END_RE = re.compile(r"\s*\(\s*[0-9]{1,2}\s*[/.]\s*[0-9]{1,2}\.?\s*\)\s*$")

#: A paragraph this short that holds a date is a meta line (a category, a deadline), never a summary.
_META_CHARS = 40


def _linkless_titles(tree: HTMLTree) -> list[str]:
    """Headings whose link lost its href: an item the listing shows but we cannot fetch, so name it in the log
    rather than leave it out silently (the other malformed items are named in `skipped` too)."""
    anchors = tree.css("h2 a:not([href]), h3 a:not([href])")
    return [title for anchor in anchors if (title := clean_text(anchor.text(deep=True)))]


def _unsafe_item_links(tree: HTMLTree, base: str) -> list[str]:
    """Links that would be items but for their scheme (`javascript:`, `data:`, …): they carry an article UUID
    or sit in a heading. They are never items (see `ListingReader._links`), nor are links that make no URL at
    all ("http://[x/"); name each in the log so a hostile or broken teaser is not dropped silently. Menus'
    `mailto:` and `javascript:void(0)` links are neither, and stay out of the log."""
    found = []
    for anchor in tree.css("a[href]"):
        href = (anchor.attributes.get("href") or "").strip()
        url = join_url(base, href)
        if not href or href.startswith("#") or (url is not None and is_web_url(url)):
            continue
        if article_uuid(href) or in_heading(anchor):
            found.append(_refused(anchor, href, "a valid URL" if url is None else "an http(s) URL"))
    return found


def is_web_url(url: str) -> bool:
    """Whether `url` is an http(s) URL, its scheme in any case: urljoin keeps "HTTP://…" as written where the
    page's own scheme differs, and the fetcher and the feed reader take it."""
    return url.lower().startswith(("http://", "https://"))


def _refused(anchor: Node, href: str, what: str = "a valid URL") -> str:
    """The `skipped` line of an item whose link is not `what`."""
    title = clean_text(anchor.text(deep=True)) or href
    return f"item {title!r} ({href}) refused: its link is not {what}"


def document_base(tree: HTMLTree, page_url: str) -> str:
    base = tree.css_first("base[href]")
    href = base.attributes.get("href") if base is not None else None
    # A base that makes no URL is ignored, as browsers ignore it: links resolve against the page's own URL.
    return (join_url(page_url, href) if href else None) or page_url


def _title(container: Node, anchor: Node, selectors: SelectorConfig) -> tuple[str, Node | None]:
    """The item's title and the element it was read from (None: not one element of the link)."""
    if selectors.title:
        node = container.css_first(selectors.title)
        return (node_text(node), node) if node is not None else ("", None)
    title, node = headline(container, anchor)
    if title:
        return title, node
    # An image link carries no text; fall back to the heading or another link of the same item.
    for node in container.css("h1, h2, h3, h4, a[href]"):
        if text := node_text(node):
            return text, node
    return "", None
