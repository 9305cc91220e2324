"""Each config key's check, table by table, and the checker that collects every problem by key path.

A table's keys and their types are its dataclass's fields (tree.py); here each key only gets its check, a
small function (`_range`, `_url`, `_duration`, `_cron`, …), and its value when absent if the dataclass has
none. `Checker` walks the parsed TOML with them and reports all problems at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import math
import re
import types
import typing
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .tree import DEFAULT_USER_AGENT, DIGESTS, EVENT_KINDS, SOURCE_TYPES, Config

Check = Callable[[Any], Any]


def _range(low: float, high: float | None = None, *, above: bool = False) -> Check:
    """Numbers from `low` (exclusive when `above`) up to `high`; NaN and infinities are never in range."""

    def check(value: float) -> float:
        if high is not None and not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}, got {value}")
        if not math.isfinite(value) or value < low or (above and value == low):
            raise ValueError(f"must be {'>' if above else '≥'} {low}, got {value}")
        return value

    return check


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    if "\n" in value or "\r" in value:
        raise ValueError("must be a single line")
    return value


def _path(value: str) -> str:
    # A NUL (TOML can write one as "\u0000") or a lone surrogate would reach the OS as a bare ValueError.
    if "\0" in value or any("\ud800" <= c <= "\udfff" for c in value):
        raise ValueError("must not contain a NUL or an unpaired surrogate")
    return _text(value)


def _pattern(regex: str, what: str) -> Check:
    compiled = re.compile(regex)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"must be {what}, got {value!r}")
        return value

    return check


_slug = _pattern(r"[a-z0-9][a-z0-9-]*", "lowercase a-z, 0-9 and '-' (it becomes a file name)")


_language = _pattern(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", "a language tag like 'sv' or 'sv-SE'")


def _url(value: str) -> str:
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value):
        raise ValueError(f"must be an absolute http(s) URL, got {value!r}")
    return value


def _host_entry(value: str) -> str:
    """One `allowed_hosts` entry, normalized: "example.org", "example.org:8443", "[::1]:8080"."""
    text = value.strip().lower()
    try:
        parts = urlsplit("//" + text)
        port = parts.port
    except ValueError:
        raise ValueError(f"{value!r} is not a host or host:port (bad port)") from None
    host = parts.hostname or ""
    if not host or parts.netloc != text or parts.username is not None or parts.path or parts.query:
        raise ValueError(f"{value!r} is not a host or host:port (no scheme, path or user)")
    if any(c.isspace() for c in text) or (":" in host and not text.startswith("[")):
        raise ValueError(f"{value!r} is not a host or host:port (an IPv6 address goes in brackets: [::1])")
    if port == 0:
        raise ValueError(f"{value!r}: port 0 is not a port")
    shown = f"[{host}]" if ":" in host else host
    return shown if port is None else f"{shown}:{port}"


def _each(check: Check) -> Check:
    """An array's check: `check` for every value; the array's values once each, in order."""
    return lambda values: tuple(dict.fromkeys(map(check, values)))


def _base_url(value: str) -> str:
    return _url(value) if value.endswith("/") else _url(value) + "/"


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"unknown time zone {value!r} (expected an IANA name like 'Europe/Stockholm')"
        ) from None
    return value


_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")

DURATION_UNITS = (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))


def _duration(value: str) -> dt.timedelta:
    found = _DURATION.fullmatch(value)
    if not value or not found:
        raise ValueError(f"expected a duration like '90s', '15m', '1h30m' or '2d', got {value!r}")
    return dt.timedelta(
        seconds=sum(int(n or 0) * size for n, (_, size) in zip(found.groups(), DURATION_UNITS, strict=True))
    )


def _positive_duration(value: str) -> dt.timedelta:
    if not (duration := _duration(value)):
        raise ValueError(f"must be longer than 0s, got {value!r}")
    return duration


_CRON_FIELD = re.compile(r"[0-9A-Za-z*/,-]+")


def _choice(*allowed: str) -> Check:
    return _pattern("|".join(map(re.escape, allowed)), f"one of {', '.join(map(repr, allowed))}")


def _cron(value: str) -> str:
    fields = value.split()
    if len(fields) != 5:
        raise ValueError(f"expected 5 fields (minute hour day month weekday), got {len(fields)} in {value!r}")
    for number, part in enumerate(fields, 1):
        if not _CRON_FIELD.fullmatch(part):
            raise ValueError(f"field {number} ({part!r}) has characters a crontab field cannot contain")
    return " ".join(fields)


def _regex(value: str) -> str:
    try:
        with warnings.catch_warnings(action="ignore"):  # FutureWarning on "[[" is not our user's problem
            re.compile(value)
    except re.error as error:
        raise ValueError(f"invalid regular expression: {error}") from None
    return value


_REQUIRED: Any = object()  # the key must be present

_UNSET: Any = object()  # absent: the dataclass default applies

_INVALID: Any = object()


@dataclass(frozen=True)
class _Field:
    kind: Any  # str | int | float | bool | tuple (array of strings) | a nested table's dataclass
    check: Check | None = None
    default: Any = _UNSET


_APPRISE_URL = re.compile(r"[a-z][a-z0-9+.-]*://\S+")


def _apprise_url(value: str) -> str:
    # Only the shape: which schemes Apprise knows is Apprise's to say (the `alerts` module, at `check`).
    if not _APPRISE_URL.fullmatch(value):
        raise ValueError("must be an Apprise URL like 'mailto://user:pass@example.org' or 'ntfy://topic'")
    return value


def _table(cls: Any, **given: Check | tuple[Check, Any]) -> dict[str, _Field]:
    """The keys of the TOML table read into dataclass `cls`, in its field order, each typed as its field is
    (paths and durations are strings). `given` names a key's check (else a string's is `_text`), or its check
    and its value when absent (`_REQUIRED`: it must be there)."""
    if typing.get_origin(cls) is tuple:  # an array of tables: `sources: tuple[SourceConfig, ...]`
        cls = typing.get_args(cls)[0]
    hints = typing.get_type_hints(cls)
    if unknown := set(given) - set(hints):
        raise TypeError(f"{cls.__name__} has no field {unknown}")
    table = {}
    for name, hint in hints.items():
        if typing.get_origin(hint) is types.UnionType:  # every union in the tree is `X | None`
            hint = typing.get_args(hint)[0]
        kind = str if hint in (Path, dt.timedelta) else typing.get_origin(hint) or hint
        spec = given.get(name, _text if kind is str else None)
        table[name] = _Field(kind, *spec) if isinstance(spec, tuple) else _Field(kind, spec)
    return table


_TIMEOUT = _range(0, 60, above=True)

#: Each table's (or array of tables') checks, as `_table` takes them; its keys and types are its dataclass's.
_CHECKS: dict[str, dict[str, Any]] = dict(
    site=dict(
        title=(_text, "Aktuellt"),
        base_url=(_base_url, "http://127.0.0.1:8080/"),
        output_dir=(_path, "feeds"),
        database=(_path, "aktuellt.db"),
        language=_language,
        max_items=_range(1),
        removed=_pattern(r"drop|mark", "'drop' or 'mark'"),
        removed_days=_range(1, 365),
    ),
    fetch=dict(
        user_agent=(_text, DEFAULT_USER_AGENT),
        timeout=_range(0, above=True),
        retries=_range(0),
        concurrency=_range(1),
        delay=_range(0),
        max_bytes=_range(1024),
        sources_in_parallel=_range(1, 64),
    ),
    schedule=dict(
        every=(_positive_duration, None),
        cron=(_cron, None),
        jitter=(_duration, dt.timedelta(seconds=60)),
        timezone=_timezone,
    ),
    server=dict(port=_range(0, 65535)),
    sources=dict(
        id=(_slug, _REQUIRED),
        url=(_url, _REQUIRED),
        timezone=_timezone,
        max_pages=_range(1),
        allowed_hosts=_each(_host_entry),
        max_articles_per_cycle=_range(1),
        max_new_items_per_cycle=_range(1),
        max_items_per_page=_range(1),
        type=_choice(*SOURCE_TYPES),
        date_order=_choice("dmy", "mdy", "ymd"),
    ),
    topics=dict(id=(_slug, _REQUIRED), regex=_regex),
    # one `[[notify]]` target; the legacy `[notify]` table takes the same keys (it is one target)
    notify=dict(
        id=_slug,
        url=_apprise_url,
        webhook=_url,
        kinds=_each(_choice(*EVENT_KINDS)),
        digest=_choice(*DIGESTS),
        timeout=_TIMEOUT,
        give_up_after=_positive_duration,
    ),
    websub=dict(hub=_url, timeout=_TIMEOUT),
    publish=dict(
        target=_pattern(r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^\s]*)?", "'s3://bucket/prefix'"),
        endpoint_url=_url,
    ),
)

#: The config file's tables and arrays of tables, each by its keys.
TOP_FIELDS = {name: _table(typing.get_type_hints(Config)[name], **checks) for name, checks in _CHECKS.items()}

#: Keys that only mean something for a listing page: a feed is one document with fields of its own.
LISTING_ONLY = ("max_pages", "selectors")

_EXPECTED = {str: "a string", int: "an integer", float: "a number", bool: "true or false", tuple: "an array"}

_TOML_TYPES = {bool: "boolean", int: "integer", float: "float", str: "string", list: "array", dict: "table"}


def _got(value: object) -> str:
    if isinstance(value, list | dict):
        return f"got {'an array' if isinstance(value, list) else 'a table'}"
    shown = str(value).lower() if isinstance(value, bool) else repr(value)
    if isinstance(value, dt.date | dt.time):
        shown = value.isoformat()
    return f"got {_TOML_TYPES.get(type(value), type(value).__name__)} {shown[:60]}"


class Checker:
    """Walks the raw TOML data against the field tables, collecting (key_path, reason) problems."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def add(self, key: str, reason: str) -> None:
        self.problems.append((key, reason))

    def unknown(self, raw: Mapping[str, Any], path: str, fields: Mapping[str, Any]) -> None:
        for key in [key for key in raw if key not in fields]:
            hint = difflib.get_close_matches(key, list(fields), n=1)
            what = "table" if isinstance(raw[key], dict | list) and not path else "key"
            reason = f"unknown {what}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
            self.add(f"{path}.{key}" if path else key, reason)

    def table(self, raw: object, path: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """The valid values of one table: given ones, plus explicit defaults. Bad keys are left out."""
        if not isinstance(raw, dict):
            self.add(path, f"expected a table, {_got(raw)}")
            return {}
        self.unknown(raw, path, fields)
        values: dict[str, Any] = {}
        for name, spec in fields.items():
            key = f"{path}.{name}"
            if name in raw:
                value = self.value(raw[name], key, spec)
            elif spec.default is _REQUIRED:
                self.add(key, "missing")
                continue
            else:
                value = spec.default
            if value is not _INVALID and value is not _UNSET:
                values[name] = value
        return values

    def value(self, raw: object, key: str, spec: _Field) -> Any:
        kind = spec.kind
        # A nested table (`selectors`) is checked key by key, then made into its dataclass.
        if isinstance(kind, type) and dataclasses.is_dataclass(kind):
            value: Any = kind(**self.table(raw, key, _table(kind)))
        elif kind is tuple:
            value = self.strings(raw, key)
        elif kind is float and isinstance(raw, int) and not isinstance(raw, bool):
            value = float(raw)
        elif isinstance(raw, kind) and isinstance(raw, bool) == (kind is bool):
            value = raw
        else:
            self.add(key, f"expected {_EXPECTED[kind]}, {_got(raw)}")
            return _INVALID
        if value is _INVALID or spec.check is None:
            return value
        try:
            return spec.check(value)
        except ValueError as error:
            self.add(key, str(error))
            return _INVALID

    def strings(self, raw: object, key: str) -> Any:
        if not isinstance(raw, list):
            self.add(key, f"expected an array of strings, {_got(raw)}")
            return _INVALID
        count = len(self.problems)
        for index, item in enumerate(raw):
            if not isinstance(item, str):
                self.add(f"{key}[{index}]", f"expected a string, {_got(item)}")
            elif not item.strip():
                self.add(f"{key}[{index}]", "must not be empty")
        return tuple(raw) if len(self.problems) == count else _INVALID

    def array(self, raw: object, path: str, fields: Mapping[str, _Field]) -> list[dict[str, Any]]:
        """`[[sources]]` or `[[topics]]`: ids must be unique, and a title defaults to the id."""
        if not isinstance(raw, list):
            self.add(path, f"expected an array of tables ([[{path}]]), {_got(raw)}")
            return []
        paths = [f"{path}[{index}]" for index in range(len(raw))]
        entries = [self.table(item, where, fields) for item, where in zip(raw, paths, strict=True)]
        self.unique_ids(entries, paths)
        for entry in (entry for entry in entries if "id" in entry):
            entry.setdefault("title", entry["id"])
        return entries

    def unique_ids(self, entries: Sequence[Mapping[str, Any]], paths: Sequence[str], hint: str = "") -> None:
        """Each entry's `id` (at `paths`), where it has one, must be unique; `hint` ends the problem."""
        seen: dict[str, str] = {}
        for entry, path in zip(entries, paths, strict=True):
            if "id" in entry and seen.setdefault(entry["id"], path) != path:
                self.add(f"{path}.id", f"duplicate id {entry['id']!r} (also {seen[entry['id']]}){hint}")
