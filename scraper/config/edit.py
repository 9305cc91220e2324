"""Writing the config file: `[[sources]]` blocks appended to it, the file's comments and layout kept. The
only module that imports tomlkit (a TOML library that round-trips a document as written).

The new text is validated as a whole (`config_of`, as `aktuellt check` would) before the file is
replaced, atomically: a config that would not load is never written.
"""

from __future__ import annotations

import stat
from collections.abc import Mapping, Sequence
from pathlib import Path

import tomlkit
from tomlkit.items import AoT

from ..errors import ConfigError
from ..folders import replace_file
from . import config_of, read_config


def with_sources(text: str, sources: Sequence[Mapping[str, object]], topics: Sequence[str] = ()) -> str:
    """`text` (a config file) with a `[[sources]]` table for each of `sources` at the end of the array, and
    their ids added to the `sources` of each `[[topics]]` table named in `topics`."""
    document = tomlkit.parse(text)
    tables = {table.get("id"): table for table in document.get("topics", [])}
    for topic in topics:
        if topic not in tables:
            known = ", ".join(str(name) for name in tables) or "none"
            raise ConfigError([("topic", f"no [[topics]] has the id {topic!r} (the config has: {known})")])
        listed = tables[topic].setdefault("sources", tomlkit.array())
        listed.extend(str(source["id"]) for source in sources)
    array = document.get("sources")
    if array is None:
        array = tomlkit.aot()
        document.append("sources", array)
    if not isinstance(array, AoT):
        raise ConfigError([("sources", "expected an array of tables ([[sources]]), got something else")])
    for source in sources:
        table = tomlkit.table()
        for key, value in source.items():
            table.append(key, value)
        table.add(tomlkit.nl())  # a blank line after each new block, as the file's own are written
        array.append(table)
    return tomlkit.dumps(document)


def append_sources(path: Path, sources: Sequence[Mapping[str, object]], topics: Sequence[str] = ()) -> None:
    """Append `sources` to the config file at `path` (and to the `topics` named), keeping its comments and
    layout. Raises ConfigError (naming the file) when the result would not be a valid config or a topic is
    unknown; then the file is left as it was."""
    path = Path(path).absolute()
    new = with_sources(read_config(path), sources, topics)
    config_of(path, new)  # raises when the result would not load
    replace_file(path, new.encode("utf-8"), stat.S_IMODE(path.stat().st_mode))
