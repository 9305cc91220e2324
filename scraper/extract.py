"""Listing and article page HTML → data. The only module that imports selectolax; pure (no network, disk or
clock).

The real goteborg.se markup is only known from extracted text (see the README's "Source markup" notes), so
items are found by structure, not by class names: every link that carries an article UUID starts an item, its
container is the largest ancestor holding no other article, and the date is the "Publicerad …" text or a
`<time datetime>` inside it. `[sources.selectors]` in the config can override each part with a CSS selector.

Article pages (`parse_article`) are read the same way: goteborg.se's `c-article` classes when present, else
structure (the `<article>` or `<main>`, its `h1`, the first `figure`, the largest text block). Nothing on an
article page is required; the body HTML comes back as the site wrote it and must be sanitized before use.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from html import escape
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from selectolax.lexbor import LexborHTMLParser, LexborNode

from .config import SelectorConfig
from .dates import parse_datetime_attr, parse_site_date
from .identity import article_uuid, canonical_link, item_key
from .models import Article, Attachment, LeadImage, ListingItem, ListingPage, SiteDate

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
    for container, anchor, href in _candidates(tree, base, selectors):
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
    skipped.extend(f"item {title!r}: no link" for title in _linkless_titles(tree))
    return ListingPage(items=tuple(items), next_url=_next_url(tree, base, selectors), skipped=tuple(skipped))


def _linkless_titles(tree: LexborHTMLParser) -> list[str]:
    """Headings whose link lost its href: an item the listing shows but we cannot fetch, so name it in the log
    rather than leave it out silently (the other malformed items are named in `skipped` too)."""
    found = []
    for anchor in tree.css("h2 a:not([href]), h3 a:not([href])"):
        if title := " ".join(anchor.text(deep=True).split()):
            found.append(title)
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


def _candidates(
    tree: LexborHTMLParser, base: str, selectors: SelectorConfig
) -> Iterator[tuple[LexborNode, LexborNode, str]]:
    """Yield (item container, article link, its absolute URL) in document order."""
    if selectors.item:
        for container in tree.css(selectors.item):
            anchor = container.css_first(selectors.link or "a[href]")
            if anchor is not None and (href := anchor.attributes.get("href")):
                yield container, anchor, urljoin(base, href)
        return
    links = _article_links(tree, base)
    # Which articles each element holds, computed once bottom-up (an ancestor walk per link) instead of
    # re-querying every ancestor's links for every item: that was quadratic in the items of a page.
    holds: dict[int, set[str]] = {}
    for anchor, _, uuid in links:
        if uuid is not None:
            node = anchor.parent
            while node is not None:
                holds.setdefault(node.mem_id, set()).add(uuid)
                node = node.parent
    anchors = links if not selectors.link else [_resolve(a, base) for a in tree.css(selectors.link)]
    for anchor, href, uuid in anchors:
        if uuid is not None:
            yield _container(anchor, uuid, holds), anchor, href


def _article_links(tree: LexborHTMLParser, base: str) -> list[tuple[LexborNode, str, str | None]]:
    """Every `a[href]` of the page, resolved once: (link, absolute URL, its article UUID or None)."""
    return [_resolve(anchor, base) for anchor in tree.css("a[href]")]


def _resolve(anchor: LexborNode, base: str) -> tuple[LexborNode, str, str | None]:
    href = anchor.attributes.get("href")
    if not href:
        return anchor, "", None
    url = urljoin(base, href)
    return anchor, url, article_uuid(url)


def _container(anchor: LexborNode, own: str, holds: dict[int, set[str]]) -> LexborNode:
    """The largest ancestor of `anchor` whose article links all point at the same article."""
    container = anchor
    node = anchor.parent
    while node is not None and node.tag not in ("body", "html", "main"):
        if holds.get(node.mem_id) != {own}:
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
    tree = LexborHTMLParser(html)
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
    heading and ingress (a structural guess that works on most CMS article layouts)."""
    best, best_size = None, 0
    for candidate in root.css("div, section"):
        skip = {node.mem_id for node in (heading, ingress) if node is not None}
        paragraphs = [p for p in candidate.css("p") if p.mem_id not in skip]
        size = sum(len(_text(p)) for p in paragraphs)
        if size > best_size:
            best, best_size = candidate, size
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
