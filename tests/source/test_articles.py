"""Article pages: reading them (article.parse_article) and deciding what a fetch means (articles.decide)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import lxml.html

from scraper.config import FetchConfig
from scraper.markup import content_attachments, html_text
from scraper.models import ArticleJob, ArticleState, Attachment, Page, SiteDate
from scraper.source.article import parse_article
from scraper.source.articles import (
    MAX_ATTEMPTS,
    RECHECKS,
    Outcome,
    decide,
    fetch_articles,
    next_check,
    read_article,
    retry_delay,
)
from tests.fixture_site import FixtureSite, load_seed

PAGE = "https://goteborg.se/wps/portal/enhetssida/jamlikt-goteborg/aktuelltarkiv/aktuelltsida/u/"
TZ = ZoneInfo("Europe/Stockholm")
NOW = dt.datetime(2026, 11, 29, 8, 0, tzinfo=dt.UTC)

FULL = """<!DOCTYPE html><html><head><title>t</title></head><body><main id="main">
<article class="c-article">
  <figure class="c-image"><img class="c-image__image lazyload" src="data:image/gif;base64,R0l"
      data-src="/wps/wcm/connect/3e9f4b5d-6c70-4b82-9dce-3f4a5b6c7d8e/matta.jpg?MOD=AJPERES"
      alt="Barn på mattan">
    <figcaption class="c-image__caption">Foto: Lo Birgersson</figcaption></figure>
  <h1 class="c-article__heading">Flygande matta landar i Göteborg</h1>
  <p class="c-article__ingress">Nu landar strax en flygande matta på Kungstorget.</p>
  <div class="c-text">
    <p>Brödtext <a
      href="/wps/wcm/connect/4fa05c6e-7d81-4c93-aedf-4a5b6c7d8e9f/program.pdf?MOD=AJPERES">Ladda ner
    programmet</a></p>
    <h2>Kontakt</h2><p>Förnamn Efternamn<br><a href="mailto:jamlikt@goteborg.se">jamlikt@goteborg.se</a></p>
  </div>
  <ul class="c-tags"><li><a href="/t/1">Barn</a></li><li><a href="/t/2">Kultur</a></li></ul>
  <footer class="c-article__meta"><p>Publicerad 30 april 2019</p><p>Senast uppdaterad 2 maj 2019</p></footer>
</article></main></body></html>"""


def test_parse_article_reads_every_part():
    article = parse_article(FULL, PAGE)
    assert article.heading == "Flygande matta landar i Göteborg"
    assert article.ingress == "Nu landar strax en flygande matta på Kungstorget."
    assert "Brödtext" in article.body_html and "Kontakt" in article.body_html
    assert article.image is not None
    assert article.image.url == (
        "https://goteborg.se/wps/wcm/connect/3e9f4b5d-6c70-4b82-9dce-3f4a5b6c7d8e/matta.jpg?MOD=AJPERES"
    )
    assert (article.image.alt, article.image.caption) == ("Barn på mattan", "Foto: Lo Birgersson")
    assert article.updated == SiteDate(dt.date(2019, 5, 2))
    assert article.tags == ("Barn", "Kultur")
    assert [(a.url, a.title) for a in article.attachments] == [
        (
            "https://goteborg.se/wps/wcm/connect/4fa05c6e-7d81-4c93-aedf-4a5b6c7d8e9f/program.pdf?MOD=AJPERES",
            "Ladda ner programmet",
        )
    ]


def test_parse_article_without_classes_finds_the_parts_by_structure():
    page = """<html><body><header><img src="/logo.png" alt="logo"></header><main>
      <h1>Rubrik</h1><figure><img src="bild.jpg" alt="Bild"><figcaption>Foto: X</figcaption></figure>
      <div class="nav"><p>kort</p></div>
      <div><p>Första stycket med en hel del text.</p><p>Andra stycket, också långt nog.</p></div>
    </main></body></html>"""
    article = parse_article(page, PAGE)
    assert article.heading == "Rubrik"
    assert "Första stycket" in article.body_html and "kort" not in article.body_html
    wrapped = parse_article(
        '<main><div><h1>Rubrik</h1><p class="ingress">Ingressen.</p><p>Brödtexten här.</p></div></main>', PAGE
    )
    assert (wrapped.heading, wrapped.ingress) == ("Rubrik", "Ingressen.")
    assert wrapped.body_html == "<p>Brödtexten här.</p>"  # heading and ingress are not repeated in the body
    assert article.image is not None and article.image.url == PAGE + "bild.jpg"
    assert article.updated is None and article.tags == () and article.attachments == ()


def test_an_image_whose_scheme_is_upper_case_is_kept():
    """Schemes are case-insensitive (RFC 3986 3.1) and feed readers load "HTTP://" images: it was refused."""
    image = '<figure><img src="HTTP://bilder.example/a.jpg" alt="A"></figure>'
    page = f'<main>{image}<h1>Rubrik</h1><div class="c-text"><p>Första stycket.</p></div></main>'
    article = parse_article(page, PAGE)
    assert article.image is not None and article.image.url == "HTTP://bilder.example/a.jpg"
    assert parse_article(page.replace("HTTP:", "FTP:"), PAGE).image is None


def test_an_image_with_a_blank_src_is_skipped_for_the_next_one():
    """A whitespace-only src is no image: it made the article page's own URL the lead image, then HEADed."""
    images = '<figure><img src=" " alt="Tom"></figure><figure><img src="/bild.jpg" alt="B"></figure>'
    page = f'<main>{images}<h1>Rubrik</h1><div class="c-text"><p>Första stycket.</p></div></main>'
    image = parse_article(page, PAGE).image
    assert image is not None and image.url.endswith("/bild.jpg") and image.alt == "B"


