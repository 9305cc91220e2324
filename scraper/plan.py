"""What one read means for the history: versions to record, removals to count or confirm. Decisions from
`history`, applied to a source's read and the store's tracked items; reads the store only for the article
pages that would confirm a removal.
"""

from __future__ import annotations

from dataclasses import replace

from . import history, sanity
from .config import SourceConfig
from .models import ArticleJob, ArticleWrite, ListingItem, SiteDate
from .store import HistoryWrite, Store, VersionWrite, iso


def plan_history(
    items: list[ListingItem],
    articles: list[ArticleWrite],
    tracked: list[history.Tracked],
    latest: dict[str, tuple[int, history.Version]],
    decision: history.MissingDecision,
    refused: frozenset[str] = frozenset(),
) -> HistoryWrite:
    """Versions to record and removals to count, from what this cycle read (see scraper.history): the
    listing's items (none on a 304), the article pages fetched and the listing's `missing` decision
    (an empty one when the read vouches for no removal: a 304, a feed). `refused` are the keys of items the
    listing showed but the cycle refused (a date or link no item may have): still on the site, so never
    missing."""
    observed: dict[str, history.Version] = {
        item.key: history.Version(item.title, item.summary, site_date_text(item.published)) for item in items
    }
    for article in articles:
        content = article.content
        if content is None:
            continue
        base = observed.get(article.key) or (latest[article.key][1] if article.key in latest else None)
        if base is None:
            continue  # an article of an item the store does not know: nothing to version it against
        updated = iso(content.site_updated) if content.site_updated else None
        observed[article.key] = replace(base, body_text=content.body_text, article_updated=updated)
    versions: list[VersionWrite] = []
    for key, version in observed.items():
        if key not in latest:
            versions.append(VersionWrite(key, version, "new"))
            continue
        revision, previous = latest[key]
        action, kept = history.compare(previous, version)
        if action != "same":
            versions.append(VersionWrite(key, kept, "edited" if action == "edit" else "fill", revision))
    seen = {item.key for item in items} | refused
    removed = [(key, "listing") for key in decision.removed]
    # An article page answering 404/410 confirms at once that an item the listing no longer shows is gone
    # (one the listing still shows is a broken link, not a withdrawal).
    present = {t.key for t in tracked if not t.removed}
    for article in articles:
        if article.status == "gone" and article.key in present and article.key not in seen:
            if article.key not in decision.removed and article.key in latest:
                removed.append((article.key, f"http {article.http_status}"))
    missing = {k: n for k, n in decision.missing.items() if k not in dict(removed)}
    # Missing again where a short read could not confirm it, but its article page is still there: the item
    # is on the site (re-dated past the pages read, most likely). Its count starts over.
    alive = [a.key for a in articles if a.key in decision.unconfirmed and a.status == "ok"]
    return HistoryWrite(
        versions=versions,
        missing=missing,
        back=(*decision.back, *alive),
        removed=removed,
        restored=decision.restored,
    )


def confirm_jobs(source: SourceConfig, decision: history.MissingDecision, store: Store) -> list[ArticleJob]:
    """Article pages that decide an unconfirmed removal (see history.missing): a 404 or 410 confirms it,
    a page that is still there clears it."""
    keys = list(decision.unconfirmed)
    if not keys or not source.articles:
        return []
    known = store.items.known(source.id, keys)
    states = store.articles.article_states(source.id, keys)
    return [
        ArticleJob(key, known[key].link, known[key].published, "confirm", states.get(key))
        for key in keys
        if key in known and sanity.web_url(known[key].link)
    ]


def site_date_text(site_date: SiteDate | None) -> str:
    if site_date is None:
        return ""  # undated on the page: dated by first sight, and never counted missing (no position)
    text = site_date.day.isoformat()
    if site_date.time is not None:
        text += "T" + site_date.time.isoformat(timespec="minutes")
    return text
