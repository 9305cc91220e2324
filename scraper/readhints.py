"""What a source's failed read tells the operator: what was looked for, the feeds the page advertises, and
what to try next (`aktuellt probe`, `type = "feed"`). Text only; `read.py` raises it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .config import SelectorConfig, SourceConfig
from .models import ListingPage, Page

if TYPE_CHECKING:
    from .source.pagefeeds import AdvertisedFeed

__all__ = ["feeds_phrase", "not_a_feed_hint", "nothing_found"]


def nothing_found(source: SourceConfig, page: ListingPage, feeds: list[AdvertisedFeed]) -> str:
    """The error for a source never read successfully whose page gives no items: most likely the page was
    never one the extractor understands (not a layout change), so say what was looked for and what to try."""
    message = f"{source.url}: found no news items: looked for {_looked_for(source.selectors)}"
    if page.skipped:
        message += f" ({len(page.skipped)} left out, first: {page.skipped[0]})"
    message += f"; run `aktuellt probe {source.url}` to see what the page holds and the config that reads it"
    if feeds:
        message += f'; {feeds_phrase(feeds)}: a source with type = "feed" reads it'
    return message


def _looked_for(selectors: SelectorConfig) -> str:
    """What `parse_listing` searches a page for, in words (keep it in step with source/listing.py's rules)."""
    if selectors.item:
        parts = [f"elements matching selectors.item {selectors.item!r}, each with a link"]
    else:
        link = f"links matching selectors.link {selectors.link!r}" if selectors.link else "article links"
        parts = [
            f"repeated blocks of the page holding one {link} each (an article UUID, id or path in the URL)"
        ]
    if selectors.date:
        parts.append(f"a date in selectors.date {selectors.date!r}")
    else:
        parts.append(
            'a date or a news heading beside them ("Publicerad 2 maj 2019", 03.07.2026, <time datetime>, …)'
        )
    return " and ".join(parts)


def feeds_phrase(feeds: list[AdvertisedFeed]) -> str:
    """'the page advertises a feed (RSS-flöde för …) at URL', naming every feed the page advertises."""
    named = [f"({feed.title}) at {feed.url}" if feed.title else f"at {feed.url}" for feed in feeds]
    what = "a feed" if len(feeds) == 1 else f"{len(feeds)} feeds"
    return f"the page advertises {what} " + ", ".join(named)


def not_a_feed_hint(response: Page) -> str:
    """For a feed source that got an HTML page: the feed the page advertises, or what else the URL may be."""
    from .source.pagefeeds import advertised_feeds

    if feeds := advertised_feeds(response.text, response.url):
        return f"; {feeds_phrase(feeds)}: set sources[].url to it"
    if "<html" in response.text[:4096].lower():
        return '; it is an HTML page: for a news listing, leave out type = "feed"'
    return ""
