"""An item's whole record as text for `aktuellt history`, every record as CSV or JSON for `aktuellt export`,
and `aktuellt search`'s hits as text. Pure: records in, text out.

Everything quoted from the site is escaped for the terminal (sanity.escape_controls, as the logs are): a title
with ESC or a newline must neither drive the terminal nor forge a line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from ..history import KIND_LABELS, ItemRecord, Version, normal_text
from ..sanity import escape_controls, json_text
from ..store import MATCH_END, MATCH_START, SearchHit
from .diffs import REMOVAL_DETAILS, shown_changes, shown_fields, word_ops
from .historypage import page_path


def _words_diff_text(before: str, after: str) -> str:
    """Word diff for a terminal, in `git diff --word-diff` style: [-removed-]{+added+}."""
    out: list[str] = []
    for same, removed, added in word_ops(before, after):
        out.append(same)
        if removed:
            out.append(f"[-{removed}-]")
        if added:
            out.append(f"{{+{added}+}}")
    return "".join(out)


def history_text(record: ItemRecord, tz: dt.tzinfo) -> str:
    """An item's versions, oldest first, each later one as a word diff against the one before."""

    def local(moment: dt.datetime) -> str:
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    latest = record.revisions[-1].version if record.revisions else None
    lines = [
        normal_text(latest.title) if latest else record.key,
        f"  id:     {record.entry_id}",
        f"  länk:   {record.link}",
        f"  status: {'borttagen ' + local(record.removed_at) if record.removed_at else 'publicerad'}",
    ]
    previous: Version | None = None
    for number, revision in enumerate(record.revisions, start=1):
        lines += ["", f"Version {number}: sedd {local(revision.first_seen)} – {local(revision.last_seen)}"]
        if previous is None:
            lines += [f"  {label}: {text}" for label, text in shown_fields(revision.version)]
        else:
            changes = shown_changes(previous, revision.version)
            lines += [f"  {label}: {_words_diff_text(old, new)}" for label, old, new in changes]
        previous = revision.version
    lines += ["", "Händelser:"]
    for event in record.events:
        detail = f" ({REMOVAL_DETAILS.get(event.detail, event.detail)})" if event.detail else ""
        lines.append(f"  {local(event.at)}  {KIND_LABELS.get(event.kind, event.kind).lower()}{detail}")
    return "\n".join(lines) + "\n"


_CSV_COLUMNS = (
    "source", "key", "entry_id", "link", "published", "removed_at", "revision", "first_seen", "last_seen",
    "title", "summary", "site_date", "body_text", "article_updated",
)  # fmt: skip


def _when(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def export_csv(records: Sequence[ItemRecord]) -> str:
    """One row per version of every item (the item's columns repeated), for spreadsheets: `export_json`'s
    revisions, a missing value as an empty cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_CSV_COLUMNS)
    for item in _items(records):
        head = [item[name] for name in ("source", "key", "id", "link", "published", "removed_at")]
        writer.writerows([*head, *revision.values()] for revision in item["revisions"])
    return out.getvalue()


def export_json(records: Sequence[ItemRecord]) -> str:
    """Every item with its versions and events, as one JSON document (for notebooks)."""
    # Control characters and bidi overrides as \uXXXX: the same data when parsed, safe to print (sanity).
    return json_text({"items": _items(records)}, indent=2) + "\n"


def _items(records: Sequence[ItemRecord]) -> list[dict[str, Any]]:
    return [
        {
            "source": r.source,
            "key": r.key,
            "id": r.entry_id,
            "link": r.link,
            "published": _when(r.published),
            "first_seen": _when(r.first_seen),
            "removed_at": _when(r.removed_at),
            "revisions": [
                {
                    "revision": number,
                    "first_seen": _when(rev.first_seen),
                    "last_seen": _when(rev.last_seen),
                    **{f.name: getattr(rev.version, f.name) for f in fields(Version)},
                }
                for number, rev in enumerate(r.revisions, start=1)
            ],
            "events": [
                {
                    "kind": e.kind,
                    "at": _when(e.at),
                    "revision": next(
                        (n for n, v in enumerate(r.revisions, 1) if v.id == e.revision_id), None
                    ),
                    "detail": e.detail,
                }
                for e in r.events
            ],
        }
        for r in records
    ]


def search_text(
    query: str, hits: list[SearchHit], tz: dt.tzinfo, base_url: str, history_keys: set[str], limit: int
) -> str:
    """The whole output. `history_keys`: the keys that have a history page (linked)."""
    count = f"{len(hits)} träffar" if len(hits) != 1 else "1 träff"
    if len(hits) >= limit:
        count = f"de {limit} senaste träffarna"
    lines = [f"{count} för {escape_controls(query)!r}"]
    for hit in hits:
        when = hit.first_seen.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        kind = KIND_LABELS.get(hit.kind or "", "version")
        state = "nuvarande version" if hit.current else "äldre version: texten har ändrats sedan"
        if hit.removed:
            state += ", nyheten är borttagen"
        snippet = escape_controls(normal_text(hit.snippet)).replace(MATCH_START, "»").replace(MATCH_END, "«")
        lines += [
            "",
            f"{when}  {kind} ({state})",
            f"  {escape_controls(normal_text(hit.title))}",
            f"  {snippet}",
            f"  artikeln:  {escape_controls(hit.link)}",
        ]
        if hit.key in history_keys:
            lines.append(f"  historik:  {escape_controls(base_url + page_path(hit.key))}")
        else:
            lines.append(f"  nyckel:    {escape_controls(hit.key)}  (aktuellt history visar alla versioner)")
    return "\n".join(lines) + "\n"
