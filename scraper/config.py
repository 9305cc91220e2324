"""The config file: TOML → validated tree of frozen dataclasses (DESIGN.md "Config (TOML)" is the contract).

`parse_config` is pure: it checks every key against a table of fields (type, default, validator), then the
combinations of keys, and reports every problem at once in one ConfigError. Only `load_config` reads a file.
Keys a later feature gives meaning to (schedule.cron, server.*, topics) are accepted and validated already.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import json
import math
import os
import re
import tomllib
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError

ENV_VAR = "AKTUELLT_CONFIG"
DEFAULT_PATH = Path("config.toml")
DEFAULT_USER_AGENT = "aktuellt/{version} (+{base_url})"  # both placeholders also work in a user's value
DEFAULT_EVERY = dt.timedelta(minutes=15)
PACKAGE_DIR = Path(__file__).resolve().parent
#: `sources[].type`: "listing" (an HTML news listing, the default) or "feed" (RSS 2.0, Atom or JSON Feed).
SOURCE_TYPES = ("listing", "feed")


@functools.cache
def package_version() -> str:
    """The installed version, looked up on first use (importlib.metadata is slow to import and to ask)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("aktuellt")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0.0.0"


def __getattr__(name: str) -> str:
    if name == "VERSION":  # kept as a name for callers that read it as a constant
        return package_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class SiteConfig:
    title: str
    base_url: str  # always ends with "/"
    output_dir: Path
    database: Path
    language: str = "sv"
    max_items: int = 50
    removed: str = "drop"  # "drop": a removed item leaves the main feeds; "mark": stays marked a while
    removed_days: int = 7


@dataclass(frozen=True)
class FetchConfig:
    user_agent: str
    timeout: float = 20.0
    retries: int = 3
    concurrency: int = 4
    delay: float = 1.0
    max_bytes: int = 10_000_000


@dataclass(frozen=True)
class ScheduleConfig:
    every: dt.timedelta | None  # exactly one of every / cron is set
    cron: str | None
    jitter: dt.timedelta
    timezone: str = "Europe/Stockholm"


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8080


@dataclass(frozen=True)
class SelectorConfig:
    """CSS selectors overriding the built-in goteborg.se rules; None means "use the default"."""

    item: str | None = None
    title: str | None = None
    link: str | None = None
    date: str | None = None
    summary: str | None = None
    next: str | None = None


@dataclass(frozen=True)
class SourceConfig:
    id: str
    title: str
    url: str
    timezone: str = "Europe/Stockholm"
    max_pages: int = 10
    articles: bool = True
    selectors: SelectorConfig = field(default_factory=SelectorConfig)
    #: hosts besides the listing URL's own that requests may go to: "host" (on its scheme's default port) or
    #: "host:port", IPv6 as "[::1]:8080"; stored lower-case
    allowed_hosts: tuple[str, ...] = ()
    max_articles_per_cycle: int = 50  #: article pages fetched per cycle at most, newest items first
    type: str = "listing"  #: one of SOURCE_TYPES: an HTML listing page, or the site's own RSS/Atom/JSON feed
    #: query parameters that name an article in a link without a UUID (None: identity.DEFAULT_KEY_PARAMS)
    key_params: tuple[str, ...] | None = None
    #: how "05/06/2026" reads: "dmy", "mdy" or "ymd" (default from site.language, see `date_order_for`)
    date_order: str = "dmy"


@dataclass(frozen=True)
class TopicConfig:
    id: str
    title: str
    match: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    regex: str | None = None
    description: str | None = None  #: one line for feed subtitles and index.html; None: a generated one
    tags: tuple[str, ...] = ()  #: article-page tags that put an item in this topic (whole tags, any case)


@dataclass(frozen=True)
class NotifyConfig:
    webhook: str | None = None  # POST one JSON document per event here (http or https URL)
    timeout: float = 5.0  # seconds per attempt: a slow receiver must not hold the cycle up


@dataclass(frozen=True)
class WebSubConfig:
    hub: str | None = None  # WebSub hub pinged (hub.mode=publish) when a feed's bytes change


@dataclass(frozen=True)
class Config:
    site: SiteConfig
    fetch: FetchConfig
    schedule: ScheduleConfig
    server: ServerConfig
    sources: tuple[SourceConfig, ...]
    topics: tuple[TopicConfig, ...]
    notify: NotifyConfig = field(default_factory=NotifyConfig)
    websub: WebSubConfig = field(default_factory=WebSubConfig)
    path: Path | None = None  # the file it was loaded from


# --- validators: take a value of the right TOML type, return the stored value or raise ValueError(reason)

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


def _hosts(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_host_entry(value) for value in values))


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
_UNITS = (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))


