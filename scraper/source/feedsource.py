"""A site's own feed (RSS 2.0, Atom, JSON Feed) → the items a listing page would give. The only module that
imports feedparser; pure (no network, disk or clock).

A `type = "feed"` source is read here instead of by `listing.parse_listing`, and its entries become the same
`ListingItem`s, so the store, diff, topics, history, article fetching and output treat both alike:

- **Key**: the article UUID when the entry's link has one (so the goteborg.se feed and the goteborg.se
  listing give the same keys), else the entry's `id`/`guid` (the canonical article URL when it is a URL),
  else the canonical article URL of its link (`identity.item_key` with the source's `key_params`: tracking
  and session parameters go, as on a listing); the rules are identity.py's.
- **Cut off is no read**: feedparser reads a broken document leniently, so a feed cut off mid-entry still
  gives entries, the cut one's text shortened or gone; taken as a read, that is an edit (and the next good
  read another). So a document the XML parser rejected must still close its root element (`</rss>`,
  `</feed>`), as a listing page must close its `</body>` or `</html>`; else the read fails. The rest of what
  the XML parser rejects is read as feedparser reads it, because feeds commonly carry it and it loses no
  text: `&nbsp;`, a bare `&` in a link, an undeclared `itunes:` prefix, blanks before `<?xml`.
- **Dates**: the entry's published (else updated) instant with its real offset. feedparser's `*_parsed`
  values are UTC `struct_time`s, so they are read as UTC (`calendar.timegm`), never as local time; the
  instant is kept exactly (`ListingItem.instant`) and `published` is the same moment as wall time in the
  source's zone.
- **Summary and title**: text, as on a listing; HTML in them is sanitized (sanitize.py) before its text is
  taken, so no script or style text leaks in.

feedparser 6 does not read JSON Feed; that format is plain JSON and is read with the standard library.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import json
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax import SAXException
from zoneinfo import ZoneInfo

import feedparser

from ..errors import ExtractError
from ..identity import article_uuid, canonical_link, item_key, key_collisions
from ..markup import clean_text, html_text
from ..models import ListingItem, ListingPage, SiteDate
from .paging import cap
from .sanitize import absolute_url, sanitize_html

__all__ = ["parse_feed"]

_JSON_FEED_VERSION = "https://jsonfeed.org/version/"
_WEB = frozenset({"http", "https"})


@dataclass(frozen=True, slots=True)
class _Entry:
    """One feed entry, format-neutral, before the rules above make an item of it."""

    id: str
    link: str
    title: str
    summary: str
    published: dt.datetime | SiteDate | None  #: an aware instant, or a bare date when the feed gave no time


def parse_feed(
    text: str,
    feed_url: str,
    *,
    timezone: ZoneInfo,
    key_params: Sequence[str] | None = None,
    max_items: int | None = None,
) -> ListingPage:
    """The items of one feed document, in the feed's order. `feed_url` is the response's final URL (relative
    links resolve against it). Entries without a link, title or date are left out and named in `skipped`.
    `key_params` is the source's `sources[].key_params` (None: identity's default); entries beyond
    `max_items` are not read (`paging.cap`).

    Raises ExtractError when the document is no feed at all (HTML, garbage, broken JSON) or is cut off (XML
    that the parser rejects and that does not close its root element). A feed that parses to no entries
    returns an empty page: the caller decides what that means.
    """
    entries = _json_entries(text, feed_url) if text.lstrip().startswith("{") else _xml_entries(text, feed_url)
    items: list[ListingItem] = []
    skipped: list[str] = []
    seen: set[str] = set()
    keyed: list[tuple[str, str]] = []  # (link, key) of every entry, for key_collisions
    for entry in entries:
        link = canonical_link(_join(feed_url, entry.link)) if entry.link else ""
        label = entry.title or entry.id or link
        if not link:
            skipped.append(f"feed entry {label!r}: no usable link")
            continue
        key = feed_item_key(link, entry.id, key_params)
        keyed.append((link, key))
        if key in seen:
            skipped.append(f"duplicate feed entry {key} ({label!r}) left out")
            continue
        if not entry.title:
            skipped.append(f"feed entry {link}: no title")
            continue
        if entry.published is None:
            skipped.append(f"feed entry {entry.title!r} ({link}): no date")
            continue
        seen.add(key)
        instant = entry.published if isinstance(entry.published, dt.datetime) else None
        items.append(
            ListingItem(
                key=key,
                title=entry.title,
                link=link,
                published=_site_date(entry.published, timezone),
                summary=entry.summary,
                position=len(items),
                instant=instant,
            )
        )
    skipped.extend(key_collisions(keyed))
    page = ListingPage(items=tuple(items), next_url=None, skipped=tuple(skipped))
    return cap(page, max_items) if max_items and len(items) > max_items else page


def feed_item_key(link: str, entry_id: str, key_params: Sequence[str] | None = None) -> str:
    """The store key of a feed entry (the module docstring's rule). An id that is itself an http(s) URL is
    keyed as a link is, so a CMS that renders state into its guids does not make every entry new on every
    read."""
    if uuid := article_uuid(link):
        return uuid
    entry_id = entry_id.strip()
    if entry_id.lower().startswith(("http://", "https://")):
        return item_key(entry_id, key_params)
    return entry_id or item_key(link, key_params)


def _join(base: str, link: str) -> str:
    """`link` made absolute against `base`; "" unless that is an http(s) URL (no "javascript:", no
    "mailto:", no broken authority such as "http://[x/"): an item's link is fetched and published."""
    return absolute_url(link, base, schemes=_WEB) or ""


def _site_date(published: dt.datetime | SiteDate, timezone: ZoneInfo) -> SiteDate:
    if isinstance(published, SiteDate):
        return published
    local = published.astimezone(timezone)
    return SiteDate(local.date(), local.time().replace(tzinfo=None))


# -- RSS and Atom, through feedparser ------------------------------------------------------------------------


def _xml_entries(text: str, feed_url: str) -> list[_Entry]:
    # Bytes in a BytesIO, never the str itself: feedparser treats a str that looks like a URL or a file name
    # as one, and fetches or opens it. The text was decoded once already (decoding.py), so it goes back as
    # UTF-8 and the header says so (RFC 7303: the charset parameter wins over the XML declaration).
    parsed = feedparser.parse(
        io.BytesIO(_bare_ampersands_escaped(text).encode("utf-8", "surrogatepass")),
        response_headers={"content-type": "application/xml; charset=utf-8", "content-location": feed_url},
        resolve_relative_uris=True,
        sanitize_html=True,
    )
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        error = parsed.get("bozo_exception")
        reason = f"{type(error).__name__}: {error}" if error is not None else "no <rss> or <feed> element"
        raise ExtractError(f"{feed_url}: not an RSS or Atom feed ({reason})")
    # Only the XML parser's errors can mean a cut-off document: feedparser also sets `bozo` for a well-formed
    # one whose bytes did not match the charset it was told (CharacterEncodingOverride), which reads fine.
    if isinstance(parsed.get("bozo_exception"), SAXException) and (why := _cut_off(text)):
        raise ExtractError(f"{feed_url}: {why}")
    return [_xml_entry(entry, feed_url) for entry in parsed.entries]


# Where an "&" may need escaping: a CDATA section or comment starts (an "&" in one is literal), or an "&".
_SECTION_OR_AMPERSAND_RE = re.compile(r"<!\[CDATA\[|<!--|&")
# What follows an "&" that starts a character or entity reference (anything else is a bare "&": "AT&T").
_REFERENCE_RE = re.compile(r"#[0-9]+;|#x[0-9a-fA-F]+;|[A-Za-z_:][\w.:-]*;")
_SECTION_END = {"<![CDATA[": "]]>", "<!--": "-->"}


def _bare_ampersands_escaped(text: str) -> str:
    """`text` with each bare "&" written `&amp;`, as the feed meant it. A bare "&" makes the document not
    well-formed, and feedparser's fallback (loose) parser then takes "&xxe" for an entity reference and gives
    back "&xxe;" in every title and text summary of the feed; escaped, the strict parser reads the text as
    written. An "&" inside a CDATA section or comment stays as it is.

    One pass, linear in the text: a regular expression that matched whole sections (`<!--.*?-->`) searched
    to the end of the document again at every unterminated "<!--", and a hostile feed of 160 KB of them took
    a minute (10 MB: days, holding the cycle lock)."""
    if "&" not in text:
        return text
    out: list[str] = []
    done = 0  # text[:done] is in `out`
    unterminated: set[str] = set()  # section kinds with no end anywhere after the last one looked for
    at = 0
    while (found := _SECTION_OR_AMPERSAND_RE.search(text, at)) is not None:
        token, at = found.group(), found.end()
        if token == "&":
            if _REFERENCE_RE.match(text, at) is None:
                out += [text[done : found.start()], "&amp;"]
                done = at
            continue
        if token in unterminated:
            continue  # read as text, as the expression did: a later "&" is still escaped
        end = text.find(_SECTION_END[token], at)
        if end < 0:
            unterminated.add(token)  # and then no later section of this kind ends either
            continue
        at = end + len(_SECTION_END[token])
    out.append(text[done:])
    return "".join(out)


# The root element's name: what comes before it is the prolog (declaration, comments, doctype) or stray text.
_ROOT_RE = re.compile(
    r"(?:[^<]|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)*<(?P<name>[A-Za-z_][\w.:-]*)",
    re.DOTALL | re.IGNORECASE,
)


def _cut_off(text: str) -> str | None:
    """Why an XML document looks cut off, or None when it closes its root element (anywhere after its
    start: junk after the end, which some hosts append, is no cut)."""
    root = _ROOT_RE.match(text)
    if root is None:
        return "the document has no root element (it was cut off)"
    name = root["name"]
    if re.compile(rf"</{re.escape(name)}\s*>").search(text, root.end()) is None:
        return f"the feed ends before its closing </{name}> (the document was cut off)"
    return None


def _xml_entry(entry: Mapping[str, Any], feed_url: str) -> _Entry:
    link = entry.get("link") or ""
    summary_detail = entry.get("summary_detail") or {}
    summary, summary_type = entry.get("summary") or "", summary_detail.get("type", "text/html")
    if not summary and entry.get("content"):  # Atom with content and no summary
        summary, summary_type = entry["content"][0].get("value", ""), entry["content"][0].get("type", "")
    title_type = (entry.get("title_detail") or {}).get("type", "text/plain")
    base = _join(feed_url, link) or feed_url
    return _Entry(
        id=str(entry.get("id") or ""),
        link=str(link),
        title=_text(entry.get("title") or "", title_type, base),
        summary=_text(summary, summary_type, base),
        # Asked for a missing `updated_parsed`, feedparser 6 answers `published_parsed` with a
        # DeprecationWarning (its issue 310); `in` checks the real key.
        published=_struct_instant(
            entry.get("published_parsed") or (entry["updated_parsed"] if "updated_parsed" in entry else None)
        ),
    )


def _struct_instant(value: time.struct_time | None) -> dt.datetime | None:
    """feedparser's parsed dates are UTC (it applies the offset the feed gave): read them as UTC."""
    if value is None:
        return None
    try:
        return _representable(dt.datetime.fromtimestamp(calendar.timegm(value), dt.UTC))
    except (OverflowError, ValueError, OSError):
        return None


#: Instants a day inside datetime's range: any zone's wall time of them exists. Beyond, the instant (or its
#: conversion to UTC or the source's zone) raises OverflowError; no real news date is there anyway.
_FIRST, _LAST = dt.datetime(1, 1, 2, tzinfo=dt.UTC), dt.datetime(9999, 12, 30, tzinfo=dt.UTC)


def _representable(instant: dt.datetime) -> dt.datetime | None:
    """`instant` in UTC, or None (no usable date) when it or its wall time in some zone would overflow
    (`9999-12-31T23:59:59-05:00`, `0001-01-01T00:00:00+05:00`: each used to fail the whole run)."""
    try:
        utc = instant.astimezone(dt.UTC)
    except OverflowError:
        return None
    return utc if _FIRST <= utc <= _LAST else None


# -- JSON Feed 1.0 / 1.1 ------------------------------------------------------------------------------------


def _json_entries(text: str, feed_url: str) -> list[_Entry]:
    try:
        document = json.loads(text)
    except ValueError as error:
        raise ExtractError(f"{feed_url}: not a JSON Feed (invalid JSON: {error})") from None
    except RecursionError:
        # `[[[[…` 200,000 deep: the standard parser recurses per level. No feed nests more than a few.
        raise ExtractError(f"{feed_url}: not a JSON Feed (JSON nested too deeply)") from None
    if not isinstance(document, dict) or not str(document.get("version", "")).startswith(_JSON_FEED_VERSION):
        raise ExtractError(f"{feed_url}: not a JSON Feed (no {_JSON_FEED_VERSION}… version)")
    items = document.get("items")
    if not isinstance(items, list):
        raise ExtractError(f"{feed_url}: not a JSON Feed (no items array)")
    return list(_json_items(items, feed_url))


def _json_items(items: list[Any], feed_url: str) -> Iterator[_Entry]:
    for item in items:
        if not isinstance(item, dict):
            continue
        link = _string(item.get("url")) or _string(item.get("external_url"))
        base = _join(feed_url, link) or feed_url
        if summary := _string(item.get("summary")) or _string(item.get("content_text")):
            text = _text(summary, "text/plain", base)
        else:
            text = _text(_string(item.get("content_html")), "text/html", base)
        yield _Entry(
            id=_string(item.get("id")) if not isinstance(item.get("id"), int) else str(item["id"]),
            link=link,
            title=_text(_string(item.get("title")), "text/plain", base),
            summary=text,
            published=_rfc3339(_string(item.get("date_published")) or _string(item.get("date_modified"))),
        )


def _rfc3339(value: str) -> dt.datetime | SiteDate | None:
    """A JSON Feed date (RFC 3339): an aware instant. Against the spec, a bare date or a time without an
    offset is taken as what the site printed: a wall time in the source's zone (a SiteDate)."""
    value = value.strip()
    try:
        if len(value) == 10:
            return SiteDate(dt.date.fromisoformat(value))
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return SiteDate(parsed.date(), parsed.time())
    return _representable(parsed)


def _string(value: object) -> str:
    return value if isinstance(value, str) else ""


# -- text --------------------------------------------------------------------------------------------------


def _text(value: str, media_type: str, base_url: str) -> str:
    """The text of a title or summary, on one line; HTML is sanitized first (scripts and styles go with
    their contents), then reduced to its words. Characters XML cannot carry are render.py's job, as for
    listing text."""
    if "html" in media_type:
        return clean_text(html_text(sanitize_html(value, base_url)))
    return clean_text(value)
