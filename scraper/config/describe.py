"""`aktuellt check`'s view of a loaded config: every key with the value in effect, as TOML."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from ..sanity import json_text
from .checks import DURATION_UNITS, LISTING_ONLY
from .tree import Config


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.timedelta):
        value = _format_duration(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return json_text(str(value))  # JSON string escapes are valid TOML ones (DEL and C1 escaped too)


def _render(header: str, obj: Any) -> list[str]:
    lines, nested = ["", header], []
    skip = LISTING_ONLY if getattr(obj, "type", "") == "feed" else ()  # a feed source has no listing keys
    for spec in dataclasses.fields(obj):
        value = getattr(obj, spec.name)
        if spec.name in skip:
            continue
        if dataclasses.is_dataclass(value):
            sub = _render(f"[{header.strip('[]')}.{spec.name}]", value)
            nested += sub if len(sub) > 2 else []
        elif value is not None:
            lines.append(f"{spec.name} = {_toml(value)}")
    return lines + nested


def describe(config: Config) -> str:
    """The resolved settings as TOML (absolute paths, defaults filled in) for `aktuellt check`; the text
    parses back to the same Config."""
    lines = [f"# resolved from {config.path}" if config.path else "# not loaded from a file"]
    for name in ("site", "fetch", "schedule", "server", "websub", "publish"):
        lines += _render(f"[{name}]", getattr(config, name))
    for name in ("sources", "topics", "notify"):
        for entry in getattr(config, name):
            lines += _render(f"[[{name}]]", entry)
    return "\n".join(lines) + "\n"


def _format_duration(value: dt.timedelta) -> str:
    seconds, parts = int(value.total_seconds()), []
    for unit, size in DURATION_UNITS:
        count, seconds = divmod(seconds, size)
        parts += [f"{count}{unit}"] if count else []
    return "".join(parts) or "0s"
