"""Whole-process cost (issue 20): an unchanged `aktuellt run` loads only what it uses. Run in a subprocess
against the fixture site: the second run (a 304, every feed document kept) must not import the libraries of
work it does not do."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

from scraper.config import package_version
from tests.conftest import write_config
from tests.fixture_site import FixtureSite, load_seed

#: Imported by a cycle only for work an unchanged cycle does not do: rendering (feedgen, lxml), reading pages
#: (selectolax, nh3), feeds (feedparser), a terminal's progress bar (rich), httpx's own CLI, a bucket (boto3),
#: config editing (tomlkit), and importlib.metadata (the version lookup, sqlite-utils' plugin scan).
NOT_NEEDED = (
    "feedgen",
    "lxml",
    "selectolax",
    "nh3",
    "feedparser",
    "rich",
    "pygments",
    "boto3",
    "tomlkit",
    "importlib.metadata",
)

PROGRAM = """
import sys
from scraper.cli import main
try:
    main(["--config", sys.argv[1], "-q", "run"])
except SystemExit as done:
    print("exit", done.code)
print(" ".join(sorted(sys.modules)))
"""


def test_an_unchanged_run_imports_only_what_it_uses(tmp_path: Path) -> None:
    with FixtureSite(load_seed()) as site:
        config = write_config(tmp_path, site)
        for _ in range(2):  # the first run reads and renders everything; the second finds nothing new
            result = subprocess.run(
                [sys.executable, "-c", PROGRAM, str(config)], capture_output=True, text=True, timeout=60
            )
    assert result.returncode == 0, result.stderr
    exit_line, modules = result.stdout.strip().splitlines()[-2:]
    assert exit_line == "exit 0"
    loaded = set(modules.split())
    assert [name for name in NOT_NEEDED if name in loaded] == []
    assert "httpx" in loaded and "sqlite_utils" in loaded  # the work it does


def test_the_version_is_the_installed_one() -> None:
    assert package_version() == importlib.metadata.version("aktuellt")
