"""A loopback stand-in for goteborg.se's "Aktuellt" archive, for tests and `make demo`.

It serves WebSphere-Portal-like markup (research notes §5, reconstructed) from a list of items that tests
mutate between requests. Like the real portal, every render puts a fresh random portlet state into every link,
and page N>1 of the listing is only reachable through such a link: a scraper that keys on URLs or builds page
URLs itself fails here. Three markup variants ("ul", "div", "time") cover the layouts the research expects.
The same items are also served as the site's own feeds (RSS 2.0, Atom, JSON Feed: `feed_url(fmt)`), which a
listing page advertises in its head when `advertise` names one of them.

    python -m tests.fixture_site serve [--port 8081] [--variant ul]
    python -m tests.fixture_site demo      # two `aktuellt run`s, an edit between, into build/demo/
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import gzip
import hashlib
import html
import json
import os
import re
import shutil
import socket
import sys
import threading
import time
import tomllib
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

DATA = Path(__file__).parent / "data"
LISTING_PATH = "/wps/portal/enhetssida/jamlikt-goteborg/aktuelltarkiv/"
ARTICLE_PATH = LISTING_PATH + "aktuelltsida/"
STATE_TAIL = "/dz/d5/L2dBISEvZ0FBIS9nQSEh/"  # the constant "navigational state" suffix WPS appends
PORTLET_ANCHOR = "Z7_42G01J41KGV2F0ALK2K1SN1M75"
UUID_RE = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
MONTHS = "januari februari mars april maj juni juli augusti september oktober november december".split()
VARIANTS = ("ul", "div", "time")
CURRENT = "c-pagination__item--current"

RAW_FAULTS = ("stall", "truncated", "cut-short", "huge", "huge-declared", "trickle")
_LISTING = re.compile(rf"{re.escape(LISTING_PATH)}(?:!ut/p/z1/([A-Za-z0-9_-]+){re.escape(STATE_TAIL)})?")
_MEDIA = re.compile(rf"/wps/wcm/connect/{UUID_RE}/[^/]+\.(jpg|png|pdf)")
MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}
_ARTICLE = re.compile(
    rf"{re.escape(ARTICLE_PATH)}({UUID_RE})(?:/.*)?"
    rf"|/wps/portal(?:/press-och-media)?/aktuelltarkivet/aktuellt/({UUID_RE})/?"
)


@dataclass
class SiteItem:
    uuid: str
    title: str
    date: str  #: as printed after "Publicerad", e.g. "2 maj 2019"
    summary: str
    body_html: str  #: trusted as-is: it may hold the nasty markup a sanitizer must remove
    updated: str = ""  #: as printed after "Senast uppdaterad" on the article page; "" shows no such line


@dataclass(frozen=True)
class Request:
    method: str
    path: str  #: path with query, as sent
    headers: dict[str, str]  #: lower-case names
    kind: str  #: "listing", "article", "feed", "media", "robots" or "other", as routed
    at: float = 0.0  #: time.monotonic() when the request arrived (before `request_delay`)


def load_seed() -> list[SiteItem]:
    """The seed listing's items, newest first (fresh objects on every call, so tests cannot leak edits)."""
    raw = json.loads((DATA / "seed.json").read_text(encoding="utf-8"))
    return [SiteItem(**entry) for entry in raw]


def new_item(title: str, date: str, summary: str = "...", body_html: str = "<p>...</p>") -> SiteItem:
    return SiteItem(str(uuid.uuid4()), title, date, summary, body_html)


def portlet_state(page: int = 1) -> str:
    """A fresh opaque state: random bytes with the page number XOR-ed into the last two (WPS-like "04_…")."""
    noise = os.urandom(34)
    mixed = (page ^ int.from_bytes(noise[:2], "big")).to_bytes(2, "big")
    return "04_" + base64.urlsafe_b64encode(noise + mixed).decode("ascii")


def state_page(state: str) -> int | None:
    try:
        raw = base64.urlsafe_b64decode(state.removeprefix("04_"))
    except ValueError:
        return None
    if len(raw) != 36:
        return None
    return int.from_bytes(raw[-2:], "big") ^ int.from_bytes(raw[:2], "big")


def _iso_date(date: str) -> str | None:
    match = re.fullmatch(r"(\d{1,2})\s+([a-zåäö]+)\s+(\d{4})", date.strip())
    if not match or match[2] not in MONTHS:
        return None
    return dt.date(int(match[3]), MONTHS.index(match[2]) + 1, int(match[1])).isoformat()


