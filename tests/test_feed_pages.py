"""Each feed's HTML page (all.html, topics/<id>.html, changes-feed.html) end to end: `aktuellt run`
against the fixture site into a real SQLite file, then the pages read back with lxml against the feeds they
show, checked by the Nu Html Checker, loaded in headless Chromium (console, script, phone-width screenshots
saved under test-artifacts/) and audited by axe-core. `make tools` installs Chromium, Java, vnu-jar and
axe-core; a missing one is a failure, not a skip (as in test_site_end_to_end.py).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from lxml import etree, html

from tests.test_end_to_end import STOCKHOLM, swedish
from tests.test_site_end_to_end import (
    ARTIFACTS,
    BASE_URL,
    REPO,
    TOPIC_IDS,
    QuietHandler,
    chromium,
    console_messages,
    serve_folder,
    vnu,
)

AXE = REPO / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
#: feed path → its page; the changes feed's page is not "changes.html" (kept for a history page)
PAGES = {
    "all": "all.html",
    **{f"topics/{topic}": f"topics/{topic}.html" for topic in TOPIC_IDS},
    "changes": "changes-feed.html",
}


@pytest.fixture(scope="module")
def output(published_site: Path) -> Path:
    return published_site


def page(output: Path, name: str) -> html.HtmlElement:
    return html.fromstring((output / name).read_bytes())


def test_every_feed_names_its_page_as_its_human_page_and_index_links_it(output):
    index = page(output, "index.html")
    links = set(index.xpath("//main//a/@href"))
    for path, name in PAGES.items():
        assert (output / name).is_file(), name
        url = BASE_URL + name
        rss = etree.parse(str(output / f"{path}.rss"))
        assert rss.findtext("channel/link") == url, path  # RSS: the channel's <link>
        atom = etree.parse(str(output / f"{path}.atom"))
        alternate = atom.xpath(
            "/a:feed/a:link[@rel='alternate']", namespaces={"a": "http://www.w3.org/2005/Atom"}
        )
        assert [(link.get("type"), link.get("href")) for link in alternate] == [("text/html", url)], path
        if path != "changes":  # the changes feed has no JSON Feed
            assert json.loads((output / f"{path}.json").read_bytes())["home_page_url"] == url
        assert name in links, f"index.html does not link {name}"
    opml = etree.parse(str(output / "topics.opml"))
    assert opml.xpath("//outline[@xmlUrl]/@htmlUrl") == [f"{BASE_URL}topics/{t}.html" for t in TOPIC_IDS]


@pytest.mark.parametrize("path", ["all", "topics/lasning", "changes"])
def test_a_page_lists_the_feeds_entries_with_swedish_dates_and_a_subscribe_box(output, path):
    name = PAGES[path]
    doc = page(output, name)
    assert doc.get("lang") == "sv"
    rss = feedparser.parse((output / f"{path}.rss").read_bytes())
    assert doc.findtext(".//title") == rss.feed.title
    items = doc.xpath("//main//ol/li")
    assert len(items) == len(rss.entries) > 0
    # Newest first, as "Senaste …" says: also after a first run, whose "new" events all share its instant
    # but are dated by each item's own date (the changes page listed 2017 above 2019).
    shown = [dt.datetime.fromisoformat(value) for value in doc.xpath("//main//ol/li//time/@datetime")]
    assert shown == sorted(shown, reverse=True)
    for item, entry in zip(items, rss.entries, strict=True):
        link = item.xpath(".//h3/a")[0]
        assert (link.text_content(), link.get("href")) == (entry.title, entry.link)
        # The date as the feed has it, in Europe/Stockholm, in Swedish ("5 april 2019").
        published = email.utils.parsedate_to_datetime(entry.published).astimezone(STOCKHOLM)
        time = item.xpath(".//time")[0]
        assert time.text == swedish(published.date()), entry.title
        assert dt.datetime.fromisoformat(time.get("datetime")) == published
        if path != "changes":
            text = [p.text_content() for p in item.xpath("./p[not(@class)]")]
            assert text == ([entry.summary] if entry.get("summary") else []), entry.title
    # The subscribe box: every format's absolute URL in a read-only field (selectable without script), and a
    # link to each document that exists beside the page.
    formats = (".rss", ".atom") if path == "changes" else (".rss", ".atom", ".json")
    fields = doc.xpath("//input[@class='url']")
    assert [f.get("value") for f in fields] == [f"{BASE_URL}{path}{ext}" for ext in formats]
    assert all(f.get("readonly") is not None and f.get("aria-label") for f in fields)
    hrefs = doc.xpath("//ul[@class='subscribe']//a/@href")
    assert len(hrefs) == len(formats)
    assert all((output / name).parent.joinpath(href).resolve().is_file() for href in hrefs), hrefs
    home = doc.xpath("//nav//a/@href")[0]
    assert (output / name).parent.joinpath(home).resolve() == output / "index.html"


def test_feed_pages_are_valid_per_the_nu_html_checker(output):
    paths = [output / name for name in PAGES.values()]
    assert all(path.is_file() for path in paths)  # the checker says nothing about a missing file
    assert {path: found for path, found in vnu(paths).items() if found} == {}


# -- headless Chromium and axe-core ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(output) -> Iterator[str]:
    """The output folder over HTTP on 127.0.0.1; `?axe` after a page's path adds axe-core and a script that
    writes its violations into the page, for --dump-dom to read."""
    assert AXE.is_file(), f"{AXE} is missing: run `make tools`"
    with serve_folder(output, _AxeHandler) as url:
        yield url


AXE_RUN = """<script>
axe.run(document).then(result => {
  const out = document.createElement("pre");
  out.id = "axe-result";
  out.textContent = JSON.stringify(result.violations.map(v => ({id: v.id, nodes: v.nodes.map(n => n.html)})));
  document.body.append(out);
});
</script>"""


class _AxeHandler(QuietHandler):
    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        if query != "axe":
            super().do_GET()
            return
        target = Path(self.translate_path(path))
        body = target.read_bytes().replace(
            b"</body>", b"<script>" + AXE.read_bytes() + b"</script>" + AXE_RUN.encode() + b"</body>"
        )
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def axe_violations(tmp_path: Path, url: str, *flags: str) -> list[dict[str, object]]:
    """axe-core's violations on the page at `url` (its default rules: WCAG 2.x A and AA, best practice)."""
    result = chromium(
        tmp_path, url + "?axe", *flags, "--window-size=390,844", "--virtual-time-budget=30000", "--dump-dom"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    found = re.search(r'<pre id="axe-result">(.*?)</pre>', result.stdout, re.S)
    assert found, f"axe did not finish on {url}: {result.stderr[-2000:]}"
    violations: list[dict[str, object]] = json.loads(html.fromstring(found[0]).text_content())
    return violations


def test_axe_finds_violations_on_a_broken_page(served, output, tmp_path):
    """The control: the audit really reports (an image without alt text, an unlabelled field)."""
    (output / "broken-axe.html").write_text(
        "<!DOCTYPE html><html><head><title>x</title></head>"
        '<body><img src="favicon.ico"><input></body></html>',
        encoding="utf-8",
    )
    try:
        ids = {v["id"] for v in axe_violations(tmp_path, served + "broken-axe.html")}
    finally:
        (output / "broken-axe.html").unlink()
    assert {"image-alt", "label", "html-has-lang"} <= ids


#: Chromium's setting for `prefers-color-scheme` (0 dark, 1 light): the pages have colours for both.
SCHEMES = {
    "light": "--blink-settings=preferredColorScheme=1",
    "dark": "--blink-settings=preferredColorScheme=0",
}


@pytest.mark.parametrize(
    ("name", "scheme"),
    [
        ("index.html", "light"),
        ("all.html", "light"),
        ("topics/lasning.html", "light"),
        ("changes-feed.html", "light"),
        ("index.html", "dark"),
        ("all.html", "dark"),
    ],
)
def test_pages_have_no_axe_violations(served, tmp_path, name, scheme):
    assert axe_violations(tmp_path, served + name, SCHEMES[scheme]) == []


@pytest.mark.parametrize("name", ["all.html", "topics/lasning.html", "changes-feed.html"])
def test_a_page_runs_its_script_in_chromium_and_its_phone_screenshot_is_saved(served, tmp_path, name):
    result = chromium(tmp_path, served + name, "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    assert console_messages(result.stderr) == []
    dom = html.fromstring(result.stdout)
    fields = dom.xpath("//input[@class='url']")
    assert fields and len(dom.xpath("//input[@class='url']/following-sibling::button")) == len(fields)

    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / (name.replace("/", "-").removesuffix(".html") + "-phone.png")
    target.unlink(missing_ok=True)
    shot = chromium(tmp_path, served + name, "--window-size=390,1600", f"--screenshot={target}")
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(target.read_bytes()[16:20], "big") == 390  # the PNG IHDR: phone width
