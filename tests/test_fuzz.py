"""Fuzzing with hypothesis: the parsers never raise anything but the project's own errors on arbitrary input,
and every renderer produces well-formed XML (and JSON) for arbitrary item text, keeping it text, never markup.

AKTUELLT_FUZZ_EXAMPLES sets examples per test (`make stress` runs many more than `make test`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import feedparser
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from scraper.config import parse_config
from scraper.dates import parse_datetime_attr, parse_site_date
from scraper.errors import ScraperError
from scraper.publish.jsonfeed import render_json
from scraper.publish.render import render_atom, render_rss, xml_safe
from scraper.source.articles import read_article
from scraper.source.listing import parse_listing
from scraper.source.sanitize import sanitize_html
from tests.publish.test_render import META, entry

EXAMPLES = int(os.environ.get("AKTUELLT_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES)  # no deadline, no too_slow check: the profile in conftest.py
TZ = ZoneInfo("Europe/Stockholm")
URL = "https://goteborg.se/wps/portal/enhetssida/jamlikt-goteborg/aktuelltarkiv/"
NOW = dt.datetime(2026, 11, 29, 8, 0, tzinfo=dt.UTC)

# Text a hostile or broken source could send: control characters, CDATA ends, RTL marks, emoji, markup,
# lone surrogates, entities, and sometimes a very long run.
NASTY = st.sampled_from(
    [
        "]]>",
        "<script>alert(1)</script>",
        "\u202e",
        "\u200f",
        "😀",
        "&amp;",
        "&#0;",
        "\x00",
        "\x0b",
        "\ud800",
        "\ufffe",
        "<![CDATA[",
        "-->",
        '"',
        "'",
        "\r\n",
        "Åäö",
    ]
)
TEXT = st.lists(st.one_of(st.text(), NASTY), max_size=8).map("".join)
LONG = st.one_of(TEXT, st.just("Lång rubrik " * 900 + "]]>"))  # ~10,000 characters
TAGS = ["ul", "li", "div", "h2", "a", "p", "time", "nav", "span", "img", "script", "svg", "iframe", "base"]


@st.composite
def html_soup(draw: st.DrawFn) -> str:
    """Tag soup built from the listing's own vocabulary, so the extractor's paths are actually reached."""
    parts = []
    for _ in range(draw(st.integers(0, 25))):
        tag = draw(st.sampled_from(TAGS))
        attrs = draw(
            st.lists(
                st.sampled_from(
                    [
                        'class="c-teaser"',
                        'class="c-teaser__title"',
                        'class="c-teaser__meta"',
                        'href="/wps/portal/x/aktuelltsida/6f1c2a9e-1d5b-4c8e-9a7e-2b9d0c3e4f51"',
                        'href="javascript:alert(1)"',
                        'rel="next"',
                        'datetime="2024-13-45"',
                        'datetime="2024-06-10T25:61"',
                        'href=""',
                        'onerror="x()"',
                        'src="data:x"',
                    ]
                ),
                max_size=3,
            )
        )
        text = draw(
            st.one_of(TEXT, st.sampled_from(["Publicerad 10 juni 2024", "31 februari 2024", "Nästa"]))
        )
        closing = draw(st.booleans())
        parts.append(f"<{tag} {' '.join(attrs)}>{text}" + (f"</{tag}>" if closing else ""))
    return "".join(parts)


@FUZZ
@given(st.one_of(html_soup(), st.text()))
def test_extractor_raises_only_its_own_errors(page: str) -> None:
    try:
        parse_listing(page, URL, timezone=TZ)
    except ScraperError:
        pass


@FUZZ
@given(st.one_of(html_soup(), st.text()))
def test_article_reader_raises_only_its_own_errors(page: str) -> None:
    try:
        read_article(page, URL + "aktuelltsida/6f1c2a9e-1d5b-4c8e-9a7e-2b9d0c3e4f51", TZ, NOW)
    except ScraperError:
        pass


DATEISH = st.lists(
    st.one_of(
        st.integers(-5, 3000).map(str),
        st.sampled_from(
            ["januari", "maj", "Dec.", "kl.", ":", "-", "T", "+", "Z", " ", "\xa0", "Publicerad"]
        ),
        st.text(max_size=3),
    ),
    max_size=10,
).map("".join)


@FUZZ
@given(DATEISH)
def test_date_parsers_return_a_date_or_none(text: str) -> None:
    for parsed in (parse_site_date(text), parse_datetime_attr(text, TZ)):
        assert parsed is None or isinstance(parsed.day, dt.date)


SECTIONS = ["site", "fetch", "schedule", "server", "notify", "websub", "sources", "topics", "selectors"]
KEYS = ["title", "base_url", "output_dir", "database", "timezone", "max_items", "timeout", "retries",
        "delay", "max_bytes", "url", "id", "every", "cron", "listen", "webhook", "hub", "match", "tags",
        "item", "link", "date", "bogus"]  # fmt: skip
SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), TEXT,
    st.sampled_from(["https://x.test/", "0", "-1", "1h", "*/5 * * * *", "Europe/Stockholm", "[", "(?P<"]),
)  # fmt: skip
VALUE = st.recursive(
    SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner)),
    max_leaves=12,
)


@FUZZ
@given(st.dictionaries(st.one_of(st.sampled_from(SECTIONS), st.text(max_size=5)), VALUE, max_size=6))
def test_config_parser_raises_only_config_errors(data: dict[str, Any]) -> None:
    from scraper.errors import ConfigError

    try:
        parse_config(data, base_dir=Path("/nonexistent"))
    except ConfigError:
        pass


XSS_ATTRS = ["onerror", "onload", "onclick", "srcdoc", "formaction", "style"]


@FUZZ
@given(st.one_of(html_soup(), TEXT))
def test_sanitizer_raises_only_its_own_errors_and_lets_no_script_through(fragment: str) -> None:
    try:
        clean = sanitize_html(fragment, URL)
    except ScraperError:
        return
    tree = etree.HTML(f"<div>{clean}</div>") if clean.strip() else None
    if tree is None:
        return
    assert not tree.xpath("//script | //iframe | //object | //embed | //svg | //base")
    for element in tree.iter():
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), clean
            assert name.lower() not in ("srcdoc", "formaction"), clean
            assert not re.match(r"\s*(javascript|data|vbscript):", value, re.I), clean


def _items(title: str, summary: str, content: str) -> list[Any]:
    published = dt.datetime(2024, 6, 9, 22, 0, tzinfo=dt.UTC)
    return [
        entry(
            "6f1c2a9e-1d5b-4c8e-9a7e-2b9d0c3e4f51", title, published, summary=summary, content_html=content
        ),
        entry("7f1c2a9e-1d5b-4c8e-9a7e-2b9d0c3e4f52", summary, published, summary=title),
    ]


@FUZZ
@given(LONG, TEXT, TEXT)
def test_renderers_produce_well_formed_feeds_that_keep_text_as_text(
    title: str, summary: str, content: str
) -> None:
    entries = _items(title, summary, content)
    atom, rss = etree.fromstring(render_atom(META, entries)), etree.fromstring(render_rss(META, entries))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    expected = " ".join(xml_safe(title).split())
    # Text, not markup: the title comes back as the same characters, and no element came from it.
    atom_title = atom.xpath("string(a:entry[1]/a:title)", namespaces=ns)
    rss_title = rss.xpath("string(channel/item[1]/title)")
    for got in (atom_title, rss_title):
        if expected:  # an empty title falls back to something readable, which is fine
            assert " ".join(got.split()) == expected
    for tree in (atom, rss):
        assert not tree.xpath("//script")
    document = json.loads(render_json(META, entries))
    if expected and expected == title:  # JSON carries any character; only a lone surrogate becomes "?"
        assert document["items"][0]["title"].split() == title.split()
    assert not feedparser.parse(render_atom(META, entries)).bozo
