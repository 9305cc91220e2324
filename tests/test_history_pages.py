"""changes.html and history/<name>.html end to end: cycles against the fixture site into a real SQLite file,
an edit and a removal, then the pages read back (lxml), checked by the Nu Html Checker, run through axe-core
in headless Chromium at desktop and phone width (screenshots in test-artifacts/), linked from index.html and
from the changes feed (feedparser), and rewritten incrementally.
"""

from __future__ import annotations

import functools
import json
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest
from lxml import html

from scraper.config import load_config
from scraper.publish.historypage import page_path
from scraper.publish.site import publish_feeds
from scraper.store import Store
from tests.conftest import write_config
from tests.fixture_site import FixtureSite, load_seed, repo_topics
from tests.publish.test_topics import EXPECTED
from tests.test_end_to_end import run_cli
from tests.test_history import run_in_process
from tests.test_hostile_content import insert_item
from tests.test_site_end_to_end import (
    ARTIFACTS,
    BASE_URL,
    REPO,
    TOPIC_IDS,
    QuietHandler,
    chromium,
    vnu,
)

AXE = REPO / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
SEED = load_seed()
EDITED, REMOVED, LATER = SEED[1], SEED[3], SEED[5]
#: Window sizes (and colour scheme: the dark one has its own colours to check for contrast).
SIZES = {
    "desktop": ("--window-size=1280,900",),
    "phone": ("--window-size=390,844",),
    "phone-dark": ("--window-size=390,844", "--blink-settings=preferredColorScheme=0"),
}


def run_ok(config: Path) -> None:
    assert run_in_process(config).ok


def edit_edited(site: FixtureSite) -> None:
    site.edit_item(
        EDITED.uuid,
        title="Flygande matta landar på Gustaf Adolfs torg <script>",
        summary=EDITED.summary.replace("Kungstorget", "Gustaf Adolfs torg"),
    )


@pytest.fixture(scope="module")
def output(tmp_path_factory) -> Path:
    """A first run, an edit, a removal (two reads without the item): the tests below only read the result."""
    tmp_path = tmp_path_factory.mktemp("history-pages")
    with FixtureSite(load_seed()) as site:
        config = write_config(tmp_path, site, repo_topics())
        run_ok(config)
        edit_edited(site)
        site.remove_item(REMOVED.uuid)
        run_ok(config)
        run_ok(config)
    folder: Path = tmp_path / "feeds"
    return folder


def page(output: Path, name: str) -> html.HtmlElement:
    return html.fromstring((output / name).read_bytes())


def test_a_history_page_shows_every_version_with_an_inline_diff_marked_for_screen_readers(output):
    assert sorted(p.name for p in (output / "history").iterdir()) == sorted(
        f"{item.uuid}.html" for item in (EDITED, REMOVED)
    )  # only items with an edit, removal or restoration have a page
    doc = page(output, page_path(EDITED.uuid))
    assert doc.get("lang") == "sv" and not doc.xpath("//script")
    assert doc.xpath("//h1")[0].text_content() == "Flygande matta landar på Gustaf Adolfs torg <script>"
    versions = doc.xpath("//section[@class='version']")
    assert [v.get("id") for v in versions] == ["version-2", "version-1"]  # newest first
    dels = [d.text_content() for d in versions[0].xpath(".//del")]
    ins = [i.text_content() for i in versions[0].xpath(".//ins")]
    assert "borttaget: i Göteborg" in dels and "borttaget: Kungstorget." in dels
    assert "tillagt: på Gustaf Adolfs torg <script>" in ins and "tillagt: Gustaf Adolfs torg." in ins
    hidden = versions[0].xpath(".//del/span[@class='sr']/text() | .//ins/span[@class='sr']/text()")
    assert set(hidden) == {"borttaget: ", "tillagt: "}
    # Swedish dates in Europe/Stockholm, as <time> with the offset
    times = doc.xpath("//section[@id='version-1']//time")
    assert times[0].text_content().split(" kl. ")[0].split()[1] in {"januari", "februari", "mars", "april",
        "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"}  # fmt: skip
    assert times[0].get("datetime").endswith(("+01:00", "+02:00"))
    links = doc.xpath("//a/@href")
    article = next(link for link in links if link.endswith(EDITED.uuid + "/") and "archive.org" not in link)
    assert f"https://web.archive.org/web/*/{article}" in links  # the archived copies
    assert "../changes.html" in links and "../index.html" in links
    full_text = doc.xpath("//section[@id='version-1']//dl")[0].text_content()
    assert EDITED.summary in full_text  # the archived text of the first version, whole


def test_a_removed_item_s_page_says_so_and_keeps_the_last_text(output):
    doc = page(output, page_path(REMOVED.uuid))
    facts = doc.xpath("//dl[@class='facts']")[0].text_content()
    assert "Borttagen från webbplatsen" in facts
    assert [li.text_content().split(": ", 1)[1] for li in doc.xpath("//ol[@class='timeline']/li")] == [
        "Ny – version 1",
        "Borttagen (saknades i listan två gånger i rad) – version 1",
    ]
    assert REMOVED.summary in doc.xpath("//section[@id='version-1']")[0].text_content()


