"""HTML → a tree, and HTML fragments → text or attachments. The only module that imports selectolax; pure.

Shared by the source room (listing and article pages) and the publish room (topic words and JSON Feed
attachments of stored content), so it sits with the other shared modules at the package's top. A page is
flattened before lexbor sees it when it nests deeper than `MAX_DEPTH` (lexbor is quadratic in depth).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from .models import Attachment
from .sanity import join_url

#: The types the rest of the package names, so that only this module names selectolax.
HTMLTree = LexborHTMLParser
Node = LexborNode
ParseError = SelectolaxError


#: Elements nested deeper than this lose their tags before parsing (their text stays). Real pages nest
#: 20-60 deep; lexbor's tree builder is quadratic in the depth (100,000 nested divs took 39 s), so a hostile
#: page is flattened instead of parsed as sent (issue 11, item 6).
MAX_DEPTH = 512

#: Beyond this depth, chains of same-name wrappers (`<div><div><div>…`) collapse to one element.
WRAPPER_DEPTH = 256

_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)(?:\s[^>]*)?(/?)>|<!--.*?-->", re.DOTALL)

_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())

_RAW_TEXT = frozenset({"script", "style", "textarea", "title", "xmp", "noscript"})

_RAW_END = {name: re.compile(rf"</{name}", re.IGNORECASE) for name in _RAW_TEXT}

#: Elements whose start tag closes an open one of the same name (the parser's implied end tags).
_SELF_CLOSING_SIBLINGS = frozenset({"p", "li", "dt", "dd", "tr", "td", "th", "option"})


def parse_html(html: str) -> HTMLTree:
    """Parse `html`, flattened first when it nests deeper than `MAX_DEPTH` (see there)."""
    if html.count("<") > WRAPPER_DEPTH:
        html = _flatten(html)
    return HTMLTree(html)


_ANCHOR_RE = re.compile(r"<a[\s>]", re.IGNORECASE)


def cut_after_links(html: str, links: int) -> str | None:
    """`html` up to (not including) its link number `links + 1` (`<a …>`), or None when it holds no more
    than `links`: a page of 100,000 items is not parsed whole when only its first items are read (the tree
    of a 6 MB page takes hundreds of MB). The parser closes what the cut leaves open."""
    for count, match in enumerate(_ANCHOR_RE.finditer(html), start=1):
        if count > links:
            return html[: match.start()]
    return None


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

    def close(name: str, reach: int) -> bool:
        """Close the nearest open `name` among the top `reach` elements; whether its start tag was dropped."""
        nonlocal kept
        for depth in range(len(stack) - 1, max(len(stack) - 1 - reach, -1), -1):
            if stack[depth][0] == name:
                dropped = stack[depth][1]
                kept -= sum(1 for _, gone in stack[depth:] if not gone)
                del stack[depth:]
                return dropped
        return False

    while (match := _TAG_RE.search(html, position)) is not None:
        position = match.end()
        name = (match[2] or "").lower()
        if not name:
            continue  # a comment
        if match[1]:  # an end tag: close the nearest open element of that name, if it is near the top
            cuts.extend([match.span()] if close(name, 7) else [])
            continue
        if name in _VOID or match[3]:
            continue
        if name in _RAW_TEXT:
            closing = _RAW_END[name].search(html, position)
            position = len(html) if closing is None else closing.start()
            continue
        if name in _SELF_CLOSING_SIBLINGS:
            close(name, 3)
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
    starts, ends = [start for start, _ in cuts] + [len(html)], [0] + [end for _, end in cuts]
    return "".join(html[end:start] for end, start in zip(ends, starts, strict=True))


def clean_text(text: str) -> str:
    """Collapse every run of whitespace (NBSP included) to one space."""
    return " ".join(text.split())


def node_text(node: Node) -> str:
    return clean_text(node.text(deep=True, separator=" "))


_DOCUMENT_EXTENSION = r"\.(?:pdf|docx?|xlsx?|pptx?|odt|ods|odp|rtf|csv|zip)"

#: Link targets that are documents to download, not pages: they become the entry's attachments.
_DOCUMENT_RE = re.compile(_DOCUMENT_EXTENSION + "$", re.IGNORECASE)

#: A cheap first look for `content_attachments`: a document extension anywhere in the HTML.
_DOCUMENT_HINT = re.compile(_DOCUMENT_EXTENSION + r"\b", re.IGNORECASE)


def html_text(fragment: str) -> str:
    """The text of an HTML fragment, one line per block (paragraph, heading, list item), whitespace
    collapsed inside lines. Used to compare article bodies on their words, not their markup."""
    if not fragment.strip():
        return ""
    node = HTMLTree(f"<div>{fragment}</div>").css_first("div")
    if node is None:
        return ""
    for block in node.css("p, h1, h2, h3, h4, h5, h6, li, dt, dd, tr, blockquote, figcaption, pre, br, hr"):
        block.insert_before("\n")
        block.insert_after("\n")
    lines = (clean_text(line) for line in node.text(deep=True, separator="").split("\n"))
    return "\n".join(line for line in lines if line)


def content_attachments(fragment: str) -> tuple[Attachment, ...]:
    """The documents (PDF, Word, …) an entry's sanitized content links to, in order, once each: what the
    article page listed as attachments, read back from the HTML the feeds carry (its links are absolute)."""
    if not _DOCUMENT_HINT.search(fragment):
        return ()  # most articles link no document: no parse (this runs for every entry of every feed)
    root = HTMLTree(f"<div>{fragment}</div>").css_first("div")
    return attachments_in(root, "") if root is not None else ()


def attachments_in(root: Node, base: str) -> tuple[Attachment, ...]:
    found: dict[str, Attachment] = {}
    for anchor in root.css("a[href]"):
        url = join_url(base, (anchor.attributes.get("href") or "").strip())
        path = urlsplit(url or "").path
        # The scheme in any case: urljoin keeps "HTTP://…" as written.
        if (
            url is None
            or not url.lower().startswith(("http://", "https://"))
            or not _DOCUMENT_RE.search(path)
        ):
            continue
        title = (
            node_text(anchor) or clean_text(anchor.attributes.get("title") or "") or path.rsplit("/", 1)[-1]
        )
        found.setdefault(url, Attachment(url=url, title=title))
    return tuple(found.values())
