"""What a listing page offers besides items: the feeds it advertises (`<link rel=alternate>`). Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..markup import clean_text, parse_html
from ..sanity import join_url
from .listing import document_base, is_web_url

#: The `<link rel="alternate" type=…>` media types that name a feed a `type = "feed"` source can read.
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")


@dataclass(frozen=True, slots=True)
class AdvertisedFeed:
    """A feed a page names in its `<head>` (feed autodiscovery)."""

    url: str  #: absolute
    media_type: str  #: one of FEED_TYPES
    title: str = ""  #: the link's title attribute, as the site wrote it ("RSS-flöde för aktuellt …")


_BODY_RE = re.compile(r"<body[\s>]", re.IGNORECASE)


def advertised_feeds(html: str, base_url: str) -> list[AdvertisedFeed]:
    """The feeds `html` advertises with `<link rel="alternate" type="application/rss+xml|atom+xml|feed+json"
    href=…>` in its head, in document order, each URL once; hrefs resolve against `<base href>` or `base_url`.
    Never raises."""
    # Only the head is parsed: the body of a 6 MB listing would cost a second tree of it (issue 17, item 6).
    body = _BODY_RE.search(html)
    tree = parse_html(html[: body.start()] if body else html)
    base = document_base(tree, base_url)
    found: dict[str, AdvertisedFeed] = {}
    for link in tree.css("head link[href]"):
        attrs = link.attributes
        rels = (attrs.get("rel") or "").lower().split()
        media_type = (attrs.get("type") or "").split(";", 1)[0].strip().lower()
        href = (attrs.get("href") or "").strip()
        if "alternate" not in rels or media_type not in FEED_TYPES or not href:
            continue
        url = join_url(base, href)  # None for a broken authority such as "http://[x/"
        if url is not None and is_web_url(url):
            found.setdefault(url, AdvertisedFeed(url, media_type, clean_text(attrs.get("title") or "")))
    return list(found.values())