def _duration(value: str) -> dt.timedelta:
    found = _DURATION.fullmatch(value)
    if not value or not found:
        raise ValueError(f"expected a duration like '90s', '15m', '1h30m' or '2d', got {value!r}")
    return dt.timedelta(
        seconds=sum(int(n or 0) * size for n, (_, size) in zip(found.groups(), _UNITS, strict=True))
    )


def _positive_duration(value: str) -> dt.timedelta:
    if not (duration := _duration(value)):
        raise ValueError(f"must be longer than 0s, got {value!r}")
    return duration


_CRON_FIELD = re.compile(r"[0-9A-Za-z*/,-]+")


def _choice(*allowed: str) -> Check:
    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(map(repr, allowed))}, got {value!r}")
        return value

    return check


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


# --- the schema: one table of fields per TOML table, in DESIGN.md order

_REQUIRED: Any = object()  # the key must be present
_UNSET: Any = object()  # absent: the dataclass default applies
_INVALID: Any = object()


@dataclass(frozen=True)
class _Field:
    kind: Any  # str | int | float | bool | tuple (array of strings) | a nested field table
    check: Check | None = None
    default: Any = _UNSET


_SITE = {
    "title": _Field(str, _text, "Aktuellt"),
    "base_url": _Field(str, _base_url, "http://127.0.0.1:8080/"),
    "output_dir": _Field(str, _path, "feeds"),
    "database": _Field(str, _path, "aktuellt.db"),
    "language": _Field(str, _language),
    "max_items": _Field(int, _range(1)),
    "removed": _Field(str, _pattern(r"drop|mark", "'drop' or 'mark'")),
    "removed_days": _Field(int, _range(1, 365)),
}
_FETCH = {
    "user_agent": _Field(str, _text, DEFAULT_USER_AGENT),
    "timeout": _Field(float, _range(0, above=True)),
    "retries": _Field(int, _range(0)),
    "concurrency": _Field(int, _range(1)),
    "delay": _Field(float, _range(0)),
    "max_bytes": _Field(int, _range(1024)),
}
_SCHEDULE = {
    "every": _Field(str, _positive_duration, None),
    "cron": _Field(str, _cron, None),
    "jitter": _Field(str, _duration, dt.timedelta(seconds=60)),
    "timezone": _Field(str, _timezone),
}
_SERVER = {"host": _Field(str, _text), "port": _Field(int, _range(0, 65535))}
_SELECTORS = {name: _Field(str, _text) for name in ("item", "title", "link", "date", "summary", "next")}
_SOURCE = {
    "id": _Field(str, _slug, _REQUIRED),
    "title": _Field(str, _text),
    "url": _Field(str, _url, _REQUIRED),
    "timezone": _Field(str, _timezone),
    "max_pages": _Field(int, _range(1)),
    "articles": _Field(bool),
    "selectors": _Field(_SELECTORS, lambda values: SelectorConfig(**values)),
    "allowed_hosts": _Field(tuple, _hosts),
    "max_articles_per_cycle": _Field(int, _range(1)),
    "type": _Field(str, _choice(*SOURCE_TYPES)),
    "key_params": _Field(tuple),
    "date_order": _Field(str, _pattern(r"dmy|mdy|ymd", "one of 'dmy', 'mdy', 'ymd'")),
}
#: Keys that only mean something for a listing page: a feed is one document with fields of its own.
_LISTING_ONLY = ("max_pages", "selectors")
_TOPIC = {
    "id": _Field(str, _slug, _REQUIRED),
    "title": _Field(str, _text),
    "match": _Field(tuple),
    "exclude": _Field(tuple),
    "regex": _Field(str, _regex),
    "description": _Field(str, _text),
    "tags": _Field(tuple),
}
_NOTIFY = {"webhook": _Field(str, _url), "timeout": _Field(float, _range(0, 60, above=True))}
_WEBSUB = {"hub": _Field(str, _url)}
_TOP = dict(
    site=_SITE,
    fetch=_FETCH,
    schedule=_SCHEDULE,
    server=_SERVER,
    sources=_SOURCE,
    topics=_TOPIC,
    notify=_NOTIFY,
    websub=_WEBSUB,
)
_EXPECTED = {str: "a string", int: "an integer", float: "a number", bool: "true or false", tuple: "an array"}
_TOML_TYPES = {bool: "boolean", int: "integer", float: "float", str: "string", list: "array", dict: "table"}


def _got(value: object) -> str:
    if isinstance(value, list | dict):
        return f"got {'an array' if isinstance(value, list) else 'a table'}"
    shown = str(value).lower() if isinstance(value, bool) else repr(value)
    if isinstance(value, dt.date | dt.time):
        shown = value.isoformat()
    return f"got {_TOML_TYPES.get(type(value), type(value).__name__)} {shown[:60]}"


