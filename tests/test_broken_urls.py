"""A URL that cannot be joined ("http://[x/", an unclosed IPv6 bracket) anywhere in what a source sends: a
teaser's link, `<base href>`, the next-page link, a configured selector's link, an article's image, embed
or attachment, a redirect's Location. It costs that link (or, for the redirect, that source), never the run:
two sources on two fixture sites, a real SQLite file, the real CLI, the feeds parsed back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import lxml.etree
import pytest

from scraper.sanity import join_url
from scraper.source.listing import parse_listing
from tests.fixture_site import FixtureSite, SiteItem, load_seed
from tests.source.test_feed_sources_end_to_end import feed_config
from tests.test_end_to_end import DATA, run_cli
from tests.test_hostile_content import hostile_teaser

BROKEN = "http://[x/"
LIST_START = '<ul class="c-list c-list--news">\n'


def insert_teaser(html: str) -> str:
    return html.replace(LIST_START, LIST_START + hostile_teaser("Trasig länk", BROKEN), 1)


def broken_base(html: str) -> str:
    start = html.index('<base href="')
    return html[:start] + f'<base href="{BROKEN}">' + html[html.index(">", start) + 1 :]


def broken_next(html: str) -> str:
    link = f'<a rel="next" href="{BROKEN}">Nästa</a><a class="next" href="{BROKEN}">Nästa</a>'
    return html.replace("</main>", f"{link}\n  </main>", 1)


def broken_article(html: str) -> str:
    """The lead image, an embed and a document link of the article, each with the broken URL."""
    start = html.index('src="', html.index("<figure"))
    html = html[:start] + f'src="{BROKEN}"' + html[html.index('"', start + 5) + 1 :]
    extra = f'<p><a href="{BROKEN}">Protokoll.pdf</a></p><iframe src="{BROKEN}" title="Film"></iframe>'
    return html.replace('<div class="c-text">', '<div class="c-text">' + extra, 1)


def listing_rewrite(change: Callable[[str], str]) -> Callable[[str, str], str]:
    return lambda kind, html: change(html) if kind == "listing" else html


#: variant → (how site A rewrites its pages, source A's extra TOML); "redirect" answers with the broken
#: Location instead, and is the one variant that fails source A.
VARIANTS: dict[str, tuple[Callable[[str, str], str] | None, str]] = {
    "teaser": (listing_rewrite(insert_teaser), ""),
    "base": (listing_rewrite(broken_base), ""),
    "next": (listing_rewrite(broken_next), ""),
    "configured": (
        listing_rewrite(lambda html: broken_next(insert_teaser(html))),
        '[sources.selectors]\nitem = "li.c-teaser"\nnext = "a.next"\n',
    ),
    "article": (lambda kind, html: broken_article(html) if kind == "article" else html, ""),
    "redirect": (None, ""),
}


@pytest.fixture
def sites() -> Iterator[tuple[FixtureSite, FixtureSite]]:
    seed = load_seed()
    with FixtureSite(seed[:4]) as first, FixtureSite(seed[4:10]) as second:
        yield first, second


def source(source_id: str, url: str, *, articles: bool, extra: str = "") -> str:
    return f'id = "{source_id}"\nurl = "{url}"\narticles = {str(articles).lower()}\n{extra}'


def titles(tmp_path: Path, name: str) -> list[str]:
    parsed = feedparser.parse((tmp_path / "feeds" / name).read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return [entry.title for entry in parsed.entries]


def expected_titles(items: list[SiteItem]) -> list[str]:
    return [item.title for item in items]


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_a_broken_url_costs_its_link_not_the_other_source_or_the_run(tmp_path, sites, variant):
    site_a, site_b = sites
    site_a.rewrite, extra = VARIANTS[variant]
    a_publishes = variant != "redirect"
    if not a_publishes:
        site_a.fault, site_a.redirect_to = "redirect-away", BROKEN
    config = feed_config(
        tmp_path,
        source("kalla-a", site_a.listing_url, articles=variant == "article", extra=extra),
        source("kalla-b", site_b.listing_url, articles=False),
    )

    result = run_cli(config)

    assert "Traceback" not in result.stderr and "ValueError" not in result.stderr, result.stderr
    assert result.returncode == (0 if a_publishes else 1), result.stderr
    assert titles(tmp_path, "sources/kalla-b.atom") == expected_titles(site_b.items)  # B was read
    schema = lxml.etree.RelaxNG(lxml.etree.parse(str(DATA / "atom.rng")))
    assert schema.validate(lxml.etree.parse(str(tmp_path / "feeds/all.atom"))), schema.error_log
    if not a_publishes:
        errors = [line for line in result.stderr.splitlines() if " ERROR " in line]
        assert len(errors) == 1 and "kalla-a" in errors[0] and "redirect" in errors[0], result.stderr
        assert titles(tmp_path, "sources/kalla-a.atom") == []
        return
    assert titles(tmp_path, "sources/kalla-a.atom") == expected_titles(site_a.items)
    entries = feedparser.parse((tmp_path / "feeds/sources/kalla-a.atom").read_bytes()).entries
    assert all(entry.link.startswith(site_a.base_url + "/") for entry in entries)
    if variant in ("teaser", "configured"):  # the teaser that would have been an item is named, once
        named = [line for line in result.stderr.splitlines() if "Trasig länk" in line]
        assert len(named) == 1 and " WARNING " in named[0] and BROKEN in named[0], result.stderr
    if variant == "article":  # the article was read: its body is the entry's content, the broken bits gone
        assert len(site_a.article_requests()) == len(site_a.items)
        for entry, item in zip(entries, site_a.items, strict=True):
            body = entry.content[0].value
            assert item.body_html.split("</p>")[0].removeprefix("<p>")[:40] in body
            assert BROKEN not in body and "<iframe" not in body
            # The broken lead image is gone; the article's documents are enclosures (issue 17, item 13c).
            enclosures = entry.get("enclosures", [])
            assert not [e for e in enclosures if e["type"].startswith("image/") or BROKEN in e["href"]]


def test_a_broken_next_or_base_link_reads_as_none():
    page = parse_listing(
        f'<html><head><base href="{BROKEN}"></head><body><ul>'
        '<li><h2><a href="/a/1">Ett</a></h2><p>2 maj 2019</p></li>'
        '<li><h2><a href="/a/2">Två</a></h2><p>3 maj 2019</p></li>'
        f'</ul><a rel="next" href="{BROKEN}">Nästa</a><a href="/sida/2">Nästa</a></body></html>',
        "https://stad.example.se/nyheter/",
        timezone=ZoneInfo("Europe/Stockholm"),
    )
    assert [item.link for item in page.items] == [
        "https://stad.example.se/a/1",
        "https://stad.example.se/a/2",
    ]
    assert page.next_url == "https://stad.example.se/sida/2"  # the next candidate that is a URL


@pytest.mark.parametrize(
    ("base", "href"),
    [
        ("https://stad.example.se/", BROKEN),
        ("https://stad.example.se/", "//[x/"),
        (BROKEN, "/nyheter/"),
        ("https://stad.example.se/", "http://\uff03x/"),  # a host that changes under NFKC
        ("https://stad.example.se/", "http://stad.example.se:99999/"),  # no port
    ],
)
def test_join_url_gives_none_for_what_makes_no_url(base, href):
    assert join_url(base, href) is None


def test_join_url_resolves_as_urljoin_does():
    assert join_url("https://stad.example.se/a/b", "../c?x=1#y") == "https://stad.example.se/c?x=1#y"
    assert join_url("https://stad.example.se/a/", "javascript:alert(1)") == "javascript:alert(1)"
