"""`aktuellt check`, `run` and `serve` refuse paths that would destroy data (issue 11, item 12): a database
inside the output folder (the first publish renames a feed over it), an output folder holding the config, the
database or the program, and system folders or devices. Through the real CLI, with symlinks resolved."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scraper.config import PACKAGE_DIR
from tests.conftest import aktuellt


def write(tmp_path: Path, site: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[site]\n{site}\n\n[[sources]]\nid = "a"\nurl = "http://127.0.0.1:9/"\n', encoding="utf-8"
    )
    return path


def cli(config: Path, command: str = "check") -> subprocess.CompletedProcess[str]:
    return aktuellt("--config", str(config), command)


def refused(result: subprocess.CompletedProcess[str], key: str, reason: str) -> bool:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line.strip() for line in result.stderr.splitlines()]
    return any(line.startswith(f"{key}:") and reason in line for line in lines)


HOME = str(Path.home())


@pytest.mark.parametrize(
    ("site", "key", "reason"),
    [
        ('database = "feeds/all.json"', "site.database", "must not be inside site.output_dir"),
        ('output_dir = "out"\ndatabase = "out/state/a.db"', "site.database", "must not be inside"),
        ('output_dir = "."', "site.output_dir", "must not contain the config file"),
        ('output_dir = ".."', "site.output_dir", "must not contain the config file"),
        ('output_dir = "/"', "site.output_dir", "must not be a system folder"),
        ('output_dir = "/etc"', "site.output_dir", "must not be a system folder"),
        ('output_dir = "/etc/aktuellt"', "site.output_dir", "is inside /etc"),
        ('output_dir = "/usr"', "site.output_dir", "must not be a system folder"),
        ('output_dir = "/dev/null"', "site.output_dir", "is inside /dev"),
        (f'output_dir = "{HOME}"', "site.output_dir", "system or home folder"),
        (f'output_dir = "{PACKAGE_DIR.parent}"', "site.output_dir", "must not contain the program"),
        ('database = "/dev/null"', "site.database", "is inside /dev"),
        ('database = "/etc/aktuellt.db"', "site.database", "is inside /etc"),
        ('database = "/usr"', "site.database", "must not be a system path"),
    ],
)
def test_check_refuses_a_path_that_destroys_data(tmp_path, site, key, reason):
    result = cli(write(tmp_path, site))
    assert refused(result, key, reason), result.stderr


def test_symlinks_are_resolved_before_comparing(tmp_path):
    (tmp_path / "public").symlink_to(tmp_path, target_is_directory=True)  # leads to the config's folder
    assert refused(cli(write(tmp_path, 'output_dir = "public"')), "site.output_dir", "config file")

    (tmp_path / "system").symlink_to("/etc", target_is_directory=True)
    assert refused(cli(write(tmp_path, 'output_dir = "system"')), "site.output_dir", "/etc is a system")

    (tmp_path / "feeds").mkdir()
    (tmp_path / "state.db").symlink_to(tmp_path / "feeds" / "all.json")
    assert refused(cli(write(tmp_path, 'database = "state.db"')), "site.database", "inside site.output_dir")

    (tmp_path / "null.db").symlink_to("/dev/null")
    assert refused(cli(write(tmp_path, 'database = "null.db"')), "site.database", "inside /dev")


def test_a_database_that_is_a_folder_is_refused(tmp_path):
    (tmp_path / "aktuellt.db").mkdir()
    assert refused(cli(write(tmp_path, 'database = "aktuellt.db"')), "site.database", "must be a file")


@pytest.mark.parametrize("command", ["run", "serve"])
def test_run_and_serve_refuse_too_and_touch_nothing(tmp_path, command):
    result = cli(write(tmp_path, 'database = "feeds/all.json"'), command)
    assert refused(result, "site.database", "must not be inside site.output_dir"), result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_the_usual_layout_is_accepted(tmp_path):
    result = cli(write(tmp_path, 'output_dir = "feeds"\ndatabase = "state/aktuellt.db"'))
    assert result.returncode == 0, result.stderr