class _Checker:
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
        if isinstance(kind, dict):
            value: Any = self.table(raw, key, kind)
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
        """An array of tables (`[[sources]]`); ids must be unique, and title defaults to id."""
        if not isinstance(raw, list):
            self.add(path, f"expected an array of tables ([[{path}]]), {_got(raw)}")
            return []
        entries = [self.table(item, f"{path}[{index}]", fields) for index, item in enumerate(raw)]
        seen: dict[str, int] = {}
        for index, entry in enumerate(entries):
            if "id" not in entry:
                continue
            if entry["id"] in seen:
                self.add(
                    f"{path}[{index}].id", f"duplicate id {entry['id']!r} (also {path}[{seen[entry['id']]}])"
                )
            seen.setdefault(entry["id"], index)
            entry.setdefault("title", entry["id"])
        return entries


#: Languages whose sites write numeric dates month first, or year first; every other one is day first.
_MDY_LANGUAGES = frozenset({"en-us", "en-ph", "fil"})
_YMD_LANGUAGES = frozenset({"zh", "ja", "ko", "hu", "lt", "mn"})


def date_order_for(language: str) -> str:
    """The numeric date order a site in `language` uses: "mdy" for US English, "ymd" for East Asian
    languages, Hungarian and Lithuanian, else "dmy" (all of Europe, Swedish, Norwegian, Danish, German)."""
    tag = language.casefold()
    if tag in _MDY_LANGUAGES:
        return "mdy"
    return "ymd" if tag.split("-")[0] in _YMD_LANGUAGES else "dmy"


def _resolve(base_dir: Path, value: str) -> Path:
    return Path(os.path.normpath(base_dir / value))


#: Folders of the system, or of everyone: never an output folder (publish writes and prunes feed files in it).
_SYSTEM_FOLDERS = frozenset(
    Path(name)
    for name in (
        "/ /bin /boot /dev /etc /home /lib /lib32 /lib64 /libx32 /media /mnt /opt /proc /root /run /sbin "
        "/srv /sys /tmp /usr /usr/bin /usr/include /usr/lib /usr/libexec /usr/local /usr/local/bin "
        "/usr/local/lib /usr/local/sbin /usr/local/share /usr/sbin /usr/share /var /var/cache /var/lib "
        "/var/log /var/tmp /var/www"
    ).split()
)
#: Trees of devices, kernel state and the system's own configuration: neither path may lead anywhere inside.
_SYSTEM_TREES = tuple(Path(name) for name in ("/dev", "/proc", "/sys", "/etc", "/boot"))


def _system_place(real: Path) -> str | None:
    """Why `real` (a resolved path) is the system's, or None when it is not."""
    if real in _SYSTEM_FOLDERS or real == Path.home().resolve():
        return f"{real} is a system or home folder"
    for tree in _SYSTEM_TREES:
        if real.is_relative_to(tree):
            return f"{real} is inside {tree}"
    return None


def _check_places(checker: _Checker, site: Mapping[str, Any], config_path: Path | None) -> None:
    """Paths that would destroy data: publish renames feed files into output_dir (and removes stale ones),
    so a database in it is replaced by a feed, and a config or program in it is exposed or worse. Symlinks
    are resolved first: what counts is where a path really leads."""
    output = site["output_dir"].resolve() if "output_dir" in site else None
    database = site["database"].resolve() if "database" in site else None
    if output is not None:
        if (why := _system_place(output)) is not None:
            checker.add("site.output_dir", f"must not be a system folder: {why}")
        elif output.exists() and not output.is_dir():
            checker.add("site.output_dir", f"must be a folder: {output} is not one")
        if config_path is not None and config_path.resolve().is_relative_to(output):
            checker.add("site.output_dir", f"must not contain the config file ({config_path.resolve()})")
        if PACKAGE_DIR.is_relative_to(output):
            checker.add("site.output_dir", f"must not contain the program ({PACKAGE_DIR})")
    if database is not None:
        if (why := _system_place(database)) is not None:
            checker.add("site.database", f"must not be a system path: {why}")
        elif database.exists() and not database.is_file():
            checker.add("site.database", f"must be a file: {database} is a folder or a device")
        if output is not None and database.is_relative_to(output):
            checker.add(
                "site.database",
                f"must not be inside site.output_dir ({output}): publishing would replace or serve it",
            )


