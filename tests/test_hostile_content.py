"""Hostile content (issue 11): absurd dates, links that are scripts, re-dated items, control characters.

Each case runs against the fixture site on 127.0.0.1 and a real SQLite file; the feeds are parsed back.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.etree
import lxml.html
import pytest

from scraper.logs import TextFormatter
from scraper.publish.catalog import MAX_MONTHS, month_series
from scraper.publish.manifest import MANIFEST
from scraper.publish.site import stylesheet
from scraper.sanity import cut_off, escape_controls, sane_day, web_url
from tests.conftest import aktuellt, write_config
from tests.fixture_site import FixtureSite, SiteItem, load_seed, new_item
from tests.test_end_to_end import DATA, run_cli
from tests.test_history import events, run_in_process

SEED = load_seed()
BASE_URL = "http://feeds.example.test/"  # write_config's site.base_url
#: The seed's months, 2017-05 … 2019-05: the bars the chart on index.html must show, and no more.
SEED_MONTHS = 25


def feed_titles(feeds: Path, name: str) -> list[str]:
    parsed = feedparser.parse((feeds / name).read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return [entry.title for entry in parsed.entries]


def chart_bars(feeds: Path) -> int:
    """The bars of the month chart on index.html (one per month)."""
    return (feeds / "index.html").read_bytes().count(b"<rect ")


def assert_valid_atom(path: Path) -> None:
    schema = lxml.etree.RelaxNG(lxml.etree.parse(str(DATA / "atom.rng")))
    document = lxml.etree.parse(str(path))
    assert schema.validate(document), schema.error_log


# -- 3: dates outside 1990 … now + 1 year ---------------------------------------------------------------

ABSURD = {"Året 9999": "15 december 9999", "Året 1": "1 januari 0001", "Juni 9999": "1 juni 9999"}


def test_absurd_listing_dates_are_refused_per_item_and_publishing_goes_on(tmp_path, site):
    for title, date in ABSURD.items():
        site.add_item(new_item(title, date, "Datumet är fel."))
    config = write_config(tmp_path, site)

    first = run_cli(config)
    second = run_cli(config)  # and every later cycle publishes too

    for result in (first, second):
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
    for title in ABSURD:  # one warning per item and cycle, naming it
        lines = [line for line in first.stderr.splitlines() if title in line]
        assert len(lines) == 1 and " WARNING " in lines[0] and "refused" in lines[0], first.stderr
    feeds = tmp_path / "feeds"
    assert feed_titles(feeds, "all.rss") == [s.title for s in SEED]
    assert feed_titles(feeds, "all.atom") == [s.title for s in SEED]
    assert [i["title"] for i in json.loads((feeds / "all.json").read_text())["items"]] == [
        s.title for s in SEED
    ]
    assert chart_bars(feeds) == SEED_MONTHS
    db = sqlite3.connect(tmp_path / "aktuellt.db")
    stored = {title for (title,) in db.execute("SELECT title FROM items")}
    db.close()
    assert stored == {s.title for s in SEED}

    # A stored item the site re-dates to 9999 is refused too, but it is still on the site: never removed.
    site.edit_item(SEED[2].uuid, date="15 december 9999")
    site.etag = False
    for _ in range(3):
        result = run_cli(config)
        assert result.returncode == 0, result.stderr
        assert any(SEED[2].title in line and "refused" in line for line in result.stderr.splitlines())
    assert not events(tmp_path)
    assert feed_titles(feeds, "all.rss") == [s.title for s in SEED]


def insert_item(
    db: sqlite3.Connection, key: str, title: str, published: str, link: str, site_date: str = ""
) -> None:
    """A row as a version before the door checks (or a hand edit) could have stored it, with its first version
    and its "new" event, in a database that version left: m021b_quarantine not yet applied."""
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm021b_quarantine'")
    site_date = site_date or published[:10]
    db.execute(
        "INSERT INTO items (source, key, entry_id, title, summary, link, site_date, published, updated, "
        "first_seen, last_seen, content_hash, position) VALUES ('jamlikt-goteborg', ?, ?, ?, '', ?, ?, ?, ?, "
        "'2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00', 'x', 0)",
        [
            key,
            f"tag:127.0.0.1,2026:jamlikt-goteborg/{key}",
            title,
            link,
            site_date,
            published,
            published,
        ],
    )
    revision = db.execute(
        "INSERT INTO revisions (source, key, first_seen, last_seen, title, summary, site_date, hash) "
        "VALUES ('jamlikt-goteborg', ?, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00', ?, '', ?, "
        "'x')",
        [key, title, site_date],
    ).lastrowid
    # Seen in a year that is over, so that the year's archive (only a closed year has one) reads the event.
    db.execute(
        "INSERT INTO events (source, key, kind, at, revision_id) "
        "VALUES ('jamlikt-goteborg', ?, 'new', '2025-12-31T12:00:00+00:00', ?)",
        [key, revision],
    )


def test_rows_stored_before_the_fix_are_quarantined_once_and_left_out_of_every_output(tmp_path, site):
    config = write_config(tmp_path, site)
    # The rows below have no article page; without articles none is asked for (a 404 would remove them).
    config.write_text(config.read_text() + "articles = false\n")
    assert run_cli(config).returncode == 0
    db = sqlite3.connect(tmp_path / "aktuellt.db")
    with db:
        good_link = f"{site.listing_url}aktuelltsida/"
        insert_item(db, "k-9999-dec", "Sista december 9999", "9999-12-31T23:30:00+00:00", good_link + "a/")
        insert_item(db, "k-9999-jun", "Juni 9999", "9999-06-01T00:00:00+00:00", good_link + "b/")
        insert_item(db, "k-0001", "Året 1", "0001-01-01T00:00:00+00:00", good_link + "c/")
        insert_item(
            db, "k-script", "Klicka", "2019-05-03T00:00:00+00:00", "javascript:alert(document.domain)"
        )
        insert_item(db, "k-garbage", "Trasig", "inte ett datum", good_link + "d/", "2019-05-04")
        insert_item(db, "k-naive", "Utan zon", "2019-05-04T00:00:00", good_link + "e/")
    db.close()
    bad = ("k-9999-dec", "k-9999-jun", "k-0001", "k-script", "k-garbage", "k-naive")
    # The first command to open the store (here `status`) moves them to the quarantine table, a warning each.
    status = aktuellt("--config", str(config), "status")
    assert status.returncode == 0 and "Traceback" not in status.stderr, status.stderr
    for key in bad:
        lines = [line for line in status.stderr.splitlines() if f"stored item {key} " in line]
        assert len(lines) == 1 and "moved to the quarantine table" in lines[0], status.stderr
    db = sqlite3.connect(tmp_path / "aktuellt.db")
    moved = {(table, json.loads(row)["key"]) for table, row in db.execute("SELECT tbl, row FROM quarantine")}
    assert moved == {(table, key) for table in ("items", "revisions", "events") for key in bad}
    assert not db.execute(f"SELECT key FROM items WHERE key IN {bad}").fetchall()
    db.close()

    result = run_cli(config)

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "quarantine" not in result.stderr  # once, not at each run
    feeds = tmp_path / "feeds"
    for name in ("all.rss", "all.atom"):
        assert feed_titles(feeds, name) == [s.title for s in SEED]
    assert chart_bars(feeds) == SEED_MONTHS
    assert (feeds / "index.html").stat().st_size < 200_000
    changes = feed_titles(feeds, "changes.atom")
    assert not any(t.endswith(("9999", "Året 1", "Klicka", "Trasig", "Utan zon")) for t in changes), changes
    # Their events (in 2025, a closed year) went with them: no archive holds them, and none is made for them.
    assert not (feeds / "archive" / "2025.atom").exists()
    for path in sorted((feeds / "archive").glob("*.atom")):
        assert_valid_atom(path)
        titles = {e.title for e in feedparser.parse(path.read_bytes()).entries}
        assert not {"Sista december 9999", "Juni 9999", "Året 1", "Klicka", "Trasig", "Utan zon"} & titles
    for path in feeds.rglob("*"):
        if path.is_file():
            assert b"javascript:" not in path.read_bytes().lower(), path


def test_month_series_is_bounded_and_never_steps_past_9999():
    series = month_series(Counter({dt.date(2019, 5, 1): 3, dt.date(9999, 12, 1): 1}))
    assert len(series) == MAX_MONTHS
    assert series[-1] == (dt.date(9999, 12, 1), 1)
    short = month_series(Counter({dt.date(2018, 11, 1): 1, dt.date(2019, 2, 1): 2}))
    assert short == (
        (dt.date(2018, 11, 1), 1),
        (dt.date(2018, 12, 1), 0),
        (dt.date(2019, 1, 1), 0),
        (dt.date(2019, 2, 1), 2),
    )


def test_sane_day_window():
    now = dt.datetime(2026, 12, 2, 6, 0, tzinfo=dt.UTC)
    assert sane_day(dt.date(1990, 1, 1), now) and sane_day(dt.date(2027, 12, 2), now)
    assert not sane_day(dt.date(1989, 12, 31), now) and not sane_day(dt.date(2027, 12, 4), now)


# -- 5: only http(s) links ------------------------------------------------------------------------------

HOSTILE_LINKS = {
    "Skript": "javascript:alert(document.domain)//?id={uuid}",
    "Skript i versaler": "JaVaScRiPt:alert(1)//aktuelltsida/{uuid}/",
    "Data": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==?id={uuid}",
    "VBScript": "vbscript:msgbox(1)?id={uuid}",
    "Fil": "file:///etc/passwd?id={uuid}",
}
HOSTILE_BODY = (
    '<p><a href="javascript:alert(1)">Klick</a> <img src="vbscript:msgbox(1)" alt="x">'
    '<a href="data:text/html;base64,PHNjcmlwdD4=">Rapport.pdf</a> '
    '<a href="JaVaScRiPt:alert(1)//rapport.pdf">Rapport</a> <a href="/bra.pdf">Bra</a></p>'
)


def hostile_teaser(title: str, href: str) -> str:
    return (
        f'      <li class="c-list__item c-teaser">\n        <h2 class="c-teaser__title">'
        f'<a class="c-teaser__link" href="{href}">{title}</a></h2>\n'
        '        <p class="c-teaser__meta">Publicerad 3 maj 2019</p>\n'
        '        <p class="c-teaser__text">Klicka här.</p>\n      </li>\n'
    )


def serve_hostile(site: FixtureSite) -> dict[str, str]:
    """Hostile teasers at the top of listing page 1, a hostile body and lead image in SEED[0]'s article.
    Returns title → UUID of the hostile teasers."""
    uuids = {title: new_item(title, "3 maj 2019").uuid for title in HOSTILE_LINKS}
    teasers = "".join(
        hostile_teaser(title, href.format(uuid=uuids[title])) for title, href in HOSTILE_LINKS.items()
    )
    render_listing, render_article = site.render_listing, site.render_article

    def listing(items: list[SiteItem], page: int) -> str:
        text = render_listing(items, page)
        return text.replace(
            '<ul class="c-list c-list--news">\n', '<ul class="c-list c-list--news">\n' + teasers
        )

    def article(item: SiteItem) -> str:
        text = render_article(item)
        return (
            text.replace('src="/wps/wcm/connect/', 'src="javascript:alert(1)//')
            if item is site.items[0]
            else text
        )

    site.render_listing = listing  # type: ignore[method-assign]
    site.render_article = article  # type: ignore[method-assign]
    site.edit_item(SEED[0].uuid, body_html=HOSTILE_BODY)
    return uuids


def html_urls(fragment: str) -> Iterator[tuple[str, str]]:
    """(attribute, value) of every URL-carrying attribute in an HTML fragment or page."""
    if not fragment.strip():
        return
    tree = lxml.html.fromstring(f"<div>{fragment}</div>" if "<html" not in fragment[:200] else fragment)
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for name in ("href", "src", "cite", "action", "poster", "data", "formaction"):
            if value := element.get(name):
                yield name, value
        for candidate in (element.get("srcset") or "").split(","):
            if candidate.strip():
                yield "srcset", candidate.split()[0]
        if element.tag == "input" and element.get("value"):
            yield "value", element.get("value") or ""


def output_urls(feeds: Path) -> Iterator[tuple[str, str, str, bool]]:
    """(file, kind, URL, inside article HTML) for every URL in every output file but the stylesheet."""
    for path in sorted(feeds.rglob("*")):
        name = str(path.relative_to(feeds))
        if not path.is_file() or name in ("feed.xsl", MANIFEST) or path.suffix == ".ico":
            continue  # the stylesheet, the icon and the list of files written carry no source's URL
        data = path.read_bytes()
        if path.suffix == ".html":
            for kind, url in html_urls(data.decode()):
                yield name, kind, url, False
        elif path.suffix == ".json":
            for item in [json.loads(data)] + json.loads(data)["items"]:
                for key in ("url", "home_page_url", "feed_url", "image", "external_url"):
                    if key in item:
                        yield name, key, item[key], False
                for kind, url in html_urls(item.get("content_html", "")):
                    yield name, kind, url, True
        else:
            document = lxml.etree.fromstring(data)
            for element in document.iter():
                if not isinstance(element.tag, str):
                    continue
                local = lxml.etree.QName(element).localname
                for attribute in ("href", "url", "xmlUrl", "htmlUrl", "src"):
                    if value := element.get(attribute):
                        yield name, f"{local}@{attribute}", value, False
                if local in ("link", "comments") and element.text and element.text.strip():
                    yield name, local, element.text.strip(), False
                if local in ("description", "encoded", "content", "summary") and element.text:
                    for kind, url in html_urls(element.text):
                        yield name, f"{local}/{kind}", url, True


def test_only_http_links_reach_any_output_and_each_hostile_item_is_one_log_line(tmp_path, site):
    hostile = serve_hostile(site)
    config = write_config(tmp_path, site)

    result = run_cli(config)

    assert result.returncode == 0, result.stderr
    for title in hostile:
        lines = [line for line in result.stderr.splitlines() if f"'{title}'" in line]
        assert len(lines) == 1 and "refused" in lines[0] and "http(s)" in lines[0], result.stderr
    feeds = tmp_path / "feeds"
    assert feed_titles(feeds, "all.atom") == [s.title for s in SEED]
    found = list(output_urls(feeds))
    kinds = {kind for _, kind, _, _ in found}
    # The collector sees item links, enclosures, images in article HTML, JSON urls and the index page's links.
    assert {"link", "enclosure@url", "link@href", "encoded/src", "url", "image", "href"} <= kinds, kinds
    for name, kind, url, in_article in found:
        scheme = urlsplit(urljoin(BASE_URL, url)).scheme.lower()
        # An article body may link a mail address or a phone number: no item, article, image or document.
        allowed = {"http", "https"} | ({"mailto", "tel"} if in_article and kind.endswith("href") else set())
        assert scheme in allowed, (name, kind, url)
    for path in feeds.rglob("*"):
        if path.is_file():
            data = path.read_bytes().lower()
            for bad in (b"javascript:", b"vbscript:", b"data:text", b"file:"):
                assert bad not in data, (path, bad)
    article = feedparser.parse((feeds / "all.atom").read_bytes()).entries[0]
    assert "Bra" in article.content[0].value and "/bra.pdf" in article.content[0].value
    enclosures = [link for link in article.links if link.get("rel") == "enclosure"]
    # The script "image" is gone; the one enclosure left is the http document (issue 17, item 13c).
    assert [link.get("type") for link in enclosures] == ["application/pdf"]
    assert enclosures[0]["href"].endswith("/bra.pdf")
    for uuid in hostile.values():  # refused, not stored, and never fetched
        assert not any(uuid in request.path for request in site.article_requests())


def test_the_browser_view_of_a_feed_links_only_http_urls():
    transform = lxml.etree.XSLT(lxml.etree.fromstring(stylesheet()))
    rss = (
        '<?xml version="1.0"?><?xml-stylesheet type="text/xsl" href="feed.xsl"?><rss version="2.0"><channel>'
        "<title>T</title><link>javascript:alert(1)</link><description>D</description>"
        "<item><title>Ond</title><link>javascript:alert(document.domain)</link></item>"
        "<item><title>God</title><link>https://goteborg.se/a/</link></item></channel></rss>"
    )
    atom = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
        '<link rel="alternate" href=" JAVASCRIPT:alert(1)"/>'
        '<entry><title>Ond</title><link href="data:text/html,x"/><id>x</id></entry>'
        '<entry><title>God</title><link href="HTTPS://goteborg.se/b/"/><id>y</id></entry></feed>'
    )
    for document in (rss, atom):
        page = lxml.html.fromstring(str(transform(lxml.etree.fromstring(document.encode()))))
        hrefs = page.xpath("//a/@href")
        assert not [h for h in hrefs if not h.startswith(("index.html", "http", "HTTP", "feed"))], hrefs
        assert page.xpath("//h3/a/text()") == ["God"] and "Ond" in page.text_content()


def test_web_url():
    assert web_url("https://goteborg.se/x") and web_url("HTTP://goteborg.se/")
    for url in (
        "javascript:alert(1)//?id=x",
        "data:x",
        "file:///etc/passwd",
        "http:///x",
        " https://a/",
        "//a/",
    ):
        assert not web_url(url), url


# -- 10: an item re-dated older is not removed ----------------------------------------------------------


@pytest.mark.parametrize(("max_pages", "articles"), [(10, "true"), (2, "true"), (10, "false")])
def test_an_item_re_dated_onto_a_later_page_is_never_marked_removed(tmp_path, site, max_pages, articles):
    """max_pages 10 reads on to page 3 and finds it there; max_pages 2 cannot, and asks its article page."""
    config = write_config(tmp_path, site)
    config.write_text(config.read_text() + f"max_pages = {max_pages}\narticles = {articles}\n")
    site.etag = False
    assert run_in_process(config).ok  # page 1, 2 and 3 (no item is known yet)
    moved = SEED[1]  # 30 april 2019, on page 1
    site.remove_item(moved.uuid)
    site.add_item(SiteItem(moved.uuid, moved.title, "1 juni 2017", moved.summary, moved.body_html), 24)

    for _ in range(4):  # a first miss on page 1, then the reads that must find it (or ask its page)
        assert run_in_process(config).ok

    assert ("removed", moved.uuid) not in events(tmp_path)
    assert moved.title in feed_titles(tmp_path / "feeds", "all.rss")
    db = sqlite3.connect(tmp_path / "aktuellt.db")
    removed_at = db.execute("SELECT removed_at FROM items WHERE key = ?", [moved.uuid]).fetchone()[0]
    db.close()
    assert removed_at is None

    gone = SEED[3]  # and an item that really leaves the site is still removed, on the second read
    site.remove_item(gone.uuid)
    assert run_in_process(config).ok
    assert ("removed", gone.uuid) not in events(tmp_path)
    assert run_in_process(config).ok
    assert ("removed", gone.uuid) in events(tmp_path)
    assert gone.title not in feed_titles(tmp_path / "feeds", "all.rss")


def test_a_refused_item_on_page_1_does_not_make_every_cycle_read_page_2(tmp_path, site):
    site.add_item(new_item("Året 9999", "15 december 9999", "Datumet är fel."))  # page 1, never stored
    site.etag = False  # every cycle reads page 1 whole
    config = write_config(tmp_path, site)
    first = run_in_process(config)
    assert first.ok and first.sources[0].pages == 3  # nothing known yet: the whole listing

    site.requests.clear()
    second = run_in_process(config)

    assert second.ok and second.sources[0].pages == 1, second.sources[0]
    assert len(site.listing_requests()) == 1  # page 1 is all known but the refused item: stop there
    assert second.sources[0].new == 0
    assert feed_titles(tmp_path / "feeds", "all.rss") == [s.title for s in SEED]


# -- 14: a listing cut off mid-page (the end-to-end case is "cut-short" in tests/test_faults.py) --------


def test_cut_off_sees_a_page_that_ends_early():
    whole = site_page()
    assert cut_off(whole, SEED[8].uuid) is None
    assert "cut off" in (cut_off(whole[: len(whole) // 2], None) or "")
    # A "</body>" in an inline script before the items does not pass for the end of the page.
    tricky = whole.replace("<script>", "<script>var x = '</body>';", 1)
    assert cut_off(tricky[: len(tricky) // 2], SEED[2].uuid) is not None


def test_a_cut_off_page_whose_keys_are_urls_is_seen_by_its_last_title(tmp_path, site):
    """A listing without article UUIDs (keys are absolute URLs; the page's hrefs are relative), an inline
    script with "</body>" before the items, and the body cut right after its last item's link: a failed read,
    nothing stored. The whole page reads."""
    page = (DATA / "pattern-simplenewslist.html").read_text(encoding="utf-8")
    page = page.replace("</title>", "</title><script>var end = '</body>';</script>", 1)
    last = 'href="/nyheter/2026/nya-stipendiater/">Nya stipendiater inom kultur</a>'  # the last item's link
    cut = page[: page.index(last) + len(last)]
    key = "https://kommun.example.se/nyheter/2026/nya-stipendiater/"
    assert cut_off(cut, key) is None  # the key is not in the raw text: the title is what finds the item
    assert "cut off" in (cut_off(cut, key, "Nya stipendiater inom kultur") or "")
    assert cut_off(cut.replace("inom", "&amp; inom"), key, "Nya stipendiater & inom kultur") is not None
    site.pages["/nyheter/"] = cut
    config = write_config(tmp_path, site)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace(f'"{site.listing_url}"', f'"{site.base_url}/nyheter/"\narticles = false'))

    result = run_cli(config)

    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 1 and "cut off" in errors[0], result.stderr
    db = sqlite3.connect(tmp_path / "aktuellt.db")
    assert db.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 0
    db.close()
    site.pages["/nyheter/"] = page
    result = run_cli(config)
    assert result.returncode == 0, result.stderr
    assert feed_titles(tmp_path / "feeds", "all.rss")[-1] == "Nya stipendiater inom kultur"


def site_page() -> str:
    with FixtureSite(load_seed()) as running:
        return running.render_listing(load_seed(), 1)


# -- 13: control characters never reach a text log raw ---------------------------------------------------


def test_escape_controls():
    assert escape_controls("Rubrik\x1b[2J\nFALSK ERROR\u202e") == "Rubrik\\x1b[2J\\nFALSK ERROR\\u202e"
    assert escape_controls("Åäö – “citat” é") == "Åäö – “citat” é"


def test_text_log_lines_escape_control_characters():
    formatter = TextFormatter("%(levelname)s %(message)s")
    record = logging.LogRecord("x", logging.WARNING, "f", 1, "item %s: %s", ("a\x1b[31mb", "c\nd\x07"), None)
    assert formatter.format(record) == "WARNING item a\\x1b[31mb: c\\nd\\x07"
    try:
        raise ValueError("bad URL http://x/\x1b[2J")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, "f", 1, "boom", (), sys.exc_info())
    lines = formatter.format(record).splitlines()
    assert lines[0] == "ERROR boom" and lines[1].startswith("Traceback")
    assert lines[-1] == "ValueError: bad URL http://x/\\x1b[2J"


def test_control_characters_from_the_source_are_escaped_in_the_cli_log(tmp_path: Path, site: FixtureSite):
    evil = new_item("", "3 maj 2019")  # no title: the warning names the link, as the source wrote it
    render_listing = site.render_listing
    path = f"aktuelltsida/{evil.uuid}/%1b"
    teaser = hostile_teaser("", "{listing}" + path + "\x1b[2J\x1b]0;pwned\x07\nFAKE ERROR")

    def listing(items: list[SiteItem], page: int) -> str:
        text = render_listing(items, page)
        return text.replace(
            '<ul class="c-list c-list--news">\n',
            '<ul class="c-list c-list--news">\n' + teaser.replace("{listing}", site.listing_url),
        )

    site.render_listing = listing  # type: ignore[method-assign]
    result = run_cli(write_config(tmp_path, site))

    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    line = next(line for line in result.stderr.splitlines() if evil.uuid in line)
    assert "\\x1b[2J\\x1b]0;pwned\\x07" in line and "no title" in line
    assert not any(line.startswith("FAKE ERROR") for line in result.stderr.splitlines())
