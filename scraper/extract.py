"""Listing page HTML → items. The only module that imports selectolax; pure (no network, disk or clock).

The real goteborg.se markup is only known from extracted text (see the README's "Source markup" notes), so
items are found by structure, not by class names: every link that carries an article UUID starts an item, its
container is the largest ancestor holding no other article, and the date is the "Publicerad …" text or a
`<time datetime>` inside it. `[sources.selectors]` in the config can override each part with a CSS selector.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from selectolax.lexbor import LexborHTMLParser, LexborNode

from .config import SelectorConfig
from .dates import parse_datetime_attr, parse_site_date
from .identity import article_uuid, canonical_link, item_key
from .models import ListingItem, ListingPage, SiteDate

log = logging.getLogger(__name__)

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
) -> ListingPage:
    """Extract the items and the next-page link of one listing page.

    `page_url` is the final URL of the response; links resolve against `<base href>` when the page has one
    (WebSphere pages usually do). Malformed items (no date, no title) are left out and named in `skipped`.
    """
    selectors = selectors or SelectorConfig()
    tree = LexborHTMLParser(html)
    base = _base_url(tree, page_url)
    items: list[ListingItem] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for container, anchor in _candidates(tree, base, selectors):
        href = urljoin(base, anchor.attributes.get("href") or "")
        link = canonical_link(href)
        key = item_key(href)
        title = _title(container, anchor, selectors)
        if key in seen:
            skipped.append(f"duplicate item {key} ({title!r}) left out")
            continue
        if not title:
            skipped.append(f"item {link}: no title")
            continue
        published = _date(container, selectors, timezone)
        if published is None:
            skipped.append(f"item {title!r} ({link}): no date")
            continue
        seen.add(key)
        items.append(
            ListingItem(
                key=key,
                title=title,
                link=link,
                published=published,
                summary=_summary(container, title, selectors),
                position=position_start + len(items),
            )
        )
    return ListingPage(items=tuple(items), next_url=_next_url(tree, base, selectors), skipped=tuple(skipped))


def clean_text(text: str) -> str:
    """Collapse every run of whitespace (NBSP included) to one space."""
    return " ".join(text.split())


def _text(node: LexborNode) -> str:
    return clean_text(node.text(deep=True, separator=" "))


def _base_url(tree: LexborHTMLParser, page_url: str) -> str:
    base = tree.css_first("base[href]")
    href = base.attributes.get("href") if base is not None else None
    return urljoin(page_url, href) if href else page_url


def _candidates(
    tree: LexborHTMLParser, base: str, selectors: SelectorConfig
) -> Iterator[tuple[LexborNode, LexborNode]]:
    """Yield (item container, article link) pairs in document order."""
    if selectors.item:
        for container in tree.css(selectors.item):
            anchor = container.css_first(selectors.link or "a[href]")
            if anchor is not None and anchor.attributes.get("href"):
                yield container, anchor
        return
    link_selector = selectors.link or "a[href]"
    for anchor in tree.css(link_selector):
        href = anchor.attributes.get("href")
        if href and article_uuid(urljoin(base, href)) is not None:
            yield _container(anchor, base), anchor


def _container(anchor: LexborNode, base: str) -> LexborNode:
    """The largest ancestor of `anchor` whose article links all point at the same article."""
    own = article_uuid(urljoin(base, anchor.attributes.get("href") or ""))
    container = anchor
    node = anchor.parent
    while node is not None and node.tag not in ("body", "html", "main"):
        keys = {article_uuid(urljoin(base, a.attributes.get("href") or "")) for a in node.css("a[href]")} - {
            None
        }
        if keys != {own}:
            break
        container = node
        node = node.parent
    return container


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


def _date(container: LexborNode, selectors: SelectorConfig, timezone: ZoneInfo) -> SiteDate | None:
    if selectors.date:
        node = container.css_first(selectors.date)
        if node is None:
            return None
        attr = node.attributes.get("datetime")
        return (parse_datetime_attr(attr, timezone) if attr else None) or parse_site_date(_text(node))
    for node in container.css("time[datetime]"):
        if found := parse_datetime_attr(node.attributes.get("datetime") or "", timezone):
            return found
    return parse_site_date(_text(container))


def _summary(container: LexborNode, title: str, selectors: SelectorConfig) -> str:
    if selectors.summary:
        node = container.css_first(selectors.summary)
        return _text(node) if node is not None else ""
    for node in container.css("p"):
        text = _text(node)
        if not text or text == title or _is_date_line(text):
            continue
        return text
    return ""


def _is_date_line(text: str) -> bool:
    """A 'Publicerad 2 maj 2019' line, or a bare date: not a summary."""
    if _DATE_WORD.search(text):
        return True
    return len(text) <= 40 and parse_site_date(text) is not None


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
