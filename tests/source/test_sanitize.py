"""sanitize: the allow-list holds against what the site (and attackers) write; URLs come out absolute."""

from __future__ import annotations

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.source.sanitize import ALLOWED_TAGS, absolute_url, sanitize_html

PAGE = "https://goteborg.se/wps/portal/enhetssida/jamlikt-goteborg/aktuelltarkiv/aktuelltsida/x/"
NASTY = """
<p onclick="alert(1)" style="color:red" class="x" id="y">Text <b onmouseover=steal()>fet</b></p>
<script>alert('script')</script><style>p { color: red }</style>
<iframe src="https://evil.example/"><p>iframe fallback</p></iframe>
<object data="x.swf"></object><embed src="y.swf"><form action="/post"><input name="q"></form>
<a href="javascript:alert(1)">js</a> <a href=" JaVaScRiPt:alert(2)">js2</a>
<a href="data:text/html,x">data</a>
<a href="../relativ/">relativ</a> <a href="/absolut">rot</a> <a href="mailto:jamlikt@goteborg.se">post</a>
<img src="data:image/gif;base64,R0lGOD" data-src="/bild.jpg" alt="lat" onerror="alert(3)">
<img src="x.png" data-srcset="/a.jpg 1x, b.jpg 2x">
<svg><script>alert(4)</script></svg><!-- comment -->
"""


def tree(fragment: str) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(fragment, create_parent="div")


def test_nasty_markup_is_reduced_to_the_allow_list():
    cleaned = tree(sanitize_html(NASTY, PAGE))
    tags = {element.tag for element in cleaned.iter() if isinstance(element.tag, str)} - {"div"}
    assert tags <= ALLOWED_TAGS
    assert not cleaned.xpath("//script|//style|//iframe|//object|//embed|//form|//input|//svg")
    for element in cleaned.iter():
        assert not [name for name in element.attrib if name.startswith("on")]
        assert "style" not in element.attrib and "class" not in element.attrib and "id" not in element.attrib
    text = cleaned.text_content()
    assert "alert" not in text and "color: red" not in text
    assert "Text" in text and "fet" in text
    assert "js2" in text and not cleaned.xpath("//a[not(@href)]")  # an unsafe link is left as its text


def test_urls_are_absolute_and_safe():
    cleaned = tree(sanitize_html(NASTY, PAGE))
    hrefs = cleaned.xpath("//a/@href")
    assert hrefs == [
        "https://goteborg.se/wps/portal/enhetssida/jamlikt-goteborg/aktuelltarkiv/aktuelltsida/relativ/",
        "https://goteborg.se/absolut",
        "mailto:jamlikt@goteborg.se",
    ]
    assert cleaned.xpath("//img/@src") == ["https://goteborg.se/bild.jpg", PAGE + "x.png"]
    assert cleaned.xpath("//img/@srcset") == [f"https://goteborg.se/a.jpg 1x, {PAGE}b.jpg 2x"]
    assert cleaned.xpath("//img/@alt") == ["lat"]


def test_xml_illegal_characters_are_removed():
    assert sanitize_html("<p>a\x00b\x1fc\x0bd\ufffe</p>", PAGE) == "<p>abc d</p>"


@pytest.mark.parametrize("fragment", ["", "   ", "<script>x</script>", "<style>p{}</style>"])
def test_nothing_left_is_empty(fragment):
    assert sanitize_html(fragment, PAGE) == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("../a", "https://h/a"),
        ("javascript:x", None),
        ("", None),
        ("http://[::1", None),
        ("tel:123", "tel:123"),
    ],
)
def test_absolute_url(value, expected):
    assert absolute_url(value, "https://h/b/c") == expected


@settings(deadline=None)  # the suite runs beside others (pytest -n 2): wall time is not what this tests
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' abpimgsrc&;:\x00\x0b")), max_size=60))
def test_sanitizing_is_idempotent(fragment):
    once = sanitize_html(fragment, PAGE)
    assert sanitize_html(once, PAGE) == once
