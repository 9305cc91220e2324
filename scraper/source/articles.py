"""Article pages: which to fetch, fetching them politely in parallel, what each result means for the store.

The decisions are pure functions (`read_article`, `decide`, `retry_delay`, `next_check`); only
`fetch_articles` does I/O, through the shared, thread-safe `Fetcher` (which keeps the per-host delay and
robots.txt). Rules:

- An article page is fetched for an item that is new or whose listing text changed, and for items whose
  stored article is due: a failed fetch being retried (backoff: the next cycle, then 15 min doubling up to a
  day, giving up after `MAX_ATTEMPTS`), a recent article being re-checked for edits (conditional GET, at
  widening intervals while the item is younger than `RECHECK_WINDOW`), an item stored before articles were
  fetched at all (backfill), or an item missing from the listing a second time when the read could not reach
  the listing's end (confirm: a 404 or 410 removes it, a page still there keeps it; see scraper.history).
  Nothing else: an unchanged source with nothing due fetches no article page.
- A failure never costs the item: it stays published with its listing data, its article is marked pending.
  404 and 410 mark it gone (not retried unless the listing changes the item).
- Bodies are compared on their normalized text (`identity.content_hash`), never on HTML. The first body an
  item gets is not an edit; a later, different one is, and moves the entry's `updated` to the cycle's time.
  A "Senast uppdaterad" date on the page moves `updated` forward when it is later than what the entry has.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from ..errors import FetchError, OutOfTime
from ..identity import content_hash
from ..instants import stable_instant
from ..markup import clean_text, html_text
from ..models import (
    Article,
    ArticleContent,
    ArticleJob,
    ArticleState,
    ArticleWrite,
    LeadImage,
    NotModified,
    Validators,
)
from ..sanity import sane_day, web_url
from .article import parse_article
from .fetch import Fetcher
from .hosts import host_of
from .sanitize import sanitize_html

log = logging.getLogger(__name__)

#: Statuses that say the article is gone for good, not broken for now.
GONE_STATUSES = frozenset({404, 410})
#: After this many failed attempts in a row an article is given up on (its item stays, with listing data).
MAX_ATTEMPTS = 14
RETRY_BASE = dt.timedelta(minutes=15)
RETRY_CAP = dt.timedelta(days=1)
#: Re-check a fetched article for edits this long after each check, while the item is young: sites fix
#: typos and add facts in the first days; a years-old archive page is left alone.
RECHECKS = (dt.timedelta(hours=1), dt.timedelta(hours=6), dt.timedelta(days=1), dt.timedelta(days=3))
RECHECK_WINDOW = dt.timedelta(days=14)
#: Link texts and MIME types the attachment list names, in Swedish (the feed's readers read Swedish).
_KINDS = {"pdf": "PDF", "doc": "Word", "docx": "Word", "xls": "Excel", "xlsx": "Excel", "ppt": "PowerPoint"}
_MEDIA_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif"}
_MEDIA_TYPES |= {"webp": "image/webp", "svg": "image/svg+xml"}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one fetch gave, before the decision: an article read from the page, a 304, or an error."""

    content: ArticleContent | None = None
    not_modified: bool = False
    validators: Validators | None = None
    error: str | None = None
    status: int | None = None


# -- pure decisions -----------------------------------------------------------------------------------------


def retry_delay(attempts: int) -> dt.timedelta:
    """Wait before retry number `attempts` (1-based): none for the first (the next cycle), then 15 minutes
    doubling per failure, at most a day."""
    if attempts <= 1:
        return dt.timedelta(0)
    delay: dt.timedelta = RETRY_BASE * (2 ** min(attempts - 2, 16))
    return min(delay, RETRY_CAP)


def next_check(checks: int, published: dt.datetime, now: dt.datetime) -> dt.datetime | None:
    """When to look at a fetched article again for edits, or None: never again."""
    if checks >= len(RECHECKS) or now - published > RECHECK_WINDOW:
        return None
    return now + RECHECKS[checks]