def test_parse_article_of_garbage_is_empty_not_an_error():
    assert parse_article("\x00\xff garbage", PAGE).heading == ""
    assert read_article("<html><body><p></p></body></html>", PAGE, TZ, NOW) is None


def test_html_text_is_one_line_per_block():
    assert html_text("<p>Ett  <b>två</b></p><ul><li>tre</li><li>fyra</li></ul>") == "Ett två\ntre\nfyra"


def test_read_article_composes_safe_content_with_image_ingress_and_attachments():
    content = read_article(FULL.replace("Ladda ner", "<script>x()</script>Ladda ner"), PAGE, TZ, NOW)
    assert content is not None
    root = lxml.html.fragment_fromstring(content.content_html, create_parent="div")
    assert not root.xpath("//script")
    assert content.image is not None
    assert root.xpath("//figure/img/@src") == [content.image.url]
    assert root.xpath("//figcaption/text()") == ["Foto: Lo Birgersson"]
    assert root.xpath("//p/strong/text()") == ["Nu landar strax en flygande matta på Kungstorget."]
    # The PDF is linked in the body already, so no separate "Dokument" list repeats it.
    assert "Dokument" not in content.content_html
    assert content.site_updated == dt.datetime(2019, 5, 2, 10, 30, tzinfo=dt.UTC)  # the nominal 10:30 UTC


INGRESS = "Nu landar strax en flygande matta på Kungstorget."


def text_reader_lines(fragment: str) -> list[str]:
    """An article as a text-mode reader (newsboat) shows it: a line per paragraph, heading, list item and
    <br>, an image as "[image N]", and every other element (figure, figcaption, strong) inline."""
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for number, img in enumerate(root.iter("img"), 1):
        img.tail = f"[image {number}]" + (img.tail or "")
    for element in root.iter("p", "br", "h1", "h2", "h3", "li", "div", "ul"):
        element.tail = "\n" + (element.tail or "")
        if element.tag != "br":
            element.text = "\n" + (element.text or "")
    return [" ".join(line.split()) for line in root.text_content().split("\n") if line.strip()]


def test_the_ingress_is_said_once_when_the_body_repeats_it():
    # The real page's markup (research notes, goteborg-markup.md §5b): ingress and body apart; the lead
    # stays bold. Pages whose body opens with the ingress again (the seed's articles do) show it once.
    apart = read_article(FULL, PAGE, TZ, NOW)
    assert apart is not None and apart.content_html.count(INGRESS) == 1
    assert "<strong>" + INGRESS in apart.content_html
    repeated = FULL.replace('<div class="c-text">', f'<div class="c-text"><p>{INGRESS}</p>')
    twice = read_article(repeated, PAGE, TZ, NOW)
    assert twice is not None and twice.content_html.count(INGRESS) == 1
    assert sum(INGRESS in line for line in text_reader_lines(twice.content_html)) == 1
    assert twice.content_hash != apart.content_hash  # the body did change: it is still compared on its words


def test_the_photo_caption_is_a_line_of_its_own_in_a_text_reader():
    content = read_article(FULL, PAGE, TZ, NOW)
    assert content is not None
    lines = text_reader_lines(content.content_html)
    assert "Foto: Lo Birgersson" in lines, lines  # was "[image 1]Foto: Lo Birgersson"
    assert not any("]Foto:" in line for line in lines)


