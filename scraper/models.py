"""Plain frozen data passed between the pipeline's stages. No I/O, no behaviour beyond small derivations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


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
    published: SiteDate
    summary: str
    position: int  #: 0-based order across all listing pages of this cycle


@dataclass(frozen=True, slots=True)
class ListingPage:
    """What one listing page yielded."""

    items: tuple[ListingItem, ...]
    next_url: str | None  #: absolute URL of the next listing page, if the page links one
    skipped: tuple[str, ...] = ()  #: one line per malformed item that was left out (for the log)


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


@dataclass(frozen=True, slots=True)
class SourceReport:
    """What one cycle did for one source; `error` is set when it failed."""

    source: str
    status: str  #: "ok", "not_modified" or "failed"
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    pages: int = 0
    requests: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class RunReport:
    sources: tuple[SourceReport, ...] = ()
    files_written: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return all(s.status != "failed" for s in self.sources)
