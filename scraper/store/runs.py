"""Runs and the HTTP cache: one record per source and cycle, the run history health reads, validators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..models import SourceReport, Validators
from .db import TableGroup, db_table, from_iso, iso

#: The fields of a SourceReport the runs table keeps, as columns of the same names.
RUN_COLUMNS = (
    "source status new changed unchanged pages requests error articles articles_failed held_back".split()
)


@dataclass(frozen=True, slots=True)
class RunHistory:
    """One source's run record in brief: the facts /healthz and `aktuellt status` report (every field is
    public in /healthz: health._json)."""

    source: str
    last_run: dt.datetime | None
    last_status: str | None
    last_success: dt.datetime | None  #: finished time of the last ok / not_modified run
    last_failure: dt.datetime | None
    last_error: str | None  #: the message of the last failed run
    consecutive_failures: int  #: failed runs since the last success


class RunTables(TableGroup):
    def validators(self, url: str) -> Validators:
        row = self._row(
            "read the HTTP cache", "SELECT etag, last_modified FROM http_cache WHERE url = ?", [url]
        )
        return Validators() if row is None else Validators(etag=row[0], last_modified=row[1])

    def robots_files(self, since: dt.datetime) -> dict[str, str]:
        """robots.txt URL → body, for those read at `since` or later (an origin that answered 4xx: "")."""
        sql = "SELECT url, body FROM robots_cache WHERE fetched >= ?"
        return dict(self._rows("read the robots.txt cache", sql, [iso(since)]))

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
        return dict(self._rows("read the uploads", "SELECT name, sha256 FROM uploads"))

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
        return dict(self._rows("read items", "SELECT source, count(*) FROM items GROUP BY source"))

    def held_back(self, source: str) -> int:
        """How many new items the last successful read of `source` left for later cycles."""
        return self._last_ok(source, "held_back") or 0

    def first_page_yardstick(self, source: str) -> int | None:
        """How many items page 1 held on the last successful full read of the listing."""
        return self._last_ok(source, "first_page_items")

    def _last_ok(self, source: str, column: str) -> int | None:
        row = self._latest(source, column, "AND status = 'ok'")
        return None if row is None or row[0] is None else int(row[0])

    def _latest(self, source: str, columns: str, status: str = "") -> Any:
        """`columns` of the source's newest run (that matches `status`, an SQL condition), or None."""
        sql = f"SELECT {columns} FROM runs WHERE source = ? {status} ORDER BY id DESC LIMIT 1"
        return self._row("read runs", sql, [source])

    def run_history(self, source: str) -> RunHistory:
        """What health needs to know about one source's runs, from the runs table (right across restarts)."""
        success = self._latest(source, "id, finished", "AND status IN ('ok', 'not_modified')")
        failure = self._latest(source, "id, finished, error", "AND status = 'failed'")
        last = self._latest(source, "finished, status")
        since = success[0] if success else 0
        sql = "SELECT count(*) FROM runs WHERE source = ? AND status = 'failed' AND id > ?"
        failures = self._row("read runs", sql, [source, since])[0]
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
        row = {name: getattr(report, name) for name in RUN_COLUMNS}
        db_table(self.db, "runs").insert(
            {**row, "started": iso(started), "finished": iso(finished), "first_page_items": first_page}
        )

    def record_failure(self, report: SourceReport, started: dt.datetime, finished: dt.datetime) -> None:
        """Record a failed cycle; nothing else is touched."""
        with self._errors("record the run"), self._write():
            self.insert_run(report, started, finished, None)
