"""What many test files share: the fixture site with the seeded listing, and the end-to-end config written
against it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixture_site import FixtureSite, load_seed

TITLE = "Jämlikt Göteborg – Aktuellt"


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with FixtureSite(load_seed()) as running:
        yield running


def write_config(
    tmp_path: Path,
    site: FixtureSite,
    topics: str = "",
    *,
    title: str | None = TITLE,
    sections: str = "",
    articles: bool = True,
    **fetch: object,
) -> Path:
    """`tmp_path/config.toml`: one source reading the fixture site's listing, feeds in `feeds/`, the store in
    `aktuellt.db`, no delay nor retries (`fetch` overrides [fetch] keys). `sections` go before the
    [[sources]] table and `topics` after it, so that with no topics a test may append keys of the source.
    `title=None` leaves the titles out: the source then takes its page's."""
    settings = {"timeout": 5, "retries": 0, "delay": 0, **fetch}
    fetch_lines = "\n".join(f"{k} = {v!r}" for k, v in settings.items())
    site_title = f'title = "{title}"\n' if title else ""
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[site]
{site_title}base_url = "http://feeds.example.test/"
output_dir = "feeds"
database = "aktuellt.db"

[fetch]
{fetch_lines}
{sections}
[[sources]]
id = "jamlikt-goteborg"
{site_title}url = "{site.listing_url}"
{"" if articles else "articles = false"}
{topics}""",
        encoding="utf-8",
    )
    return path
