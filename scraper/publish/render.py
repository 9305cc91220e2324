"""Entries → RSS 2.0 and Atom 1.0 documents, as bytes. The only module that imports feedgen.

Pure and deterministic: no file writes, no clock, no network. Identical inputs give identical bytes, so the
publisher can skip rewriting a feed whose data did not change. The caller sorts the entries (newest first) and
cuts them to `max_items`; this module keeps their order exactly and never decides which entries to show.
What each field of an entry becomes in either format is README's "In the feeds"; feedgen 1.0.0's quirks are
worked around where they bite, each commented. HTML reaching this module is already sanitized
(scraper.sanitize); it is only escaped here.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Sequence
from typing import Any, Literal
from zoneinfo import ZoneInfo

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem

from ..models import Change, Deleted, Entry, FeedMeta, LeadImage
from .indexpage import feed_url
from .shown import dated, documents, reading_order

__all__ = [
    "EMPTY_FEED_UPDATED",
    "IMAGE_TYPE",
    "in_zone",
    "render_atom",
    "render_rss",
    "xml_safe",
]

Format = Literal["rss", "atom"]

GENERATOR = "aktuellt"

#: Feed-level `updated` / `lastBuildDate` of a feed with no entries. There is no data to date it by, and "now"
#: would change the bytes on every run (and rewrite the file every cycle); the Unix epoch is a fixed instant
#: that is older than any real entry, so a reader comparing dates never takes the empty document for news.
EMPTY_FEED_UPDATED = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

RSS_SPEC_URL = "https://www.rssboard.org/rss-specification"

# Characters XML 1.0 forbids (C0 controls except tab, LF, CR; lone surrogates; the non-characters U+FFFE
# and U+FFFF). lxml raises on all of them, and a site's text does contain stray ones. Astral characters
# (emoji) are single code points in a str, so the surrogate range never hits them.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Vertical tab and form feed are whitespace to the writer (Word's soft line break pastes as a vertical tab):
# dropping them would glue the words on either side together, so they become a space instead.
_XML_ILLEGAL_SPACE = re.compile(r"[\x0b\x0c]")


def xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 cannot carry (VT and FF become a space); the rest is kept."""
    return _XML_ILLEGAL.sub("", _XML_ILLEGAL_SPACE.sub(" ", text))


class _AtomEnclosure(BaseEntryExtension):  # type: ignore[misc]
    """Writes `<link rel="enclosure" href type length>` into an Atom entry, which feedgen 1.0.0 cannot
    (feedgen#135). Registered on Atom entries only; RSS uses feedgen's own `<enclosure>`."""

    def __init__(self) -> None:
        self.links: list[dict[str, str]] = []

    def extend_atom(self, entry: Any) -> Any:
        for attributes in self.links:
            xml_elem("link", entry, **attributes)
        return entry


#: The lead image's type when its server gave none: an article's lead image is a photo.
IMAGE_TYPE = "image/jpeg"


def render_rss(meta: FeedMeta, items: Sequence[Entry] | Sequence[Change]) -> bytes:
    """The RSS 2.0 document for `items`, in the order given (UTF-8 bytes, pretty-printed). Entries are dated
    as readers are shown them (`shown.dated`); the changes feed's events each get their own guid, dated by
    the event."""
    return _render(meta, items, "rss")


ATOM_NS = "http://www.w3.org/2005/Atom"
TOMBSTONES_NS = "http://purl.org/atompub/tombstones/1.0"  #: RFC 6721
HISTORY_NS = "http://purl.org/syndication/history/1.0"  #: RFC 5005


