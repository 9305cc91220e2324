"""An item's headline inside a whole-card link (issue 18, class 1). Pure.

A teaser whose `<a>` wraps the whole card (kind label, date, headline, summary, author, reading time) must not
give all of that as its title. The link's text is cut into runs (the text of each block element in it); the
headline is, in order: a heading in the link; an element marked as the headline (`itemprop=headline`, a class
naming a title or headline); the link's `title`/`aria-label` when the link's text holds it; else the first
run that is not a date, a relative date, a reading time, a count or a one-word label. The element the
headline came from is returned too, so the date is still read from the card's other runs.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from ..dates import bare_date
from ..markup import Node, clean_text, node_text
from ..reldates import parse_relative
from .blocks import HEADINGS, class_names

_BLOCKS = frozenset(
    "div p h1 h2 h3 h4 h5 h6 header footer section article figure figcaption li ul ol dl dt dd time table "
    "tr td th address aside blockquote".split()
)
_HEADLINE_CLASS_RE = re.compile(
    r"(?:^|[\s_-])(?:title|headline|heading|rubrik|overskrift|titel)(?:$|[\s_-])", re.I
)
_LABEL_ATTR_PREFIX_RE = re.compile(
    r"^(?:permanent link to|permalink to|read more about|read|läs mer om)\s*:?\s*", re.I
)
_QUOTES = "\"'“”‘’„«»"
_READING_TIME_RE = re.compile(
    r"\b[0-9]+\s*(?:min(?:ute)?s?|minuter|minutter|minuten)\.?\s*(?:read|läsning|lesing|lesetid|"
    r"læsning|lesezeit|läsningstid)|\b(?:lesezeit|lesetid|läsningstid|reading time|read time)\b",
    re.I,
)
_COUNT_RE = re.compile(r"^[0-9\s.,:+|•·/-]*$")
#: Runs of a card this short are labels ("News", "Test", "Artikel"), not headlines.
_LABEL_WORDS = 1
#: A headline run has this many words at least, a summary more than `_SUMMARY_WORDS`; two-word runs are
#: taken only when no run has headline length (a label such as "Local news" comes first).
_HEADLINE_WORDS = 3
_SUMMARY_WORDS = 30


def headline(container: Node, anchor: Node) -> tuple[str, Node]:
    """The item's title and the element it stands in (the link itself for a plain text link)."""
    runs = text_runs(anchor)
    whole = node_text(anchor)
    if len(runs) <= 1:
        return _without_trailer(whole), anchor
    for heading in anchor.css(HEADINGS):
        if text := node_text(heading):
            return text, heading
    for node in anchor.css("*"):
        if node.attributes.get("itemprop") == "headline" or _HEADLINE_CLASS_RE.search(class_names(node)):
            if (text := node_text(node)) and not is_meta(text):
                return text, node
    folded = whole.casefold()
    for name in ("aria-label", "title"):
        label = _LABEL_ATTR_PREFIX_RE.sub("", clean_text(anchor.attributes.get(name) or ""))
        label = label.strip(_QUOTES) if label[:1] in _QUOTES and label[-1:] in _QUOTES else label
        if label and label.casefold() in folded and len(label) < len(whole):
            node = next((node for node, text in runs if text == label), anchor)
            return label, node
    for heading in container.css(HEADINGS):
        # A heading that is one part of the link's text (a screen-reader copy of the headline); a heading
        # around the whole link is no help here: its runs are.
        text = node_text(heading)
        if text and len(text) < len(whole) and text.casefold() in folded and not is_meta(text):
            node = next((node for node, run in runs if run == text), anchor)
            return text, node
    plain = [(node, text) for node, text in runs if not is_meta(text) and not _is_label(node, anchor)]
    # The first run of headline length (a label such as "Local news" is shorter, a summary much longer), else
    # the first that is more than a label.
    for low, high in ((_HEADLINE_WORDS, _SUMMARY_WORDS), (_LABEL_WORDS + 1, math.inf)):
        for node, text in plain:
            if low <= len(text.split()) <= high:
                return _without_trailer(text), node
    return (plain[0][1], plain[0][0]) if plain else (whole, anchor)


def _without_trailer(title: str) -> str:
    """ "Headline | Kody Kester | Jun 26, 2022" → "Headline": a title that ends in a date or reading time
    after a separator loses everything after its first part (the byline)."""
    parts = _SEPARATOR_RE.split(title)
    if len(parts) > 1 and any(is_meta(part) for part in parts[1:]) and parts[0].strip():
        return parts[0].strip()
    return title


_SEPARATOR_RE = re.compile(r"\s+[|·•]\s+")

#: Classes of a card's parts that are not its headline: a kind label, kicker, category, byline.
_LABEL_CLASS_RE = re.compile(
    r"label|kicker|categor|eyebrow|overline|topline|dachzeile|badge|byline|author|\bkind\b|\btag\b|"
    r"\bmeta\b|date|datum|dato|\btime\b",
    re.IGNORECASE,
)


def _is_label(node: Node, anchor: Node) -> bool:
    """A part of the card that is never its headline: a `<time>`, or an element named as a label."""
    if node.mem_id == anchor.mem_id:
        return False
    return node.tag == "time" or bool(_LABEL_CLASS_RE.search(class_names(node)))


def text_runs(anchor: Node) -> list[tuple[Node, str]]:
    """The link's text cut at block elements: (the block element, its text) in order. Consecutive text
    nodes of one block element make one run."""
    runs: list[tuple[Node, list[str]]] = []
    broken = False  # a <br> since the last text: the next text starts a run of its own
    for node in anchor.traverse(include_text=True):
        if node.tag == "br":
            broken = True
        if node.tag != "-text":
            continue
        text = node.text_content or ""
        if not text.strip():
            continue
        block = _block_of(node, anchor)
        if runs and runs[-1][0].mem_id == block.mem_id and not broken:
            runs[-1][1].append(text)
        else:
            runs.append((block, [text]))
        broken = False
    return [(block, joined) for block, parts in runs if (joined := clean_text(" ".join(parts)))]


def _block_of(node: Node, anchor: Node) -> Node:
    """The element a text node's run belongs to: its nearest block ancestor inside the link, or an inline
    one named as a card's part (`<span class="date">`, `<span class="author">`)."""
    current = node.parent
    for _ in range(_RUN_DEPTH):  # bounded: a link nesting its text deeper is one run (linear on any page)
        if current is None or current.mem_id == anchor.mem_id:
            break
        if current.tag in _BLOCKS or _LABEL_CLASS_RE.search(class_names(current)):
            return current
        current = current.parent
    return anchor


#: Levels looked up from a text to find its run's element.
_RUN_DEPTH = 12


def is_meta(text: str) -> bool:
    """A card's run that is not its headline: a date, a relative date, a reading time, a count."""
    if _COUNT_RE.match(text) or _READING_TIME_RE.search(text):
        return True
    if parse_relative(text, None, _ANY_DAY) is not None:
        return True
    return bare_date(text, reference=_ANY_DAY) is not None


#: Any day: only whether a text is a (relative or yearless) date matters here, not which.
_ANY_DAY = dt.date(2000, 1, 1)
