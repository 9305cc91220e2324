"""Dates an item carries beside its text (issue 18): machine-readable attributes (hAtom's
`abbr.published[title]`, schema.org's `itemprop=datePublished` with `content`), and the day heading that a
day's posts share (Blogger's `h2.date-header` before its posts). Pure."""

from __future__ import annotations

import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from ..dates import parse_datetime_attr
from ..markup import Node
from ..models import SiteDate
from .blocks import HEADING_TAGS, class_names

_MACHINE = (
    "[itemprop=datePublished], [itemprop=dateCreated], abbr.published[title], abbr.dtstart[title], "
    "abbr[title].updated, [property='article:published_time']"
)

#: Classes of the elements that hold an item's date.
DATE_CLASS_RE = re.compile(r"date|datum|dato|datetime|\btime\b|publish|byline|\bmeta\b|posted", re.I)

#: Levels above an item, and element siblings before each, looked at for the day heading.
_LEVELS = 3
_SIBLINGS = 3


def machine_date(container: Node, tz: ZoneInfo) -> SiteDate | None:
    """The first `<time datetime>` inside the item, else its first machine-readable publication date
    (`content`, `datetime` or `title`)."""
    for selector, names in (("time[datetime]", ("datetime",)), (_MACHINE, ("datetime", "content", "title"))):
        for node in container.css(selector):
            for name in names:
                value = node.attributes.get(name)
                if value and (found := parse_datetime_attr(value, tz)):
                    return found
    return None


def day_headings(container: Node) -> Iterator[Node]:
    """Headings (or elements named as dates) just before the item or before one of its parents: the day a
    blog groups its posts under, or a date heading over a list. The caller takes the first whose text is only
    a date."""
    node: Node | None = container
    for _ in range(_LEVELS):
        if node is None:
            return
        sibling, seen = node.prev, 0
        while sibling is not None and seen < _SIBLINGS:
            if not (sibling.tag or "-").startswith("-"):
                seen += 1
                if sibling.tag in HEADING_TAGS or DATE_CLASS_RE.search(class_names(sibling)):
                    yield sibling
            sibling = sibling.prev
        node = node.parent