def test_attachments_outside_the_body_are_listed():
    page = FULL.replace(
        '<ul class="c-tags">', '<p><a href="/bilaga/rapport.pdf">Rapporten</a></p><ul class="c-tags">'
    )
    content = read_article(page, PAGE, TZ, NOW)
    assert content is not None
    root = lxml.html.fragment_fromstring(content.content_html, create_parent="div")
    assert root.xpath("//h2[text()='Dokument']/following-sibling::ul//a/@href") == [
        "https://goteborg.se/bilaga/rapport.pdf"
    ]


def test_fixture_article_pages_parse():
    site = FixtureSite(load_seed())
    for item in site.items:
        article = parse_article(site.render_article(item), PAGE)
        assert article.heading == item.title
        assert article.image is not None and article.image.caption == "Foto: Göteborgs Stad"


# -- decisions


def job(reason: str, state: ArticleState | None = None, published: dt.datetime = NOW) -> ArticleJob:
    return ArticleJob("u", PAGE, published, reason, state)


def page(body: str = "<p>Brödtext.</p>", meta: str = "") -> Outcome:
    html = f'<main><h1>R</h1><div class="c-text">{body}</div>{meta}</main>'
    return Outcome(content=read_article(html, PAGE, TZ, NOW))


def test_first_body_of_a_new_item_is_not_an_edit():
    write = decide(job("new"), page(), NOW)
    assert write.status == "ok" and write.content is not None
    assert write.updated_to is None


def test_first_body_after_failures_is_not_an_edit_either():
    write = decide(job("retry", ArticleState("pending", attempts=2)), page(), NOW)
    assert write.status == "ok" and write.attempts == 0 and write.updated_to is None


def test_changed_words_are_an_edit_and_markup_noise_is_not():
    first = decide(job("new"), page("<p>Brödtext.</p>"), NOW)
    assert first.content is not None
    state = ArticleState("ok", content_hash=first.content.content_hash)
    later = NOW + dt.timedelta(hours=2)
    noise = decide(job("recheck", state), page("<p>\n  <span>Brödtext.</span>  </p>"), later)
    assert noise.updated_to is None
    edit = decide(job("recheck", state), page("<p>Brödtext, rättad.</p>"), later)
    assert edit.updated_to == later


def test_failures_are_pending_with_backoff_and_404_is_gone():
    failed = decide(job("new"), Outcome(error="HTTP 500", status=500), NOW)
    assert (failed.status, failed.attempts, failed.next_attempt) == ("pending", 1, NOW)
    again = decide(job("retry", ArticleState("pending", attempts=1)), Outcome(error="x", status=503), NOW)
    assert again.next_attempt == NOW + dt.timedelta(minutes=15)
    gone = decide(job("new"), Outcome(error="HTTP 404", status=404), NOW)
    assert (gone.status, gone.next_attempt, gone.http_status) == ("gone", None, 404)
    not_modified = decide(
        job("recheck", ArticleState("ok", content_hash="1:x")), Outcome(not_modified=True), NOW
    )
    assert (not_modified.status, not_modified.content, not_modified.checks) == ("ok", None, 1)
    last = decide(job("retry", ArticleState("pending", attempts=MAX_ATTEMPTS - 1)), Outcome(error="x"), NOW)
    assert (last.status, last.next_attempt) == ("failed", None)


def test_retry_delay_grows_and_is_capped():
    delays = [retry_delay(n) for n in range(1, 12)]
    assert delays[0] == dt.timedelta(0)
    assert delays == sorted(delays)
    assert delays[-1] == dt.timedelta(days=1)


def test_rechecks_only_for_young_items():
    assert next_check(0, NOW - dt.timedelta(days=1), NOW) == NOW + RECHECKS[0]
    assert next_check(0, NOW - dt.timedelta(days=400), NOW) is None
    assert next_check(len(RECHECKS), NOW, NOW) is None