def test_changes_html_lists_events_newest_first_with_filters_and_links(output):
    doc = page(output, "changes.html")
    events = doc.xpath("//li[contains(@class, 'event')]")
    kinds = [e.get("class").split()[1] for e in events]
    assert kinds[:2] == ["k-removed", "k-edited"] and kinds.count("k-new") == len(SEED)
    times = [e.xpath(".//time/@datetime")[0] for e in events]
    assert times == sorted(times, reverse=True)
    edited = events[1]
    assert edited.xpath(".//h3/a/@href") == [page_path(EDITED.uuid)]
    assert "borttaget: Kungstorget." in [d.text_content() for d in edited.xpath(".//del")]
    slots = {topic: f"t{n}" for n, topic in enumerate(TOPIC_IDS, start=1)}  # filter slots, config order
    assert set(edited.get("class").split()[2:]) == {slots[t] for t in EXPECTED[EDITED.title]}
    radios = doc.xpath("//input[@type='radio']/@id")
    assert radios[:5] == ["typ-alla", "typ-new", "typ-edited", "typ-removed", "typ-restored"]
    assert "amne-5" in radios and doc.xpath("//label[@for='amne-5']/text()") == ["Läsning och bibliotek"]
    assert not doc.xpath("//script")
    # linked from index.html
    assert "changes.html" in page(output, "index.html").xpath("//section[@id='andringar']//a/@href")


def test_every_changes_feed_entry_of_an_item_with_history_links_its_page(output):
    url = BASE_URL + page_path(EDITED.uuid)
    for name in ("changes.atom", "changes.rss"):
        parsed = feedparser.parse((output / name).read_bytes())
        assert not parsed.bozo
        for entry in parsed.entries:
            content = entry.content[0].value
            has_page = entry.id.split("/events/")[0].endswith((EDITED.uuid, REMOVED.uuid))
            assert (url in content or BASE_URL + page_path(REMOVED.uuid) in content) == has_page, entry.title
            assert ("Alla versioner av nyheten" in content) == has_page


def test_the_pages_are_valid_per_the_nu_html_checker(output):
    paths = [output / "changes.html", output / page_path(EDITED.uuid), output / page_path(REMOVED.uuid)]
    assert vnu(paths) == {path: [] for path in paths}


@dataclass(frozen=True)
class Served:
    url: str
    folder: Path


@pytest.fixture(scope="module")
def served(output, tmp_path_factory) -> Iterator[Served]:
    """A copy of the output folder over HTTP, with axe-core beside the pages."""
    folder = tmp_path_factory.mktemp("served") / "feeds"
    shutil.copytree(output, folder)
    assert AXE.is_file(), f"{AXE} is missing: run `make tools`"
    shutil.copy(AXE, folder / "axe.min.js")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(f"http://127.0.0.1:{server.server_address[1]}/", folder)
    finally:
        server.shutdown()
        server.server_close()


def axe_copy(served: Served, name: str, script: str = "") -> str:
    """A copy of page `name` beside it, with axe-core and `script` run after it; returns its URL. The copy
    writes axe's violations (and what `script` reports) into <body data-…> for --dump-dom to show."""
    source = (served.folder / name).read_text(encoding="utf-8")
    folder, _, file = name.rpartition("/")
    copy = f"{folder}/axe-{file}" if folder else f"axe-{file}"
    runner = (
        f'<script src="{"../" * name.count("/")}axe.min.js"></script><script>{script}\n'
        'axe.run(document, {resultTypes: ["violations"]}).then(r => document.body.setAttribute("data-axe", '
        "JSON.stringify(r.violations.map(v => [v.id, v.nodes.map(n => n.target.join(' '))]))));</script>"
    )
    (served.folder / copy).write_text(source.replace("</body>", runner + "</body>"), encoding="utf-8")
    return served.url + copy


def dumped(tmp_path: Path, url: str, window: tuple[str, ...]) -> html.HtmlElement:
    result = chromium(tmp_path, url, *window, "--virtual-time-budget=15000", "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    return html.fromstring(result.stdout)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", ["changes.html", page_path(EDITED.uuid)])
