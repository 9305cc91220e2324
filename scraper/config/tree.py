"""The config tree: frozen dataclasses, one per table of the TOML file, with their defaults. Pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

ENV_VAR = "AKTUELLT_CONFIG"

DEFAULT_PATH = Path("config.toml")

DEFAULT_USER_AGENT = "aktuellt/{version} (+{base_url})"  # both placeholders also work in a user's value

DEFAULT_EVERY = dt.timedelta(minutes=15)

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the scraper package (this file is in scraper/config/)

#: `sources[].type`: "listing" (an HTML news listing, the default) or "feed" (RSS 2.0, Atom or JSON Feed).
SOURCE_TYPES = ("listing", "feed")


@dataclass(frozen=True)
class SiteConfig:
    title: str
    base_url: str  # always ends with "/"
    output_dir: Path
    database: Path
    language: str = "sv"
    max_items: int = 50
    removed: str = "drop"  # "drop": a removed item leaves the main feeds; "mark": stays marked a while
    removed_days: int = 7


@dataclass(frozen=True)
class FetchConfig:
    user_agent: str
    timeout: float = 20.0
    retries: int = 3
    concurrency: int = 4
    delay: float = 1.0
    max_bytes: int = 10_000_000
    sources_in_parallel: int = 8  #: sources read at once (requests to one host stay `delay` apart)


@dataclass(frozen=True)
class ScheduleConfig:
    every: dt.timedelta | None  # exactly one of every / cron is set
    cron: str | None
    jitter: dt.timedelta
    timezone: str = "Europe/Stockholm"


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8080


@dataclass(frozen=True)
class SelectorConfig:
    """CSS selectors overriding the built-in goteborg.se rules; None means "use the default"."""

    item: str | None = None
    title: str | None = None
    link: str | None = None
    date: str | None = None
    summary: str | None = None
    next: str | None = None


@dataclass(frozen=True)
class SourceConfig:
    id: str
    title: str
    url: str
    timezone: str = "Europe/Stockholm"
    max_pages: int = 10
    articles: bool = True
    selectors: SelectorConfig = field(default_factory=SelectorConfig)
    #: hosts besides the listing URL's own that requests may go to: "host" (on its scheme's default port) or
    #: "host:port", IPv6 as "[::1]:8080"; stored lower-case
    allowed_hosts: tuple[str, ...] = ()
    max_articles_per_cycle: int = 50  #: article pages fetched per cycle at most, newest items first
    #: new items stored per cycle at most, in the listing's order; the rest become new in later cycles
    max_new_items_per_cycle: int = 500
    #: items read from one listing page (or feed) at most; those beyond are not read, with a warning
    max_items_per_page: int = 1000
    type: str = "listing"  #: one of SOURCE_TYPES: an HTML listing page, or the site's own RSS/Atom/JSON feed
    #: query parameters that name an article in a link without a UUID (None: identity.DEFAULT_KEY_PARAMS)
    key_params: tuple[str, ...] | None = None
    #: how "05/06/2026" reads: "dmy", "mdy" or "ymd" (default from site.language, see `date_order_for`)
    date_order: str = "dmy"


@dataclass(frozen=True)
class TopicConfig:
    id: str
    title: str
    match: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    regex: str | None = None
    description: str | None = None  #: one line for feed subtitles and index.html; None: a generated one
    tags: tuple[str, ...] = ()  #: article-page tags that put an item in this topic (whole tags, any case)
    sources: tuple[str, ...] = ()  #: ids of sources every item of which is in this topic (`add --topic`)


#: What a notify target can be told about: the kinds of event the store records.
EVENT_KINDS = ("new", "edited", "removed", "restored")

#: `notify[].digest`: one message per event, per cycle (every event the cycle queued), or per day.
DIGESTS = ("event", "cycle", "daily")


@dataclass(frozen=True)
class NotifyConfig:
    """One `[[notify]]` target: an Apprise URL (`url`) or a webhook that gets the aktuellt.event/1 JSON
    document of each event (`webhook`); exactly one of the two is set. Its events go through the store's
    outbox: at least once, in order, retried with back-off across cycles until `give_up_after`."""

    id: str = "webhook"  #: names the target in the store, logs and status (an Apprise URL holds secrets)
    url: str | None = None  #: an Apprise URL: mailto://, slack://, msteams://, tgram://, json://, ntfy:// …
    webhook: str | None = None  #: POST one aktuellt.event/1 JSON document per event here (http or https URL)
    kinds: tuple[str, ...] = EVENT_KINDS  #: which events to send (the others are skipped, never sent)
    topics: tuple[str, ...] = ()  #: only items in one of these topics (empty: every item)
    sources: tuple[str, ...] = ()  #: only items of these sources (empty: every source)
    digest: str = "cycle"  #: one of DIGESTS; a webhook always gets one document per event
    timeout: float = 5.0  #: seconds per attempt, wall clock: a slow receiver must not hold the cycle up
    give_up_after: dt.timedelta = dt.timedelta(days=7)  #: then an undelivered event is marked undeliverable


@dataclass(frozen=True)
class WebSubConfig:
    hub: str | None = None  # WebSub hub pinged (hub.mode=publish) when a feed's bytes change
    timeout: float = 5.0  # seconds per ping attempt, wall clock


@dataclass(frozen=True)
class PublishConfig:
    """Where the output folder is also published: an S3 bucket (the local folder stays the true copy)."""

    target: str | None = None  #: "s3://bucket" or "s3://bucket/prefix"; None: the local folder only
    endpoint_url: str | None = None  #: an S3-compatible service's URL (None: AWS's own, by region)
    region: str | None = None  #: None: from the AWS configuration chain


@dataclass(frozen=True)
class Config:
    site: SiteConfig
    fetch: FetchConfig
    schedule: ScheduleConfig
    server: ServerConfig
    sources: tuple[SourceConfig, ...]
    topics: tuple[TopicConfig, ...]
    notify: tuple[NotifyConfig, ...] = ()  #: the `[[notify]]` targets (a `[notify]` table is one)
    websub: WebSubConfig = field(default_factory=WebSubConfig)
    publish: PublishConfig = field(default_factory=PublishConfig)
    path: Path | None = None  # the file it was loaded from


#: Languages whose sites write numeric dates month first, or year first; every other one is day first.
_MDY_LANGUAGES = frozenset({"en-us", "en-ph", "fil"})

_YMD_LANGUAGES = frozenset({"zh", "ja", "ko", "hu", "lt", "mn"})


def date_order_for(language: str) -> str:
    """The numeric date order a site in `language` uses: "mdy" for US English, "ymd" for East Asian
    languages, Hungarian and Lithuanian, else "dmy" (all of Europe, Swedish, Norwegian, Danish, German)."""
    tag = language.casefold()
    if tag in _MDY_LANGUAGES:
        return "mdy"
    return "ymd" if tag.split("-")[0] in _YMD_LANGUAGES else "dmy"
