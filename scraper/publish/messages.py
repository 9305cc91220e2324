"""Alert messages in Swedish: one event, or a digest of several, as a title, plain text and HTML. Pure.

Plain text is what chat and push services show (the word diff as "[−old] [+new]"); HTML is the e-mail body
(the diff in <del>/<ins>, the same markers inside, as the changes feed has it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from ..history import normal_text
from ..store import ChangeRow
from .diffs import change_content, change_title, diff_text, shown_changes
from .pagestyle import a, swedish_date, t

__all__ = ["Alert", "alert_for"]


@dataclass(frozen=True, slots=True)
class Alert:
    title: str
    text: str
    html: str


def _when(moment: dt.datetime, tz: dt.tzinfo) -> str:
    local = moment.astimezone(tz)
    return f"{swedish_date(local)} kl. {local:%H.%M}"


def _what_text(row: ChangeRow) -> list[str]:
    """The lines that say what happened: the diff of an edit, else the version's title and summary."""
    if row.kind == "edited" and row.before is not None:
        return [f"{label}: {diff_text(old, new)}" for label, old, new in shown_changes(row.before, row.after)]
    intro = {
        "removed": "Nyheten finns inte längre på webbplatsen. Senast kända version:",
        "restored": "Nyheten finns åter på webbplatsen.",
    }.get(row.kind)
    summary = normal_text(row.after.summary)
    return ([intro] if intro else []) + ([f"Ingress: {summary}"] if summary else [])


def _block_text(row: ChangeRow, tz: dt.tzinfo) -> str:
    head = [change_title(row.kind, row.after.title), row.link]
    return "\n".join([*head, *_what_text(row), f"({row.source}, {_when(row.at, tz)})"])


def _block_html(row: ChangeRow, tz: dt.tzinfo) -> str:
    title, where = t(change_title(row.kind, row.after.title)), t(f"{row.source}, {_when(row.at, tz)}")
    body = change_content(row.kind, row.after, row.before, row.detail)
    return f'<h2><a href="{a(row.link)}">{title}</a></h2>\n{body}\n<p><small>{where}</small></p>'


def alert_for(rows: Sequence[ChangeRow], *, site_title: str, tz: dt.tzinfo) -> Alert:
    """One message about `rows` (oldest first): titled by the event itself when there is one, else
    "<site title>: N händelser"."""
    if len(rows) == 1:
        title = change_title(rows[0].kind, rows[0].after.title)
    else:
        title = f"{normal_text(site_title)}: {len(rows)} händelser"
    text = "\n\n".join(_block_text(row, tz) for row in rows)
    body = "\n<hr>\n".join(_block_html(row, tz) for row in rows)
    page = f'<!DOCTYPE html>\n<html lang="sv"><head><meta charset="utf-8"><title>{a(title)}</title>'
    return Alert(title=title, text=text, html=f"{page}</head><body>\n{body}\n</body></html>")
