"""The fixture site itself: the other tests trust it to behave like goteborg.se's WebSphere Portal."""

from __future__ import annotations

import gzip
import html
import re
from urllib.parse import urljoin

import httpx
import pytest

from tests.fixture_site import UUID_RE, FixtureSite, load_seed, new_item, portlet_state, state_page

HREF = re.compile(r'href="([^"]+)"')


@pytest.fixture
def site():
    with FixtureSite() as running:
        yield running


@pytest.fixture
def client():
    with httpx.Client(timeout=5) as http:
        yield http


def item_links(page: str) -> list[str]:
    return [html.unescape(h) for h in HREF.findall(page) if re.search(UUID_RE, h)]


def next_link(page: str) -> str | None:
    match = re.search(r'<a href="([^"]+)"[^>]*>Nästa</a>', page)
    return html.unescape(match[1]) if match else None


def crawl(client: httpx.Client, url: str) -> list[str]:
    """Every listing page, by following "Nästa" only, as a scraper must."""
    pages = []
    next_url: str | None = url
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200
        pages.append(response.text)
        next_url = next_link(response.text) and urljoin(str(response.url), next_link(response.text))
        assert len(pages) <= 10
    return pages


def uuids(pages: list[str]) -> list[str]:
    return [re.findall(UUID_RE, link)[0] for page in pages for link in item_links(page)]


def test_seed_is_the_listing_with_nasty_bodies():
    seed = load_seed()
    assert seed[0].title == "Så ska storstäderna bli mer jämlika" and seed[0].date == "2 maj 2019"
    assert len({s.uuid for s in seed}) == len(seed) == 26
    assert all(re.fullmatch(UUID_RE, s.uuid) for s in seed)
    bodies = "".join(s.body_html for s in seed)
    nasties = ("<script>", "onclick=", 'href="javascript:', "<iframe", "style=", "data-src=", ".pdf?MOD=")
    for nasty in nasties:
        assert nasty in bodies


@pytest.mark.parametrize("variant", ["ul", "div", "time"])
def test_every_item_is_reached_through_next_links_in_order(site, client, variant):
    site.variant = variant
    pages = crawl(client, site.listing_url)
    assert len(pages) == 3
    assert [len(item_links(p)) for p in pages] == [9, 9, 8]
    assert uuids(pages) == [s.uuid for s in load_seed()]
    assert next_link(pages[-1]) is None


def test_variants_differ_as_documented(site, client):
    ul = client.get(site.listing_url).text
    assert "<base href=" in ul and '<li class="c-list__item c-teaser">' in ul and 'rel="next"' in ul
    assert "Publicerad 2 maj 2019" in ul and "${loading}" in ul and "c-rss-link" in ul
    site.variant = "div"
    div = client.get(site.listing_url).text
    assert "<base" not in div and "<li" not in div and "rel=" not in div and "c-pagination" not in div
    assert "Publicerad&nbsp;30&nbsp;april 2019" in div
    links = item_links(div)
    assert any("#Z7_" in link for link in links) and any(link.startswith(site.base_url) for link in links)
    assert any("!ut/p/z1/" in link for link in links)
    site.variant = "time"
    time = client.get(site.listing_url).text
    label = '<span class="c-teaser__label">Publicerad</span> <time datetime="2019-05-02">2 maj 2019</time>'
    assert label in time and "<base" not in time
    assert "&quot;Spökhistorierna var extra poppis&quot;" in time


def test_portlet_state_is_new_on_every_render(site, client):
    first, second = client.get(site.listing_url).text, client.get(site.listing_url).text
    assert first != second
    assert set(item_links(first)).isdisjoint(item_links(second))
    assert uuids([first]) == uuids([second])
    assert state_page(portlet_state(2)) == 2 and portlet_state(2) != portlet_state(2)