def test_axe_finds_no_violation_at_desktop_and_phone_width_light_and_dark_and_screenshots_are_saved(
    served, tmp_path, name, size
):
    dom = dumped(tmp_path, axe_copy(served, name), SIZES[size])
    violations = dom.xpath("//body/@data-axe")
    assert violations == ["[]"], violations
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / f"{'history' if '/' in name else 'changes'}-{size}.png"
    target.unlink(missing_ok=True)
    result = chromium(tmp_path, served.url + name, *SIZES[size], f"--screenshot={target}")
    assert result.returncode == 0 and target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_filters_hide_other_events_without_a_script_of_the_page(served, tmp_path, output):
    """The page has no script: the test's own script only ticks the radio buttons a reader would click,
    then counts the events the stylesheet leaves visible."""
    count = "[...document.querySelectorAll('.event')].filter(e => e.offsetParent !== null).length"
    script = (
        f"const all = {count};"
        "document.getElementById('typ-edited').checked = true;"
        f"const edited = {count};"
        "document.getElementById('typ-alla').checked = true;"
        "document.getElementById('amne-5').checked = true;"
        f"const lasning = {count};"
        "document.getElementById('typ-new').checked = true;"
        f"const both = {count};"
        "document.body.setAttribute('data-shown', JSON.stringify([all, edited, lasning, both]));"
    )
    dom = dumped(tmp_path, axe_copy(served, "changes.html", script), SIZES["desktop"])
    all_, edited, lasning, both = json.loads(dom.xpath("//body/@data-shown")[0])
    doc = page(output, "changes.html")
    in_lasning = doc.xpath("//li[contains(concat(' ', @class, ' '), ' t5 ')]")
    assert all_ == len(SEED) + 2 and edited == 1
    assert lasning == len(in_lasning) and 0 < lasning < all_
    assert both == len([e for e in in_lasning if "k-new" in e.get("class").split()])


def test_a_cycle_rewrites_only_the_pages_of_items_that_changed(tmp_path):
    with FixtureSite(load_seed()) as site:
        config = write_config(tmp_path, site, repo_topics())
        run_ok(config)
        edit_edited(site)
        run_ok(config)
        history = tmp_path / "feeds" / "history"
        changes = tmp_path / "feeds" / "changes.html"

        def mtimes() -> dict[str, int]:
            files = [changes, *history.iterdir()]
            return {p.name: p.stat().st_mtime_ns for p in files}

        before = mtimes()
        run_ok(config)  # nothing changed on the site
        assert mtimes() == before
        site.edit_item(LATER.uuid, summary=LATER.summary + " Tillägg.")
        run_ok(config)
        after = mtimes()
        changed = {name for name in after if after[name] != before.get(name)}
        assert changed == {"changes.html", f"{LATER.uuid}.html"}
        shutil.rmtree(history)  # a folder lost (or deleted to have it made again) is written whole
        run_ok(config)
        assert sorted(p.name for p in history.iterdir()) == sorted(f"{i.uuid}.html" for i in (EDITED, LATER))


def test_a_publish_after_an_edit_cycle_with_nothing_new_writes_nothing_to_the_store(tmp_path):
    """The queue is emptied and changes.html's record kept by the cycle that wrote them: the next publish
    (an unchanged cycle's) makes no database write at all."""
    with FixtureSite(load_seed()) as site:
        config_path = write_config(tmp_path, site, repo_topics())
        run_ok(config_path)
        edit_edited(site)
        run_ok(config_path)
    config = load_config(config_path)
    with Store(config.site.database) as store:
        before = store.db.conn.total_changes
        assert publish_feeds(config, store) == []
        assert store.db.conn.total_changes == before


def test_rows_stored_before_links_and_dates_were_screened_stay_out_of_the_pages(tmp_path):
    """An old row with a `javascript:` link or a year-9999 date, edited: quarantined when the store opens (one
    warning each), so no page, no link, no traceback (local_time of 9999-12-31 23:30 UTC in Stockholm
    overflows)."""
    with FixtureSite(load_seed()) as site:
        config = write_config(tmp_path, site)  # [[sources]] last: the key below is the source's
        config.write_text(config.read_text(encoding="utf-8") + "articles = false\n", encoding="utf-8")
        run_ok(config)
        db = sqlite3.connect(tmp_path / "aktuellt.db")
        with db:
            insert_item(db, "k-script", "Klicka", "2019-05-03T00:00:00+00:00", "javascript:alert(1)")
            insert_item(
                db, "k-9999", "Sista december 9999", "9999-12-31T23:30:00+00:00", site.listing_url + "x/"
            )
            for key in ("k-script", "k-9999"):
                db.execute(
                    "INSERT INTO events (source, key, kind, at, revision_id) SELECT source, key, 'edited', "
                    "'2026-01-02T00:00:00+00:00', id FROM revisions WHERE key = ?",
                    [key],
                )
        db.close()
        result = run_cli(config)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    for key in ("k-script", "k-9999"):
        lines = [line for line in result.stderr.splitlines() if key in line]
        assert len(lines) == 1 and f"{key} of jamlikt-goteborg moved to the quarantine table" in lines[0]
    feeds = tmp_path / "feeds"
    assert not (feeds / "history").exists() or not list((feeds / "history").iterdir())
    changes = (feeds / "changes.html").read_text(encoding="utf-8")
    assert "javascript:" not in changes.lower() and "Klicka" not in changes and "9999" not in changes
