"""The whole output folder end to end: `aktuellt run` (in process) against the fixture site, a real SQLite
file, then topic feeds, JSON Feed, OPML, the XSLT, and index.html checked by the Nu Html Checker (vnu-jar on
Java) and in a real headless Chromium. `make tools` installs both; a missing one is a failure, not a skip.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.etree import ElementTree as ET

import feedparser
import pytest
from lxml import etree, html

from scraper.publish.manifest import MANIFEST
from tests.conftest import aktuellt, write_config
from tests.fixture_site import FixtureSite, load_seed, new_item
from tests.publish.test_catalog import assert_json_feed
from tests.publish.test_topics import EXPECTED
from tests.test_end_to_end import run_cli

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
ARTIFACTS = REPO / "test-artifacts"
VNU = REPO / ".tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
BASE_URL = "http://feeds.example.test/"
TOPIC_IDS = [
    "god-start-i-livet",
    "goda-uppvaxtvillkor",
    "arbete",
    "livsmiljoer",
    "lasning",
    "demokrati",
    "halsa",
    "programmet",
]
LASNING = sum("lasning" in ids for ids in EXPECTED.values())
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",  # the tests run as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def files_with_mtimes(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def output(published_site: Path) -> Path:
    """One real run with the repository's topics (conftest.py); the tests below only read what it wrote."""
    return published_site


def test_every_document_exists_and_parses(output):
    names = {str(p.relative_to(output)) for p in output.rglob("*") if p.is_file()}
    feeds = ["all", *(f"topics/{topic}" for topic in TOPIC_IDS)]
    others = {name for name in names if name.startswith(("changes.", "archive/"))}  # the history feature's
    assert names - others == {f"{f}{ext}" for f in feeds for ext in (".rss", ".atom", ".json", ".html")} | {
        "changes-feed.html",
        "feed.xsl",
        "favicon.ico",
        "feeds.opml",
        "topics.opml",
        "index.html",
        MANIFEST,  # the files it wrote, so that publishing never removes another's (issue 17)
    }
    assert not (output / "sources").exists()  # one source: its feed would be all.* again
    schema = etree.RelaxNG(etree.parse(str(DATA / "atom.rng")))
    seen: set[str] = set()
    for feed in feeds:
        atom = etree.parse(str(output / f"{feed}.atom"))
        assert schema.validate(atom), (feed, schema.error_log)
        rss = feedparser.parse((output / f"{feed}.rss").read_bytes())
        assert not rss.bozo, (feed, rss.get("bozo_exception"))
        assert rss.entries, f"{feed} is empty"
        document = assert_json_feed((output / f"{feed}.json").read_bytes())
        assert [item["title"] for item in document["items"]] == [e.title for e in rss.entries]
        if feed != "all":
            seen.update(e.id for e in rss.entries)
    all_ids = {e.id for e in feedparser.parse((output / "all.atom").read_bytes()).entries}
    assert seen == all_ids, "every seed item is in at least one topic feed"


def test_published_topics_are_the_hand_checked_table(output):
    """The real run (listing and article pages fetched, stored, rendered) assigns test_topics' table."""
    scheme = f"{BASE_URL}topics/"
    entries = feedparser.parse((output / "all.atom").read_bytes()).entries
    published = {e.title: {t.term for t in e.get("tags", []) if t.scheme == scheme} for e in entries}
    assert published == EXPECTED
    for topic in TOPIC_IDS:
        feed = feedparser.parse((output / f"topics/{topic}.rss").read_bytes())
        assert {e.title for e in feed.entries} == {title for title, ids in EXPECTED.items() if topic in ids}


def test_topic_feed_holds_exactly_its_items_with_categories(output):
    lasning = feedparser.parse((output / "topics/lasning.atom").read_bytes())
    titles = [e.title for e in lasning.entries]
    assert titles[0] == "Jämlikt Göteborg – ny fördjupad webbutbildning för dig som jobbar med barn"
    assert "Mer högläsning med bokpresent till varje barn i förskoleklass i Göteborg" in titles
    assert "Arbete är vägen framåt" not in titles
    bokgava = next(e for e in lasning.entries if e.title == "Bokgåva till alla barn i förskoleklass")
    assert [(t.term, t.scheme, t.label) for t in bokgava.tags] == [
        ("god-start-i-livet", f"{BASE_URL}topics/", "En god start i livet"),
        ("lasning", f"{BASE_URL}topics/", "Läsning och bibliotek"),
    ]


