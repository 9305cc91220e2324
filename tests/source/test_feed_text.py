"""End to end: a feed source whose text holds a bare "&" ("Tom &xxe slut", "AT&T": not well-formed XML, as
many feeds are) is stored and published as written, not as "&xxe;" nor escaped twice: the fixture site
serves the feed, `aktuellt run` reads it, and the published RSS, Atom and JSON Feed are parsed back with
feedparser."""

from __future__ import annotations

import html
import json
import time

import feedparser
import pytest

from tests.fixture_site import FixtureSite, SiteItem, load_seed, new_item
from tests.source.test_feed_sources_end_to_end import feed_config, feed_source
from tests.test_end_to_end import run_cli

TEXT = "Tom &xxe och AT&T slut"


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_a_bare_ampersand_in_a_feed_is_published_as_written(tmp_path, fmt):
    item = new_item("Tom MARK slut", "3 maj 2019", summary="Tom MARK slut")
    with FixtureSite([item, *load_seed()]) as site:
        render_feed = site.render_feed

        def feed(items: list[SiteItem], fmt: str) -> str:
            text = render_feed(items, fmt)
            # An Atom summary of type text, as the entry's title is: raw text, where "&xxe" is no reference.
            text = text.replace(
                '<summary type="html">&lt;p&gt;Tom MARK slut&lt;/p&gt;</summary>',
                "<summary>Tom MARK slut</summary>",
            )
            return text.replace("MARK", "&xxe och AT&T")

        site.render_feed = feed  # type: ignore[method-assign]
        assert "<title>Tom &xxe och AT&T slut</title>" in site.render_feed(site.items, fmt)
        result = run_cli(feed_config(tmp_path, feed_source(site.feed_url(fmt))))
    assert result.returncode == 0, result.stderr

    feeds = tmp_path / "feeds"
    rss = feedparser.parse((feeds / "all.rss").read_bytes()).entries[0]
    assert rss.title == TEXT
    assert rss.summary_detail.type == "text/html" and rss.summary == html.escape(TEXT, quote=False)
    assert html.unescape(rss.summary) == TEXT  # once escaped, as HTML: "Tom &amp;xxe", not "&amp;amp;xxe"
    atom = feedparser.parse((feeds / "all.atom").read_bytes()).entries[0]
    assert (atom.title, atom.summary_detail.type, atom.summary) == (TEXT, "text/plain", TEXT)
    entry = json.loads((feeds / "all.json").read_text(encoding="utf-8"))["items"][0]
    assert (entry["title"], entry["summary"]) == (TEXT, TEXT)


def test_only_bare_ampersands_are_escaped_never_inside_cdata_or_comments():
    from scraper.source.feedsource import _bare_ampersands_escaped

    text = "a &xxe &amp; &#38; &#x26; &lt;x &xxe; <![CDATA[&q & r]]> <!-- & --> AT&T &"
    expected = "a &amp;xxe &amp; &#38; &#x26; &lt;x &xxe; <![CDATA[&q & r]]> <!-- & --> AT&amp;T &amp;"
    assert _bare_ampersands_escaped(text) == expected


def test_an_unterminated_comment_or_cdata_leaves_later_ampersands_escaped():
    from scraper.source.feedsource import _bare_ampersands_escaped

    assert _bare_ampersands_escaped("a <!-- & <!-- b&c") == "a <!-- &amp; <!-- b&amp;c"
    assert _bare_ampersands_escaped("<![CDATA[ & <![CDATA[ x]]> &") == "<![CDATA[ & <![CDATA[ x]]> &amp;"
    assert _bare_ampersands_escaped("<![CDATA[ & x &") == "<![CDATA[ &amp; x &amp;"


def test_a_feed_of_unterminated_comments_is_read_in_linear_time(tmp_path):
    # 1 MB of "<!--" with a bare "&": the expression that matched whole comments searched to the end of the
    # document again at each of them (160 KB took a minute; this would take most of an hour).
    hostile = "&" + "<!--" * 250_000
    with FixtureSite(load_seed()) as site:
        render_feed = site.render_feed

        def feed(items: list[SiteItem], fmt: str) -> str:
            return render_feed(items, fmt).replace("</channel>", hostile + "</channel>")

        site.render_feed = feed  # type: ignore[method-assign]
        started = time.monotonic()
        result = run_cli(feed_config(tmp_path, feed_source(site.feed_url("rss"))))
        elapsed = time.monotonic() - started
    assert elapsed < 30, elapsed
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result.stderr[-2000:]
