"""Security: the sanitizer against a list of XSS vectors (every one must come out inert), and article pages
that answer 410 or hang: their items are still published from the listing and the cycle ends in time."""

from __future__ import annotations

import re
import time

import feedparser
import lxml.html
import pytest

from scraper.source.sanitize import sanitize_html
from tests.conftest import write_config
from tests.fixture_site import FixtureSite, load_seed
from tests.test_end_to_end import run_cli

PAGE = "https://goteborg.se/wps/portal/enhetssida/jamlikt-goteborg/aktuelltarkiv/aktuelltsida/x/"

# From the OWASP XSS filter evasion cheat sheet and html5sec.org, narrowed to what an allow-list could miss.
VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<img src=x onerror="alert(1)">',
    "<img src=x oNeRrOr=alert(1)>",
    "<body onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" &#14;  javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="java\0script:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<img src="javascript:alert(1)">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<div style="width: expression(alert(1))">x</div>',
    "<style>@import 'javascript:alert(1)';</style>",
    '<link rel=stylesheet href="javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    '<video><source onerror="alert(1)"></video>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    '<a href="#" onclick="alert(1)">x</a>',
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<img src="x` `<script>alert(1)</script>"` `>',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '<p title="&quot;><script>alert(1)</script>">x</p>',
]
DANGEROUS_TAGS = {"script", "style", "iframe", "object", "embed", "form", "svg", "math", "base", "link",
                  "meta", "input", "button", "video", "noscript", "details", "body"}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "xlink:href", "data", "poster"}


def test_vector_list_is_not_trivially_empty():
    assert len(VECTORS) >= 40


@pytest.mark.parametrize("vector", VECTORS)
def test_every_xss_vector_comes_out_inert(vector):
    clean = sanitize_html(f"<p>före</p>{vector}<p>efter</p>", PAGE)
    tree = lxml.html.fragment_fromstring(clean, create_parent="div")
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue  # comments are dropped by the sanitizer; lxml would show them as such
        assert element.tag.lower() not in DANGEROUS_TAGS, clean
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), clean
            assert name.lower() not in ("style", "srcdoc"), clean
            if name.lower() in URL_ATTRIBUTES:
                squashed = re.sub(r"[\x00-\x20]", "", value).lower()
                assert squashed.startswith(("http:", "https:", "mailto:", "tel:")), clean
    assert "före" in clean and "efter" in clean  # the harmless text around it survives


@pytest.mark.parametrize("fault", [410, 0])  # 0: the article page never answers within the timeout
def test_article_that_is_gone_or_hangs_keeps_its_item_and_the_cycle_ends(tmp_path, fault):
    with FixtureSite(load_seed()) as site:
        site.stall = 3.0
        hurt = load_seed()[1]
        site.article_faults[hurt.uuid] = fault
        config = write_config(tmp_path, site, timeout=1.0)

        started = time.monotonic()
        result = run_cli(config)
        elapsed = time.monotonic() - started

    assert result.returncode == 0, result.stderr
    assert "1 failed" in result.stderr or hurt.uuid in result.stderr, result.stderr
    assert elapsed < 8, f"a hanging article held the cycle for {elapsed:.1f} s"
    entries = feedparser.parse((tmp_path / "feeds/all.atom").read_bytes()).entries
    assert [e.title for e in entries] == [s.title for s in load_seed()]
