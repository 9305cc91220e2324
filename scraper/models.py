"""Plain frozen data passed between the rooms and the cycle. No I/O, no behaviour beyond small derivations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SiteDate:
    """A date as the site printed it, in the source's local time; `time` is None when the page gave none."""

    day: dt.date
    time: dt.time | None = None


@dataclass(frozen=True, slots=True)
class ListingItem:
    """One item as read from a listing page, before it meets the store."""

    key: str  #: the article UUID, or the link with portlet state stripped when there is none
    title: str
    link: str  #: absolute canonical article URL (no portlet state, no #Z7_ fragment)
    published: SiteDate | None  #: None: the page shows no date (the item is dated by first sight)
    summary: str
    position: int  #: 0-based order across all listing pages of this cycle
    #: the exact instant (aware) when the source gave one with its UTC offset, as a feed entry does; it is the
    #: `published` instant then, and `published` the same moment as wall time in the source's zone
    instant: dt.datetime | None = None
    #: where `published` came from: "time", "element" (a date element), "relative" (a date element such as
    #: "igår 14:30", read against the fetch time), "title", "url" (the link's path) or "none"
    date_source: str = "element"


@dataclass(frozen=True, slots=True)
class ListingPage:
    """What one listing page yielded."""

    items: tuple[ListingItem, ...]
    next_url: str | None  #: absolute URL of the next listing page, if the page links one
    skipped: tuple[str, ...] = ()  #: one line per malformed item that was left out (for the log)
    blocks: tuple[Block, ...] = ()  #: the repeated blocks considered when items were found by structure
    capped: bool = False  #: items beyond `max_items_per_page` were not read (nor any next page)


@dataclass(frozen=True, slots=True)
class Block:
    """A repeated block of a listing page that the extractor considered (what `aktuellt probe` shows)."""

    where: str  #: CSS-like: the parent's and the blocks' tag and classes
    items: int
    dated: int  #: blocks in it with a date
    taken: bool
    why: str  #: how it was judged: "dated by elements", "inside navigation", …
    sample: str = ""  #: the first block's title


@dataclass(frozen=True, slots=True)
class Page:
    """A fetched response body, decoded once."""

    url: str  #: the final URL, after redirects: relative links resolve against it
    text: str
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    size: int = 0  #: bytes received on the wire (after content decoding)


@dataclass(frozen=True, slots=True)
class NotModified:
    """The server answered 304 to a conditional request: a value, not an error."""

    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class Validators:
    """The validators stored for one URL, sent back as If-None-Match / If-Modified-Since."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """A document the article links to (a PDF, a Word file): absolute URL and the link's text."""

    url: str
    title: str


@dataclass(frozen=True, slots=True)
class LeadImage:
    """The article's top image. `media_type`/`length` come from a HEAD request (None/0 when unknown)."""

    url: str  #: absolute
    alt: str = ""
    caption: str = ""  #: the figure caption as printed, photographer included ("Foto: …")
    media_type: str | None = None
    length: int = 0


@dataclass(frozen=True, slots=True)
class Article:
    """What one article page yielded. Every part is optional: real pages may lack any of them."""

    heading: str = ""
    ingress: str = ""  #: the lead paragraph, as text
    body_html: str = ""  #: the body's inner HTML as the site wrote it: UNSAFE until sanitized
    image: LeadImage | None = None
    updated: SiteDate | None = None  #: "Senast uppdaterad …"
    tags: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True)
class ArticleState:
    """What the store knows about one item's article."""

    status: str  #: "ok", "pending", "gone" or "failed" (gave up)
    attempts: int = 0  #: failures in a row
    checks: int = 0  #: successful re-checks since the last change of the listing item
    content_hash: str | None = None  #: of the last body read; None while none was ever read
    validators: Validators = Validators()
    image: LeadImage | None = None


@dataclass(frozen=True, slots=True)
class ArticleJob:
    """One article page to fetch this cycle."""

    key: str
    url: str
    published: dt.datetime
    reason: str  #: "new", "changed", "retry", "recheck", "backfill" or "confirm" (an unconfirmed removal)
    state: ArticleState | None = None


@dataclass(frozen=True, slots=True)
class ArticleContent:
    """An article as the feeds use it: sanitized HTML and the text it is compared on."""

    content_html: str
    body_text: str
    content_hash: str
    heading: str = ""
    ingress: str = ""
    image: LeadImage | None = None
    site_updated: dt.datetime | None = None
    tags: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True)
