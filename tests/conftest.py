"""What many test files share: the fixture site with the seeded listing, the end-to-end config written
against it, the CLI run in this process, and the Hypothesis profile."""

from __future__ import annotations

import contextlib
import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

from scraper.cli import cli
from tests.fixture_site import FixtureSite, load_seed, repo_topics

TITLE = "Jämlikt Göteborg – Aktuellt"

# Property tests judge results, not time: on a busy 2-core machine (xdist workers, a cold clone) a first draw
# took 1.8 s and failed Hypothesis's too_slow check, and its 200 ms deadline fails the same way. Speed is
# measured in `make bench`.
settings.register_profile("aktuellt", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("aktuellt")


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with FixtureSite(load_seed()) as running:
        yield running


@pytest.fixture(scope="session")
def published_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of one real `aktuellt run` of the fixture site with the repository's topics, for the
    tests that only read it (a test that adds a page removes it again)."""
    tmp_path = tmp_path_factory.mktemp("site")
    with FixtureSite(load_seed()) as site:
        result = aktuellt("--config", str(write_config(tmp_path, site, repo_topics())), "run")
    assert result.returncode == 0, result.stderr
    return tmp_path / "feeds"


def write_config(
    tmp_path: Path,
    site: FixtureSite,
    topics: str = "",
    *,
    title: str | None = TITLE,
    sections: str = "",
    articles: bool = True,
    **fetch: object,
) -> Path:
    """`tmp_path/config.toml`: one source reading the fixture site's listing, feeds in `feeds/`, the store in
    `aktuellt.db`, no delay nor retries (`fetch` overrides [fetch] keys). `sections` go before the
    [[sources]] table and `topics` after it, so that with no topics a test may append keys of the source.
    `title=None` leaves the titles out: the source then takes its page's."""
    settings = {"timeout": 5, "retries": 0, "delay": 0, **fetch}
    fetch_lines = "\n".join(f"{k} = {v!r}" for k, v in settings.items())
    site_title = f'title = "{title}"\n' if title else ""
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[site]
{site_title}base_url = "http://feeds.example.test/"
output_dir = "feeds"
database = "aktuellt.db"

[fetch]
{fetch_lines}
{sections}
[[sources]]
id = "jamlikt-goteborg"
{site_title}url = "{site.listing_url}"
{"" if articles else "articles = false"}
{topics}""",
        encoding="utf-8",
    )
    return path


def aktuellt(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`aktuellt ARGS` in this process: the exit code, stdout and stderr `python -m scraper ARGS` gives,
    without a second of imports per call. An exception the CLI lets out is raised here, as a traceback would
    have failed the test. Tests about the process itself (SIGKILL, a lock another process holds, memory
    limits, what a run imports) start one of their own."""
    root, quiet = logging.getLogger(), [logging.getLogger(name) for name in ("httpx", "httpcore")]
    saved = root.handlers[:], root.level, [logger.level for logger in quiet]
    try:  # the CLI sets up logging to its stderr: pytest's own handlers and levels come back after it
        with contextlib.chdir(cwd or Path.cwd()):
            result = CliRunner().invoke(cli, args, prog_name="aktuellt", env=env, catch_exceptions=False)
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        for logger, level in zip(quiet, saved[2], strict=True):
            logger.setLevel(level)
    return subprocess.CompletedProcess(["aktuellt", *args], result.exit_code, result.stdout, result.stderr)
