"""The config file: TOML → validated tree of frozen dataclasses (DESIGN.md "Config (TOML)" is the contract).

`parse_config` is pure: it checks every key (its type is its dataclass field's, its check is in checks.py),
then the combinations of keys, and reports every problem at once in one ConfigError. Only `load_config`
reads a file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import re
import sys
import tomllib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .checks import LISTING_ONLY, TOP_FIELDS, Checker
from .describe import describe
from .notify import notify_targets
from .places import resolve_places
from .tree import (
    DEFAULT_EVERY,
    DEFAULT_PATH,
    ENV_VAR,
    PACKAGE_DIR,
    Config,
    FetchConfig,
    NotifyConfig,
    PublishConfig,
    ScheduleConfig,
    SelectorConfig,
    SourceConfig,
    TopicConfig,
    date_order_for,
)


@functools.cache
def package_version() -> str:
    """The installed version, looked up on first use. Read from the installed `aktuellt-*.dist-info` folder
    beside the package's path entries when there is one: importlib.metadata takes ~8 ms to import and ask,
    a fifth of an unchanged `aktuellt run`'s own work."""
    for entry in sys.path:
        for found in sorted(Path(entry or ".").glob("aktuellt-*.dist-info/METADATA")):
            with contextlib.suppress(OSError):
                for line in found.read_text(encoding="utf-8").splitlines():
                    if line.startswith("Version: "):
                        return line.removeprefix("Version: ").strip()
                    if not line:
                        break  # the headers end at the first blank line
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("aktuellt")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0.0.0"


def parse_config(data: Mapping[str, Any], *, base_dir: Path, config_path: Path | None = None) -> Config:
    """Validate parsed TOML into a Config; relative paths resolve against `base_dir`. `config_path`, the file
    the data came from, must not end up inside the output folder.

    Pure but for looking time zones up and resolving the two paths. Raises one ConfigError listing every
    problem.
    """
    checker = Checker()
    checker.unknown(data, "", TOP_FIELDS)
    tables = {
        name: checker.table(data.get(name, {}), name, TOP_FIELDS[name])
        for name in ("site", "fetch", "schedule", "server", "websub", "publish")
    }
    site, fetch, schedule = tables["site"], tables["fetch"], tables["schedule"]
    raw_sources, raw_topics = data.get("sources", []), data.get("topics", [])
    sources = checker.array(raw_sources, "sources", TOP_FIELDS["sources"])
    if isinstance(raw_sources, list) and not raw_sources:
        checker.add("sources", "missing: at least one [[sources]] table is required")
    topics = checker.array(raw_topics, "topics", TOP_FIELDS["topics"])

    # Combinations of keys (miniflux's Validate()).
    resolve_places(checker, site, base_dir, config_path)
    if "user_agent" in fetch:
        agent = fetch["user_agent"].replace("{version}", package_version())
        fetch["user_agent"] = agent.replace("{base_url}", site.get("base_url", ""))
    if schedule.get("every") and schedule.get("cron"):
        checker.add("schedule.cron", "cannot be combined with schedule.every: set one of them")
    elif schedule.get("every") is None and schedule.get("cron") is None:
        schedule["every"] = DEFAULT_EVERY
    for index, raw in enumerate(raw_sources if isinstance(raw_sources, list) else []):
        if isinstance(raw, dict) and raw.get("type") == "feed":
            for name in (name for name in LISTING_ONLY if name in raw):
                checker.add(f"sources[{index}].{name}", 'only applies to type = "listing"; remove it')
    for source in sources:
        source.setdefault("date_order", date_order_for(site.get("language", "sv")))
    source_ids = {source.get("id") for source in sources}
    for index, raw in enumerate(raw_topics if isinstance(raw_topics, list) else []):
        if not isinstance(raw, dict):
            continue
        # `sources = []` is a topic waiting for `aktuellt add --topic`
        if not raw.get("match") and not raw.get("tags") and "regex" not in raw and "sources" not in raw:
            checker.add(
                f"topics[{index}].match", "missing: a topic needs match words, a regex, tags or sources"
            )
        listed = raw["sources"] if isinstance(raw.get("sources"), list) else []
        for name in (name for name in listed if name not in source_ids):
            checker.add(f"topics[{index}].sources", f"no [[sources]] has the id {name!r}")

    notify = notify_targets(
        checker,
        data.get("notify", []),
        sources=source_ids,
        topics={topic.get("id") for topic in topics},
    )

    if checker.problems:
        raise ConfigError(checker.problems)
    hints = typing.get_type_hints(Config)  # each table's dataclass, `tuple[…, ...]` for an array of them
    made: dict[str, Any] = {name: hints[name](**values) for name, values in tables.items()}
    for name, items in {"sources": sources, "topics": topics, "notify": notify}.items():
        made[name] = tuple(typing.get_args(hints[name])[0](**item) for item in items)
    return Config(**made)


def load_config(path: Path) -> Config:
    """Read and validate a config file. Every failure is a ConfigError naming the file."""
    path = Path(path).absolute()
    return dataclasses.replace(config_of(path, read_config(path)), path=path)


def read_config(path: Path) -> str:
    """The text of the config file at `path` (absolute); a ConfigError naming the file if it is unreadable."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise ConfigError([("file", f"cannot read: {error.strerror or error}")], str(path)) from None
    except UnicodeDecodeError as error:
        raise ConfigError([("file", f"not UTF-8 (bad byte at offset {error.start})")], str(path)) from None


def config_of(path: Path, text: str) -> Config:
    """`text`, the config file at `path` (absolute), parsed and validated; a ConfigError naming the file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # The message ends in "(at line 3, column 9)" or "(at end of document)": make that the key.
        message = str(error)
        where = re.search(r" \(at (.+)\)$", message)
        key, reason = (where[1], message[: where.start()]) if where else ("toml", message)
        raise ConfigError([(key, f"invalid TOML: {reason}")], str(path)) from None
    try:
        return parse_config(data, base_dir=path.parent, config_path=path)
    except ConfigError as error:
        raise ConfigError(error.problems, str(path)) from None


def find_config_path(cli_value: str | None, env: Mapping[str, str]) -> Path:
    """`--config`, else `$AKTUELLT_CONFIG`, else ./config.toml (an empty value counts as unset)."""
    return Path(cli_value or env.get(ENV_VAR) or DEFAULT_PATH)


__all__ = [
    "PACKAGE_DIR",
    "Config",
    "FetchConfig",
    "NotifyConfig",
    "PublishConfig",
    "ScheduleConfig",
    "SelectorConfig",
    "SourceConfig",
    "TopicConfig",
    "describe",
    "find_config_path",
    "load_config",
    "package_version",
    "parse_config",
]