def _document(title: str, main: str, base: str | None = None, head: str = "") -> str:
    base_tag = f'\n  <base href="{base}">' if base else ""
    base_tag += f"\n  {head}" if head else ""
    return f"""<!DOCTYPE html>
<html lang="sv">
<head>
  <meta charset="utf-8">
  <title>{html.escape(title)} - Jämlikt Göteborg - Göteborgs Stad</title>{base_tag}
  <script>var wpsState = "{portlet_state()}";</script>
</head>
<body>
  <a class="c-skip-link" href="#main">Till innehåll</a>
  <header class="c-header"><a href="/wps/portal/start" class="c-logo">Göteborgs Stad</a>
    <span class="c-header__unit">Jämlik stad</span></header>
  <main id="main" class="c-main">
{main}
  </main>
  <aside class="c-complementary">
    <h2 class="u-visually-hidden">Kompletterande innehåll</h2>${{loading}}</aside>
</body>
</html>
"""


class FixtureSite:
    """The site on 127.0.0.1 in a daemon thread. Every attribute may be changed between requests."""

    def __init__(
        self,
        items: list[SiteItem] | None = None,
        *,
        variant: str = "ul",
        per_page: int = 9,
        etag: bool = True,
        robots: str = "User-agent: *\nDisallow: /wps/myportal/\n",
        host: str = "127.0.0.1",
    ) -> None:
        self.items: list[SiteItem] = list(items) if items is not None else load_seed()
        self.variant = variant
        self.per_page = per_page
        self.etag = etag
        self.robots = robots
        self.fault: str | None = None
        self.fault_times: int | None = None  # the fault answers this many listing requests, then clears
        self.retry_after = "1"  # for the 429 and 503 faults
        self.redirect_to: str | None = None  # for the redirect-away fault
        self.stall = (
            3.0  # seconds the stall and trickle faults take in all (a client's timeout must be shorter)
        )
        self.request_delay = 0.0  # seconds every answer waits (crash trials: the kill lands mid-cycle)
        self.article_faults: dict[str, int] = {}  # uuid → status; 0 hangs for `stall` seconds first
        self.host = host  # where it listens: 127.0.0.2 plays "another host"
        # A hostile answer: called with the handler before any routing; answers the request itself and
        # returns True (the request is then recorded as kind "intercepted"), or False to route as usual.
        self.intercept: Callable[[BaseHTTPRequestHandler], bool] | None = None
        # Rewrites the HTML of every listing or article page: (kind "listing" | "article", html) → html.
        self.rewrite: Callable[[str, str], str] | None = None
        self.feed_fault: str | None = None  # one of FEED_FAULTS: what every feed URL answers instead
        self.advertise: str | None = None  # "rss", "atom" or "json": the listing's <head> links that feed
        self.feed_documents: dict[str, str] = {}  # fmt → a hand-written document served instead of the items
        self.requests: list[Request] = []
        self.pages: dict[str, str] = {}  # extra HTML pages by path (other sites' markup, for probe tests)
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None
        self._version: tuple[str, dt.datetime] | None = None  # (data digest, its Last-Modified)

    # -- lifecycle ----------------------------------------------------------------------------------------

    def start(self, port: int = 0) -> FixtureSite:
        if self._server is None:
            self._server = _Server(self, port, self.host)
            self._port = self._server.server_address[1]
            self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening (idempotent). The URLs stay valid, so a test can point a client at a dead port."""
        server, thread, self._server, self._thread = self._server, self._thread, None, None
        if server is not None:
            server.shutdown()
            server.server_close()
            server.drop_connections()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FixtureSite:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("the fixture site has not been started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._port}"

    @property
    def listing_url(self) -> str:
        return self.base_url + LISTING_PATH

    def feed_url(self, fmt: str) -> str:
        """The URL of the site's own feed in `fmt`: "rss", "atom" or "json"."""
        return f"{self.base_url}{FEED_PATH}{fmt}"

    # -- mutation helpers ---------------------------------------------------------------------------------

    def add_item(self, item: SiteItem, index: int = 0) -> None:
        self.items.insert(index, item)

    def edit_item(self, uuid: str, **changes: str) -> None:
        # A new object rather than in-place mutation, so a render in flight keeps a consistent snapshot.
        index = self._index(uuid)
        self.items[index] = replace(self.items[index], **changes)

    def remove_item(self, uuid: str) -> None:
        del self.items[self._index(uuid)]

    def _index(self, uuid: str) -> int:
        for index, item in enumerate(self.items):
            if item.uuid == uuid:
                return index
        raise KeyError(uuid)

    def listing_requests(self) -> list[Request]:
        return [r for r in list(self.requests) if r.kind == "listing"]

    def article_requests(self) -> list[Request]:
        return [r for r in list(self.requests) if r.kind == "article"]

    def take_fault(self) -> str | None:
        """The fault this listing request sees; counts down `fault_times` and clears the fault at zero."""
        with self._lock:
            fault = self.fault
            if fault is not None and self.fault_times is not None:
                self.fault_times -= 1
                if self.fault_times <= 0:
                    self.fault, self.fault_times = None, None
            return fault

    def record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    # -- validators ---------------------------------------------------------------------------------------

    def validators(self, items: list[SiteItem], page: int) -> tuple[str, dt.datetime]:
        """ETag and Last-Modified from the data a page shows, never from its bytes (their state is random).

        Last-Modified moves forward by at least a second whenever the data changes, so that a client which
        only sends If-Modified-Since still sees an edit made within the same second.
        """
        blob = json.dumps([self.variant, self.per_page, [asdict(i) for i in items]], ensure_ascii=False)
        digest = hashlib.sha256(blob.encode()).hexdigest()
        with self._lock:
            if self._version is None or self._version[0] != digest:
                now = dt.datetime.now(dt.UTC).replace(microsecond=0)
                if self._version is not None:
                    now = max(now, self._version[1] + dt.timedelta(seconds=1))
                self._version = (digest, now)
            modified = self._version[1]
        return f'"{digest[:24]}-{page}"', modified

    # -- markup -------------------------------------------------------------------------------------------

    def _link(self, item: SiteItem, position: int) -> str:
        state_link = f"{ARTICLE_PATH}{item.uuid}/!ut/p/z1/{portlet_state()}{STATE_TAIL}"
        if self.variant != "div" or position % 3 == 0:
            return state_link
        if position % 3 == 1:
            return f"/wps/portal/aktuelltarkivet/aktuellt/{item.uuid}#{PORTLET_ANCHOR}"
        return f"{self.base_url}/wps/portal?id={item.uuid}&amp;uri=gbglnk%3Ase.goteborg.aktuelltarkiv"

    def _teaser(self, item: SiteItem, position: int) -> str:
        esc = html.escape
        link = f'<a class="c-teaser__link" href="{self._link(item, position)}">{esc(item.title)}</a>'
        text = f'<p class="c-teaser__text">{esc(item.summary)}</p>'
        if self.variant == "div":
            # A non-breaking space in every fourth date, as copy-pasted text from an editor often has.
            date = esc(item.date).replace(" ", "&nbsp;", 1) if position % 4 == 1 else esc(item.date)
            space = "&nbsp;" if position % 4 == 1 else " "
            return (
                f'    <div class="c-teaser">\n      <h2 class="c-teaser__title">{link}</h2>\n'
                f'      <p class="c-teaser__meta">Publicerad{space}{date}</p>\n      {text}\n    </div>'
            )
        if self.variant == "time":
            iso = _iso_date(item.date)
            attr = f' datetime="{iso}"' if iso else ""
            meta = f'<span class="c-teaser__label">Publicerad</span> <time{attr}>{esc(item.date)}</time>'
            meta = f'<p class="c-teaser__meta">{meta}</p>'
        else:
            meta = f'<p class="c-teaser__meta">Publicerad {esc(item.date)}</p>'
        return (
            f'      <li class="c-list__item c-teaser">\n        <h2 class="c-teaser__title">{link}</h2>\n'
            f"        {meta}\n        {text}\n      </li>"
        )

    def _pagination(self, page: int, pages: int) -> str:
        def href(n: int) -> str:
            return f"{LISTING_PATH}!ut/p/z1/{portlet_state(n)}{STATE_TAIL}"

        nxt = href(page + 1) if page < pages else None
        if self.variant == "div":  # no classes, no rel: only the link text says which link is "next"
            numbers = " ".join(
                str(n) if n == page else f'<a href="{href(n)}">{n}</a>' for n in range(1, pages + 1)
            )
            return f"    <div>{numbers}" + (f' <a href="{nxt}">Nästa</a>' if nxt else "") + "</div>"
        rows = [
            f'<li class="c-pagination__item {CURRENT}"><span aria-current="page">{n}</span></li>'
            if n == page
            else f'<li class="c-pagination__item"><a href="{href(n)}">{n}</a></li>'
            for n in range(1, pages + 1)
        ]
        if nxt:  # "ul" marks it with rel=next; "time" only with the class, as the C# scraper of §3 saw
            rel = ' rel="next"' if self.variant == "ul" else ""
            rows.append(f'<li class="c-pagination__next"><a href="{nxt}"{rel}>Nästa</a></li>')
        body = "\n".join(f"        {row}" for row in rows)
        return (
            '    <nav class="c-pagination" aria-label="Sidnavigering">\n'
            f'      <ul class="c-pagination__list">\n{body}\n      </ul>\n    </nav>'
        )

    def render_listing(self, items: list[SiteItem], page: int) -> str:
        pages = max(1, -(-len(items) // self.per_page))
        first = (page - 1) * self.per_page
        teasers = "\n".join(
            self._teaser(item, first + n) for n, item in enumerate(items[first : first + self.per_page])
        )
        if self.variant == "div":
            listing = f'    <div class="c-news">\n{teasers}\n    </div>'
        else:
            listing = f'    <ul class="c-list c-list--news">\n{teasers}\n    </ul>'
        rss = (
            '    <a class="c-rss-link" href="https://goteborg.se/wps/wcm/connect/Portal%20Site/Aktuellt/'
            '?cmpntname=goteborg-design%2Faktuellt%2Faktuelltarkiv-rss-lank&amp;source=library&amp;srv=cmpnt">'
            "Prenumerera via RSS</a>"
        )
        main = (
            f'    <h1 class="c-page-title">Aktuellt</h1>\n{listing}\n{self._pagination(page, pages)}\n{rss}'
        )
        base = (
            f"{self.listing_url}!ut/p/z1/{portlet_state(page)}{STATE_TAIL}" if self.variant == "ul" else None
        )
        return _document("Aktuellt", main, base, self._feed_link())

    def _feed_link(self) -> str:
        """The `<link rel="alternate">` to the feed named by `advertise`, as goteborg.se's pages carry one."""
        if not self.advertise:
            return ""
        return (
            f'<link rel="alternate" type="{FEED_TYPES[self.advertise]}" '
            f'title="{html.escape(FEED_TITLE)}" href="{FEED_PATH}{self.advertise}">'
        )

    def render_feed(self, items: list[SiteItem], fmt: str) -> str:
        """The items as the site's own feed in `fmt`; each is dated 10:00 Stockholm time on its listing
        date, written in a different (but equal) offset per format: GMT in RSS, the local offset in Atom and
        UTC "Z" in JSON Feed."""
        return {"rss": _rss, "atom": _atom, "json": _json_feed}[fmt](self, items)

    def render_empty(self) -> str:
        # What a broken portlet renders: the page frame with its heading, and no list at all.
        main = '    <h1 class="c-page-title">Aktuellt</h1>\n    <p>${loading}</p>'
        return _document("Aktuellt", main, head=self._feed_link())

    def render_article(self, item: SiteItem) -> str:
        esc = html.escape
        image = uuid.uuid5(uuid.NAMESPACE_URL, "aktuellt-fixture-image:" + item.uuid)
        updated = f"\n        <p>Senast uppdaterad {esc(item.updated)}</p>" if item.updated else ""
        main = f"""    <article class="c-article">
      <figure class="c-image">
        <img class="c-image__image" src="/wps/wcm/connect/{image}/bild.jpg?MOD=AJPERES"
             alt="{esc(item.title)}">
        <figcaption class="c-image__caption">Foto: Göteborgs Stad</figcaption>
      </figure>
      <h1 class="c-article__heading">{esc(item.title)}</h1>
      <p class="c-article__ingress">{esc(item.summary)}</p>
      <div class="c-text">
{item.body_html}
      </div>
      <footer class="c-article__meta">
        <p>Publicerad {esc(item.date)}</p>{updated}
      </footer>
    </article>"""
        return _document(item.title, main)


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a keep-alive connection left open by a client must not block shutdown

    def __init__(self, site: FixtureSite, port: int, host: str = "127.0.0.1") -> None:
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), _Handler)
        self.site = site
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer (deadline and size-cap tests do, on purpose) is no server error:
        # keep the test log free of its traceback; anything else is printed as socketserver does.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Close kept-alive connections too: a stopped site must look down even to a pooled socket."""
        with self._connections_lock:
            connections, self._connections = self._connections, set()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already gone


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real site: exercises the client's connection pool
    server_version = "IBM_HTTP_Server"
    timeout = 10  # idle keep-alive connections end, so their threads do too
    # Headers and body go out in two writes; with Nagle on, the body waits for the client's delayed ACK
    # (40 ms on Linux) on every keep-alive response, which real servers do not make their clients pay.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: tests read site.requests instead

    def _answer(self, *, head: bool) -> None:
        assert isinstance(self.server, _Server)
        site = self.server.site
        split = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        arrived = time.monotonic()
        if site.request_delay:
            time.sleep(site.request_delay)
        if site.intercept is not None and site.intercept(self):
            site.record(Request(self.command, self.path, headers, "intercepted", arrived))
            return
        fault = site.take_fault() if _LISTING.fullmatch(split.path) else None
        if fault in RAW_FAULTS:
            site.record(Request(self.command, self.path, headers, "listing", arrived))
            self._raw_fault(site, fault)
            return
        kind, status, body, extra = self._route(site, split.path, split.query, headers, fault)
        site.record(Request(self.command, self.path, headers, kind, arrived))
        self._send(status, body, extra, headers, head=head)

    def _raw_fault(self, site: FixtureSite, fault: str | None) -> None:
        """Faults below HTTP: a cut-off body, an endless one, one that trickles, or no answer at all."""
        self.close_connection = True
        page = site.render_listing(list(site.items), 1).encode()
        try:
            if fault == "stall":  # the request is read, and never answered within the client's timeout
                time.sleep(site.stall)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            if fault == "truncated":  # the connection drops halfway through the promised body
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page[: len(page) // 2])
                self.wfile.flush()
            elif fault == "cut-short":  # half the page, no Content-Length, then close: HTTP says nothing
                self.end_headers()
                self.wfile.write(page[: len(page) // 2])
                self.wfile.flush()
            elif fault in ("huge", "huge-declared"):  # an endless body: the client must stop at max_bytes
                if fault == "huge-declared":  # says so up front; "huge" gives no length, so must be counted
                    self.send_header("Content-Length", str(1 << 40))
                self.end_headers()
                chunk = b"<p>" + b"x" * 65_530 + b"</p>"
                while True:
                    self.wfile.write(chunk)
            elif fault == "trickle":  # a byte at a time: each read is quick, the whole never arrives in time
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                step = site.stall / 30
                for byte in page[:30]:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(step)
        except OSError:
            pass  # the client hung up, as it should

    def _route(
        self, site: FixtureSite, path: str, query: str, headers: dict[str, str], fault: str | None = None
    ) -> tuple[str, int, bytes, dict[str, str]]:
        html_type = {"Content-Type": "text/html; charset=utf-8"}
        if path == "/robots.txt":
            return "robots", 200, site.robots.encode(), {"Content-Type": "text/plain; charset=utf-8"}
        if path in site.pages:
            return "other", 200, site.pages[path].encode(), html_type
        if listing := _LISTING.fullmatch(path):
            return ("listing", *self._listing(site, listing[1], headers, fault))
        if feed := _FEED.fullmatch(path):
            return ("feed", *_feed_answer(site, feed[1], headers))
        if media := _MEDIA.fullmatch(path):  # images and documents: a stable body of a stable size
            body = hashlib.sha256(path.encode()).digest() * 64
            return "media", 200, body, {"Content-Type": MEDIA_TYPES[media[1]]}
        article = _ARTICLE.fullmatch(path)
        key = (article[1] or article[2]) if article else None
        if path == "/wps/portal" and re.fullmatch(UUID_RE, (ids := parse_qs(query).get("id", [""]))[0]):
            key = ids[0]
        if key is None:
            return "other", 404, _error_page(404), html_type
        if key in site.article_faults:
            code = site.article_faults[key]
            if code == 0:  # 0: the page hangs past any sane timeout, then fails
                time.sleep(site.stall)
                code = 504
            return "article", code, _error_page(code), html_type
        item = next((i for i in list(site.items) if i.uuid == key), None)
        if item is None:
            return "article", 404, _error_page(404), html_type
        page = site.render_article(item)
        if site.rewrite is not None:
            page = site.rewrite("article", page)
        return "article", 200, page.encode(), html_type

    def _listing(
        self, site: FixtureSite, state: str | None, headers: dict[str, str], fault: str | None
    ) -> tuple[int, bytes, dict[str, str]]:
        html_type = {"Content-Type": "text/html; charset=utf-8"}
        if fault == "500":
            return 500, _error_page(500), html_type
        if fault in ("429", "503"):
            return int(fault), _error_page(int(fault)), html_type | {"Retry-After": site.retry_after}
        if fault == "redirect-loop":
            return 302, b"", {"Location": LISTING_PATH}
        if fault == "redirect-away":
            return 302, b"", {"Location": site.redirect_to or "http://aktuellt.invalid/"}
        if fault == "empty":
            return 200, site.render_empty().encode(), html_type
        if fault == "garbage":  # a 200 whose body is no HTML at all (a broken cache or proxy)
            return 200, b"\x00\xff" + os.urandom(4096), html_type
        if fault == "latin1":  # Latin-1 bytes under a header that says UTF-8
            return 200, site.render_listing(list(site.items), 1).encode("latin-1", "replace"), html_type
        if fault == "nocharset":  # UTF-8 with no charset anywhere: header nor meta
            bare = site.render_listing(list(site.items), 1).replace('<meta charset="utf-8">', "")
            return 200, bare.encode(), {"Content-Type": "text/html"}
        if fault == "half-bad":  # every other item lacks its date, or its link
            broken = site.render_listing(list(site.items), 1)
            bad = [item for n, item in enumerate(site.items[: site.per_page]) if n % 2]
            for n, item in enumerate(bad):
                if n % 2:
                    broken = broken.replace(f"Publicerad {html.escape(item.date)}", "Publicerad", 1)
                else:
                    broken = re.sub(rf'href="[^"]*{item.uuid}[^"]*"', "", broken, count=1)
            return 200, broken.encode(), html_type
        if fault == "duplicates":  # the same teaser twice on one page
            return 200, site.render_listing(list(site.items[:1]) + list(site.items), 1).encode(), html_type
        items = list(site.items)
        pages = max(1, -(-len(items) // site.per_page))
        # WPS falls back to the default view on a state it cannot read; a page past the end is gone.
        page = (state_page(state) or 1) if state else 1
        if page > pages:
            return 404, _error_page(404), html_type
        text = site.render_listing(items, page)
        if site.rewrite is not None:
            text = site.rewrite("listing", text)
        if not site.etag:
            return 200, text.encode(), html_type
        etag, modified = site.validators(items, page)
        validators = {"ETag": etag, "Last-Modified": format_datetime(modified, usegmt=True)}
        if _not_modified(headers, etag, modified):
            return 304, b"", validators
        return 200, text.encode(), html_type | validators

    def _send(
        self, status: int, body: bytes, extra: dict[str, str], request: dict[str, str], *, head: bool
    ) -> None:
        self.send_response(status)
        for name, value in extra.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Vary", "Accept-Encoding")
            compressible = extra.get("Content-Type", "text/").startswith("text/")  # no one gzips a JPEG
            if body and compressible and _accepts_gzip(request.get("accept-encoding", "")):
                body = gzip.compress(body, mtime=0)
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head and status != 304:
            self.wfile.write(body)


# -- the site's own feeds -----------------------------------------------------------------------------------

FEED_PATH = "/wps/portal/rss/aktuellt."
FEED_TITLE = "RSS-flöde för aktuellt från Göteborgs Stad"
FEED_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml", "json": "application/feed+json"}
#: What `feed_fault` makes every feed URL answer: an HTML page, random bytes, XML cut off before any entry,
#: a valid feed without entries, JSON that does not parse, the feed cut off inside its second entry's summary.
FEED_FAULTS = ("html", "garbage", "truncated", "empty", "badjson", "cut")
#: Where each format's entry summary starts (RSS: the item's, not the channel's <description>).
_SUMMARY_START = {"rss": "<description>&lt;p&gt;", "atom": '<summary type="html">', "json": '"summary": "'}
_FEED = re.compile(rf"{re.escape(FEED_PATH)}(rss|atom|json)")


def _feed_instant(item: SiteItem) -> dt.datetime:
    """10:00 Stockholm time on the item's listing date, as an aware instant."""
    day = dt.date.fromisoformat(_iso_date(item.date) or "2019-01-01")
    return dt.datetime.combine(day, dt.time(10), tzinfo=ZoneInfo("Europe/Stockholm"))


def _article_url(site: FixtureSite, item: SiteItem, *, state: bool = False) -> str:
    tail = f"!ut/p/z1/{portlet_state()}{STATE_TAIL}" if state else ""
    return f"{site.base_url}{ARTICLE_PATH}{item.uuid}/{tail}"


def _rss(site: FixtureSite, items: list[SiteItem]) -> str:
    esc = html.escape
    rows = []
    for item in items:
        when = format_datetime(_feed_instant(item).astimezone(dt.UTC), usegmt=True)
        # Links with a fresh portlet state on every render, as the portal writes them.
        rows.append(
            f"    <item>\n      <title>{esc(item.title)}</title>\n"
            f"      <link>{esc(_article_url(site, item, state=True))}</link>\n"
            f'      <guid isPermaLink="false">{item.uuid}</guid>\n'
            f"      <pubDate>{when}</pubDate>\n"
            f"      <description>{esc('<p>' + esc(item.summary) + '</p>')}</description>\n    </item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0">\n  <channel>\n'
        f"    <title>{esc(FEED_TITLE)}</title>\n    <link>{site.listing_url}</link>\n"
        "    <description>Aktuellt</description>\n" + "\n".join(rows) + "\n  </channel>\n</rss>\n"
    )


def _atom(site: FixtureSite, items: list[SiteItem]) -> str:
    esc = html.escape
    rows = []
    for item in items:
        when = _feed_instant(item).isoformat()
        rows.append(
            f"  <entry>\n    <id>urn:uuid:{item.uuid}</id>\n    <title>{esc(item.title)}</title>\n"
            f'    <link rel="alternate" href="{esc(_article_url(site, item))}"/>\n'
            f"    <published>{when}</published>\n    <updated>{when}</updated>\n"
            f'    <summary type="html">{esc("<p>" + esc(item.summary) + "</p>")}</summary>\n  </entry>'
        )
    newest = max((_feed_instant(i) for i in items), default=dt.datetime(2019, 1, 1, tzinfo=dt.UTC))
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
        f"  <id>{site.base_url}{FEED_PATH}atom</id>\n  <title>{esc(FEED_TITLE)}</title>\n"
        f"  <updated>{newest.isoformat()}</updated>\n" + "\n".join(rows) + "\n</feed>\n"
    )


def _json_feed(site: FixtureSite, items: list[SiteItem]) -> str:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": FEED_TITLE,
        "home_page_url": site.listing_url,
        "items": [
            {
                "id": item.uuid,
                "url": _article_url(site, item),
                "title": item.title,
                "summary": item.summary,
                "date_published": _feed_instant(item).astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
            }
            for item in items
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=1)


def _feed_answer(site: FixtureSite, fmt: str, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
    content_type = {"Content-Type": f"{FEED_TYPES[fmt]}; charset=utf-8"}
    fault = site.feed_fault
    if fault == "html":
        return 200, site.render_listing(list(site.items), 1).encode(), {"Content-Type": "text/html"}
    if fault == "garbage":
        return 200, b"\x00\xff" + os.urandom(4096), content_type
    if fault == "truncated":  # cut off in the document's head, before the first entry
        whole = site.render_feed(list(site.items), fmt)
        first = {"rss": "<item>", "atom": "<entry>", "json": '"items"'}[fmt]
        return 200, whole[: whole.index(first) - 30].encode(), content_type
    if fault == "empty":
        return 200, site.render_feed([], fmt).encode(), content_type
    if fault == "badjson":
        return 200, site.render_feed(list(site.items), fmt)[:-40].encode(), content_type
    if fault == "cut":  # a few characters into the second entry's summary, as a crashed generator ends it
        whole, start = site.render_feed(list(site.items), fmt), _SUMMARY_START[fmt]
        second = whole.index(start, whole.index(start) + 1) + len(start)
        return 200, whole[: second + 12].encode(), content_type
    if fmt in site.feed_documents:
        return 200, site.feed_documents[fmt].encode(), content_type
    items = list(site.items)
    etag, modified = site.validators(items, 1)
    validators = {"ETag": etag[:-1] + f'-{fmt}"', "Last-Modified": format_datetime(modified, usegmt=True)}
    if _not_modified(headers, validators["ETag"], modified):
        return 304, b"", validators
    return 200, site.render_feed(items, fmt).encode(), content_type | validators


def _not_modified(headers: dict[str, str], etag: str, modified: dt.datetime) -> bool:
    # RFC 9110 §13.2.2: If-None-Match (weak comparison) wins; If-Modified-Since only counts without it.
    if "if-none-match" in headers:
        tags = [t.strip().removeprefix("W/") for t in headers["if-none-match"].split(",")]
        return "*" in tags or etag in tags
    if since := headers.get("if-modified-since"):
        try:
            return modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def _accepts_gzip(accept_encoding: str) -> bool:
    for part in accept_encoding.lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _error_page(code: int) -> bytes:
    return _document("Fel", f"    <h1>Error {code}</h1>\n    <p>Sidan kunde inte visas.</p>").encode()


# -- command line -------------------------------------------------------------------------------------------

REPO = Path(__file__).resolve().parent.parent
DEMO_DIR = REPO / "build" / "demo"


def _demo_config(listing_url: str) -> str:
    return f"""# Written by `python -m tests.fixture_site demo`: the fixture site stands in for goteborg.se.
[site]
title = "Jämlikt Göteborg – Aktuellt (demo)"
base_url = "http://127.0.0.1:8080/"
output_dir = "feeds"
database = "aktuellt.db"
language = "sv"
max_items = 50

[fetch]
user_agent = "aktuellt-demo/{{version}} (+{{base_url}})"
timeout = 5
retries = 1
concurrency = 4
delay = 0
max_bytes = 10_000_000

[[sources]]
id = "jamlikt-goteborg"
title = "Jämlikt Göteborg – Aktuellt"
url = "{listing_url}"
timezone = "Europe/Stockholm"
max_pages = 10
articles = true

{repo_topics()}"""


def repo_topics() -> str:
    """The `[[topics]]` of the repository's config.toml, so the demo shows the topics users get."""
    raw = tomllib.loads((REPO / "config.toml").read_text(encoding="utf-8"))
    blocks = []
    for topic in raw.get("topics", []):
        # JSON strings and arrays of strings are valid TOML (basic strings, same escapes).
        lines = [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in topic.items()]
        blocks.append("[[topics]]\n" + "\n".join(lines) + "\n")
    return "\n".join(blocks)


def _demo() -> int:
    shutil.rmtree(DEMO_DIR, ignore_errors=True)  # a fresh store each time: the demo shows a first run
    DEMO_DIR.mkdir(parents=True)
    config = DEMO_DIR / "config.toml"
    with FixtureSite() as site:
        config.write_text(_demo_config(site.listing_url), encoding="utf-8")
        print(f"fixture site: {site.listing_url}\nconfig:       {config}", flush=True)
        code = _demo_run(config)
        print(f"requests served: {len(site.requests)}")
        if code == 0:
            # A second cycle after the site edits one item: the history pages and changes.html show it.
            carpet = site.items[1]
            site.edit_item(
                carpet.uuid,
                title=carpet.title.replace("i Göteborg", "på Gustaf Adolfs torg"),
                summary=carpet.summary.replace("Kungstorget", "Gustaf Adolfs torg"),
            )
            print(f"the site edited {carpet.title!r}; running again", flush=True)
            code = _demo_run(config)
    feeds = DEMO_DIR / "feeds"
    files = sorted(p for p in feeds.rglob("*") if p.is_file()) if feeds.is_dir() else []
    print(f"feeds in {feeds}:" if files else f"no feeds were written to {feeds}")
    for path in files:
        print(f"  {path.relative_to(feeds)!s:<36} {path.stat().st_size:>8} bytes")
    print(f"aktuellt run exited with {code}")
    return code


def _demo_run(config: Path) -> int:
    """`aktuellt run` in this process; its exit code."""
    from scraper.cli import main as cli_main  # late: the demo is the only part that needs the scraper

    try:
        cli_main(["--config", str(config), "run"])
        return 0
    except SystemExit as exit_:  # click and the CLI end with sys.exit(code)
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)


def _serve(port: int, variant: str) -> int:
    with FixtureSite(variant=variant).start(port) as site:
        print(f"serving {len(site.items)} items at {site.listing_url} (Ctrl-C stops)", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fixture_site", description="The loopback goteborg.se fixture site"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the seed items until Ctrl-C")
    serve.add_argument("--port", type=int, default=8081)
    serve.add_argument("--variant", choices=VARIANTS, default="ul")
    commands.add_parser("demo", help="run `aktuellt run` once against the site, into build/demo/")
    args = parser.parse_args(argv)
    return _demo() if args.command == "demo" else _serve(args.port, args.variant)


if __name__ == "__main__":
    sys.exit(main())
