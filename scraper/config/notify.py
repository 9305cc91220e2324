"""The `[[notify]]` targets: each checked against its fields, then as a whole (one of `url` or `webhook`, an
id, topics and sources that exist). The legacy `[notify]` table (`webhook`, `timeout`) is one target."""

from __future__ import annotations

import hashlib
from collections.abc import Set
from typing import Any

from .checks import TOP_FIELDS, Checker
from .tree import EVENT_KINDS


def notify_targets(
    checker: Checker, raw: object, *, sources: Set[object], topics: Set[object]
) -> list[dict[str, Any]]:
    """The valid targets' values, in config order; problems go to `checker` under "notify…" key paths."""
    if isinstance(raw, dict):  # the legacy table: one target, or none when it names no receiver
        entries, paths = [checker.table(raw, "notify", TOP_FIELDS["notify"])], ["notify"]
        if "url" not in raw and "webhook" not in raw:
            return []
    elif isinstance(raw, list):  # not `checker.array`: ids are checked below, once the derived ones are set
        paths = [f"notify[{index}]" for index in range(len(raw))]
        entries = [
            checker.table(item, path, TOP_FIELDS["notify"]) for item, path in zip(raw, paths, strict=True)
        ]
    else:
        checker.add("notify", "expected a [notify] table or [[notify]] tables")
        return []
    for entry, path, given in zip(entries, paths, raw if isinstance(raw, list) else [raw], strict=True):
        if not isinstance(given, dict):
            continue
        if ("url" in given) == ("webhook" in given):
            checker.add(path, "set exactly one of url (an Apprise URL) or webhook (an http(s) URL)")
        if given.get("kinds") == []:  # a target that would mark every event skipped, silently
            kinds = ", ".join(EVENT_KINDS)
            checker.add(f"{path}.kinds", f"empty: name one or more of {kinds}, or leave it out")
        # No id given: "webhook" for the webhook, else one derived from the URL, stable while the URL is (the
        # store keeps ids, never the URL: an Apprise URL holds its secrets).
        digest = hashlib.sha256((entry.get("url") or "").encode()).hexdigest()[:8]
        entry.setdefault("id", "webhook" if entry.get("webhook") is not None else f"alert-{digest}")
        for name, known in (("sources", sources), ("topics", topics)):
            for value in entry.get(name, ()):
                if value not in known:
                    checker.add(f"{path}.{name}", f"no [[{name}]] has the id {value!r}")
    checker.unique_ids(entries, paths, ": set `id`")
    return entries