class _Extras(BaseExtension):  # type: ignore[misc]
    """Feed-level elements feedgen has no API for: RFC 6721 `at:deleted-entry`, RFC 5005 `fh:archive`, and
    `atom:link rel="hub"` in RSS. RFC 4287 allows foreign (extension) elements anywhere in atom:feed."""

    def __init__(self) -> None:
        self.deleted: Sequence[Deleted] = ()
        self.archive = False
        self.hub: str | None = None  #: RSS only (Atom has its own link element)
        self.tz: ZoneInfo = ZoneInfo("UTC")

    def extend_ns(self) -> dict[str, str]:
        # Only the namespaces used, so a feed without tombstones or archive flag keeps its bytes.
        namespaces = {"at": TOMBSTONES_NS} if self.deleted else {}
        return namespaces | ({"fh": HISTORY_NS} if self.archive else {})

    def extend_atom(self, feed: Any) -> Any:
        if self.archive:
            feed.append(feed.makeelement(f"{{{HISTORY_NS}}}archive", {}))
        for gone in self.deleted:
            when = in_zone(gone.removed_at, self.tz).isoformat()
            attributes = {"ref": xml_safe(gone.entry_id), "when": when}
            element = feed.makeelement(f"{{{TOMBSTONES_NS}}}deleted-entry", attributes)
            feed.append(element)
            # feedgen writes Atom elements unqualified under an xmlns attribute: "link" is atom:link.
            element.append(element.makeelement("link", {"href": xml_safe(gone.link)}))
            comment = element.makeelement(f"{{{TOMBSTONES_NS}}}comment", {})
            comment.text = xml_safe(f"Borttagen från webbplatsen: {gone.title}")
            element.append(comment)
        return feed

    def extend_rss(self, feed: Any) -> Any:
        if self.hub:
            link = {"rel": "hub", "href": xml_safe(self.hub)}
            feed[0].append(feed[0].makeelement(f"{{{ATOM_NS}}}link", link))
        return feed


def render_atom(
    meta: FeedMeta, items: Sequence[Entry] | Sequence[Change], deleted: Sequence[Deleted] = ()
) -> bytes:
    """The Atom 1.0 document for `items`, as `render_rss`, with an RFC 6721 tombstone for each of `deleted`.
    An event's `updated` is `Change.at` (for a "new" event of an item found after its date, that date:
    diffs.change_time)."""
    return _render(meta, items, "atom", deleted)


def _render(
    meta: FeedMeta, items: Sequence[Entry] | Sequence[Change], fmt: Format, deleted: Sequence[Deleted] = ()
) -> bytes:
    tz = ZoneInfo(meta.timezone)
    entries = [item for item in items if isinstance(item, Entry)]
    if entries:
        items = dated(entries, tz)
    fg = _feed(meta, items, tz, fmt, deleted)
    for item in items:
        # feedgen prepends by default, which would reverse the caller's newest-first order.
        fe = fg.add_entry(order="append")
        if isinstance(item, Change):
            _fill_change(fe, meta, item, tz, fmt)
        else:
            _fill_entry(fe, meta, item, tz, fmt)
    return _finish(fg, meta, fmt)


def _fill_change(fe: Any, meta: FeedMeta, change: Change, tz: ZoneInfo, fmt: Format) -> None:
    fe.guid(xml_safe(change.event_id), permalink=False)
    fe.title(xml_safe(change.title))
    fe.link(href=xml_safe(change.link), rel="alternate")
    content = xml_safe(change.content_html)
    if fmt == "rss":
        fe.description(content)  # RSS description is HTML; feedgen escapes it once
        fe.dc.dc_creator(xml_safe(meta.author))
    # In RSS content:encoded too: readers that show only content:encoded (the `reader` library) were left with
    # an empty entry.
    fe.content(content, type="html" if fmt == "atom" else None)
    fe.category([{"term": change.kind}])
    when = in_zone(change.at, tz)
    fe.published(when)
    fe.updated(when)


