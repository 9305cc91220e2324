"""Versions and edits as HTML for the changes feed and webhooks: word diffs, a version's fields, and each
event's title, time and content. Pure: data in, text out.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Mapping

from ..history import KIND_LABELS, Version, normal_text
from .pagestyle import swedish_date, t

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
_MARKS = {"del": "[\u2212", "ins": "[+"}

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


def word_diff(
    before: str,
    after: str,
    mark: Callable[[str, str], str],
    plain: Callable[[str], str] = str,
    context: int | None = None,
) -> str:
    """A word diff as text: unchanged runs through `plain`, each changed one as `mark("del" or "ins", its
    words)` with its leading whitespace kept outside (so words never touch the markers), and a space
    between a removal and the addition that replaces it. `context`: keep only that many unchanged words on
    either side of a change, "…" for the rest."""
    out: list[str] = []
    ops = word_ops(before, after)
    for index, (same, removed, added) in enumerate(ops):
        if context is not None:
            # a change before this run (the previous op's) and after it (this op's, or the next one's)
            changed_after = bool(removed or added) or index + 1 < len(ops)
            same = _shortened(same, context, index > 0, changed_after)
        out.append(plain(same))
        if removed and added and not added[:1].isspace():
            added = " " + added  # "[−old] [+new]"
        for tag, run in (("del", removed), ("ins", added)):
            if run:
                words = run.lstrip()
                out.append(plain(run[: len(run) - len(words)]) + mark(tag, words))
    return "".join(out)


def _shortened(same: str, context: int, keep_head: bool, keep_tail: bool) -> str:
    """An unchanged run cut to `context` words after the change before it (`keep_head`) and before the
    change after it (`keep_tail`), "…" where words were left out; its edge spaces kept."""
    words = same.split()
    if len(words) <= 2 * context + 1:
        return same
    head = " ".join(words[:context]) if keep_head else ""
    tail = " ".join(words[-context:]) if keep_tail else ""
    lead = " " if same[:1].isspace() else ""
    trail = " " if same[-1:].isspace() else ""
    return lead + " ".join(part for part in (head, "…", tail) if part) + trail


#: Why an item was removed, in words, by the event's detail (else an article page's answer: "http 404").
REMOVAL_DETAILS = {"listing": "saknades i listan två gånger i rad"}


def diff_text(before: str, after: str) -> str:
    """The plain-text word diff a mail client or chat shows: "landar [−i Göteborg] [+på Kungstorget]"."""
    return word_diff(before, after, lambda tag, words: f"{_MARKS[tag]}{words}]")


def shown_value(name: str, value: str | None) -> str:
    """A field as a Swedish reader wants to see it: the listing date as "12 mars 2019", the rest as is."""
    if name == "site_date" and value:
        try:
            day = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
        time = f" kl. {value[11:16]}" if len(value) >= 16 else ""
        return f"{swedish_date(day)}{time}"
    return value or ""


def changed_fields(before: Version, after: Version) -> list[str]:
    """The names of the fields whose text differs, in FIELD_LABELS order."""
    return [
        name
        for name in FIELD_LABELS
        if normal_text(getattr(before, name)) != normal_text(getattr(after, name))
    ]


def diff_html(before: Version, after: Version) -> str:
    """A readable HTML diff of the fields that changed between two versions, field by field: unchanged words
    plain, removed in <del>[−…]</del>, added in <ins>[+…]</ins>; all text escaped."""
    parts = []
    for name in changed_fields(before, after):
        old, new = shown_value(name, getattr(before, name)), shown_value(name, getattr(after, name))
        body = word_diff(old, new, lambda tag, words: f"<{tag}>{_MARKS[tag]}{t(words)}]</{tag}>", t)
        parts.append(f"<h3>{FIELD_LABELS[name]}</h3>\n<p>{body}</p>")
    return "\n".join(parts)


def shown_fields(version: Version) -> list[tuple[str, str]]:
    """(label, text as shown) of each field the version has, in FIELD_LABELS order."""
    shown = (
        (label, normal_text(shown_value(name, getattr(version, name))))
        for name, label in FIELD_LABELS.items()
    )
    return [(label, text) for label, text in shown if text]


def shown_changes(before: Version, after: Version) -> list[tuple[str, str, str]]:
    """(label, before, after) as shown of each field whose shown text differs, in FIELD_LABELS order."""
    shown = (
        (label, shown_value(name, getattr(before, name)), shown_value(name, getattr(after, name)))
        for name, label in FIELD_LABELS.items()
    )
    return [(label, old, new) for label, old, new in shown if normal_text(old) != normal_text(new)]


def version_html(version: Version) -> str:
    """Every known field of a version as HTML, for "new", "removed" and "restored" entries."""
    return "\n".join(f"<h3>{label}</h3>\n<p>{t(value)}</p>" for label, value in shown_fields(version))


def change_time(kind: str, at: dt.datetime, published: dt.datetime) -> dt.datetime:
    """When a changes-feed entry is dated: the event's time, except that an item found after its own date
    (the first cycle reads the whole listing) is "new" as of that date, as its first version is in the
    archives. Without that, every item of a first run shared the run's one instant."""
    return min(at, published) if kind == "new" else at


def change_title(kind: str, title: str) -> str:
    return f"{KIND_LABELS.get(kind, kind)}: {normal_text(title)}"


def removal_reason(detail: str | None) -> str:
    """Why a removed item is gone, by its event's detail: its page answered an error ("http 404"), or the
    listing no longer has it."""
    if detail and detail.startswith("http"):
        return "Sidan svarar inte längre på webbplatsen."
    return "Nyheten finns inte längre i listan på webbplatsen."


def change_content(kind: str, after: Version, before: Version | None, detail: str | None = None) -> str:
    """The HTML body of a changes-feed entry: a diff for an edit, the (last known) version otherwise."""
    if kind == "edited" and before is not None:
        return diff_html(before, after)
    if kind == "removed":
        return f"<p>{removal_reason(detail)} Senast kända version:</p>\n" + version_html(after)
    if kind == "restored":
        return "<p>Nyheten finns åter på webbplatsen.</p>\n" + version_html(after)
    return version_html(after)
