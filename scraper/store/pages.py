"""What the history pages and full-text search read: the queue of pages to write again, the items that have
a history, their topics, and matching versions (`revisions_fts`, see schema.m019h_search_and_history_pages).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .db import TableGroup, chunks, from_iso, iso

#: The columns of a version that full-text search reads (`revisions_fts`, FTS5, kept by triggers).
SEARCHED_COLUMNS = ("title", "summary", "body_text")

#: The kinds of event that give an item a history page: more than its first version was seen.
HISTORY_KINDS = ("edited", "removed", "restored")

# Private-use characters around the matched words of a snippet: never in the stored text's control
# characters, so the caller can escape the text for a terminal and then mark the matches as it likes.
MATCH_START, MATCH_END = "\ue000", "\ue001"


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One stored version that matches a search."""

    revision_id: int
    source: str
    key: str
    first_seen: dt.datetime  #: when this version was first seen
    title: str  #: the version's title
    link: str
    kind: str | None  #: the event that made this version: "new" or "edited" (None: none recorded)
    current: bool  #: the item's latest version (else the text was edited since)
    removed: bool  #: the item is removed from the site
    snippet: str  #: the matching text, matches between MATCH_START and MATCH_END


class PageTables(TableGroup):
    """The history pages' queue, which items have a history, their topics, and full-text search."""

    def pending_history(self) -> tuple[list[str], int]:
        """The keys queued for their history page to be written again, and the queue's last row read
        (pass it to `done_history` once the pages are written)."""
        rows = self._rows("read the history queue", "SELECT rowid, key FROM history_pending ORDER BY rowid")
        return list(dict.fromkeys(key for _, key in rows)), max((rowid for rowid, _ in rows), default=0)

    def done_history(self, last_row: int) -> None:
        """Empty the queue up to `last_row` (what a publish read and wrote); writes nothing when empty."""
        if last_row <= 0:
            return
        with self._errors("write the history queue"), self._write():
            self.db.execute("DELETE FROM history_pending WHERE rowid <= ?", [last_row])

    def keys_with_history(self, keys: Iterable[str] | None = None, *, limit: int | None = None) -> list[str]:
        """Of `keys` (default: every stored key, or `limit` of them), those with an edit, removal or
        restoration (in any source)."""
        marks = ",".join("?" * len(HISTORY_KINDS))
        sql = f"SELECT DISTINCT key FROM events WHERE kind IN ({marks})"
        if keys is None:
            cut = f" LIMIT {int(limit)}" if limit is not None else ""
            return sorted(row[0] for row in self._rows("read events", sql + cut, HISTORY_KINDS))
        found: list[str] = []
        for chunk, chunk_marks in chunks(keys):
            rows = self._rows("read events", f"{sql} AND key IN ({chunk_marks})", [*HISTORY_KINDS, *chunk])
            found += (row[0] for row in rows)
        return sorted(found)

    def item_topics(self, items: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, ...]]:
        """The topic ids each (source, key) belongs to, as the last publish filed them (feed_items): what the
        history pages show and a notify target's `topics` filter asks."""
        wanted = list(dict.fromkeys(items))
        found: dict[tuple[str, str], list[str]] = {item: [] for item in wanted}
        with self._errors("read memberships"):
            for chunk, _ in chunks(wanted, 400):
                pairs = ",".join("(?, ?)" for _ in chunk)
                rows = self.db.execute(
                    f"WITH wanted (source, key) AS (VALUES {pairs}) "
                    "SELECT d.source, d.key, substr(f.path, 8) FROM wanted w "
                    "CROSS JOIN item_ids d ON d.source = w.source AND d.key = w.key "
                    "JOIN feed_items fi ON fi.item = d.id JOIN feeds f ON f.id = fi.feed "
                    "WHERE f.path LIKE 'topics/%' ORDER BY f.path",
                    [value for pair in chunk for value in pair],
                ).fetchall()
                for source, key, topic in rows:
                    found[(source, key)].append(topic)
        return {item: tuple(topics) for item, topics in found.items()}

    def search(
        self,
        query: str,
        *,
        since: dt.datetime | None = None,
        kinds: Sequence[str] = (),
        limit: int = 100,
    ) -> list[SearchHit]:
        """Versions whose title, summary or article text match `query` (its words, each quoted: FTS syntax
        such as NOT or * is taken literally), newest version first. `since`: versions first seen at or after
        that instant. `kinds`: versions an event of one of those kinds points at ("edited": the version an
        edit made; "removed": the last version before a removal)."""
        # Double quotes are not word characters to the tokenizer anyway, and a lone one breaks quote_fts's
        # quoting ("fts5: syntax error"): drop them; a query with no word left matches nothing.
        words = query.replace('"', " ")
        if not words.split():
            return []
        conditions = ["revisions_fts MATCH ?"]
        params: list[object] = [self.db.quote_fts(words)]
        if since is not None:
            conditions.append("r.first_seen >= ?")  # UTC ISO text: text order is time order
            params.append(iso(since))
        if kinds:
            marks = ",".join("?" * len(kinds))
            conditions.append(
                f"EXISTS (SELECT 1 FROM events k WHERE k.revision_id = r.id AND k.kind IN ({marks}))"
            )
            params += kinds
        sql = (
            # the columns in SearchHit's order
            "SELECT r.id, r.source, r.key, r.first_seen, coalesce(r.title, ''), i.link, "
            "(SELECT e.kind FROM events e WHERE e.revision_id = r.id AND e.kind IN ('new', 'edited') "
            " ORDER BY e.id LIMIT 1), "
            "r.id = (SELECT max(x.id) FROM revisions x WHERE x.source = r.source AND x.key = r.key), "
            "i.removed_at IS NOT NULL, "
            f"coalesce(snippet(revisions_fts, -1, '{MATCH_START}', '{MATCH_END}', '…', 24), '') "
            "FROM revisions_fts JOIN revisions r ON r.id = revisions_fts.rowid "
            "JOIN items i ON i.source = r.source AND i.key = r.key "
            f"WHERE {' AND '.join(conditions)} ORDER BY r.first_seen DESC, r.id DESC LIMIT {int(limit)}"
        )
        rows = self._rows("search the versions", sql, params)
        return [
            SearchHit(r[0], r[1], r[2], from_iso(r[3]), r[4], r[5], r[6], bool(r[7]), bool(r[8]), r[9])
            for r in rows
        ]
