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


def _render(header: str, obj: Any, skip: tuple[str, ...] = ()) -> list[str]:
    lines, nested = ["", header], []
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
    """The resolved settings as TOML (absolute paths, defaults filled in) for `aktuellt check`.

    The text parses back to the same Config.
    """
    lines = [f"# resolved from {config.path}" if config.path else "# not loaded from a file"]
    for name in ("site", "fetch", "schedule", "server", "websub", "publish"):
        lines += _render(f"[{name}]", getattr(config, name))
    for source in config.sources:
        lines += _render("[[sources]]", source, LISTING_ONLY if source.type == "feed" else ())
    for topic in config.topics:
        lines += _render("[[topics]]", topic)
    for target in config.notify:
        lines += _render("[[notify]]", target)
    return "\n".join(lines) + "\n"


def _format_duration(value: dt.timedelta) -> str:
    seconds, parts = int(value.total_seconds()), []
    for unit, size in DURATION_UNITS:
        count, seconds = divmod(seconds, size)
        parts += [f"{count}{unit}"] if count else []
    return "".join(parts) or "0s"