def test_etag_and_last_modified_answer_304_until_the_data_changes(site, client):
    first = client.get(site.listing_url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert client.get(site.listing_url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(site.listing_url, headers={"If-Modified-Since": modified}).status_code == 304
    site.edit_item(load_seed()[3].uuid, summary="Ny sammanfattning.")
    changed = client.get(site.listing_url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert client.get(site.listing_url, headers={"If-Modified-Since": modified}).status_code == 200
    site.etag = False
    plain = client.get(site.listing_url, headers={"If-None-Match": changed.headers["etag"]})
    assert plain.status_code == 200 and "etag" not in plain.headers


def test_items_can_be_added_and_removed(site, client):
    fresh = new_item('Nytt "citat" – test', "1 januari 2030")
    site.add_item(fresh)
    site.remove_item(load_seed()[1].uuid)
    found = uuids(crawl(client, site.listing_url))
    assert found[0] == fresh.uuid and load_seed()[1].uuid not in found and len(found) == 26
    assert "Nytt &quot;citat&quot; – test" in client.get(site.listing_url).text
    with pytest.raises(KeyError):
        site.remove_item(load_seed()[1].uuid)


def test_article_pages_in_every_url_form(site, client):
    item = load_seed()[19]
    forms = [
        f"/wps/portal/enhetssida/jamlikt-goteborg/aktuelltarkiv/aktuelltsida/{item.uuid}/!ut/p/z1/{portlet_state()}"
        "/dz/d5/L2dBISEvZ0FBIS9nQSEh/",
        f"/wps/portal/enhetssida/jamlikt-goteborg/aktuelltarkiv/aktuelltsida/{item.uuid}",
        f"/wps/portal/aktuelltarkivet/aktuellt/{item.uuid}",
        f"/wps/portal?id={item.uuid}&uri=gbglnk%3Ase.goteborg.aktuelltarkiv",
    ]
    for form in forms:
        page = client.get(site.base_url + form)
        assert page.status_code == 200, form
        assert f'<h1 class="c-article__heading">{item.title}</h1>' in page.text
        assert f'<p class="c-article__ingress">{item.summary}</p>' in page.text
        assert item.body_html in page.text and f"Publicerad {item.date}" in page.text
    assert len(site.article_requests()) == len(forms) and site.listing_requests() == []
    unknown = "/wps/portal/aktuelltarkivet/aktuellt/00000000-0000-4000-8000-000000000000"
    assert client.get(site.base_url + unknown).status_code == 404
    site.article_faults[item.uuid] = 500
    assert client.get(site.base_url + forms[2]).status_code == 500


@pytest.mark.parametrize("fault", ["500", "empty", "garbage"])
def test_listing_faults(site, client, fault):
    site.fault = fault
    response = client.get(site.listing_url)
    assert response.status_code == (500 if fault == "500" else 200)
    assert item_links(response.text) == []
    if fault == "empty":
        assert '<main id="main"' in response.text and "Aktuellt" in response.text
    if fault == "garbage":
        assert "<html" not in response.text
    article = f"{site.base_url}/wps/portal/aktuelltarkivet/aktuellt/{load_seed()[0].uuid}"
    assert client.get(article).status_code == 200  # faults hit listing pages only


def test_robots_head_gzip_404_and_request_log(site, client):
    robots = client.get(site.base_url + "/robots.txt")
    assert robots.text == "User-agent: *\nDisallow: /wps/myportal/\n"
    assert client.get(site.base_url + "/wps/portal/nope").status_code == 404
    raw = client.get(site.listing_url, headers={"Accept-Encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    assert raw.headers["content-type"] == "text/html; charset=utf-8"
    with client.stream("GET", site.listing_url, headers={"Accept-Encoding": "gzip"}) as stream:
        assert gzip.decompress(b"".join(stream.iter_raw())).decode().startswith("<!DOCTYPE html>")
    identity = client.get(site.listing_url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in identity.headers
    head = client.head(site.listing_url)
    assert head.status_code == 200 and head.content == b"" and int(head.headers["content-length"]) > 0
    kinds = [r.kind for r in site.requests]
    assert kinds == ["robots", "other", "listing", "listing", "listing", "listing"]
    assert site.requests[-1].method == "HEAD" and site.requests[2].headers["accept-encoding"] == "gzip"


def test_stop_closes_the_port_and_kept_alive_connections(client):
    site = FixtureSite(load_seed()[:2]).start()
    url = site.listing_url
    assert client.get(url).status_code == 200  # leaves a pooled keep-alive connection behind
    site.stop()
    site.stop()  # idempotent
    with pytest.raises(httpx.TransportError):
        client.get(url)
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=2)
