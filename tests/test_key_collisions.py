"""End to end: links that share a key are named, and `key_params` keeps the parameter that parts them, even
one that looks like a session (issue 17, item 5). The real CLI in this process, a real SQLite file, and a
PHP-Nuke-like news page on the fixture site at 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from tests.fixture_site import FixtureSite
from tests.source.test_feed_sources_end_to_end import errors, feed_config, parsed, stored
from tests.test_end_to_end import run_cli

TITLES = [f"Nyhet nummer {n} om förskolan" for n in range(1, 7)]


def nuke_page(href: str) -> str:
    """Six news items whose links differ only in `sid` (`href` is formatted with the item's number)."""
    return news_page(
        f'<li class="news"><h3><a href="{href.format(n=n)}">{title}</a></h3>'
        f'<span class="date">2026-06-0{n}</span><p>Text {n}</p></li>'
        for n, title in enumerate(TITLES, start=1)
    )


def news_page(rows: Iterable[str]) -> str:
    """A bare news page: a heading, then `rows` (`<li>` items) in one list."""
    return f"<!doctype html><html><body><h1>Nyheter</h1><ul>{''.join(rows)}</ul></body></html>"


@pytest.fixture
def site():
    with FixtureSite([]) as running:
        yield running


def config(tmp_path: Path, site: FixtureSite, extra: str = "", *, source_id: str = "nuke") -> Path:
    """One listing source `source_id` on the site's `/nyheter.html`, without article pages, plus `extra`."""
    tmp_path.mkdir(exist_ok=True)
    body = f'id = "{source_id}"\nurl = "{site.base_url}/nyheter.html"\narticles = false\n{extra}'
    return feed_config(tmp_path, body)


@pytest.mark.parametrize(
    "href",
    [
        "/modules.php?name=News&amp;file=article&amp;sid={n}",
        "/modules.php?name=News&amp;file=article&amp;s%69d={n}",  # the name percent-encoded
        "/modules.php?name=News&amp;file=article&amp;%73id={n}",
    ],
    ids=["sid", "s%69d", "%73id"],
)
def test_sid_links_are_named_as_a_collision_and_key_params_sid_parts_them(tmp_path, site, href):
    site.pages["/nyheter.html"] = nuke_page(href)

    collided = run_cli(config(tmp_path, site))

    # Was: every link keyed ".../modules.php?name=News&file=article", the six items one or none, in silence.
    warnings = [
        line for line in collided.stderr.splitlines() if " WARNING " in line and "share the key" in line
    ]
    assert len(warnings) == 1, collided.stderr
    first, second = (f"{site.base_url}{href.format(n=n)}".replace("&amp;", "&") for n in (1, 2))
    assert f"nuke: links {first} and {second} (and 4 more) share the key" in warnings[0]
    assert "set key_params" in warnings[0]

    parted = run_cli(config(tmp_path / "parted", site, 'key_params = ["sid"]\n'))

    assert parted.returncode == 0, parted.stderr
    assert not errors(parted.stderr) and "share the key" not in parted.stderr
    assert sorted(e.title for e in parsed(tmp_path / "parted", "all.atom").entries) == sorted(TITLES)
    keys = {row[0] for row in stored(tmp_path / "parted", "SELECT key FROM items")}
    name = href.split("&amp;")[-1].partition("=")[0]
    assert keys == {f"{site.base_url}/modules.php?{name}={n}" for n in range(1, 7)}