def _feed(
    meta: FeedMeta,
    entries: Sequence[Entry] | Sequence[Change],
    tz: ZoneInfo,
    fmt: Format,
    deleted: Sequence[Deleted] = (),
) -> Any:
    """A FeedGenerator with the feed-level facts of a document of format `fmt`, before its entries."""
    fg = FeedGenerator()
    fg.id(xml_safe(meta.feed_id))
    title = xml_safe(meta.title)
    fg.title(title)
    # subtitle is also the RSS channel <description>, which RSS requires: fall back to the title.
    fg.subtitle(xml_safe(meta.subtitle) or title)
    fg.language(xml_safe(meta.language))  # RSS <language> and Atom xml:lang
    fg.generator(GENERATOR)  # without a version, so an upgrade alone does not rewrite every feed
    fg.docs(RSS_SPEC_URL)
    if any(isinstance(entry, Entry) and entry.image is not None for entry in entries):
        fg.load_extension("media")  # declares xmlns:media only where a feed carries an image
    # Never "now": the newest entry's `updated` (max, not the first entry: an old item may have been edited).
    newest = max(
        (entry.updated if isinstance(entry, Entry) else entry.at for entry in entries),
        default=EMPTY_FEED_UPDATED,
    )
    fg.updated(in_zone(newest, tz))  # Atom <updated> and RSS <lastBuildDate>; no channel <pubDate>
    if deleted or meta.archive or (meta.hub and fmt == "rss"):  # what feedgen has no API for: `_Extras`
        fg.register_extension("extras", _Extras, None, atom=fmt == "atom", rss=fmt == "rss")
        fg.extras.deleted = deleted
        fg.extras.archive = meta.archive
        fg.extras.hub = meta.hub
        fg.extras.tz = tz
    if fmt == "rss":
        # RSS takes the channel <link> from the last link() call: self first (it becomes atom:link
        # rel=self), the human page last (it becomes <link>).
        fg.link(href=xml_safe(feed_url(meta, ".rss")), rel="self", type="application/rss+xml")
        fg.link(href=xml_safe(meta.home_url), rel="alternate")
        # Dublin Core for each item's `dc:creator`: RSS `author` must be an email address (RSS Best Practices
        # Profile) and the publisher has none to give, so without it rss2email's From: read
        # "<feed title>: <author>" with a literal placeholder for every item of all.rss.
        fg.load_extension("dc", atom=False, rss=True)
    else:
        # RFC 4287: required at feed level. The publisher, not the title again (rss2email's From: shows both).
        fg.author(name=xml_safe(meta.author), uri=xml_safe(meta.home_url))
        # Atom readers that take "the" feed link use the first one: the human page goes first.
        fg.link(href=xml_safe(meta.home_url), rel="alternate", type="text/html")
        fg.link(href=xml_safe(feed_url(meta, ".atom")), rel="self", type="application/atom+xml")
        for rel, href in meta.links:
            fg.link(href=xml_safe(href), rel=rel)
        if meta.hub:
            fg.link(href=xml_safe(meta.hub), rel="hub")
    return fg


def _fill_entry(fe: Any, meta: FeedMeta, entry: Entry, tz: ZoneInfo, fmt: Format) -> None:
    """Map one `Entry` onto a feedgen entry of format `fmt`: the one place to extend (content, enclosures)."""
    if fmt == "atom" and (entry.image is not None or documents(entry)):
        fe.register_extension("atom_enclosure", _AtomEnclosure, atom=True, rss=False)
    link = xml_safe(entry.link)
    # Atom id and RSS guid with isPermaLink="false": a tag: URI is not a URL to dereference.
    fe.guid(xml_safe(entry.entry_id), permalink=False)
    title = xml_safe(entry.title)
    # feedgen refuses an empty title; the link is a true, if plain, stand-in (an empty title is a site bug).
    fe.title(title if title.strip() else link)
    fe.link(href=link, rel="alternate")
    summary = xml_safe(entry.summary)
    if summary and fmt == "rss":
        # An RSS item description is HTML (RSS Best Practices Profile), and the summary is plain text: escape
        # it once more, or a "<b>" or "&amp;" in the site's text would reach readers as markup.
        fe.description(html.escape(summary, quote=False), isSummary=True)
    elif summary:
        fe.summary(summary, type="text")
    content = xml_safe(reading_order(entry.content_html))
    if content:
        # Escaped text, not CDATA: lxml refuses a "]]>" inside CDATA, and readers unescape either.
        fe.content(content, type="html" if fmt == "atom" else None)
    if fmt == "rss":
        fe.dc.dc_creator(xml_safe(meta.author))  # Atom entries inherit the feed's <author>
    if entry.dated or fmt == "rss":
        # An undated item: RSS readers order by pubDate, so it gets the first-seen instant; Atom has
        # <updated> (= first seen) for that, and <published> is left out rather than invented.
        fe.published(in_zone(entry.published, tz))  # Atom <published> and RSS <pubDate>
    fe.updated(in_zone(entry.updated, tz))  # Atom only; feedgen would default it to now
    categories = [_category(meta, topic) for topic in entry.topics]
    # The article page's own tags follow, as plain terms: they belong to the site's vocabulary, not ours.
    categories += [{"term": xml_safe(tag)} for tag in dict.fromkeys(entry.tags) if tag not in entry.topics]
    if categories:
        fe.category(categories)
    if entry.image is not None:
        _add_image(fe, entry.image, fmt)
    if fmt == "atom":
        # One enclosure link per document, as JSON Feed lists them. RSS allows one enclosure per item (the
        # lead image); its documents are the links in content:encoded (the body's, or its "Dokument" list).
        for document in documents(entry):
            attributes = {"href": xml_safe(document.url), "rel": "enclosure", "type": document.media_type}
            fe.atom_enclosure.links.append(attributes | {"title": xml_safe(document.title)})


