"""The rows older versions stored that no output may carry, fixed once by schema.m021b_quarantine (issue 21).

Before the door checks (issue 11) a source could store an item whose link is not http(s), whose date is
"9999" (which overflowed every publish) or unreadable, or whose article tags or lead image URL are not fit
to render. Rather than screen such rows on every read, they move to the `quarantine` table once (their
table, the row as JSON, why), kept there to inspect.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from .. import sanity
from ..clock import utc_now
from .db import Database

log = logging.getLogger(__name__)


def quarantine_unfit(db: Database) -> None:
    """Move to `quarantine`, one warning each: an item whose link is not http(s), whose `published` or
    `updated` is no aware ISO instant in sanity's window, whose `first_seen` is no ISO instant or whose tags
    are not a JSON list, with its article, versions and events; an event whose time is no ISO instant. A lead
    image URL that is not http(s) is dropped from its article (the row copied first)."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS quarantine "
        "(id INTEGER PRIMARY KEY, tbl TEXT NOT NULL, row TEXT NOT NULL, why TEXT NOT NULL)"
    )
    now = utc_now()
    unfit: dict[tuple[str, str], str] = {}
    for source, key, *row in db.execute(
        "SELECT source, key, link, published, updated, first_seen FROM items"
    ).fetchall():
        if why := _unfit_item(*row, now=now):
            unfit[(source, key)] = why
    for source, key, tags in db.execute("SELECT source, key, tags FROM articles WHERE tags != ''").fetchall():
        try:
            tuple(json.loads(tags))
        except (ValueError, TypeError):
            unfit.setdefault((source, key), f"its tags {tags!r} are not a JSON list")
    for (source, key), why in unfit.items():
        log.warning("stored item %s of %s moved to the quarantine table: %s", key, source, why)
        for table in ("events", "revisions", "articles", "items"):
            _quarantine(db, table, "source = ? AND key = ?", [source, key], why)
    for event, key, at in db.execute("SELECT id, key, at FROM events").fetchall():
        if _instant(at) is None:
            log.warning(
                "stored event %s of %s moved to the quarantine table: its time %r is no date", event, key, at
            )
            _quarantine(db, "events", "id = ?", [event], f"its time {at!r} is not an ISO date")
    sql = "SELECT source, key, image_url FROM articles WHERE image_url != ''"
    for source, key, url in db.execute(sql).fetchall():
        if not sanity.web_url(url):
            log.warning("stored item %s of %s: lead image %r dropped: not an http(s) URL", key, source, url)
            where, params = "source = ? AND key = ?", [source, key]
            _quarantine(
                db, "articles", where, params, f"lead image {url!r} is not an http(s) URL", move=False
            )
            nulls = ", ".join(f"image_{c} = NULL" for c in ("url", "type", "length", "alt", "caption"))
            db.execute(f"UPDATE articles SET {nulls} WHERE {where}", params)


def _instant(text: object) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return None


def _unfit_item(
    link: object, published: object, updated: object, first_seen: object, *, now: dt.datetime
) -> str | None:
    """Why no output may carry an item with this link and these stored instants, or None."""
    if not isinstance(link, str) or not sanity.web_url(link):
        return f"its link {link!r} is not an http(s) URL"
    for name, text in (("published", published), ("updated", updated), ("first_seen", first_seen)):
        moment = _instant(text)
        if moment is None:
            return f"its {name} {text!r} is not an ISO date"
        if name != "first_seen" and not sanity.sane_instant(moment, now):
            return f"its {name} {text} is before 1990, over a year ahead or without a zone"
    return None


def _quarantine(
    db: Database, table: str, where: str, params: list[object], why: str, move: bool = True
) -> None:
    """Copy the rows of `table` that match `where` to `quarantine`; delete them there if `move`."""
    cursor = db.execute(f"SELECT * FROM {table} WHERE {where}", params)
    names = [column[0] for column in cursor.description]
    rows = [json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False) for row in cursor]
    db.conn.executemany(
        "INSERT INTO quarantine (tbl, row, why) VALUES (?, ?, ?)", [(table, row, why) for row in rows]
    )
    if move:
        db.execute(f"DELETE FROM {table} WHERE {where}", params)
