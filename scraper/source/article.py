"""Article page HTML → `Article`: heading, ingress, body, lead image, tags, updated date, attachments. Pure.

Read the same way as listings: goteborg.se's `c-article` classes when present, else structure (the
`<article>` or `<main>`, its `h1`, the first `figure`, the largest text block). Nothing on an article page
is required; the body HTML comes back as the site wrote it and must be sanitized before use.
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from ..dates import parse_datetime_attr, parse_site_date
from ..markup import HTMLTree, Node, attachments_in, clean_text, node_text, parse_html
from ..models import Article, LeadImage, SiteDate
from ..sanity import join_url
from .listing import document_base
from .sanitize import absolute_url

_ROOT_SELECTORS = ("article.c-article", "article", "[role=main] article", "main", "[role=main]", "#main")

_INGRESS_SELECTORS = (".c-article__ingress", "[class*=ingress]", "[class*=preamble]", "[class*=lead]")

_BODY_SELECTORS = (".c-article__body", ".c-text", "[class*=article__body]", "[class*=article-body]")

_TAG_SELECTORS = ("a[rel~=tag]", "[class*=tags] a", "[class*=tag-list] a", "[class*=keywords] a")

_UPDATED_RE = re.compile(r"\b(?:senast\s+)?(?:uppdaterad|ändrad)\b\s*:?", re.IGNORECASE)

_STOCKHOLM = ZoneInfo("Europe/Stockholm")

_WEB = frozenset({"http", "https"})

_YOUTUBE_EMBED_RE = re.compile(r"https?://(?:www\.)?youtube(?:-nocookie)?\.com/embed/([\w-]+)")

#: Placeholder image sources that lazy-loading scripts replace (the real one is in data-src).
_PLACEHOLDER_RE = re.compile(r"^(?:data:|about:blank)|(?:blank|spacer|placeholder|pixel)\.(?:gif|png)", re.I)


def parse_article(html: str, page_url: str, *, timezone: ZoneInfo = _STOCKHOLM) -> Article:
    """Read an article page: heading, ingress, body HTML (unsanitized), lead image, "Senast uppdaterad",
    tags and attachment links. Links are absolute (against `<base href>` or `page_url`). Never raises;
    a page with none of these gives an empty `Article`."""
    tree = parse_html(html)
    base = document_base(tree, page_url)
    root = _first(tree, _ROOT_SELECTORS) or tree.body
    if root is None:
        return Article()
    heading_node = root.css_first("h1") or tree.css_first("h1")
    ingress_node = _first(root, _INGRESS_SELECTORS)
    body_node = _first(root, _BODY_SELECTORS) or _largest_text_block(root, heading_node, ingress_node)
    image = _lead_image(root, body_node, base)
    heading = node_text(heading_node) if heading_node is not None else ""
    ingress = node_text(ingress_node) if ingress_node is not None else ""
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
        attachments=attachments_in(root, base),
    )


def _first(node: HTMLTree | Node, selectors: tuple[str, ...]) -> Node | None:
    """What the first selector that matches anything matches first (the selectors in order of trust)."""
    return next(filter(None, map(node.css_first, selectors)), None)


def _largest_text_block(root: Node, heading: Node | None, ingress: Node | None) -> Node | None:
    """Without a known body class: the element holding the most paragraph text, other than the root's
    heading and ingress (a structural guess that works on most CMS article layouts).

    Each paragraph's text is measured once and added to its parent; one pass in reverse document order
    then sums children into parents, so the whole search is linear in the page (a query per candidate
    was quadratic: 30,000 nested divs took 21 s, issue 11 item 6). The first (outermost) candidate with
    the most text wins, as before."""
    skip = {node.mem_id for node in (heading, ingress) if node is not None}
    elements = root.css("*")
    sizes = {p.mem_id: len(node_text(p)) for p in root.css("p") if p.mem_id not in skip}
    totals: dict[int, int] = {}
    for node in reversed(elements):
        own = totals.get(node.mem_id, 0) + sizes.get(node.mem_id, 0)
        parent = node.parent
        if own and parent is not None:
            totals[parent.mem_id] = totals.get(parent.mem_id, 0) + own
        totals[node.mem_id] = own
    blocks = [node for node in elements if node.tag in ("div", "section") and totals.get(node.mem_id, 0)]
    if not blocks:
        return root if root.css_first("p") is not None else None
    return max(blocks, key=lambda node: totals[node.mem_id])  # max keeps the first of equals


def _image_source(img: Node, base: str) -> str | None:
    attrs = img.attributes
    src = attrs.get("src") or ""
    for lazy in ("data-src", "data-original", "data-lazy-src"):
        if attrs.get(lazy) and (not src or _PLACEHOLDER_RE.search(src)):
            src = attrs.get(lazy) or ""
            break
    return None if src.startswith("data:") else absolute_url(src, base, schemes=_WEB)  # HTTP:// too


def _lead_image(root: Node, body: Node | None, base: str) -> LeadImage | None:
    """The first figure (or image) of the article that is not inside its body: the top image."""
    body_images = {img.mem_id for img in body.css("img")} if body is not None else set()
    found = [(figure.css_first("img"), figure.css_first("figcaption")) for figure in root.css("figure")]
    for img, caption in [*found, *((img, None) for img in root.css("img"))]:
        if img is None or img.mem_id in body_images or (url := _image_source(img, base)) is None:
            continue
        alt = clean_text(img.attributes.get("alt") or "")
        return LeadImage(url=url, alt=alt, caption=node_text(caption) if caption is not None else "")
    return None


def _updated(root: Node, timezone: ZoneInfo) -> SiteDate | None:
    """The "Senast uppdaterad 2 maj 2019" date (or a `<time>` labelled so), when the page shows one."""
    for node in root.css("p, span, div, li, dd, time, footer"):
        text = node_text(node)
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


def _tags(root: Node) -> tuple[str, ...]:
    texts = (node_text(node) for selector in _TAG_SELECTORS for node in root.css(selector))
    return tuple(dict.fromkeys(text for text in texts if text))  # each once, in order


def _inside(node: Node, ancestor: Node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.mem_id == ancestor.mem_id:
            return True
        parent = parent.parent
    return False


def _embeds_to_links(body: Node, base: str) -> None:
    """Replace each embedded frame (a video, a map) with a link to it: feeds must not carry iframes, and a
    reader should still learn that the article has a film and where to see it."""
    for frame in body.css("iframe[src]"):
        url = join_url(base, (frame.attributes.get("src") or "").strip())
        parts = urlsplit(url or "")
        if url is None or parts.scheme not in ("http", "https"):
            frame.decompose()
            continue
        youtube = _YOUTUBE_EMBED_RE.match(url)
        if youtube:
            url = f"https://www.youtube.com/watch?v={youtube[1]}"
        label = clean_text(frame.attributes.get("title") or "") or f"Inbäddat innehåll från {parts.hostname}"
        link = HTMLTree(f'<p><a href="{escape(url)}">{escape(label)}</a></p>').css_first("p")
        if link is not None:
            frame.replace_with(link)
