"""Versions and edits as HTML for the changes feed and webhooks: word diffs, a version's fields, and each
event's title, time and content. Pure: data in, text out.
"""

from __future__ import annotations

import datetime as dt
import difflib
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import fields

from ..history import KIND_LABELS, Version, normal_text

#: Swedish labels of the versioned fields, in the order a diff shows them (readers of the feeds are Swedish).
FIELD_LABELS: Mapping[str, str] = {
    "title": "Rubrik",
    "summary": "Ingress",
    "site_date": "Publiceringsdatum",
    "body_text": "Brödtext",
    "article_updated": "Senast uppdaterad",
}

#: Written inside <del>/<ins>, so the diff still reads right where a reader drops the tags (newsboat, mail
#: clients, screen readers): "landar [−i Göteborg] [+på Gustaf Adolfs torg]". U+2212 is the minus sign.
REMOVED_MARK, ADDED_MARK = "[\u2212", "[+"

# A word with the whitespace before it: a run of changed words then reads as one change ("[-i Göteborg-]"),
# not as word, space, word.
_TOKEN = re.compile(r"\s*\S+|\s+")


def word_ops(before: str, after: str) -> list[tuple[str, str, str]]:
    """(unchanged, removed, added) runs of a word diff; whitespace shared at a change's start stays out."""
    old, new = _TOKEN.findall(normal_text(before)), _TOKEN.findall(normal_text(after))
    ops: list[tuple[str, str, str]] = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            ops.append(("".join(old[a1:a2]), "", ""))
            continue
        removed, added = "".join(old[a1:a2]), "".join(new[b1:b2])
        head = ""
        while removed and added and removed[0].isspace() and removed[0] == added[0]:
            head, removed, added = head + removed[0], removed[1:], added[1:]
        ops.append((head, removed, added))
    return ops


def _marked(tag: str, mark: str, run: str) -> str:
    """`run` as <tag>[mark…]</tag>, its leading whitespace kept outside, so words never touch the markers."""
    words = run.lstrip()
    space = run[: len(run) - len(words)]
    return f"{html.escape(space, quote=False)}<{tag}>{mark}{html.escape(words, quote=False)}]</{tag}>"


def _words_diff(before: str, after: str) -> str:
    """Word-level HTML diff: unchanged words plain, removed in <del>[−…]</del>, added in <ins>[+…]</ins>,
    a space between a removal and the addition that replaces it; all text escaped."""
    out: list[str] = []
    for same, removed, added in word_ops(before, after):
        out.append(html.escape(same, quote=False))
        if removed:
            out.append(_marked("del", REMOVED_MARK, removed))
        if added:
            spaced = added if not removed or added[:1].isspace() else " " + added  # "[−old] [+new]"
            out.append(_marked("ins", ADDED_MARK, spaced))
    return "".join(out)


def diff_text(before: str, after: str) -> str:
    """The plain-text word diff a mail client or chat shows: "landar [−i Göteborg] [+på Kungstorget]"."""
    out: list[str] = []
    for same, removed, added in word_ops(before, after):
        out.append(same)
        for mark, run in ((REMOVED_MARK, removed), (ADDED_MARK, added)):
            if run:
                words = run.lstrip()
                space = run[: len(run) - len(words)] or (" " if mark == ADDED_MARK and removed else "")
                out.append(f"{space}{mark}{words}]")
    return "".join(out)


_MONTHS = "januari februari mars april maj juni juli augusti september oktober november december".split()


def shown_value(name: str, value: str | None) -> str:
    """A field as a Swedish reader wants to see it: the listing date as "12 mars 2019", the rest as is."""
    if name == "site_date" and value:
        try:
            day = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
        time = f" kl. {value[11:16]}" if len(value) >= 16 else ""
        return f"{day.day} {_MONTHS[day.month - 1]} {day.year}{time}"
    return value or ""


def diff_html(before: Version, after: Version, changed: Sequence[str] | None = None) -> str:
    """A readable HTML diff of the fields that changed between two versions, field by field."""
    names = (
        changed
        if changed is not None
        else [
            f.name
            for f in fields(Version)
            if normal_text(getattr(before, f.name)) != normal_text(getattr(after, f.name))
        ]
    )
    parts = []
    for name in FIELD_LABELS:
        if name not in names:
            continue
        body = _words_diff(shown_value(name, getattr(before, name)), shown_value(name, getattr(after, name)))
        parts.append(f"<h3>{FIELD_LABELS[name]}</h3>\n<p>{body}</p>")
    return "\n".join(parts)


def version_html(version: Version) -> str:
    """Every known field of a version as HTML, for "new", "removed" and "restored" entries."""
    parts = []
    for name, label in FIELD_LABELS.items():
        value = normal_text(shown_value(name, getattr(version, name)))
        if value:
            parts.append(f"<h3>{label}</h3>\n<p>{html.escape(value, quote=False)}</p>")
    return "\n".join(parts)


def change_time(kind: str, at: dt.datetime, published: dt.datetime) -> dt.datetime:
    """When a changes-feed entry is dated: the event's time, except that an item found after its own date
    (the first cycle reads the whole listing) is "new" as of that date, as its first version is in the
    archives. Without that, every item of a first run shared the run's one instant."""
    return min(at, published) if kind == "new" else at


def change_title(kind: str, title: str) -> str:
    return f"{KIND_LABELS.get(kind, kind)}: {normal_text(title)}"


def change_content(kind: str, after: Version, before: Version | None, detail: str | None = None) -> str:
    """The HTML body of a changes-feed entry: a diff for an edit, the (last known) version otherwise."""
    if kind == "edited" and before is not None:
        return diff_html(before, after)
    if kind == "removed":
        why = (
            "sidan svarar inte längre"
            if detail and detail.startswith("http")
            else "finns inte längre i listan"
        )
        intro = f"<p>Nyheten {why} på webbplatsen. Senast kända version:</p>"
        return intro + "\n" + version_html(after)
    if kind == "restored":
        return "<p>Nyheten finns åter på webbplatsen.</p>\n" + version_html(after)
    return version_html(after)
