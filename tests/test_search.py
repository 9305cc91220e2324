"""`aktuellt search`: full-text search over every stored version, end to end against the fixture site and a
real SQLite file, through the CLI; the FTS migration's backfill of a store that predates it."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from scraper.cli import cli as main_group
from scraper.publish.historypage import page_path
from scraper.store import Store
from scraper.store.db import Database
from scraper.store.schema import migrations
from tests.conftest import write_config
from tests.fixture_site import FixtureSite, load_seed, new_item
from tests.test_end_to_end import run_cli
from tests.test_history import cli

OLD_WORD, NEW_WORD, BODY_WORD = "Slottsskogsvallen", "Ullevi", "Kvibergsparken"
ITEM = new_item(
    "Sommarfest på Slottsskogsvallen",
    "3 maj 2019",
    summary="Välkommen till Slottsskogsvallen i sommar.",
    body_html=f"<p>Festen hålls i år vid {BODY_WORD}.</p>",
)


@pytest.fixture(scope="module")
def edited(tmp_path_factory) -> Path:
    """A first run with the item, then an edit that takes OLD_WORD out of title, summary and article."""
    tmp_path = tmp_path_factory.mktemp("search")
    with FixtureSite([ITEM, *load_seed()]) as site:
        config = write_config(tmp_path, site)
        assert run_cli(config).returncode == 0
        site.edit_item(
            ITEM.uuid,
            title="Sommarfest på Ullevi",
            summary="Välkommen till Ullevi i sommar.",
            body_html="<p>Festen hålls i år på Ullevi.</p>",
        )
        result = run_cli(config)
        assert result.returncode == 0, result.stderr
    return config


def search(config: Path, *args: str) -> str:
    """`aktuellt search` in this process (fast); `test_search_finds_text_that_was_later_edited_away` runs
    the real command."""
    result = CliRunner().invoke(main_group, ["--config", str(config), "search", *args])
    assert result.exit_code == 0, result.output
    return result.output


def search_cli(config: Path, *args: str) -> str:
    result = cli(config, "search", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_search_finds_text_that_was_later_edited_away(edited):
    out = search_cli(edited, OLD_WORD)
    assert out.startswith(f"1 träff för {OLD_WORD!r}\n")
    assert "Ny (äldre version: texten har ändrats sedan)" in out
    assert "Sommarfest på Slottsskogsvallen" in out and f"»{OLD_WORD}«" in out
    assert f"historik:  http://feeds.example.test/{page_path(ITEM.uuid)}" in out
    assert f"/aktuelltsida/{ITEM.uuid}/" in out  # the article's link
    when = out.splitlines()[2][:16]
    assert dt.datetime.strptime(when, "%Y-%m-%d %H:%M")  # the version's date, local time


def test_search_reads_the_article_text_too_and_filters_by_kind_and_date(edited):
    assert "1 träff" in search(edited, BODY_WORD)  # only in the first version's article text
    assert search(edited, OLD_WORD, "--kind", "edited").startswith("0 träffar")
    out = search(edited, NEW_WORD, "--kind", "edited")
    assert out.startswith("1 träff") and "Ändrad (nuvarande version)" in out
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    assert search(edited, NEW_WORD, "--since", tomorrow).startswith("0 träffar")
    assert search(edited, NEW_WORD, "--since", "2000-01-01").startswith("1 träff")


def test_search_syntax_is_taken_literally_and_an_empty_query_is_a_usage_error(edited):
    assert search(edited, f'{OLD_WORD} OR "NOT').startswith("0 träffar")  # no FTS syntax error
    for query in ('"', '""', "NEAR(", "*", "-"):
        assert search(edited, query).startswith("0 träffar"), query
    assert search(edited, f'"{OLD_WORD}"').startswith("1 träff")
    for args in (["  "], ["x", "--kind", "bogus"]):
        assert CliRunner().invoke(main_group, ["--config", str(edited), "search", *args]).exit_code == 2


def test_search_output_escapes_control_characters_from_the_site(tmp_path):
    store = Store(tmp_path / "aktuellt.db")
    store.db.execute(
        "INSERT INTO items (source, key, entry_id, title, link, published, updated, first_seen) "
        "VALUES ('s', 'k', 'tag:x,2026:s/k', 't', 'http://example.test/a\x1b[2J', "
        "'2026-01-01T10:00:00+00:00', '2026-01-01T10:00:00+00:00', '2026-01-01T10:00:00+00:00')"
    )
    store.db.execute(
        "INSERT INTO revisions (source, key, first_seen, last_seen, title, summary) VALUES "
        "('s', 'k', '2026-01-01T10:00:00+00:00', '2026-01-01T10:00:00+00:00', "
        "'Rubrik\x1b]0;pwned\x07', 'hemligt ord\x1b[31m')"
    )
    store.db.conn.commit()
    store.close()
    config = tmp_path / "config.toml"
    config.write_text('[[sources]]\nid = "s"\nurl = "http://example.test/"\n', encoding="utf-8")
    out = search(config, "hemligt")
    assert "\x1b" not in out and "\x07" not in out
    assert "Rubrik\\x1b]0;pwned\\x07" in out and "\\x1b[2J" in out


def test_the_migration_indexes_versions_stored_before_it(tmp_path):
    path = tmp_path / "old.db"
    db = Database(sqlite3.connect(str(path)))
    migrations.apply(db, stop_before="m019h_search_and_history_pages")
    db.execute(
        "INSERT INTO revisions (source, key, first_seen, last_seen, title, summary) VALUES "
        "('s', 'k', '2025-01-01T10:00:00+00:00', '2025-01-01T10:00:00+00:00', 'Gammal rubrik', "
        "'Ett ord som redan fanns')"
    )
    db.execute(
        "INSERT INTO items (source, key, entry_id, title, link, published, updated, first_seen) "
        "VALUES ('s', 'k', 'tag:x,2025:s/k', 'Gammal rubrik', 'http://example.test/a', "
        "'2025-01-01T10:00:00+00:00', '2025-01-01T10:00:00+00:00', '2025-01-01T10:00:00+00:00')"
    )
    db.conn.commit()
    assert "revisions_fts" not in db.table_names()
    db.close()
    with Store(path) as store:
        (hit,) = store.pages.search("redan")
        assert hit.key == "k" and hit.current and hit.title == "Gammal rubrik"
        # and versions written after it, in the same transaction as the write
        store.db.execute("UPDATE revisions SET summary = 'nytt innehåll' WHERE key = 'k'")
        assert store.pages.search("redan") == [] and len(store.pages.search("innehåll")) == 1