def test_opml_files_split_all_from_the_topics_and_every_xml_url_exists_on_disk(output):
    def urls(name: str) -> list[str]:
        root = ET.parse(output / name).getroot()
        found = [str(o.get("xmlUrl")) for o in root.iter("outline") if o.get("xmlUrl")]
        for url in found:
            assert url.startswith(BASE_URL) and (output / url.removeprefix(BASE_URL)).is_file(), url
        return found

    assert urls("feeds.opml") == [f"{BASE_URL}all.rss", f"{BASE_URL}changes.rss"]
    assert urls("topics.opml") == [f"{BASE_URL}topics/{topic}.rss" for topic in TOPIC_IDS]
    assert not (output / "sources.opml").exists()  # one source: nothing to list


def test_xslt_turns_a_published_feed_into_a_swedish_page(output):
    """lxml runs the XSLT exactly as a browser would (the stylesheet named in the feed's own PI)."""
    page = html.fromstring(xslt_page(output, "topics/lasning.rss"))
    assert page.get("lang") == "sv"
    assert page.findtext(".//h1") == "Läsning och bibliotek – Jämlikt Göteborg – Aktuellt"
    assert len(page.xpath("//ol[@class='entries']/li")) == LASNING


def xslt_page(output: Path, name: str) -> str:
    feed = etree.parse(str(output / name))
    instruction = feed.getroot().getprevious()
    assert instruction.target == "xml-stylesheet"
    href = instruction.get("href")
    assert href == ("../feed.xsl" if "/" in name else "feed.xsl")
    xslt = etree.XSLT(etree.parse(str((output / name).parent / href)))
    return str(xslt(feed))


def test_index_and_xslt_pages_are_valid_per_the_nu_html_checker(output, tmp_path):
    """One validator run (Java starts once) over index.html, two XSLT pages and a broken page, which
    proves the checker really reports errors."""
    pages = {"index.html": output / "index.html"}
    for name in ("all.atom", "topics/lasning.rss"):
        pages[name] = tmp_path / (name.replace("/", "-") + ".html")
        pages[name].write_text(xslt_page(output, name), encoding="utf-8")
    pages["broken"] = tmp_path / "broken.html"
    pages["broken"].write_text("<!DOCTYPE html><html><head></head><body><p><div></p></body></html>")

    messages = vnu(list(pages.values()))

    assert messages[pages["broken"]], "the checker found nothing wrong in a broken page"
    for name in ("index.html", "all.atom", "topics/lasning.rss"):
        assert messages[pages[name]] == [], name