def parse_config(data: Mapping[str, Any], *, base_dir: Path, config_path: Path | None = None) -> Config:
    """Validate parsed TOML into a Config; relative paths resolve against `base_dir`. `config_path`, the file
    the data came from, must not end up inside the output folder.

    Pure but for looking time zones up and resolving the two paths. Raises one ConfigError listing every
    problem.
    """
    checker = _Checker()
    checker.unknown(data, "", _TOP)
    site, fetch, schedule, server, notify, websub = (
        checker.table(data.get(name, {}), name, _TOP[name])
        for name in ("site", "fetch", "schedule", "server", "notify", "websub")
    )
    sources = checker.array(data.get("sources", []), "sources", _SOURCE)
    if isinstance(data.get("sources", []), list) and not data.get("sources"):
        checker.add("sources", "missing: at least one [[sources]] table is required")
    raw_topics = data.get("topics", [])
    topics = checker.array(raw_topics, "topics", _TOPIC)

    # Combinations of keys (miniflux's Validate()).
    for name in ("output_dir", "database"):
        if name in site:
            site[name] = _resolve(base_dir, site[name])
    if "output_dir" in site and site["output_dir"].resolve().is_relative_to(PACKAGE_DIR):
        checker.add("site.output_dir", f"must not be inside the scraper package ({PACKAGE_DIR})")
    _check_places(checker, site, config_path)
    if "user_agent" in fetch:
        agent = fetch["user_agent"].replace("{version}", package_version())
        fetch["user_agent"] = agent.replace("{base_url}", site.get("base_url", ""))
    if schedule.get("every") and schedule.get("cron"):
        checker.add("schedule.cron", "cannot be combined with schedule.every: set one of them")
    elif schedule.get("every") is None and schedule.get("cron") is None:
        schedule["every"] = DEFAULT_EVERY
    raw_sources = data.get("sources", [])
    for index, raw in enumerate(raw_sources if isinstance(raw_sources, list) else []):
        if isinstance(raw, dict) and raw.get("type") == "feed":
            for name in (name for name in _LISTING_ONLY if name in raw):
                checker.add(f"sources[{index}].{name}", 'only applies to type = "listing"; remove it')
    for source in sources:
        source.setdefault("date_order", date_order_for(site.get("language", "sv")))
    for index, raw in enumerate(raw_topics if isinstance(raw_topics, list) else []):
        if isinstance(raw, dict) and not raw.get("match") and "regex" not in raw and not raw.get("tags"):
            checker.add(f"topics[{index}].match", "missing: a topic needs match words, a regex or tags")

    if checker.problems:
        raise ConfigError(checker.problems)
    return Config(
        site=SiteConfig(**site),
        fetch=FetchConfig(**fetch),
        schedule=ScheduleConfig(**schedule),
        server=ServerConfig(**server),
        sources=tuple(SourceConfig(**source) for source in sources),
        topics=tuple(TopicConfig(**topic) for topic in topics),
        notify=NotifyConfig(**notify),
        websub=WebSubConfig(**websub),
    )


def load_config(path: Path) -> Config:
    """Read and validate a config file. Every failure is a ConfigError naming the file."""
    path = Path(path).absolute()
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise ConfigError([("file", f"cannot read: {error.strerror or error}")], str(path)) from None
    except UnicodeDecodeError as error:
        raise ConfigError([("file", f"not UTF-8 (bad byte at offset {error.start})")], str(path)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # The message ends in "(at line 3, column 9)" or "(at end of document)": make that the key.
        message = str(error)
        where = re.search(r" \(at (.+)\)$", message)
        key, reason = (where[1], message[: where.start()]) if where else ("toml", message)
        raise ConfigError([(key, f"invalid TOML: {reason}")], str(path)) from None
    try:
        config = parse_config(data, base_dir=path.parent, config_path=path)
    except ConfigError as error:
        raise ConfigError(error.problems, str(path)) from None
    return dataclasses.replace(config, path=path)


def find_config_path(cli_value: str | None, env: Mapping[str, str]) -> Path:
    """`--config`, else `$AKTUELLT_CONFIG`, else ./config.toml (an empty value counts as unset)."""
    return Path(cli_value or env.get(ENV_VAR) or DEFAULT_PATH)


def _format_duration(value: dt.timedelta) -> str:
    seconds, parts = int(value.total_seconds()), []
    for unit, size in _UNITS:
        count, seconds = divmod(seconds, size)
        parts += [f"{count}{unit}"] if count else []
    return "".join(parts) or "0s"


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.timedelta):
        value = _format_duration(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # JSON string escapes are valid TOML ones


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
    for name in ("site", "fetch", "schedule", "server", "notify", "websub"):
        lines += _render(f"[{name}]", getattr(config, name))
    for source in config.sources:
        lines += _render("[[sources]]", source, _LISTING_ONLY if source.type == "feed" else ())
    for topic in config.topics:
        lines += _render("[[topics]]", topic)
    return "\n".join(lines) + "\n"