class ArticleWrite:
    """What the store records for one fetched (or failed) article; `content` None keeps the stored one."""

    key: str
    status: str
    attempts: int
    checks: int
    checked: dt.datetime
    next_attempt: dt.datetime | None
    http_status: int | None = None
    error: str | None = None
    content: ArticleContent | None = None
    validators: Validators | None = None
    #: move the item's `updated` forward to this instant (never back); None leaves it
    updated_to: dt.datetime | None = None
    #: the article's words changed: `updated` moves past its stored value even when `updated_to` is not
    #: later (a date-only item's nominal time can lie hours ahead of the edit)
    edited: bool = False


@dataclass(frozen=True, slots=True)
class Entry:
    """A stored item as it goes into a feed. Datetimes are timezone-aware."""

    source: str
    key: str
    entry_id: str  #: tag: URI, minted once at first sight and never changed
    title: str
    summary: str
    link: str
    published: dt.datetime
    updated: dt.datetime
    first_seen: dt.datetime
    position: int
    topics: tuple[str, ...] = ()
    content_html: str = ""  #: sanitized article HTML for content:encoded / Atom content; "" when none yet
    image: LeadImage | None = None  #: the lead image, published as enclosure and Media RSS
    tags: tuple[str, ...] = ()  #: the article page's own tags or topic words, when it has any
    #: False when the page showed no date: `published` is then the first-seen instant (Atom omits it)
    dated: bool = True
    #: True when the site printed a time with the date: `published` is that wall time, never restated as a
    #: date-only item's nominal instant (instants.restate_published)
    timed: bool = False


@dataclass(frozen=True, slots=True)
class Change:
    """One entry of the changes feed: an event (new, edited, removed, restored) on one item."""

    event_id: str  #: tag: URI of the event itself, never the item's id
    kind: str
    at: dt.datetime
    item_id: str  #: the item's entry id, so a reader can tie the event to the main feed's entry
    title: str
    link: str
    content_html: str  #: the diff, or the (last known) version


@dataclass(frozen=True, slots=True)
class Deleted:
    """An RFC 6721 tombstone: an entry that was removed from the site, with its last title."""

    entry_id: str
    link: str
    title: str
    removed_at: dt.datetime


@dataclass(frozen=True, slots=True)
class FeedMeta:
    """Feed-level facts for one feed document; `path` is relative to the output dir, without extension."""

    path: str
    title: str
    subtitle: str
    feed_id: str
    base_url: str  #: public URL of the output dir, ending in "/"
    home_url: str  #: the human page the feed mirrors
    language: str
    timezone: str = "Europe/Stockholm"  #: dates are rendered with this zone's offset
    hub: str | None = None  #: WebSub hub, announced with rel="hub" (Atom and RSS)
    links: tuple[tuple[str, str], ...] = ()  #: extra Atom (rel, href): RFC 5005 prev-archive, current, …
    archive: bool = False  #: an RFC 5005 archive document (fh:archive)
    #: href of the XSLT that lets a browser show the document as a page, relative to the document (or None)
    stylesheet: str | None = None
    #: (topic id, topic title) for every topic an entry may carry: the labels of the entries' categories
    categories: tuple[tuple[str, str], ...] = ()
    #: URI naming the topic vocabulary: the Atom category `scheme` and RSS category `domain` (or None)
    category_scheme: str | None = None
    #: who the entries are by (Atom feed `author`, JSON Feed `authors`): the publisher, not the feed's title
    author: str = "Göteborgs Stad"


@dataclass(frozen=True, slots=True)
class SourceReport:
    """What one cycle did for one source; `error` is set when it failed."""

    source: str
    status: str  #: "ok", "not_modified" or "failed"
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    pages: int = 0
    requests: int = 0
    error: str | None = None
    articles: int = 0  #: article pages fetched and read this cycle
    articles_failed: int = 0  #: article pages that failed this cycle (the items are still published)
    error_kind: str | None = None  #: errors.error_kind() of `error`: "http_503", "transport", "layout", …
    held_back: int = 0  #: new items beyond `max_new_items_per_cycle`, left for later cycles
    seconds: float = 0.0  #: wall time the source took this cycle (reading and storing)
    #: A ready `[[sources]]` block that would read the source instead (the feed a page of no items advertises)
    suggestion: str = ""


@dataclass(frozen=True, slots=True)
class RunReport:
    sources: tuple[SourceReport, ...] = ()
    files_written: tuple[str, ...] = ()
    bytes_received: int = 0  #: body bytes off the wire (before decoding), for the log and /metrics

    @property
    def ok(self) -> bool:
        return all(s.status != "failed" for s in self.sources)
