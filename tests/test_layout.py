"""The package's house rules, read from the source with `ast`: which room may import which, each third-party
library behind one module, module and class sizes, and a docstring that says each module's job.

The rooms (README "Architecture"): `source` and `store` at the bottom, `publish` above them, the cycle above
those, `service` and the CLI on top. The shared modules at the package's top level (models, errors, config,
identity, dates, diff, history, …) sit under every room and import none.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "scraper"
ROOMS = ("source", "store", "publish", "service")
#: Top-level modules that tie the rooms together, and the place each is in; every other top-level module is
#: shared ground. `read` and `plan` are the cycle's own steps: they join the source room's readers with the
#: store's state, so they sit beside `cycle`, above both rooms. `deliver` (the outbox after publishing) and
#: `alerts` (Apprise, which sends) join the store, the publish room's messages and the network likewise.
ROOF = {
    "cycle": "cycle",
    "read": "cycle",
    "readhints": "cycle",
    "plan": "cycle",
    "pool": "cycle",
    "deliver": "cycle",
    "alerts": "cycle",
    "cli": "cli",
    "__main__": "__main__",
}

#: What each place may import from the package, besides the shared top-level modules.
ALLOWED: dict[str, frozenset[str]] = {
    "shared": frozenset(),
    "source": frozenset({"source"}),
    "store": frozenset({"store"}),
    "publish": frozenset({"store", "publish"}),
    "cycle": frozenset({"source", "store", "publish", "cycle"}),
    "service": frozenset({"source", "store", "publish", "service", "cycle"}),
    "cli": frozenset({"source", "store", "publish", "service", "cycle", "cli"}),
    "__main__": frozenset({"cli"}),
}

#: Each third-party library (its import name) and the one module allowed to import it.
LIBRARIES: dict[str, str] = {
    "httpx": "source/transport.py",
    "httpcore": "source/transport.py",
    "selectolax": "markup.py",
    "nh3": "source/sanitize.py",
    "feedparser": "source/feedsource.py",
    "sqlite_utils": "store/db.py",
    "feedgen": "publish/render.py",
    "apscheduler": "service/schedule.py",
    "starlette": "service/files.py",
    "uvicorn": "service/server.py",
    "h11": "service/server.py",
    "prometheus_client": "service/metrics.py",
    "rich": "progress.py",
    "click": "cli.py",
    "tomlkit": "config/edit.py",
    "boto3": "publish/bucket.py",
    "botocore": "publish/bucket.py",
    "apprise": "alerts.py",
}

MAX_MODULE_LINES = 400  # a module longer than this does more than one job
MAX_CLASS_LINES = 250
#: Modules still over the limit, each to be split; the list may only shrink (a test checks each still is).
OVERSIZE: frozenset[str] = frozenset()
#: Classes still over the limit (module path, class name), likewise.
OVERSIZE_CLASSES: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class Module:
    path: str  #: relative to the package, e.g. "source/fetch.py"
    tree: ast.Module
    lines: int

    @property
    def dotted(self) -> list[str]:
        parts = self.path.removesuffix(".py").split("/")
        return parts[:-1] if parts[-1] == "__init__" else parts

    @property
    def place(self) -> str:
        """The room this module lives in, "shared", or its own name for the roof modules."""
        first = self.path.removesuffix(".py").split("/")[0]
        if first in ROOMS:
            return first
        return ROOF.get(first, "shared")

    @property
    def package(self) -> list[str]:
        """The package a relative import in this module starts from."""
        parts = self.path.removesuffix(".py").split("/")
        return parts[:-1]


def modules() -> list[Module]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        found.append(
            Module(path.relative_to(PACKAGE).as_posix(), ast.parse(source), len(source.splitlines()))
        )
    return found


def place_of(dotted: list[str]) -> str:
    """The place an imported package module (dotted name under `scraper`) belongs to."""
    if not dotted:
        return "shared"  # `from . import x` at the top: x is resolved by the caller
    if dotted[0] in ROOMS:
        return dotted[0]
    return ROOF.get(dotted[0], "shared")


def internal_imports(module: Module) -> list[tuple[int, list[str]]]:
    """(line, dotted name under the package) of every import of the package's own modules, at any depth."""
    found: list[tuple[int, list[str]]] = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = module.package[: len(module.package) - (node.level - 1)]
            target = base + (node.module.split(".") if node.module else [])
            if node.module:
                found.append((node.lineno, target))
            else:  # `from . import health`: each name is a module
                found.extend((node.lineno, target + [alias.name]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "scraper":
            found.append((node.lineno, (node.module or "").split(".")[1:]))
        elif isinstance(node, ast.Import):
            found.extend(
                (node.lineno, alias.name.split(".")[1:])
                for alias in node.names
                if alias.name.split(".")[0] == "scraper"
            )
    return found


def external_imports(module: Module) -> list[tuple[int, str]]:
    """(line, top-level name) of every absolute import of something outside the package."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name.split(".")[0]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return [(line, name) for line, name in found if name != "scraper"]


MODULES = modules()


def test_the_package_has_its_four_rooms():
    assert {m.place for m in MODULES} >= set(ROOMS) | {"shared", "cli"}


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.path)
def test_imports_only_go_down(module: Module):
    allowed = ALLOWED[module.place]
    wrong = [
        f"{module.path}:{line} imports scraper.{'.'.join(target)}"
        for line, target in internal_imports(module)
        if place_of(target) != "shared" and place_of(target) not in allowed | {module.place}
    ]
    assert not wrong, f"{module.place} may import only shared modules and {sorted(allowed)}"


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.path)
def test_each_library_is_imported_by_its_one_module(module: Module):
    stdlib = sys.stdlib_module_names
    wrong = []
    for line, name in external_imports(module):
        if name in stdlib or name == "__future__":
            continue
        if name not in LIBRARIES:
            wrong.append(f"{module.path}:{line}: {name} is not listed in LIBRARIES (give it its one module)")
        elif LIBRARIES[name] != module.path:
            wrong.append(f"{module.path}:{line}: {name} belongs in {LIBRARIES[name]} only")
    assert not wrong


def test_every_listed_library_module_exists_and_imports_it():
    by_path = {m.path: m for m in MODULES}
    for name, path in LIBRARIES.items():
        assert path in by_path, f"{name}'s module {path} is gone: update LIBRARIES"
        assert name in {n for _, n in external_imports(by_path[path])}, f"{path} no longer imports {name}"


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.path)
def test_modules_and_classes_stay_small(module: Module):
    if module.path not in OVERSIZE:
        assert module.lines <= MAX_MODULE_LINES, f"{module.path} has {module.lines} lines: split it by job"
    for node in ast.walk(module.tree):
        if isinstance(node, ast.ClassDef) and (module.path, node.name) not in OVERSIZE_CLASSES:
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            assert length <= MAX_CLASS_LINES, f"{module.path}: class {node.name} has {length} lines"


def test_the_oversize_lists_only_shrink():
    """A module split below the limit must leave OVERSIZE, so the list is always the work left."""
    by_path = {m.path: m for m in MODULES}
    assert all(by_path[path].lines > MAX_MODULE_LINES for path in OVERSIZE if path in by_path)
    assert OVERSIZE <= by_path.keys()
    for path, name in OVERSIZE_CLASSES:
        classes = {
            n.name: (n.end_lineno or n.lineno) - n.lineno + 1
            for n in ast.walk(by_path[path].tree)
            if isinstance(n, ast.ClassDef)
        }
        assert classes.get(name, 0) > MAX_CLASS_LINES, f"{path}: {name} is small now: drop it from the list"


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.path)
def test_every_module_says_its_job_in_its_first_line(module: Module):
    docstring = ast.get_docstring(module.tree)
    assert docstring and docstring.splitlines()[0].strip(), f"{module.path} has no docstring saying its job"


def test_the_tests_mirror_the_rooms():
    tests = Path(__file__).resolve().parent
    folders = {p.name for p in tests.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    assert folders == set(ROOMS), "tests/<room>/ for each room of the package, and no other test package"


def test_pyproject_ships_every_package_and_the_stylesheet():
    """A new room or sub-package must be listed for the wheel, or an installed aktuellt cannot import it."""
    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(project["tool"]["setuptools"]["packages"])
    folders = {"scraper"} | {
        "scraper." + ".".join(p.parent.relative_to(PACKAGE).parts) for p in PACKAGE.rglob("*/__init__.py")
    }
    assert listed == folders | {"scraper.static"}
    assert project["tool"]["setuptools"]["package-data"]["scraper.static"] == ["*.xsl"]
    assert (PACKAGE / "static" / "feed.xsl").is_file()