def _category(meta: FeedMeta, topic: str) -> dict[str, str]:
    """feedgen's category for one of our topics: term = the topic id (stable, as in topics/<id>.*), label =
    its title (Atom `label`; feedgen writes the label as the RSS text, which readers show), scheme = the URI
    of our topic list (Atom `scheme`, RSS `domain`)."""
    category = {"term": xml_safe(topic), "label": xml_safe(dict(meta.categories).get(topic, topic))}
    if meta.category_scheme:
        category["scheme"] = xml_safe(meta.category_scheme)
    return category


def _add_image(fe: Any, image: LeadImage, fmt: Format) -> None:
    """The lead image as enclosure (RSS `<enclosure>` / Atom `link rel="enclosure"`) and as Media RSS."""
    url = xml_safe(image.url)
    media_type = image.media_type or IMAGE_TYPE  # RSS requires a type
    if fmt == "rss":
        fe.enclosure(url, str(image.length), media_type)  # length 0 where the server gave none (RSS profile)
    else:
        link = {"href": url, "rel": "enclosure", "type": media_type}
        if image.length:
            link["length"] = str(image.length)
        fe.atom_enclosure.links.append(link)
    content = {"url": url, "medium": "image", "type": media_type}
    if image.length:
        content["fileSize"] = str(image.length)
    fe.media.content(content, group=None)  # group=None: directly in the item, no <media:group>
    fe.media.thumbnail({"url": url}, group=None)


def in_zone(value: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """`value` in the feed's zone, to whole seconds, so feeds show the local offset (+01:00 / +02:00).

    A naive datetime is a bug upstream (astimezone would silently read it as the server's local time)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime reached the renderer: {value!r}")
    # RSS dates have no fractions and Atom's are optional: dropping them keeps both formats on one instant.
    return value.astimezone(tz).replace(microsecond=0)


def _finish(fg: Any, meta: FeedMeta, fmt: Format) -> bytes:
    """The document serialized, post-processed: the place for fixes to feedgen's output.

    With `meta.stylesheet` set, an `<?xml-stylesheet?>` instruction goes right after the XML declaration:
    browsers then show the feed as a page (the XSLT explains how to subscribe); feed readers ignore it."""
    document: bytes = fg.rss_str(pretty=True) if fmt == "rss" else fg.atom_str(pretty=True)
    if meta.stylesheet:
        declaration, newline, rest = document.partition(b"\n")
        if not declaration.startswith(b"<?xml"):
            raise ValueError(f"{fmt} document does not start with an XML declaration")
        href = html.escape(xml_safe(meta.stylesheet), quote=True).encode("utf-8")
        instruction = b'<?xml-stylesheet type="text/xsl" href="' + href + b'"?>'
        document = declaration + newline + instruction + newline + rest
    return document
