"""`aktuellt probe` end to end: the real CLI in this process against the fixture site on 127.0.0.1 serving
pages that imitate other sites' markup; the TOML block it prints passes `aktuellt check` and, used as the
config, a real `aktuellt run` publishes the page's (undated) items, dated by first sight."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import sqlite3
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
from lxml import etree

from scraper.config import SelectorConfig, SourceConfig, package_version
from scraper.source.probe import source_block
from tests import conftest
from tests.fixture_site import DATA, FixtureSite


def aktuellt(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {"COLUMNS": "160"}  # a wide terminal: a UUID key stays on one line
    return conftest.aktuellt(*args, env=env, cwd=cwd)


def serve(site: FixtureSite, name: str) -> str:
    path = f"/start/{name}.html"
    site.pages[path] = (DATA / f"pattern-{name}.html").read_text(encoding="utf-8")
    return site.base_url + path


def toml_block(output: str) -> str:
    return output.split("then run `aktuellt check`):\n\n", 1)[1]


def test_probe_prints_items_feeds_blocks_and_a_config_that_check_accepts(tmp_path):
    with FixtureSite() as site:
        url = serve(site, "c-teaser")
        result = aktuellt("probe", url)
        kinds = [r.kind for r in site.requests]
        agents = {r.headers.get("user-agent", "") for r in site.requests}
    assert result.returncode == 0, result.stderr
    # Without a config there is no public URL of ours: the contact is never the probed site's own address.
    assert agents == {f"aktuellt/{package_version()} (probe)"}
    out = result.stdout
    assert "Items (5)" in out
    assert "147a8853-ec7a-40d0-8a13-9fc0f6a70b29" in out and "2026-06-02" in out
    assert "tidning.example.se" in out and "ta-badbussen" in out  # an item without a UUID
    assert "application/atom+xml" in out and "Aktuellt från Exempelstad" in out  # the advertised feed
    assert "Repeated blocks considered" in out and "rejected" in out and "inside navigation" in out
    assert kinds == ["robots", "other"]  # polite: robots.txt first, then the page once
    block = toml_block(out)
    assert 'item = "' in block
    (tmp_path / "config.toml").write_text(block, encoding="utf-8")
    check = aktuellt("--config", str(tmp_path / "config.toml"), "check")
    assert check.returncode == 0, check.stderr
    assert url in check.stdout


def test_probe_without_items_exits_1_and_says_why():
    with FixtureSite() as site:
        result = aktuellt("probe", serve(site, "js-filled"))
    assert result.returncode == 1
    assert "Items (0)" in result.stdout and "JavaScript" in result.stdout
    assert "Flöde för aktuellt" in result.stdout  # the feed it could read instead
    # Issue 18: the block it prints reads that feed (a listing block would read nothing).
    block = toml_block(result.stdout)
    assert 'type = "feed"' in block and "[sources.selectors]" not in block


def test_probe_of_a_configured_source(tmp_path):
    with FixtureSite() as site:
        url = serve(site, "regjeringen")
        config = tmp_path / "config.toml"
        config.write_text(
            source_block(
                SourceConfig(
                    id="hoyringar",
                    title="Høyringar",
                    url=url,
                    timezone="Europe/Oslo",
                    date_order="dmy",
                    selectors=SelectorConfig(item="li.listItem"),
                )
            ),
            encoding="utf-8",
        )
        result = aktuellt("--config", str(config), "probe", "--source", "hoyringar")
        missing = aktuellt("--config", str(config), "probe", "--source", "nope")
    assert result.returncode == 0, result.stderr
    assert "Items (3)" in result.stdout and "2026-07-03" in result.stdout and "(first seen)" in result.stdout
    assert 'id = "hoyringar"' in result.stdout and 'timezone = "Europe/Oslo"' in result.stdout
    assert missing.returncode == 2 and "no source 'nope'" in missing.stderr


def test_probe_config_runs_a_cycle_that_publishes_undated_items(tmp_path):
    """The card page has no dates: its items are kept, dated by first sight, marked so in the store, and
    published (RSS pubDate = first seen; Atom without <published>, its <updated> = first seen)."""
    with FixtureSite() as site:
        url = serve(site, "card")
        probe = aktuellt("probe", url)
        assert probe.returncode == 0, probe.stderr
        config = tmp_path / "config.toml"
        config.write_text(
            '[site]\nbase_url = "http://feeds.example.test/"\noutput_dir = "feeds"\ndatabase = "a.db"\n'
            "[fetch]\ntimeout = 5\nretries = 0\ndelay = 0\n\n"
            + toml_block(probe.stdout).replace(
                "[sources.selectors]", "articles = false\n\n[sources.selectors]"
            ),
            encoding="utf-8",
        )
        run = aktuellt("--config", str(config), "run")
    assert run.returncode == 0, run.stderr
    with sqlite3.connect(tmp_path / "a.db") as db:
        rows = db.execute("SELECT title, site_date, date_source, published, first_seen FROM items").fetchall()
    assert sorted(r[0] for r in rows) == [
        "Kärlekskonsert i parken – och du är bjuden!",
        "Se fotbolls-VM på storbildsskärm",
        "Skolavslutningstider i stadens skolor",
    ]
    assert all(
        site_date == "" and source == "none" and pub == seen for _, site_date, source, pub, seen in rows
    )
    rss = feedparser.parse((tmp_path / "feeds" / "all.rss").read_bytes())
    atom_bytes = (tmp_path / "feeds" / "all.atom").read_bytes()
    atom = feedparser.parse(atom_bytes)
    assert not rss.bozo and not atom.bozo
    assert len(rss.entries) == len(atom.entries) == 3
    # The dates shown are the first sightings themselves (not moved to a date's nominal 10:30 UTC).
    seen = {title: dt.datetime.fromisoformat(first) for title, _, _, _, first in rows}
    assert {e.title: calendar.timegm(e.published_parsed) for e in rss.entries} == {
        title: int(moment.timestamp()) for title, moment in seen.items()
    }
    assert all("published" not in entry and entry.get("updated_parsed") for entry in atom.entries)
    schema = etree.RelaxNG(etree.parse(str(DATA / "atom.rng")))
    assert schema.validate(etree.fromstring(atom_bytes).getroottree()), schema.error_log
    document = json.loads((tmp_path / "feeds" / "all.json").read_text(encoding="utf-8"))
    assert {
        item["title"]: dt.datetime.fromisoformat(item["date_published"]) for item in document["items"]
    } == seen


def test_probe_stays_on_the_hosts_a_cycle_would_reach():
    # probe shows what `run` will do: a redirect to another host (here another port of the same address: a
    # host is its name and its port) is refused as a cycle refuses it, and that host sees no request at all.
    with FixtureSite() as other, FixtureSite() as site:
        site.fault = "redirect-away"
        site.redirect_to = other.listing_url
        result = aktuellt("probe", site.listing_url)
        reached = list(other.requests)
    assert result.returncode == 1
    assert "another host" in result.stderr, result.stderr
    assert reached == []


CARD_PAGE = """<!doctype html><html><head><title>Nachrichten</title></head><body>
<nav><ul><li><a href="/a">Start</a></li><li><a href="/b">Über uns</a></li>
<li><a href="/c">Kontakt</a></li></ul></nav>
<main><div class="front"><section class="lead"><a href="/news/lead-story-100.html"><h2>Die große Geschichte
des Tages</h2><p>Der Aufmacher.</p></a></section><div class="list">{cards}</div></div>
<aside><h3>Meistgelesen</h3><ul>{side}</ul></aside></main></body></html>"""
CARD = """<article class="news"><a href="/news/story-{n}.html"><header class="title">Meldung Nummer {n} aus
der Stadt</header><p>Was geschah.</p><ul><li class="author">A. Autor</li><li><time>{when}</time></li></ul></a>
</article>"""


def test_probe_ranks_candidates_and_its_picked_config_runs_a_cycle_as_no_config_would(tmp_path):
    """Whole-card links with relative dates and a lead teaser (issue 18), end to end: probe's ranked
    candidates, `--pick 1` (no `:nth-child`) accepted by check, and a real run that stores the relative
    dates as such and publishes the lead and every card."""
    whens = ["heute, 09:15 Uhr", "gestern, 17:35 Uhr", "gestern", "vor 3 Tagen"]
    cards = "".join(CARD.format(n=n, when=when) for n, when in enumerate(whens))
    side = "".join(
        f'<li><a href="/news/story-{n}.html">Meldung Nummer {n} aus der Stadt</a></li>' for n in (1, 2)
    )
    with FixtureSite() as site:
        site.pages["/start/cards.html"] = CARD_PAGE.format(cards=cards, side=side)
        url = site.base_url + "/start/cards.html"
        probe = aktuellt("probe", url)
        picked = aktuellt("probe", url, "--pick", "1")
        second = aktuellt("probe", url, "--pick", "2")
        too_far = aktuellt("probe", url, "--pick", "40")
        assert picked.returncode == 0, picked.stderr
        config = tmp_path / "config.toml"
        config.write_text(
            '[site]\nbase_url = "http://feeds.example.test/"\noutput_dir = "feeds"\ndatabase = "a.db"\n'
            "[fetch]\ntimeout = 5\nretries = 0\ndelay = 0\n\n"
            + picked.stdout.replace('date_order = "dmy"', 'date_order = "dmy"\narticles = false'),
            encoding="utf-8",
        )
        check = aktuellt("--config", str(config), "check")
        run = aktuellt("--config", str(config), "run")
    assert probe.returncode == 0, probe.stderr
    assert "Candidate blocks" in probe.stdout and "Die große Geschichte des Tages" in probe.stdout
    assert picked.stdout.startswith("[[sources]]") and ":nth-child" not in picked.stdout
    assert "[sources.selectors]" in picked.stdout
    assert second.returncode in (0, 1) and (second.stdout.startswith("[[sources]]") or second.stderr)
    assert too_far.returncode == 1 and "no candidate block 40" in too_far.stderr
    assert check.returncode == 0, check.stderr
    assert run.returncode == 0, run.stderr
    with sqlite3.connect(tmp_path / "a.db") as db:
        rows = db.execute(
            "SELECT title, site_date, date_source, first_seen FROM items ORDER BY position"
        ).fetchall()
    assert [r[0] for r in rows] == ["Die große Geschichte des Tages"] + [
        f"Meldung Nummer {n} aus der Stadt" for n in range(4)
    ]
    zone = ZoneInfo("Europe/Stockholm")
    day = dt.datetime.fromisoformat(rows[1][3]).astimezone(zone).date()
    assert [(r[1], r[2]) for r in rows[1:]] == [
        (f"{day.isoformat()}T09:15", "relative"),
        (f"{(day - dt.timedelta(days=1)).isoformat()}T17:35", "relative"),
        ((day - dt.timedelta(days=1)).isoformat(), "relative"),
        ((day - dt.timedelta(days=3)).isoformat(), "relative"),
    ]
    rss = feedparser.parse((tmp_path / "feeds" / "all.rss").read_bytes())
    assert not rss.bozo and len(rss.entries) == 5


POSTS_PAGE = """<!doctype html><html><head><title>A blog</title></head><body><main>
<div class="blog">{posts}</div></main><aside><h2>Archive</h2><ul><li><a href="/2026/05/">May 2026</a></li>
<li><a href="/2026/04/">April 2026</a></li><li><a href="/2026/03/">March 2026</a></li></ul></aside>
</body></html>"""
POST = """<div class="post post-{n}"><h2 class="title">
<a href="/2026/05/post-{n}.html">The whole post number {n} of the blog</a></h2>
<div class="post-header"><span class="publishdate">Tuesday, May {n}, 2026</span></div>
<div class="post-body"><p>First paragraph of post {n}.</p><p>See <a href="https://x.example/{n}">this</a>,
<a href="https://y.example/{n}">that</a> and <a href="https://z.example/{n}">more</a>.</p><h3>Part two</h3>
<p>Text.</p></div><div class="post-footer"><a href="/search/label/a">a</a> <a href="/search/label/b">b</a>
</div></div>"""


def test_a_front_page_of_full_posts_runs_a_cycle_with_no_selectors(tmp_path):
    """Issue 18, class 2, end to end: a config with no selectors reads each full post as an item (its
    heading link, its date element, its first paragraph), and probe's --pick 1 config reads the same."""
    posts = "".join(POST.format(n=n) for n in range(5, 0, -1))
    with FixtureSite() as site:
        site.pages["/blog/index.html"] = POSTS_PAGE.format(posts=posts)
        url = site.base_url + "/blog/index.html"
        picked = aktuellt("probe", url, "--pick", "1")
        for name, block in (
            ("plain", f'[[sources]]\nid = "blogg"\ntitle = "Blogg"\nurl = "{url}"\narticles = false\n'),
            ("picked", picked.stdout.replace('date_order = "dmy"', 'date_order = "dmy"\narticles = false')),
        ):
            folder = tmp_path / name
            folder.mkdir()
            (folder / "config.toml").write_text(
                '[site]\nbase_url = "http://feeds.example.test/"\noutput_dir = "feeds"\ndatabase = "a.db"\n'
                "[fetch]\ntimeout = 5\nretries = 0\ndelay = 0\n\n" + block,
                encoding="utf-8",
            )
            run = aktuellt("--config", str(folder / "config.toml"), "run")
            assert run.returncode == 0, run.stderr
    assert picked.returncode == 0 and ":nth-child" not in picked.stdout, picked.stderr
    for name in ("plain", "picked"):
        with sqlite3.connect(tmp_path / name / "a.db") as db:
            rows = db.execute(
                "SELECT title, link, site_date, date_source, summary FROM items ORDER BY position"
            ).fetchall()
        assert rows == [
            (
                f"The whole post number {n} of the blog",
                f"{site.base_url}/2026/05/post-{n}.html",
                f"2026-05-0{n}",
                "element",
                f"First paragraph of post {n}.",
            )
            for n in range(5, 0, -1)
        ], name
        rss = feedparser.parse((tmp_path / name / "feeds" / "all.rss").read_bytes())
        assert not rss.bozo and [e.title for e in rss.entries][:1] == ["The whole post number 5 of the blog"]
