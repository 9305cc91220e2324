"""End to end: page text that would drive the operator's terminal (OSC 52 writes the clipboard, OSC 0 the
window title, U+009B/U+009D open C1 sequences, DEL, a bidi override, rich markup) is served by the fixture
site, stored, and then printed by `history`, `export` (CSV and JSON, to stdout and to a file), `status` and
`probe`: every command prints it escaped, JSON as `\\uXXXX` (valid, the same text when parsed), and probe's
`[[sources]]` block stays valid TOML."""

from __future__ import annotations

import csv
import io
import json
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import aktuellt, write_config
from tests.fixture_site import FixtureSite, SiteItem, load_seed, new_item
from tests.test_end_to_end import run_cli

# "[/b]" made rich raise MarkupError in probe's table (a traceback); "[link=…]" would have been markup.
HOSTILE = (
    "Rubrik \x1b]52;c;aGFjaw==\x07 \x1b]0;pwned\x07 \u009b2J \u009d0;t\u009c del\x7f \u202egnp.exe [/b] slut"
)
#: Not one of these may reach stdout raw.
RAW = ("\x1b", "\x07", "\u009b", "\u009d", "\u009c", "\x7f", "\u202e")


def assert_no_raw_controls(text: str) -> None:
    assert [char for char in RAW if char in text] == []


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, SiteItem, FixtureSite]]:
    """One run against a listing whose first item's title and summary carry HOSTILE; the page title too."""
    tmp_path = tmp_path_factory.mktemp("terminal")
    item = new_item(HOSTILE, "3 maj 2019", summary="Sammanfattning " + HOSTILE)
    with FixtureSite([item, *load_seed()]) as site:
        render_listing = site.render_listing

        def listing(items: list[SiteItem], page: int) -> str:
            text = render_listing(items, page)
            start, end = text.index("<title>") + len("<title>"), text.index("</title>")
            return text[:start] + "Nyheter\x7f \x1b]0;pwned\x07\u009b" + text[end:]

        site.render_listing = listing  # type: ignore[method-assign]
        config = write_config(tmp_path, site)
        result = run_cli(config)
        assert result.returncode == 0, result.stderr
        yield config, item, site


def test_history_prints_page_text_escaped(hostile):
    config, item, _ = hostile
    result = aktuellt("--config", str(config), "history", item.uuid)
    assert result.returncode == 0, result.stderr
    assert_no_raw_controls(result.stdout)
    assert (
        "Rubrik \\x1b]52;c;aGFjaw==\\x07 \\x1b]0;pwned\\x07 \\x9b2J \\x9d0;t\\x9c del\\x7f \\u202egnp"
        in (result.stdout.splitlines()[0])
    )


def test_export_csv_to_stdout_is_escaped_and_still_csv(hostile):
    config, item, _ = hostile
    result = aktuellt("--config", str(config), "export", "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert_no_raw_controls(result.stdout)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == len(load_seed()) + 1
    (row,) = [row for row in rows if row["key"] == item.uuid]
    assert row["title"].startswith("Rubrik \\x1b]52;c;aGFjaw==\\x07")


def test_export_json_escapes_c0_and_c1_and_parses_back_to_the_same_text(hostile, tmp_path):
    config, item, _ = hostile
    result = aktuellt("--config", str(config), "export", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert_no_raw_controls(result.stdout)
    assert "\\u009b2J \\u009d0;t\\u009c del\\u007f \\u202egnp" in result.stdout
    (exported,) = [i for i in json.loads(result.stdout)["items"] if i["key"] == item.uuid]
    assert exported["revisions"][0]["title"] == HOSTILE

    written = tmp_path / "export.json"
    assert aktuellt("--config", str(config), "export", "--format", "json", "-o", str(written)).returncode == 0
    assert written.read_text(encoding="utf-8") == result.stdout  # the same safe text, the same data


def test_export_csv_to_a_file_keeps_the_data_exactly(hostile, tmp_path):
    config, item, _ = hostile
    written = tmp_path / "export.csv"
    result = aktuellt("--config", str(config), "export", "--format", "csv", "-o", str(written))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    with written.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["key"] == item.uuid]
    assert [row["title"] for row in rows] == [HOSTILE]
    assert rows[0]["summary"] == "Sammanfattning " + HOSTILE


def test_status_prints_a_sources_error_reason_escaped(tmp_path):
    """The reason a source failed quotes its redirect's Location, where C1 bytes are legal header text."""
    with FixtureSite(load_seed()) as site:
        site.fault, site.redirect_to = "redirect-away", "ftp://evil.test/\u009b2J\u009d0;pwned\u009c"
        config = write_config(tmp_path, site)
        assert run_cli(config).returncode == 1
    table = aktuellt("--config", str(config), "status")
    assert table.returncode == 1, table.stderr
    assert_no_raw_controls(table.stdout)  # (the table shows the reason's first 80 characters)
    document = aktuellt("--config", str(config), "status", "--json")
    assert_no_raw_controls(document.stdout)
    reason = json.loads(document.stdout)["sources"]["jamlikt-goteborg"]["last_error"]
    assert "ftp://evil.test/\\u009b2J\\u009d0;pwned\\u009c" in document.stdout
    assert reason.endswith("ftp://evil.test/\u009b2J\u009d0;pwned\u009c")  # the same text, once parsed


def test_probe_prints_escaped_and_its_sources_block_is_valid_toml(hostile):
    _, _, site = hostile
    result = aktuellt("probe", site.listing_url)
    assert result.returncode == 0, result.stderr
    assert_no_raw_controls(result.stdout)
    assert "\\x1b]52;c;" in result.stdout  # the item's title in the items table (folded at its spaces)
    assert "[/b]" in result.stdout  # shown as text, not read as markup
    block = result.stdout.split("then run `aktuellt check`):\n\n", 1)[1]
    parsed = tomllib.loads(block)
    (source,) = parsed["sources"]
    assert source["title"] == "Nyheter\x7f \x1b]0;pwned\x07\u009b"  # the page's own title, exactly
    assert source["url"] == site.listing_url


def test_json_log_lines_escape_del_c1_and_bidi_and_parse_back():
    import logging

    from scraper.logs import JsonFormatter

    line = JsonFormatter().format(logging.makeLogRecord({"msg": HOSTILE}))
    assert_no_raw_controls(line)
    assert json.loads(line)["message"] == HOSTILE


def test_healthz_writes_a_sources_error_reason_escaped_as_status_json_does(tmp_path):
    """/healthz is `status --json`'s document over HTTP, which an operator reads with curl in a terminal."""
    from tests.service.test_service import Service, wait_for
    from tests.service.test_service import write_config as service_config

    with FixtureSite(load_seed()) as site:
        site.fault, site.redirect_to = "redirect-away", "ftp://evil.test/\u009b2J\u009d0;pwned\u009c"
        service = Service(service_config(tmp_path, site, every="1h", articles=False))
        try:
            wait_for("a failed cycle", lambda: "cycle failed" in service.log or "1 failed" in service.log)
            answer = service.get("/healthz")
        finally:
            service.close()
    assert answer.status_code == 503, answer.text
    assert_no_raw_controls(answer.text)
    reason = answer.json()["sources"]["jamlikt-goteborg"]["last_error"]
    assert reason.endswith("ftp://evil.test/\u009b2J\u009d0;pwned\u009c")  # the same text, once parsed
