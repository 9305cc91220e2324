"""End to end: keys that change on every render are refused, and new items beyond
`max_new_items_per_cycle` wait for later cycles without any loss (issue 17, item 4). The real CLI in this
process, a real SQLite file, and the fixture site on 127.0.0.1."""

from __future__ import annotations

import re
from pathlib import Path

from scraper.intake import UNSTABLE_KEYS
from tests.fixture_site import FixtureSite, load_seed
from tests.source.test_feed_sources_end_to_end import errors, feed_config, listing_source, parsed, stored
from tests.test_end_to_end import run_cli, snapshot

SEED = load_seed()
ARTICLE_HREF = re.compile(r'href="[^"]*/aktuelltsida/([0-9a-f-]{36})/[^"]*"')


def cache_busted(site: FixtureSite) -> dict[str, int]:
    """Make every listing link `…/visa?art=<uuid>&v=<render>`: no UUID the key rule knows, and a
    cache-buster that is not in `key_params`. The test sets the render number in the returned dict."""
    render = {"v": 1}

    def rewrite(kind: str, page: str) -> str:
        if kind != "listing":
            return page
        return ARTICLE_HREF.sub(lambda m: f'href="/nyheter/visa?art={m[1]}&amp;v={render["v"]}"', page)

    site.rewrite = rewrite
    site.etag = False  # the validators follow the data, not the links: every render must be read
    return render


def config(tmp_path: Path, site: FixtureSite, extra: str = "") -> Path:
    return feed_config(tmp_path, listing_source(site.listing_url) + extra)


def test_every_key_changing_is_a_failed_read_and_key_params_cures_it(tmp_path, site):
    render = cache_busted(site)
    first = run_cli(config(tmp_path, site))
    assert first.returncode == 0, first.stderr
    assert stored(tmp_path, "SELECT count(*) FROM items") == [(len(SEED),)]
    before = snapshot(tmp_path)

    render["v"] = 2
    churned = run_cli(config(tmp_path, site))

    # Was: "ok, 26 new", and the 26 of the first read counted missing, then removed: a flood every cycle.
    assert churned.returncode == 1, churned.stderr
    assert "Traceback" not in churned.stderr
    (line,) = errors(churned.stderr)
    assert "lista: " in line and UNSTABLE_KEYS in line, line
    assert snapshot(tmp_path) == before

    # The remedy the message names: the parameter that names the article. The keys move once (the rule
    # changed: taken, not refused), then stay put whatever the cache-buster says.
    render["v"] = 3
    cured = config(tmp_path, site, 'key_params = ["art"]\n')
    assert run_cli(cured).returncode == 0
    render["v"] = 4
    again = run_cli(cured)
    assert again.returncode == 0, again.stderr
    assert "lista: ok, 0 new, 0 changed" in again.stderr, again.stderr
    keys = {row[0] for row in stored(tmp_path, "SELECT key FROM items WHERE removed_at IS NULL")}
    assert {f"{site.base_url}/nyheter/visa?art={item.uuid}" for item in SEED} <= keys


def test_a_first_read_and_a_few_new_items_are_never_refused(tmp_path, site):
    render = cache_busted(site)
    site.items = site.items[:4]  # below the smallest read that can say "every key changed"
    assert run_cli(config(tmp_path, site)).returncode == 0
    render["v"] = 2
    assert run_cli(config(tmp_path, site)).returncode == 0


def test_new_items_beyond_max_new_items_per_cycle_come_in_later_cycles_and_none_is_removed(tmp_path, site):
    capped = config(tmp_path, site, "max_new_items_per_cycle = 10\n")
    counts, logs = [], []
    for _ in range(4):
        result = run_cli(capped)
        assert result.returncode == 0, result.stderr
        counts.append(stored(tmp_path, "SELECT count(*) FROM items")[0][0])
        logs.append(result.stderr)
    # The listing's first (newest) ten, then the next ten, then the rest: paging goes on past the known
    # page 1 and no validators are sent while some are held back (the listing itself never changed).
    assert counts == [10, 20, len(SEED), len(SEED)]
    assert "lista: 26 new items; storing the first 10 now, the rest in later cycles" in logs[0]
    assert "lista: 16 new items; storing the first 10 now" in logs[1]
    assert "lista: ok, 10 new, 0 changed, 0 unchanged, 16 held back for later cycles" in logs[0]
    stored_titles = [row[0] for row in stored(tmp_path, "SELECT title FROM items ORDER BY rowid")]
    assert stored_titles == [item.title for item in SEED]
    # Held back is not missing: nothing was counted missing, removed or published as removed.
    assert stored(
        tmp_path, "SELECT count(*) FROM items WHERE missing_count > 0 OR removed_at IS NOT NULL"
    ) == [(0,)]
    assert stored(tmp_path, "SELECT count(*) FROM events WHERE kind != 'new'") == [(0,)]
    assert [e.title for e in parsed(tmp_path, "all.atom").entries] == [item.title for item in SEED]
    # The backlog done, the next cycle asks conditionally again and stops at the known page 1.
    last = site.listing_requests()[-1]
    assert "if-none-match" in last.headers or "if-modified-since" in last.headers