def test_senast_uppdaterad_moves_updated_forward_but_never_into_the_future():
    published = dt.datetime(2019, 4, 29, 22, 0, tzinfo=dt.UTC)
    meta = "<footer><p>Senast uppdaterad 2 maj 2019</p></footer>"
    write = decide(job("new", published=published), page(meta=meta), NOW)
    assert write.updated_to == dt.datetime(2019, 5, 2, 10, 30, tzinfo=dt.UTC)  # the nominal 10:30 UTC
    future = "<footer><p>Senast uppdaterad 2 maj 2027</p></footer>"
    assert decide(job("new", published=published), page(meta=future), NOW).updated_to == NOW
    # Outside 1990 … a year ahead it is no date at all (year 1 overflowed the conversion): ignored.
    for absurd in ("2 maj 2031", "1 januari 0001", "31 december 9999"):
        meta = f"<footer><p>Senast uppdaterad {absurd}</p></footer>"
        assert decide(job("new", published=published), page(meta=meta), NOW).updated_to is None
    old = "<footer><p>Senast uppdaterad 2 april 2019</p></footer>"
    assert decide(job("new", published=published), page(meta=old), NOW).updated_to is None


def test_embedded_frames_become_links():
    body = '<p>Film:</p><iframe src="https://www.youtube.com/embed/abc123" title="Agenda 2030"></iframe>'
    body += '<iframe src="/karta?x=1&amp;y=2"></iframe><iframe src="javascript:alert(1)"></iframe>'
    article = parse_article(f'<main><h1>R</h1><div class="c-text">{body}</div></main>', PAGE)
    root = lxml.html.fragment_fromstring(article.body_html, create_parent="div")
    assert not root.xpath("//iframe")
    assert [(a.get("href"), a.text) for a in root.xpath("//a")] == [
        ("https://www.youtube.com/watch?v=abc123", "Agenda 2030"),
        ("https://goteborg.se/karta?x=1&y=2", "Inbäddat innehåll från goteborg.se"),
    ]


class SlowFetcher:
    """Counts how many requests are in flight per host; each takes a little while."""

    settings = FetchConfig(user_agent="t", concurrency=2)

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active: dict[str, int] = {}
        self.peak: dict[str, int] = {}

    def get(self, url, validators=None):
        host = urlsplit(url).hostname or ""
        with self.lock:
            self.active[host] = self.active.get(host, 0) + 1
            self.peak[host] = max(self.peak.get(host, 0), self.active[host])
        time.sleep(0.03)
        with self.lock:
            self.active[host] -= 1
        return Page(url=url, text=f'<main><h1>R</h1><div class="c-text"><p>{url}</p></div></main>')

    def head(self, url):
        return None, None


def test_fetching_is_parallel_but_bounded_per_host():
    jobs = [
        ArticleJob(f"k{n}", f"https://{host}/a/{n}", NOW, "new")
        for host in ("a.test", "b.test")
        for n in range(8)
    ]
    fetcher = SlowFetcher()

    writes = fetch_articles(jobs, fetcher, tz=TZ, now=NOW)  # type: ignore[arg-type]

    assert fetcher.peak == {"a.test": 2, "b.test": 2}
    assert [w.key for w in writes] == [j.key for j in jobs]  # results in the order of the jobs
    assert all(w.status == "ok" and w.content is not None for w in writes)


def test_the_same_senast_uppdaterad_read_twice_on_its_day_is_the_same_instant():
    # Re-checks read an article 1 h and 6 h after the first read: "Senast uppdaterad <today>" must give the
    # same instant each time (else every re-check is an edit of `article_updated` and moves `updated`).
    html = (
        '<main><h1>R</h1><div class="c-text"><p>Text.</p></div>'
        "<p>Senast uppdaterad 29 november 2026</p></main>"
    )
    morning = read_article(html, PAGE, TZ, dt.datetime(2026, 11, 29, 7, 0, tzinfo=dt.UTC))
    afternoon = read_article(html, PAGE, TZ, dt.datetime(2026, 11, 29, 13, 0, tzinfo=dt.UTC))
    assert morning is not None and afternoon is not None
    assert morning.site_updated == afternoon.site_updated == dt.datetime(2026, 11, 29, 10, 30, tzinfo=dt.UTC)


def test_only_an_edit_is_marked_as_one():
    state = ArticleState(status="ok", content_hash="before", checks=1)
    edit = decide(job("recheck", state), page("<p>Nya ord.</p>"), NOW)
    assert edit.edited and edit.updated_to == NOW
    dated = decide(job("new"), page(meta="<footer><p>Senast uppdaterad 2 maj 2027</p></footer>"), NOW)
    assert not dated.edited


def test_a_document_link_written_http_in_capitals_is_an_attachment():
    # Schemes are case-insensitive; the feeds' HTML may carry a link as the site wrote it.
    assert content_attachments('<a href="HTTP://x.se/a.pdf">Beslut</a>') == (
        Attachment("HTTP://x.se/a.pdf", "Beslut"),
    )