def read_article(page_html: str, page_url: str, tz: ZoneInfo, now: dt.datetime) -> ArticleContent | None:
    """Parse and sanitize an article page; None when the page holds no article text at all (garbage)."""
    article = _screened(parse_article(page_html, page_url, timezone=tz), now)
    body = sanitize_html(article.body_html, page_url)
    body_text = html_text(body)
    if not body_text and not article.ingress:
        return None
    # The same date on every re-check gives the same instant (no order-keeping shift by the time of reading):
    # a "Senast uppdaterad" that did not change is no edit.
    site_updated = stable_instant(article.updated, tz) if article.updated else None
    return ArticleContent(
        content_html=compose_content(article, body, page_url),
        body_text=body_text,
        content_hash=content_hash(
            {"heading": article.heading, "ingress": article.ingress, "body": body_text}
        ),
        heading=article.heading,
        ingress=article.ingress,
        image=article.image,
        site_updated=site_updated,
        tags=article.tags,
        attachments=article.attachments,
    )


def _screened(article: Article, now: dt.datetime) -> Article:
    """`article` without what no output may carry (see scraper.sanity): a lead image or document whose URL
    is not http(s), and a "Senast uppdaterad" date outside the sane window ("1 jan 0001" overflowed)."""
    image = article.image if article.image is not None and web_url(article.image.url) else None
    updated = article.updated if article.updated is not None and sane_day(article.updated.day, now) else None
    attachments = tuple(a for a in article.attachments if web_url(a.url))
    return replace(article, image=image, updated=updated, attachments=attachments)


def compose_content(article: Article, body_html: str, page_url: str) -> str:
    """The HTML an entry's content carries: lead image with caption, ingress, body, then the attachments the
    body does not already link. Sanitized once more as a whole, so nothing composed here can slip through."""
    parts: list[str] = []
    esc = html.escape
    if article.image is not None:
        # The <br> puts the caption on a line of its own in readers that render HTML as text (newsboat
        # showed "[image 1]Foto: Göteborgs Stad"): <figure> and <figcaption> are no blocks to them.
        caption = ""
        if article.image.caption:
            caption = f"<br><figcaption>{esc(article.image.caption)}</figcaption>"
        parts.append(
            f'<figure><img src="{esc(article.image.url)}" alt="{esc(article.image.alt)}">{caption}</figure>'
        )
    if article.ingress and not _repeated(article.ingress, body_html):
        parts.append(f"<p><strong>{esc(article.ingress)}</strong></p>")
    if body_html:
        parts.append(body_html)
    extra = [a for a in article.attachments if esc(a.url) not in body_html and a.url not in body_html]
    if extra:
        rows = "".join(f'<li><a href="{esc(a.url)}">{esc(a.title)}</a>{_kind(a.url)}</li>' for a in extra)
        parts.append(f"<h2>Dokument</h2><ul>{rows}</ul>")
    return sanitize_html("\n".join(parts), page_url)


def _repeated(ingress: str, body_html: str) -> bool:
    """Whether the body's first block already says the ingress: many pages (and CMS exports) repeat the lead
    as the body's first paragraph, which the bold ingress above it would then say twice."""
    first = html_text(body_html).partition("\n")[0]
    lead = clean_text(ingress)
    return bool(lead) and first.startswith(lead)


def _kind(url: str) -> str:
    return f" ({_KINDS[kind]})" if (kind := _extension(url)) in _KINDS else ""


def _extension(url: str) -> str:
    return urlsplit(url).path.rsplit(".", 1)[-1].lower()


