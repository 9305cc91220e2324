"""`aktuellt search`'s text: each matching version with its date, kind, title, the matching words, and links
to the article and its history page. Pure: search hits in, text out.

Everything quoted from the site is escaped for the terminal (sanity.escape_controls, as the logs are): a
title with ESC or a newline must neither drive the terminal nor forge a line. The matched words are shown
between » and «.
"""

from __future__ import annotations

import datetime as dt

from ..history import KIND_LABELS, normal_text
from ..sanity import escape_controls
from ..store import MATCH_END, MATCH_START, SearchHit
from .historyhtml import page_path


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
