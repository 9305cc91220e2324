"""The articles table: each article page's fetch state and content, and which are due again."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from ..models import ArticleState, ArticleWrite, LeadImage, Validators
from .db import TableGroup, db_table, from_iso, iso
from .items import moved_forward

_STATE_COLUMNS = (
    "key, status, attempts, checks, content_hash, etag, last_modified, image_url, image_type, image_length"
)

#: The articles table's image_* columns and the LeadImage field each keeps.
_IMAGE_COLUMNS = {"url": "url", "type": "media_type", "length": "length", "alt": "alt", "caption": "caption"}


def _state(row: Sequence[Any]) -> ArticleState:
    _key, status, attempts, checks, digest, etag, last_modified, image_url, image_type, image_length = row
    return ArticleState(
        status=status,
        attempts=attempts or 0,
        checks=checks or 0,
        content_hash=digest,
        validators=Validators(etag=etag, last_modified=last_modified),
        image=LeadImage(image_url, media_type=image_type, length=image_length or 0) if image_url else None,
    )


class ArticleTables(TableGroup):
    def article_states(self, source: str, keys: Iterable[str]) -> dict[str, ArticleState]:
        """The stored article state of those of `keys` that have one."""
        sql = f"SELECT {_STATE_COLUMNS} FROM articles WHERE source = ? AND key IN ({{marks}})"
        return {row[0]: _state(row) for row in self._of_keys("read articles", sql, source, keys)}

    def due_articles(
        self, source: str, now: dt.datetime
    ) -> list[tuple[str, str, dt.datetime, ArticleState | None]]:
        """Items of `source` whose article is due: a retry or re-check whose time has come, or an item that
        has no article row at all (stored before articles were fetched). (key, link, published, state)."""
        sql = (
            f"SELECT i.link, i.published, {', '.join('a.' + c for c in _STATE_COLUMNS.split(', '))}, i.key "
            "FROM items i LEFT JOIN articles a ON a.source = i.source AND a.key = i.key "
            "WHERE i.source = ? AND (a.key IS NULL OR a.next_attempt <= ?) "
            "ORDER BY i.published DESC, i.position ASC"
        )
        rows = self._rows("read articles", sql, [source, iso(now)])
        return [
            (row[-1], row[0], from_iso(row[1]), _state(row[2:-1]) if row[2] is not None else None)
            for row in rows
        ]

    def save_article(self, source: str, article: ArticleWrite) -> None:
        row: dict[str, Any] = {
            "source": source,
            "key": article.key,
            "status": article.status,
            "attempts": article.attempts,
            "checks": article.checks,
            "next_attempt": iso(article.next_attempt) if article.next_attempt else None,
            "checked": iso(article.checked),
            "http_status": article.http_status,
            "error": article.error,
        }
        if article.validators is not None:
            row["etag"] = article.validators.etag
            row["last_modified"] = article.validators.last_modified
        content = article.content
        if content is not None:
            image = content.image
            row |= {f"image_{name}": getattr(image, field, None) for name, field in _IMAGE_COLUMNS.items()}
            row |= {
                "fetched": iso(article.checked),
                "heading": content.heading,
                "ingress": content.ingress,
                "content_html": content.content_html,
                "body_text": content.body_text,
                "content_hash": content.content_hash,
                "site_updated": iso(content.site_updated) if content.site_updated else None,
                "tags": json.dumps(list(content.tags), ensure_ascii=False),
                "attachments": json.dumps(
                    [{"url": a.url, "title": a.title} for a in content.attachments], ensure_ascii=False
                ),
            }
        # upsert keeps the columns not named here (a failure keeps the last good content)
        db_table(self.db, "articles").upsert(row, pk=("source", "key"))
        if article.updated_to is not None and article.edited:
            self.db.execute(
                "UPDATE items SET updated = ? WHERE source = ? AND key = ?",
                [moved_forward(self.db, source, article.key, iso(article.updated_to)), source, article.key],
            )
        elif article.updated_to is not None:  # the page's "Senast uppdaterad": only ever later, else nothing
            moment = iso(article.updated_to)
            self.db.execute(
                "UPDATE items SET updated = ? WHERE source = ? AND key = ? AND updated < ?",
                [moment, source, article.key, moment],
            )
