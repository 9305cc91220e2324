"""The history pages' pure parts: stable, safe file names, and the inline diff marked for screen readers."""

from __future__ import annotations

import datetime as dt
import re

from scraper.publish.historypage import marked_diff, page_name

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


def test_a_key_two_sources_share_gets_one_page_with_a_section_each_and_unique_anchors():
    from lxml import html

    from scraper.history import EventRecord, ItemRecord, RevisionRecord, Version
    from scraper.publish.historypage import PageSite, render_history_page

    moment = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)  # 01:30 CET, the night clocks go forward

    def record(source: str) -> ItemRecord:
        first, second = (
            Version("Rubrik", "Gammal ingress", "2026-03-28"),
            Version("Rubrik", "Ny", "2026-03-28"),
        )
        return ItemRecord(
            source=source, key=UUID, entry_id=f"tag:x,2026:{source}/{UUID}", link=f"https://x.test/{UUID}/",
            published=moment, first_seen=moment, removed_at=None,
            revisions=(RevisionRecord(1, moment, moment, first), RevisionRecord(2, moment, moment, second)),
            events=(EventRecord(1, "new", moment, 1, None), EventRecord(2, "edited", moment, 2, None)),
        )  # fmt: skip

    site = PageSite("Sajten", "sv", "Europe/Stockholm", "https://feeds.test/")
    page = render_history_page(
        site, [record("lista"), record("flode")], {"lista": "Listan", "flode": "Flödet"}
    )
    doc = html.fromstring(page)
    ids = doc.xpath("//@id")
    assert len(ids) == len(set(ids)) and "lista-version-2" in ids and "flode-version-1" in ids
    assert doc.xpath("//main/h2/text()") == ["Listan", "Flödet"]
    assert doc.xpath("//main/h3/text()")[:2] == ["Händelser", "Versioner"]  # headings in order under each
    assert "29 mars 2026 kl. 01:30" in doc.text_content()  # Europe/Stockholm, CET that night


def test_a_removal_says_why_in_words():
    from lxml import html

    from scraper.history import EventRecord, ItemRecord, RevisionRecord, Version
    from scraper.publish.historypage import PageSite, render_history_page

    moment = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)
    record = ItemRecord(
        source="s", key=UUID, entry_id=f"tag:x,2026:s/{UUID}", link=f"https://x.test/{UUID}/",
        published=moment, first_seen=moment, removed_at=moment,
        revisions=(RevisionRecord(1, moment, moment, Version("Rubrik", "Ingress", "2026-06-01")),),
        events=(EventRecord(1, "new", moment, 1, None), EventRecord(2, "removed", moment, 1, "http 410")),
    )  # fmt: skip
    site = PageSite("Sajten", "sv", "Europe/Stockholm", "https://feeds.test/")
    doc = html.fromstring(render_history_page(site, [record], {"s": "Källan"}))
    timeline = [li.text_content() for li in doc.xpath("//ol[@class='timeline']/li")]
    assert timeline[1] == "1 juni 2026 kl. 12:00: Borttagen (artikelsidan svarade 410) – version 1"
    assert (
        "Borttagen från webbplatsen 1 juni 2026 kl. 12:00"
        in doc.xpath("//dl[@class='facts']")[0].text_content()
    )


def test_changes_html_keeps_a_few_words_around_each_change_and_the_history_page_all_of_them():
    before = " ".join(f"ord{n}" for n in range(200))
    after = before.replace("ord100", "ORD100")
    short = marked_diff("body_text", before, after, context=3)
    assert short == (
        '… ord97 ord98 ord99 <del><span class="sr">borttaget: </span>ord100</del> '
        '<ins><span class="sr">tillagt: </span>ORD100</ins> ord101 ord102 ord103 …'
    )
    whole = marked_diff("body_text", before, after)
    assert "ord0 ord1" in whole and "ord198 ord199" in whole and "…" not in whole
    assert marked_diff("title", "a b c", "a x c", context=3) == marked_diff("title", "a b c", "a x c")