def decide(job: ArticleJob, outcome: Outcome, now: dt.datetime) -> ArticleWrite:
    """Turn one fetch outcome into the row the store writes (pure)."""
    state = job.state
    previous_attempts = state.attempts if state is not None else 0
    checks = 0 if job.reason in ("new", "changed") or state is None else state.checks
    content = outcome.content
    if outcome.error is not None or (content is None and not outcome.not_modified):
        gone = outcome.status in GONE_STATUSES
        attempts = previous_attempts + 1
        given_up = not gone and attempts >= MAX_ATTEMPTS
        return ArticleWrite(
            key=job.key,
            status="gone" if gone else ("failed" if given_up else "pending"),
            attempts=attempts,
            checks=checks,
            checked=now,
            next_attempt=None if gone or given_up else now + retry_delay(attempts),
            http_status=outcome.status,
            error=outcome.error or "no response",
        )
    if state is not None and job.reason not in ("new", "changed"):
        checks += 1  # a re-check (or a retry) that worked
    updated_to, edited = None, False
    if content is not None and state is not None and state.content_hash not in (None, content.content_hash):
        updated_to, edited = now, True  # an edit: the words changed since the last read
    elif content is not None and content.site_updated is not None and content.site_updated > job.published:
        updated_to = min(content.site_updated, now)  # the page's own "Senast uppdaterad", never the future
    return ArticleWrite(
        key=job.key,
        status="ok",
        attempts=0,
        checks=checks,
        checked=now,
        next_attempt=next_check(checks, job.published, now),
        http_status=304 if outcome.not_modified else 200,
        content=content,
        validators=outcome.validators,
        updated_to=updated_to,
        edited=edited,
    )


# -- I/O: fetching ------------------------------------------------------------------------------------------


def fetch_articles(
    jobs: Sequence[ArticleJob],
    fetcher: Fetcher,
    *,
    tz: ZoneInfo,
    now: dt.datetime,
    on_done: Callable[[ArticleWrite], None] | None = None,
) -> list[ArticleWrite]:
    """Fetch every job's page, at most `[fetch] concurrency` at a time per host, and decide each; results
    come back in the order of `jobs` (without the jobs the source's time ran out for). The Fetcher keeps the
    delay between requests to one host."""
    concurrency = fetcher.settings.concurrency
    hosts = [host_of(job.url) for job in jobs]
    limits = {host: threading.Semaphore(concurrency) for host in hosts}

    def work(job: ArticleJob, host: str) -> ArticleWrite | None:
        with limits[host]:
            outcome = _fetch_one(job, fetcher, tz, now)
        write = decide(job, outcome, now) if outcome is not None else None
        if on_done is not None and write is not None:
            on_done(write)
        return write

    workers = max(1, min(len(jobs), concurrency * len(limits)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="article") as pool:
        return [write for write in pool.map(work, jobs, hosts) if write is not None]


def _fetch_one(job: ArticleJob, fetcher: Fetcher, tz: ZoneInfo, now: dt.datetime) -> Outcome | None:
    """What fetching the job's page gave; None when the source's time ran out first (nothing to record: the
    article is due again next cycle, as it was)."""
    state = job.state
    # Only a re-check sends validators: a new or changed item must be read whole, whatever the cache says.
    validators = None
    if state is not None and job.reason == "recheck" and state.content_hash is not None:
        if state.validators.etag or state.validators.last_modified:
            validators = state.validators
    try:
        response = fetcher.get(job.url, validators)
    except FetchError as error:
        log.info("article %s: %s", job.url, error)
        return None if isinstance(error, OutOfTime) else Outcome(error=str(error), status=error.status)
    fresh = Validators(etag=response.etag, last_modified=response.last_modified)
    if isinstance(response, NotModified):
        return Outcome(not_modified=True, validators=fresh)
    content = read_article(response.text, response.url, tz, now)
    if content is None:
        log.info("article %s: the page held no article text", job.url)
        return Outcome(error="the page held no article text", status=response.status, validators=fresh)
    if content.image is not None:
        content = replace(content, image=_image_facts(content.image, state, fetcher))
    return Outcome(content=content, validators=fresh)


def _image_facts(image: LeadImage, state: ArticleState | None, fetcher: Fetcher) -> LeadImage:
    """`image` with its media type and length: from the store when the URL is the one stored, else from a
    HEAD request (an enclosure needs both; length 0 where the server gives none, or is on a host the source
    does not allow)."""
    known = state.image if state is not None else None
    if known is not None and known.url == image.url and known.media_type:
        return replace(image, media_type=known.media_type, length=known.length)
    # An image on another host (a <base href> can point anywhere) is linked, never asked.
    head_type, head_length = fetcher.head(image.url) if fetcher.allows(image.url) else (None, None)
    if not (head_type and head_type.startswith("image/")):
        head_type = _MEDIA_TYPES.get(_extension(image.url))  # the type its file name says
    return replace(image, media_type=head_type, length=head_length or 0)
