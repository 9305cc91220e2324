"""`make explore`: the store in Datasette with deploy/datasette-metadata.json. A real Datasette process on
127.0.0.1 (port 0) serves a store made by real cycles against the fixture site (an edit and a removal);
each canned query's JSON has the rows, the Swedish descriptions are there, and the file is not written."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import write_config
from tests.fixture_site import FixtureSite, load_seed
from tests.test_history import run_in_process

REPO = Path(__file__).resolve().parent.parent
METADATA = REPO / "deploy" / "datasette-metadata.json"
SEED = load_seed()
EDITED, REMOVED = SEED[1], SEED[3]
NEW_TITLE = "Flygande matta landar på Gustaf Adolfs torg"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    tmp_path = tmp_path_factory.mktemp("explore")
    with FixtureSite(load_seed()) as site:
        config = write_config(tmp_path, site)
        assert run_in_process(config).ok
        site.edit_item(EDITED.uuid, title=NEW_TITLE)
        site.remove_item(REMOVED.uuid)
        assert run_in_process(config).ok
        assert run_in_process(config).ok
    path: Path = tmp_path / "aktuellt.db"
    return path


@pytest.fixture(scope="module")
def datasette(store) -> Iterator[str]:
    binary = shutil.which("datasette", path=str(Path(sys.executable).parent))
    assert binary, "datasette is missing: pip install -e '.[dev]'"
    process = subprocess.Popen(
        [binary, "serve", str(store), "--metadata", str(METADATA), "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = None
        deadline = time.monotonic() + 30
        assert process.stderr is not None
        while url is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line and process.poll() is not None:
                break
            found = re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", line)
            url = found[1] if found else None
        assert url, "Datasette did not start"
        # keep reading its log (a line per request), so a full pipe never blocks it
        threading.Thread(target=process.stderr.read, daemon=True).start()
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr is not None:
            process.stderr.close()


def rows(url: str, path: str, **params: str) -> list[dict[str, object]]:
    answer = httpx.get(f"{url}/aktuellt/{path}.json", params={"_shape": "array", **params}, timeout=10)
    assert answer.status_code == 200, answer.text
    result: list[dict[str, object]] = answer.json()
    return result


def test_each_canned_query_answers_with_rows(datasette, store):
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    changes = rows(datasette, "andringar_senaste_veckan")
    assert [(r["händelse"], r["nyckel"]) for r in changes] == [
        ("borttagen", REMOVED.uuid),
        ("ändrad", EDITED.uuid),
    ]
    assert changes[1]["rubrik_före"] == EDITED.title
    removed = rows(datasette, "borttagna")
    assert [(r["nyckel"], r["rubrik"], r["orsak"]) for r in removed] == [
        (REMOVED.uuid, REMOVED.title, "listing")
    ]
    for ask in (EDITED.uuid, changes[1]["länk"]):
        versions = rows(datasette, "alla_versioner_av_en_artikel", artikel=str(ask))
        assert [r["rubrik"] for r in versions] == [EDITED.title, NEW_TITLE]
        assert [r["händelser"] for r in versions] == ["new", "edited"]
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before  # read-only


def test_tables_are_described_in_swedish_and_searchable(datasette):
    metadata = httpx.get(f"{datasette}/-/metadata.json", timeout=10).json()
    tables = metadata["databases"]["aktuellt"]["tables"]
    assert tables["revisions"]["columns"]["body_text"].startswith("Artikelns brödtext")
    shipped = json.loads(METADATA.read_text(encoding="utf-8"))["databases"]["aktuellt"]["tables"]
    assert tables["events"] == shipped["events"] and "facets" in tables["events"]
    # full-text search over every version, through the index the store keeps (revisions_fts)
    found = rows(datasette, "revisions", _search="Kungstorget")
    assert {r["key"] for r in found} == {EDITED.uuid}