def vnu(paths: list[Path]) -> dict[Path, list[str]]:
    """The Nu Html Checker's errors and warnings per file (HTML, inline SVG checked too)."""
    assert VNU.is_file(), f"{VNU} is missing: run `make tools`"
    java = shutil.which("java")
    assert java, "java is missing: run `make tools`"
    # C1 only: a run of seconds never earns back the optimising compiler's cost (about 2 CPU-s of 2.5); its
    # frames are larger, and the schema's recursion then needs the bigger stack vnu's own message asks for.
    command = [
        java,
        "-XX:TieredStopAtLevel=1",
        "-Xss2m",
        "-jar",
        str(VNU),
        "--format",
        "json",
        "--also-check-svg",
    ]
    result = subprocess.run(
        [*command, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    found: dict[Path, list[str]] = {path: [] for path in paths}
    for m in json.loads(result.stderr or result.stdout)["messages"]:
        path = Path(m["url"].removeprefix("file:"))
        found.setdefault(path, []).append(f"{m.get('type')}: {m.get('message')} (line {m.get('lastLine')})")
    return found


# -- headless Chromium --------------------------------------------------------------------------------------


@pytest.fixture
def served(output) -> Iterator[str]:
    """The output folder over HTTP on 127.0.0.1 (a page opened from file:// is not what people get)."""
    with serve_folder(output) as url:
        yield url


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve_folder(folder: Path, handler: type[SimpleHTTPRequestHandler] = QuietHandler) -> Iterator[str]:
    """`folder` served by `handler` on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def chromium(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("chromium")
    assert binary, "chromium is missing: run `make tools`"
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    profile.mkdir()
    return subprocess.run(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", *args, url],
        capture_output=True,
        text=True,
        timeout=90,
    )


def console_messages(stderr: str) -> list[str]:
    """Everything the page wrote to the console (uncaught errors and failed loads included)."""
    return re.findall(r":CONSOLE[:(]\d+\)?\] (.*)", stderr)


def test_index_loads_in_chromium_without_console_messages(served, tmp_path):
    result = chromium(tmp_path, served + "index.html", "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    assert console_messages(result.stderr) == []
    dom = html.fromstring(result.stdout)
    alternates = dom.xpath("//head/link[@rel='alternate'][@type='application/rss+xml']/@href")
    assert alternates == [
        f"{BASE_URL}all.rss",
        *(f"{BASE_URL}topics/{t}.rss" for t in TOPIC_IDS),
        f"{BASE_URL}changes.rss",
    ]
    # The script ran: every URL field got its copy button (127.0.0.1 is a secure context: clipboard exists).
    fields = 3 * (1 + len(TOPIC_IDS)) + 2  # RSS, Atom, JSON per feed; the changes feed has RSS and Atom
    assert len(dom.xpath("//input[@class='url']")) == fields
    assert len(dom.xpath("//input[@class='url']/following-sibling::button")) == fields
    changes = dom.get_element_by_id("andringar")
    assert "händelser" in changes.text_content()


def test_console_check_catches_a_broken_page(served, output, tmp_path):
    (output / "broken-check.html").write_text(
        '<!DOCTYPE html><html lang="sv"><title>x</title><script>missingFunction();</script></html>',
        encoding="utf-8",
    )
    try:
        result = chromium(tmp_path, served + "broken-check.html", "--dump-dom")
    finally:
        (output / "broken-check.html").unlink()
    assert any("missingFunction" in line for line in console_messages(result.stderr)), result.stderr[-2000:]


def test_phone_width_screenshot_is_saved(served, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    for name, size in (("index-phone.png", "390,844"), ("index-phone-full.png", "390,9000")):
        target = ARTIFACTS / name
        target.unlink(missing_ok=True)
        result = chromium(tmp_path, served + "index.html", f"--window-size={size}", f"--screenshot={target}")
        assert result.returncode == 0, result.stderr[-2000:]
        assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        width = int.from_bytes(target.read_bytes()[16:20], "big")  # the PNG IHDR
        assert width == 390


# -- editing the topics reorganizes the feeds without refetching ---------------------------------------------

TWO_TOPICS = """
[[topics]]
id = "lasning"
title = "Läsning och bibliotek"
match = ["läsning", "bibliot"]

[[topics]]
id = "halsa"
title = "Hälsa"
match = ["hälsa"]
"""

EDITED_TOPICS = """
[[topics]]
id = "lasning"
title = "Läsning och bibliotek"
match = ["läsning", "bibliot", "böcker"]

[[topics]]
id = "demokrati"
title = "Demokrati"
match = ["valdeltag"]
"""


def test_edited_topics_reorganize_the_feeds_on_a_304_run_and_touch_only_what_changed(tmp_path):
    with FixtureSite(load_seed()) as site:
        config = write_config(tmp_path, site, TWO_TOPICS)
        assert run_cli(config).returncode == 0
        feeds = tmp_path / "feeds"
        before = files_with_mtimes(feeds)
        lasning_before = len(feedparser.parse(before["topics/lasning.rss"][0]).entries)

        # Same data, same topics: nothing is rewritten at all.
        assert run_cli(config).returncode == 0
        assert files_with_mtimes(feeds) == before

        write_config(tmp_path, site, EDITED_TOPICS)
        site.requests.clear()
        result = run_cli(config)

        assert result.returncode == 0, result.stderr
        listing = site.listing_requests()
        assert len(listing) == 1 and "if-none-match" in listing[0].headers  # answered 304: nothing refetched
    after = files_with_mtimes(feeds)
    assert "topics/halsa.rss" not in after and "topics/halsa.json" not in after  # topic gone, feeds gone
    assert "topics/halsa.html" not in after  # and its page
    assert {"topics/demokrati.rss", "topics/demokrati.atom", "topics/demokrati.json"} <= set(after)
    assert "topics/demokrati.html" in after
    demokrati = feedparser.parse(after["topics/demokrati.atom"][0])
    assert [e.title for e in demokrati.entries] == [
        "Demokratiambassadörer ska få fler att rösta",
        "Valdeltagandet lite mer jämlikt i årets val",
    ]
    assert len(feedparser.parse(after["topics/lasning.rss"][0]).entries) > lasning_before  # "böcker" added
    assert b"topics/demokrati.rss" in after["index.html"][0] and b"topics/halsa" not in after["index.html"][0]
    # The stylesheet's bytes did not change, so the file was not rewritten (same mtime).
    assert after["feed.xsl"] == before["feed.xsl"]


def test_status_counts_items_per_topic(output):
    result = aktuellt("--config", str(output.parent / "config.toml"), "status", "--json")
    assert result.returncode == 0, result.stderr
    topics = json.loads(result.stdout)["topics"]
    assert topics == {topic: sum(topic in ids for ids in EXPECTED.values()) for topic in TOPIC_IDS}


def test_xslt_shows_the_changes_feed_with_its_diffs(output):
    for name in ("changes.atom", "changes.rss"):
        page = html.fromstring(xslt_page(output, name))
        items = page.xpath("//ol[@class='entries']/li")
        assert len(items) == len(load_seed()), name
        bodies = [item.xpath("./div[@class='text']") for item in items]
        assert all(body and body[0].text_content().strip() for body in bodies), name  # each shows its content


def test_two_sources_get_their_own_feeds_listed_on_the_index_and_in_the_opml(tmp_path):
    with FixtureSite(load_seed()) as site:
        config = write_config(tmp_path, site, TWO_TOPICS)
        text = config.read_text(encoding="utf-8").replace("[[sources]]", "[[sources]]\narticles = false", 1)
        # The fixture serves the same listing for any query: a second source with its own URL and id.
        text += f'\n[[sources]]\nid = "stadsdel"\ntitle = "Stadsdelen"\nurl = "{site.listing_url}?kalla=2"\n'
        text += "articles = false\n"
        config.write_text(text, encoding="utf-8")
        result = run_cli(config)
    assert result.returncode == 0, result.stderr
    feeds = tmp_path / "feeds"
    for source in ("jamlikt-goteborg", "stadsdel"):
        for ext in (".rss", ".atom", ".json"):
            assert (feeds / f"sources/{source}{ext}").is_file()
        parsed = feedparser.parse((feeds / f"sources/{source}.atom").read_bytes())
        assert len(parsed.entries) == len(load_seed())
        assert all(f":{source}/" in entry.id for entry in parsed.entries)
    assert feedparser.parse((feeds / "sources/stadsdel.rss").read_bytes()).feed.title == "Stadsdelen"
    assert len(feedparser.parse((feeds / "all.rss").read_bytes()).entries) == 50  # max_items of 52
    root = ET.parse(feeds / "sources.opml").getroot()
    body = root.find("body")
    assert body is not None
    folders = {o.get("text"): o for o in body if not o.get("xmlUrl")}
    assert [o.get("xmlUrl") for o in folders["Källor (välj dessa i stället för allt)"]] == [
        f"{BASE_URL}sources/jamlikt-goteborg.rss",
        f"{BASE_URL}sources/stadsdel.rss",
    ]
    index = html.fromstring((feeds / "index.html").read_bytes())
    assert index.get_element_by_id("kalla-stadsdel").findtext(".//h3") == "Stadsdelen"
    # Each source feed's page: its entries, and the one listing it comes from.
    assert "sources/stadsdel.html" in index.get_element_by_id("kalla-stadsdel").xpath(".//a/@href")
    page = html.fromstring((feeds / "sources/stadsdel.html").read_bytes())
    assert len(page.xpath("//main//ol/li")) == len(load_seed())
    assert page.xpath("//footer//a/@href")[0] == f"{site.listing_url}?kalla=2"


def test_a_tag_on_the_article_page_puts_an_item_in_a_topic_configured_with_it(tmp_path):
    tagged = new_item(
        "Sagostund i parken",
        "3 maj 2019",
        "Välkommen!",
        "<p>Vi ses vid scenen.</p>\n"
        '<p class="tags"><a rel="tag" href="/taggar/kalas">Barnens Kulturkalas</a></p>',
    )
    topics = '[[topics]]\nid = "kalas"\ntitle = "Kalas"\ntags = ["barnens kulturkalas"]\n'
    with FixtureSite([tagged, *load_seed()]) as site:
        result = run_cli(write_config(tmp_path, site, topics))
    assert result.returncode == 0, result.stderr
    feed = feedparser.parse((tmp_path / "feeds/topics/kalas.atom").read_bytes())
    assert [e.title for e in feed.entries] == ["Sagostund i parken"]  # the only item with that tag
    assert [(t.term, t.scheme) for t in feed.entries[0].tags] == [
        ("kalas", f"{BASE_URL}topics/"),  # our topic, with our scheme
        ("Barnens Kulturkalas", None),  # the page's own tag, as printed
    ]
