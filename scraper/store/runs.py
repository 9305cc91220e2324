"""Runs and the HTTP cache: one record per source and cycle, the run history health reads, validators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from ..models import SourceReport, Validators
from .db import TableGroup, db_table, from_iso, iso


@dataclass(frozen=True, slots=True)
class RunHistory:
    """One source's run record in brief: the facts /healthz and `aktuellt status` report."""

    source: str
    last_run: dt.datetime | None
    last_status: str | None
    last_success: dt.datetime | None  #: finished time of the last ok / not_modified run
    last_failure: dt.datetime | None
    last_error: str | None  #: the message of the last failed run
    consecutive_failures: int  #: failed runs since the last success


class RunTables(TableGroup):
    """Runs and the HTTP cache: one record per source and cycle, the run history health reads, validators."""

    def validators(self, url: str) -> Validators:
        with self._errors("read the HTTP cache"):
            rows = list(db_table(self.db, "http_cache").rows_where("url = ?", [url]))
        if not rows:
            return Validators()
        return Validators(etag=rows[0]["etag"], last_modified=rows[0]["last_modified"])

    def robots_files(self, since: dt.datetime) -> dict[str, str]:
        """robots.txt URL → body, for those read at `since` or later (an origin that answered 4xx: "")."""
        with self._errors("read the robots.txt cache"):
            rows = self.db.execute("SELECT url, body FROM robots_cache WHERE fetched >= ?", [iso(since)])
            return dict(rows.fetchall())

    def save_robots(self, files: Mapping[str, str], at: dt.datetime) -> None:
        if not files:
            return
        with self._errors("write the robots.txt cache"), self._write():
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO robots_cache (url, body, fetched) VALUES (?, ?, ?)",
                [(url, body, iso(at)) for url, body in files.items()],
            )

    def uploads(self) -> dict[str, str]:
        """Every file in the publish bucket the project put there: name → SHA-256 of its bytes."""
        with self._errors("read the uploads"):
            return dict(self.db.execute("SELECT name, sha256 FROM uploads").fetchall())

    def record_uploads(self, done: Mapping[str, str | None], at: dt.datetime) -> None:
        """Record uploads (name → SHA-256) and deletions (name → None) the bucket confirmed."""
        if not done:
            return
        with self._errors("write the uploads"), self._write():
            for name, digest in done.items():
                if digest is None:
                    self.db.execute("DELETE FROM uploads WHERE name = ?", [name])
                else:
                    self.db.execute(
                        "INSERT OR REPLACE INTO uploads (name, sha256, uploaded) VALUES (?, ?, ?)",
                        [name, digest, iso(at)],
                    )

    def counts(self) -> dict[str, int]:
        with self._errors("read items"):
            return {s: n for s, n in self.db.execute("SELECT source, count(*) FROM items GROUP BY source")}

    def held_back(self, source: str) -> int:
        """How many new items the last successful read of `source` left for later cycles."""
        with self._errors("read runs"):
            row = self.db.execute(
                "SELECT held_back FROM runs WHERE source = ? AND status = 'ok' ORDER BY id DESC LIMIT 1",
                [source],
            ).fetchone()
        return int(row[0]) if row and row[0] else 0

    def first_page_yardstick(self, source: str) -> int | None:
        """How many items page 1 held on the last successful full read of the listing."""
        with self._errors("read runs"):
            row = self.db.execute(
                "SELECT first_page_items FROM runs WHERE source = ? AND status = 'ok' "
                "ORDER BY id DESC LIMIT 1",
                [source],
            ).fetchone()
        return int(row[0]) if row and row[0] is not None else None

    def run_history(self, source: str) -> RunHistory:
        """What health needs to know about one source's runs, from the runs table (right across restarts)."""
        with self._errors("read runs"):
            success = self.db.execute(
                "SELECT id, finished FROM runs WHERE source = ? AND status IN ('ok', 'not_modified') "
                "ORDER BY id DESC LIMIT 1",
                [source],
            ).fetchone()
            failure = self.db.execute(
                "SELECT id, finished, error FROM runs WHERE source = ? AND status = 'failed' "
                "ORDER BY id DESC LIMIT 1",
                [source],
            ).fetchone()
            last = self.db.execute(
                "SELECT finished, status FROM runs WHERE source = ? ORDER BY id DESC LIMIT 1", [source]
            ).fetchone()
            since = success[0] if success else 0
            failures = self.db.execute(
                "SELECT count(*) FROM runs WHERE source = ? AND status = 'failed' AND id > ?", [source, since]
            ).fetchone()[0]
        return RunHistory(
            source=source,
            last_run=from_iso(last[0]) if last else None,
            last_status=last[1] if last else None,
            last_success=from_iso(success[1]) if success else None,
            last_failure=from_iso(failure[1]) if failure else None,
            last_error=failure[2] if failure else None,
            consecutive_failures=int(failures),
        )

    def save_validators(self, url: str, validators: Validators) -> None:
        if self.validators(url) == validators:
            return  # unchanged: an unchanged cycle must not write
        db_table(self.db, "http_cache").upsert(
            {"url": url, "etag": validators.etag, "last_modified": validators.last_modified}, pk="url"
        )

    def insert_run(
        self, report: SourceReport, started: dt.datetime, finished: dt.datetime, first_page: int | None
    ) -> None:
        db_table(self.db, "runs").insert(
            {
                "source": report.source,
                "started": iso(started),
                "finished": iso(finished),
                "status": report.status,
                "new": report.new,
                "changed": report.changed,
                "unchanged": report.unchanged,
                "pages": report.pages,
                "first_page_items": first_page,
                "requests": report.requests,
                "error": report.error,
                "articles": report.articles,
                "articles_failed": report.articles_failed,
                "held_back": report.held_back,
            }
        )

    def record_failure(self, report: SourceReport, started: dt.datetime, finished: dt.datetime) -> None:
        """Record a failed cycle; nothing else is touched."""
        with self._errors("record the run"), self._write():
            self.insert_run(report, started, finished, None)
