"""The history pages' pure parts: stable, safe file names, and the inline diff marked for screen readers."""

from __future__ import annotations

import re

from scraper.publish.historyhtml import marked_diff, page_name

UUID = "023262af-bd0a-5d3f-9511-10c9a280360f"


def test_a_uuid_key_is_its_own_page_name_and_any_other_key_is_a_safe_stable_slug_and_hash():
    assert page_name(UUID) == f"{UUID}.html"
    url = "https://www.uppsala.se/nyheter/2026/Ung-Aura--ett-sommarhäng/?id=7&x=<script>"
    name = page_name(url)
    assert name == page_name(url)  # stable: the key alone decides
    assert re.fullmatch(r"[0-9a-z-]+--[0-9a-f]{16}\.html", name) and name.startswith("ung-aura-ett-sommarh")
    # never a path, a dot file, an upper-case twin or a clash with a UUID-like key
    for key in ("../../etc/passwd", ".hidden", UUID.upper(), "a--b", "", "/", "x" * 65, "nyhet"):
        made = page_name(key)
        assert "/" not in made and not made.startswith(".") and re.fullmatch(r"[0-9a-z-]+\.html", made)
    assert page_name(UUID.upper()) != page_name(UUID)
    assert page_name("a--b") != "a--b.html" and page_name("nyhet") == "nyhet.html"


def test_the_inline_diff_marks_deleted_and_inserted_words_for_eyes_and_screen_readers():
    out = marked_diff("title", "Flygande matta landar i Göteborg", "Flygande matta landar på <b>torget</b>")
    assert out == (
        'Flygande matta landar <del><span class="sr">borttaget: </span>i Göteborg</del> '
        '<ins><span class="sr">tillagt: </span>på &lt;b&gt;torget&lt;/b&gt;</ins>'
    )
    assert marked_diff("summary", "ett tre", "ett två tre") == (
        'ett <ins><span class="sr">tillagt: </span>två</ins> tre'
    )
    assert marked_diff("site_date", "2019-03-12", "2019-03-13") == (
        '<del><span class="sr">borttaget: </span>12</del> '
        '<ins><span class="sr">tillagt: </span>13</ins> mars 2019'
    )
