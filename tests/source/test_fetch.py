"""source/fetch.py: unit tests on httpx.MockTransport (fake clock and sleep), plus a real loopback server."""

from __future__ import annotations

import email.utils
import gzip
import logging
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from scraper.config import FetchConfig
from scraper.errors import FetchError, HostNotAllowed, OutOfTime, ResponseTooLarge, RobotsDisallowed
from scraper.models import NotModified, Page, Validators
from scraper.source.fetch import Fetcher

UA = "aktuellt/0.1.0 (+https://example.org/aktuellt)"
BASE = "https://goteborg.example"

Reply = httpx.Response | Callable[[httpx.Request], httpx.Response] | list[httpx.Response]


class FakeTime:
    """Injected clock and sleep: sleeping records the wait and moves the clock, instantly."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


class Site:
    """A MockTransport handler routing on path (with query); a list answers successive requests in turn."""

    def __init__(
        self, routes: dict[str, Reply], robots: str | int = 404, clock: FakeTime | None = None
    ) -> None:
        self.routes = dict(routes)
        self.robots = robots
        self.clock = clock
        self.requests: list[httpx.Request] = []
        self.starts: list[tuple[str, float]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.clock is not None:
            self.starts.append((request.url.host, self.clock.clock()))
        path = request.url.raw_path.decode()
        if path == "/robots.txt" and path not in self.routes:
            if isinstance(self.robots, int):
                return httpx.Response(self.robots)
            return httpx.Response(200, content=iter([self.robots.encode()]))  # streamed, like the wire
        reply = self.routes.get(path)
        if reply is None:
            return httpx.Response(404)
        if isinstance(reply, list):
            return reply.pop(0) if len(reply) > 1 else reply[0]
        if isinstance(reply, httpx.Response):
            return reply
        return reply(request)

    def paths(self) -> list[str]:
        return [r.url.raw_path.decode() for r in self.requests]


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


#: Fetcher's keyword arguments that are not `[fetch]` settings.
TEST_KNOBS = ("max_redirects", "max_retry_after", "backoff_base")


@pytest.fixture
def make(fake: FakeTime) -> Iterator[Callable[..., Fetcher]]:
    """Build Fetchers on a Site (delay 0 unless given) and close them all afterwards."""
    made: list[Fetcher] = []

    def factory(site: Site, **settings: object) -> Fetcher:
        options: dict[str, object] = {"delay": 0.0, **settings}
        knobs = {name: options.pop(name) for name in TEST_KNOBS if name in options}
        fetcher = Fetcher(
            FetchConfig(user_agent=UA, **options),  # type: ignore[arg-type]
            transport=httpx.MockTransport(site),
            sleep=fake.sleep,
            clock=fake.clock,
            **knobs,  # type: ignore[arg-type]
        )
        made.append(fetcher)
        return fetcher

    yield factory
    for fetcher in made:
        fetcher.close()


def html(body: str = "<p>hej</p>", status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, content=body.encode(), headers={"Content-Type": "text/html", **headers})


def get_page(fetcher: Fetcher, url: str, validators: Validators | None = None) -> Page:
    page = fetcher.get(url, validators)
    assert isinstance(page, Page)
    return page


# -- headers and conditional GET


def test_sends_user_agent_and_accepts_gzip_on_every_request(make):
    site = Site({"/": html()})
    get_page(make(site), f"{BASE}/")
    assert site.paths() == ["/robots.txt", "/"]
    for request in site.requests:
        assert request.headers["User-Agent"] == UA
        assert "gzip" in request.headers["Accept-Encoding"]
        assert "If-None-Match" not in request.headers


def test_page_carries_validators_and_final_details(make):
    body = "<p>åäö</p>"
    modified = "Mon, 02 Jun 2025 08:00:00 GMT"
    headers = {"Content-Type": "text/html", "ETag": 'W/"v1"', "Last-Modified": modified}
    site = Site({"/": httpx.Response(200, content=body.encode(), headers=headers)})
    page = get_page(make(site), f"{BASE}/")
    assert page == Page(
        url=f"{BASE}/",
        text=body,
        status=200,
        etag='W/"v1"',
        last_modified=modified,
        size=len(body.encode()),
    )


def test_conditional_get_sends_validators_and_304_is_not_modified(make):
    site = Site({"/": httpx.Response(304, headers={"ETag": '"v2"'})})
    old = Validators(etag='"v1"', last_modified="Mon, 02 Jun 2025 08:00:00 GMT")
    result = make(site).get(f"{BASE}/", old)
    assert result == NotModified(f"{BASE}/", etag='"v2"', last_modified="Mon, 02 Jun 2025 08:00:00 GMT")
    page_request = site.requests[-1]
    assert page_request.headers["If-None-Match"] == '"v1"'  # opaque, quotes kept
    assert page_request.headers["If-Modified-Since"] == "Mon, 02 Jun 2025 08:00:00 GMT"


def test_304_keeps_old_validators_when_server_sends_none(make):
    site = Site({"/": httpx.Response(304)})
    result = make(site).get(f"{BASE}/", Validators(etag='"v1"'))
    assert result == NotModified(f"{BASE}/", etag='"v1"', last_modified=None)
    assert "If-Modified-Since" not in site.requests[-1].headers


def test_304_to_unconditional_request_is_an_error(make):
    with pytest.raises(FetchError, match="not conditional"):
        make(Site({"/": httpx.Response(304)})).get(f"{BASE}/")


# -- retries


def test_retries_503_with_backoff_then_succeeds(make, fake):
    site = Site({"/": [httpx.Response(503), httpx.Response(503), html("ok")]})
    fetcher = make(site)
    assert get_page(fetcher, f"{BASE}/").text == "ok"
    assert site.paths() == ["/robots.txt", "/", "/", "/"]
    assert fetcher.requests_made == 4
    first, second = fake.sleeps
    assert 1.0 <= first <= 1.5  # backoff_base plus up to 50% jitter
    assert 2.0 <= second <= 3.0  # doubled


def test_gives_up_after_the_last_attempt(make, fake):
    site = Site({"/": httpx.Response(503)})
    with pytest.raises(FetchError) as info:
        make(site, retries=3, backoff_base=10.0, max_retry_after=25.0).get(f"{BASE}/")
    assert str(info.value) == f"GET {BASE}/ failed: HTTP 503 Service Unavailable after 4 attempts"
    assert info.value.status == 503
    assert info.value.url == f"{BASE}/"
    assert site.paths().count("/") == 4
    assert len(fake.sleeps) == 3
    assert fake.sleeps[2] == 25.0  # 40 s of backoff, capped


def test_429_retry_after_seconds_is_honoured(make, fake):
    site = Site({"/": [httpx.Response(429, headers={"Retry-After": "7"}), html()]})
    get_page(make(site), f"{BASE}/")
    assert fake.sleeps == [7.0]


def test_retry_after_is_capped(make, fake):
    site = Site({"/": [httpx.Response(503, headers={"Retry-After": "99999"}), html()]})
    get_page(make(site, max_retry_after=120.0), f"{BASE}/")
    assert fake.sleeps == [120.0]


def test_retry_after_http_date_is_measured_against_the_response_date(make, fake):
    headers = {"Date": "Mon, 02 Jun 2025 08:00:00 GMT", "Retry-After": "Mon, 02 Jun 2025 08:00:30 GMT"}
    site = Site({"/": [httpx.Response(429, headers=headers), html()]})
    get_page(make(site), f"{BASE}/")
    assert fake.sleeps == [30.0]


def test_retry_after_http_date_without_date_header_uses_now(make, fake):
    later = email.utils.formatdate(time.time() + 60, usegmt=True)
    site = Site({"/": [httpx.Response(503, headers={"Retry-After": later}), html()]})
    get_page(make(site), f"{BASE}/")
    assert 55 <= fake.sleeps[0] <= 61


@pytest.mark.parametrize("status", [404, 410, 403, 400, 501])
def test_client_errors_are_not_retried(make, fake, status):
    site = Site({"/": httpx.Response(status)})
    with pytest.raises(FetchError) as info:
        make(site).get(f"{BASE}/")
    assert info.value.status == status
    assert f"failed: HTTP {status}" in str(info.value)
    assert site.paths().count("/") == 1
    assert fake.sleeps == []


def test_connect_error_is_retried_then_raised_with_its_cause(make, fake):
    def refuse(request: httpx.Request) -> httpx.Response:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except ConnectionRefusedError as exc:
            raise httpx.ConnectError("[Errno 111] Connection refused") from exc

    site = Site({"/": refuse})
    fetcher = make(site, retries=2)
    with pytest.raises(FetchError) as info:
        fetcher.get(f"{BASE}/", check_robots=False)
    error = info.value
    assert error.message == (
        f"GET {BASE}/ failed: could not reach host goteborg.example (connection refused) after 3 attempts"
    )
    assert str(error).endswith("ConnectError: [Errno 111] Connection refused")
    assert isinstance(error.__cause__, httpx.ConnectError)
    assert error.status is None
    assert fetcher.requests_made == 3
    assert len(fake.sleeps) == 2


def test_dns_failure_says_the_name_did_not_resolve(make):
    def unknown(request: httpx.Request) -> httpx.Response:
        try:
            raise socket.gaierror(-2, "Name or service not known")
        except socket.gaierror as exc:
            raise httpx.ConnectError("[Errno -2] Name or service not known") from exc

    with pytest.raises(FetchError) as info:
        make(Site({"/": unknown}), retries=0).get(f"{BASE}/", check_robots=False)
    assert "host goteborg.example (its name did not resolve) after 1 attempt:" in str(info.value)


def test_timeout_is_retried(make):
    calls = []

    def slow_once(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ReadTimeout("timed out", request=request)
        return html("late")

    assert get_page(make(Site({"/": slow_once})), f"{BASE}/").text == "late"
    assert len(calls) == 2


class CutShort(httpx.SyncByteStream):
    """A body that breaks off mid-way, as when the server closes before Content-Length was reached."""

    def __iter__(self) -> Iterator[bytes]:
        yield b"<html><p>half"
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")


def test_truncated_body_is_retried(make):
    site = Site({"/": [httpx.Response(200, stream=CutShort()), html("whole")]})
    assert get_page(make(site), f"{BASE}/").text == "whole"


def test_truncated_body_fails_after_retries(make):
    site = Site({"/": lambda request: httpx.Response(200, stream=CutShort())})
    with pytest.raises(FetchError, match="connection broke off.*after 2 attempts") as info:
        make(site, retries=1).get(f"{BASE}/")
    assert isinstance(info.value.__cause__, httpx.RemoteProtocolError)


def test_corrupt_gzip_is_an_error_without_retry(make):
    broken = httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=iter([b"not gzip at all"]))
    site = Site({"/": broken})
    with pytest.raises(FetchError, match="compressed body could not be decoded") as info:
        make(site).get(f"{BASE}/")
    assert isinstance(info.value.__cause__, zlib.error)  # inflated by the fetcher itself, in bounded steps
    assert site.paths().count("/") == 1


def test_non_http_url_is_refused(make):
    with pytest.raises(FetchError, match="not an http"):
        make(Site({})).get("ftp://goteborg.example/file")


# -- size cap


class CountingBody:
    """An endless body that counts how many chunks the client pulled."""

    def __init__(self, chunk: bytes = b"x" * 100) -> None:
        self.chunk = chunk
        self.consumed = 0

    def __iter__(self) -> Iterator[bytes]:
        while True:
            self.consumed += 1
            yield self.chunk


def test_content_length_over_the_limit_is_rejected_before_reading(make):
    body = CountingBody()
    response = httpx.Response(200, headers={"Content-Length": "5000"}, content=body)
    with pytest.raises(ResponseTooLarge, match="5000 bytes \\(Content-Length\\), the limit is 1000") as info:
        make(Site({"/": response}), max_bytes=1000).get(f"{BASE}/")
    assert body.consumed == 0
    assert info.value.url == f"{BASE}/"


def test_streamed_body_stops_reading_past_the_limit(make):
    body = CountingBody()
    site = Site({"/": httpx.Response(200, content=body)})  # no Content-Length: chunked
    fetcher = make(site, max_bytes=1000)
    with pytest.raises(ResponseTooLarge, match="passed the limit of 1000 bytes"):
        fetcher.get(f"{BASE}/")
    assert body.consumed == 11  # 1100 bytes > 1000: stopped at once
    assert site.paths().count("/") == 1  # not retried


def test_body_exactly_at_the_limit_is_fine(make):
    page = get_page(make(Site({"/": html("x" * 1000)}), max_bytes=1000), f"{BASE}/")
    assert page.size == 1000


# -- charset


def body_reply(data: bytes, content_type: str = "text/html") -> httpx.Response:
    return httpx.Response(200, content=data, headers={"Content-Type": content_type})


@pytest.mark.parametrize(
    ("data", "content_type", "expected"),
    [
        ("Göteborg".encode("iso-8859-1"), "text/html; charset=ISO-8859-1", "Göteborg"),
        ("Göteborg – stad".encode("cp1252"), "text/html; charset=iso-8859-1", "Göteborg – stad"),  # WHATWG
        ("Göteborg".encode(), 'text/html; charset="utf-8"', "Göteborg"),
        (b'<meta charset="windows-1252">G\xf6teborg', "text/html", '<meta charset="windows-1252">Göteborg'),
        (
            b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">\xe5',
            "text/html",
            '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">å',
        ),
        ("<p>Göteborg</p>".encode(), "text/html", "<p>Göteborg</p>"),  # default UTF-8
        ("<p>Göteborg</p>".encode(), "application/octet-stream", "<p>Göteborg</p>"),
        (b"\xef\xbb\xbf<p>\xc3\xa5</p>", "text/html; charset=iso-8859-1", "<p>å</p>"),  # BOM wins
    ],
)
def test_charset_is_taken_from_header_then_meta_then_utf8(make, data, content_type, expected):
    page = get_page(make(Site({"/": body_reply(data, content_type)})), f"{BASE}/")
    assert page.text == expected


def test_header_charset_wins_over_meta(make):
    data = '<meta charset="iso-8859-1"><p>Göteborg'.encode()
    page = get_page(make(Site({"/": body_reply(data, "text/html; charset=utf-8")})), f"{BASE}/")
    assert page.text.endswith("Göteborg")


def test_latin1_served_as_utf8_falls_back_to_cp1252_with_a_warning(make, caplog):
    data = "<p>Göteborgs Stad – Aktuellt</p>".encode("cp1252")
    with caplog.at_level(logging.WARNING, logger="scraper.source"):
        page = get_page(make(Site({"/": body_reply(data, "text/html; charset=utf-8")})), f"{BASE}/")
    assert page.text == "<p>Göteborgs Stad – Aktuellt</p>"
    assert f"{BASE}/" in caplog.text
    assert "windows-1252" in caplog.text


def test_mostly_utf8_with_a_stray_byte_stays_utf8(make, caplog):
    data = "<p>Göteborg, Hisingen, Älvsborg, Örgryte</p>".encode() + b"\xff"
    with caplog.at_level(logging.WARNING, logger="scraper.source"):
        page = get_page(make(Site({"/": body_reply(data)})), f"{BASE}/")
    assert page.text == "<p>Göteborg, Hisingen, Älvsborg, Örgryte</p>\ufffd"
    assert "1 invalid bytes" in caplog.text


NONSENSE = "text/html; charset=x-nonsense"


def test_unknown_charset_falls_back_with_a_warning(make, caplog):
    with caplog.at_level(logging.WARNING, logger="scraper.source"):
        ok = get_page(make(Site({"/": body_reply("å".encode(), NONSENSE)})), f"{BASE}/")
        latin = get_page(make(Site({"/": body_reply(b"\xe5", NONSENSE)})), f"{BASE}/")
    assert (ok.text, latin.text) == ("å", "å")
    assert "unknown charset 'x-nonsense'" in caplog.text


def test_binary_garbage_still_decodes(make):
    data = bytes(range(256)) * 4
    page = get_page(make(Site({"/": body_reply(data, "image/png")})), f"{BASE}/")
    assert len(page.text) == len(data)


# -- redirects


def redirect(location: str, status: int = 301) -> httpx.Response:
    return httpx.Response(status, headers={"Location": location})


def test_redirect_is_followed_and_every_hop_counted(make):
    site = Site({"/old": redirect("/mid", 302), "/mid": redirect(f"{BASE}/new", 308), "/new": html("moved")})
    fetcher = make(site)
    page = get_page(fetcher, f"{BASE}/old")
    assert (page.url, page.text) == (f"{BASE}/new", "moved")
    assert site.paths() == ["/robots.txt", "/old", "/mid", "/new"]
    assert fetcher.requests_made == 4


def test_conditional_headers_survive_a_same_host_redirect(make):
    site = Site({"/old": redirect("/new"), "/new": httpx.Response(304)})
    result = make(site).get(f"{BASE}/old", Validators(etag='"v1"'))
    assert result == NotModified(f"{BASE}/new", etag='"v1"')
    assert site.requests[-1].headers["If-None-Match"] == '"v1"'


def test_redirect_to_another_host_is_refused(make):
    site = Site({"/": redirect("https://elsewhere.example/phish")})
    with pytest.raises(FetchError, match="redirect to another host https://elsewhere.example/phish") as info:
        make(site).get(f"{BASE}/")
    assert info.value.status == 301
    assert "elsewhere.example" not in {r.url.host for r in site.requests}


def test_redirect_to_an_allowed_host_is_followed(make):
    site = Site({"/": redirect("https://www.goteborg.example/x"), "/x": html()})
    fetcher = make(site)
    with fetcher.confined(["goteborg.example", "WWW.goteborg.example"]):  # as a source's allowed_hosts does
        assert get_page(fetcher, f"{BASE}/").url == "https://www.goteborg.example/x"
    hosts_asked_for_robots = [r.url.host for r in site.requests if r.url.path == "/robots.txt"]
    assert hosts_asked_for_robots == ["goteborg.example", "www.goteborg.example"]


def test_redirect_loop_is_an_error(make):
    site = Site({"/a": redirect("/b"), "/b": redirect(f"{BASE}/a")})
    with pytest.raises(FetchError, match="redirect loop .*/a -> .*/b -> .*/a"):
        make(site).get(f"{BASE}/a")
    assert site.paths().count("/a") == 1


def test_too_many_redirects(make):
    site = Site({f"/{i}": redirect(f"/{i + 1}") for i in range(10)})
    fetcher = make(site, max_redirects=2)
    with pytest.raises(FetchError, match="more than 2 redirects"):
        fetcher.get(f"{BASE}/0")
    assert site.paths() == ["/robots.txt", "/0", "/1", "/2"]


def test_redirect_without_location_is_an_error(make):
    with pytest.raises(FetchError, match="without Location"):
        make(Site({"/": httpx.Response(302)})).get(f"{BASE}/")


# -- robots.txt


ROBOTS = """\
User-agent: *
Disallow: /

User-agent: aktuellt
Disallow: /wps/private
Allow: /
"""


def test_robots_disallow_raises_and_is_fetched_once(make):
    site = Site({"/wps/portal": html(), "/wps/private/x": html()}, robots=ROBOTS)
    fetcher = make(site)
    get_page(fetcher, f"{BASE}/wps/portal")
    with pytest.raises(RobotsDisallowed) as info:
        fetcher.get(f"{BASE}/wps/private/x")
    assert str(info.value) == (
        f"robots.txt at {BASE}/robots.txt disallows {BASE}/wps/private/x for user agent 'aktuellt'"
    )
    assert site.paths() == ["/robots.txt", "/wps/portal"]


def test_robots_group_for_other_agents_does_not_apply(make):
    site = Site({"/": html()}, robots="User-agent: otherbot\nDisallow: /\n")
    get_page(make(site), f"{BASE}/")


def test_robots_wildcard_group_applies_to_us(make):
    site = Site({"/": html()}, robots="User-agent: *\nDisallow: /\n")
    with pytest.raises(RobotsDisallowed):
        make(site).get(f"{BASE}/")


def test_robots_404_allows_everything(make):
    site = Site({"/": html()}, robots=404)
    get_page(make(site), f"{BASE}/")


def test_robots_500_disallows_everything_for_this_fetcher(make):
    site = Site({"/": html(), "/other": html()}, robots=500)
    fetcher = make(site, retries=1)
    with pytest.raises(RobotsDisallowed, match=f"robots.txt at {BASE}/robots.txt is unavailable") as info:
        fetcher.get(f"{BASE}/")
    assert "HTTP 500" in str(info.value)
    with pytest.raises(RobotsDisallowed):
        fetcher.get(f"{BASE}/other")
    assert site.paths() == ["/robots.txt", "/robots.txt"]  # one retry, then cached


def test_unreachable_host_is_a_plain_fetch_error_not_a_robots_verdict(make):
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused")

    site = Site({"/": html(), "/robots.txt": refuse})
    fetcher = make(site, retries=0)
    with pytest.raises(FetchError) as info:
        fetcher.get(f"{BASE}/")
    assert not isinstance(info.value, RobotsDisallowed)
    assert "could not reach host goteborg.example" in str(info.value)
    assert "\n" not in str(info.value)
    with pytest.raises(FetchError):
        fetcher.get(f"{BASE}/")
    assert site.paths() == ["/robots.txt", "/robots.txt"]  # not cached: asked again


def test_robots_check_can_be_skipped(make):
    site = Site({"/": html()}, robots="User-agent: *\nDisallow: /\n")
    make(site).get(f"{BASE}/", check_robots=False)
    assert site.paths() == ["/"]


def test_robots_crawl_delay_slows_us_down(make, fake):
    site = Site({"/a": html(), "/b": html()}, robots="User-agent: aktuellt\nCrawl-delay: 5\n", clock=fake)
    fetcher = make(site, delay=1.0)
    get_page(fetcher, f"{BASE}/a")
    get_page(fetcher, f"{BASE}/b")
    starts = [t for _, t in site.starts]
    assert [b - a for a, b in zip(starts, starts[1:], strict=False)] == [5.0, 5.0]  # after robots.txt too


# -- politeness and counters


def test_delay_between_request_starts_to_one_host(make, fake):
    site = Site({"/a": html(), "/b": html(), "/c": html()}, clock=fake)
    other = "https://other.example"
    fetcher = make(site, delay=2.0)
    for path in ("/a", "/b"):
        get_page(fetcher, f"{BASE}{path}")
    get_page(fetcher, f"{other}/c")
    assert site.starts == [
        ("goteborg.example", 1000.0),  # robots.txt
        ("goteborg.example", 1002.0),
        ("goteborg.example", 1004.0),
        ("other.example", 1004.0),  # another host does not wait
        ("other.example", 1006.0),
    ]
    assert fake.sleeps == [2.0, 2.0, 2.0]


def test_delay_holds_across_threads():
    # Real clock and sleep: with a shared fake clock, one thread's sleep would move the time another thread's
    # handler records. The spacing checked is half the delay, leaving room for scheduling noise.
    delay = 0.05
    starts: list[float] = []

    def record(request: httpx.Request) -> httpx.Response:
        starts.append(time.monotonic())
        return httpx.Response(404) if request.url.path == "/robots.txt" else html()

    site = Site({"/robots.txt": record, **{f"/{i}": record for i in range(5)}})
    settings = FetchConfig(user_agent=UA, delay=delay)
    with Fetcher(settings, transport=httpx.MockTransport(site)) as fetcher:
        threads = [threading.Thread(target=fetcher.get, args=(f"{BASE}/{i}",)) for i in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    starts.sort()
    assert len(starts) == 6  # robots.txt once, then the five pages
    assert all(b - a >= delay / 2 for a, b in zip(starts, starts[1:], strict=False))
    assert starts[-1] - starts[0] >= 5 * delay * 0.9


def test_counters(make):
    page = httpx.Response(200, content=iter([b"x" * 300]))  # streamed: preloaded bodies count 0 on the wire
    site = Site({"/": [httpx.Response(503), page], "/r": redirect("/")}, robots="User-agent: *\n")
    fetcher = make(site)
    get_page(fetcher, f"{BASE}/r")
    # robots.txt, /r -> 503 at /, retry: /r -> / 200
    assert fetcher.requests_made == 5
    assert fetcher.bytes_received == len("User-agent: *\n") + 300


def test_context_manager_closes_the_client():
    site = Site({"/": html()})
    with Fetcher(FetchConfig(user_agent=UA, delay=0), transport=httpx.MockTransport(site)) as fetcher:
        get_page(fetcher, f"{BASE}/")
    with pytest.raises(RuntimeError):
        fetcher.get(f"{BASE}/", check_robots=False)  # a closed client is a bug, not a FetchError


# -- HEAD


def test_head_gives_media_type_and_length(make):
    headers = {"Content-Type": "application/pdf; name=x.pdf", "Content-Length": "12345"}
    site = Site({"/doc.pdf": lambda r: httpx.Response(200, headers=headers)})
    assert make(site).head(f"{BASE}/doc.pdf") == ("application/pdf", 12345)
    assert site.requests[-1].method == "HEAD"
    assert site.requests[-1].headers["User-Agent"] == UA


@pytest.mark.parametrize("robots", [404, "User-agent: *\nDisallow: /doc\n"])
def test_head_is_best_effort(make, robots):
    site = Site({"/gone.pdf": httpx.Response(404), "/doc.pdf": httpx.Response(200)}, robots=robots)
    fetcher = make(site)
    assert fetcher.head(f"{BASE}/gone.pdf") == (None, None)
    assert fetcher.head(f"{BASE}/doc.pdf") == (None, None)  # no Content-Type, or disallowed
    assert fetcher.head("mailto:someone@example.org") == (None, None)


# -- a real server on 127.0.0.1


class LoopbackServer(ThreadingHTTPServer):
    stop: threading.Event
    seen: list[dict[str, str]]
    clients: list[tuple[str, int]]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    PAGE = ("<!doctype html><title>Aktuellt</title>" + "<p>Nyhet om förskola</p>" * 200).encode()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        server = self.server
        assert isinstance(server, LoopbackServer)
        server.seen.append(dict(self.headers))
        server.clients.append(self.client_address[:2])
        try:
            if self.path == "/robots.txt":
                self.reply(404, b"<h1>Not found</h1>")
            elif self.path == "/old":
                self.reply(301, b"<a href=/page>moved</a>", Location="/page")
            elif self.path == "/page":
                if self.headers.get("If-None-Match") == '"v1"':
                    self.send_response(304)
                    self.send_header("ETag", '"v1"')
                    self.end_headers()
                    return
                self.reply(200, gzip.compress(self.PAGE), ETag='"v1"', **{"Content-Encoding": "gzip"})
            elif self.path == "/stall":
                self.send_response(200)
                self.send_header("Content-Length", "100")
                self.end_headers()
                self.wfile.flush()
                server.stop.wait(5)
            elif self.path == "/dribble":
                self.send_response(200)
                self.send_header("Content-Length", "100")
                self.end_headers()
                for _ in range(100):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    if server.stop.wait(0.1):
                        break
            elif self.path == "/truncated":
                self.send_response(200)
                self.send_header("Content-Length", "1000")
                self.end_headers()
                self.wfile.write(b"<html><p>only part")
                self.close_connection = True
        except OSError:  # the client gave up on us; that is the point of some tests
            self.close_connection = True

    def reply(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    srv = LoopbackServer(("127.0.0.1", 0), Handler)
    srv.stop = threading.Event()
    srv.seen = []
    srv.clients = []
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield srv
    finally:
        srv.stop.set()
        srv.shutdown()
        srv.server_close()
        thread.join()


def origin(srv: LoopbackServer) -> str:
    host, port = srv.server_address[:2]
    return f"http://{host!s}:{port}"


def real_fetcher(**settings: object) -> Fetcher:
    options: dict[str, object] = {"delay": 0.0, "retries": 0, **settings}
    return Fetcher(FetchConfig(user_agent=UA, **options))  # type: ignore[arg-type]


def test_real_server_gzip_and_etag_round_trip(server):
    with real_fetcher() as fetcher:
        page = get_page(fetcher, f"{origin(server)}/page")
        assert page.text == Handler.PAGE.decode()
        assert page.etag == '"v1"'
        assert fetcher.bytes_received < len(Handler.PAGE) / 5  # it came compressed
        again = fetcher.get(f"{origin(server)}/page", Validators(etag=page.etag))
        assert again == NotModified(f"{origin(server)}/page", etag='"v1"')
        assert fetcher.requests_made == 3
    assert "gzip" in server.seen[1]["Accept-Encoding"]
    assert server.seen[1]["User-Agent"] == UA
    assert server.seen[2]["If-None-Match"] == '"v1"'


def test_real_server_redirect_reuses_one_connection(server):
    with real_fetcher() as fetcher:
        page = get_page(fetcher, f"{origin(server)}/old")
        assert page.url == f"{origin(server)}/page"
        assert fetcher.requests_made == 3
    assert len(server.clients) == 3
    assert len(set(server.clients)) == 1  # the small 404 and 301 bodies were drained: keep-alive held


def test_real_server_stalling_times_out_quickly(server):
    started = time.monotonic()
    with real_fetcher(timeout=0.5) as fetcher, pytest.raises(FetchError, match="timed out") as info:
        fetcher.get(f"{origin(server)}/stall", check_robots=False)
    assert time.monotonic() - started < 2.0
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)


def test_real_server_dribbling_bytes_hits_the_total_deadline(server):
    started = time.monotonic()
    with real_fetcher(timeout=0.3) as fetcher, pytest.raises(FetchError, match="body took longer than 0.9 s"):
        fetcher.get(f"{origin(server)}/dribble", check_robots=False)
    assert time.monotonic() - started < 2.0


def test_real_server_truncated_body_is_an_error(server):
    with real_fetcher() as fetcher, pytest.raises(FetchError, match="connection broke off") as info:
        fetcher.get(f"{origin(server)}/truncated", check_robots=False)
    assert info.value.status is None


def test_real_connection_refused(fake):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = FetchConfig(user_agent=UA, delay=0.0, retries=1)
    with Fetcher(settings, sleep=fake.sleep, clock=fake.clock) as fetcher, pytest.raises(FetchError) as info:
        fetcher.get(f"http://127.0.0.1:{port}/", check_robots=False)
    assert "could not reach host 127.0.0.1 (connection refused) after 2 attempts" in str(info.value)
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert len(fake.sleeps) == 1


# -- issue 11: codings decoded in bounded steps, host scopes, deadlines, validators


def streamed(body: bytes, **headers: str) -> httpx.Response:
    """A response whose body arrives as a stream, as from the wire (so the fetcher decodes it itself)."""
    return httpx.Response(200, headers={"Content-Type": "text/html", **headers}, content=iter([body]))


def test_a_gzip_bomb_stops_at_the_cap_on_decoded_bytes(make):
    bomb = gzip.compress(bytes(64 << 20), compresslevel=9)  # 64 KB on the wire
    assert len(bomb) < 1 << 20
    site = Site({"/": streamed(bomb, **{"Content-Encoding": "gzip"})})
    with pytest.raises(ResponseTooLarge, match="passed the limit of 1048576 bytes decoded"):
        make(site, max_bytes=1 << 20).get(f"{BASE}/")
    assert site.paths().count("/") == 1  # not retried: it would only say the same again


def test_stacked_codings_are_refused_without_decoding(make):
    body = gzip.compress(gzip.compress(b"<p>hej</p>"))
    site = Site({"/": streamed(body, **{"Content-Encoding": "gzip, gzip"})})
    with pytest.raises(FetchError, match="Content-Encoding 'gzip, gzip' is not accepted") as info:
        make(site).get(f"{BASE}/")
    assert info.value.status == 200


@pytest.mark.parametrize("wbits", [15, -15], ids=["zlib", "raw"])
def test_deflate_in_both_forms_servers_send_is_decoded(make, wbits):
    deflate = zlib.compressobj(6, zlib.DEFLATED, wbits)
    body = deflate.compress("<p>åäö</p>".encode()) + deflate.flush()
    site = Site(
        {"/": streamed(body, **{"Content-Encoding": "deflate", "Content-Type": "text/html; charset=utf-8"})}
    )
    assert get_page(make(site), f"{BASE}/").text == "<p>åäö</p>"


def test_only_codings_the_fetcher_decodes_are_asked_for(make):
    site = Site({"/": html()})
    get_page(make(site), f"{BASE}/")
    assert {r.headers["Accept-Encoding"] for r in site.requests} == {"gzip, deflate"}


def test_validators_over_1_kb_are_neither_kept_nor_sent(make):
    headers = {"ETag": '"' + "e" * 2000 + '"', "Last-Modified": "Mon, 02 Jun 2025 08:00:00 GMT"}
    site = Site({"/": httpx.Response(200, content=b"<p>hej</p>", headers=headers)})
    fetcher = make(site)
    page = get_page(fetcher, f"{BASE}/")
    assert page.etag is None and page.last_modified == "Mon, 02 Jun 2025 08:00:00 GMT"
    get_page(fetcher, f"{BASE}/", Validators(etag='"' + "e" * 2000 + '"'))
    assert "If-None-Match" not in site.requests[-1].headers


def test_a_4xx_to_a_conditional_request_is_asked_again_without_validators(make):
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(431) if "If-None-Match" in request.headers else html("fresh", ETag='"v2"')

    site = Site({"/": answer})
    page = get_page(make(site), f"{BASE}/", Validators(etag='"v1"'))
    assert (page.text, page.etag) == ("fresh", '"v2"')
    assert site.paths() == ["/robots.txt", "/", "/"]


def test_a_404_to_a_conditional_request_is_not_asked_again(make):
    site = Site({"/gone": httpx.Response(404)})
    with pytest.raises(FetchError, match="HTTP 404"):
        make(site).get(f"{BASE}/gone", Validators(etag='"v1"'))
    assert site.paths() == ["/robots.txt", "/gone"]


def test_a_scope_confines_requests_to_its_hosts_and_ports(make):
    site = Site({"/": html(), "/away": redirect("https://goteborg.example:8443/x")})
    fetcher = make(site)
    with fetcher.confined(["goteborg.example"]):
        assert fetcher.allows(f"{BASE}/a") and fetcher.allows("http://goteborg.example/a")
        assert not fetcher.allows("https://goteborg.example:8443/a")
        assert not fetcher.allows("https://www.goteborg.example/a")
        get_page(fetcher, f"{BASE}/")
        with pytest.raises(HostNotAllowed, match="redirect to another host https://goteborg.example:8443/x"):
            fetcher.get(f"{BASE}/away")
        with pytest.raises(HostNotAllowed, match="not sent: host elsewhere.example:443 is not one"):
            fetcher.get("https://elsewhere.example/")
        assert fetcher.head("https://elsewhere.example/a.jpg") == (None, None)
    with fetcher.confined(["127.0.0.1:8080"]):
        assert fetcher.allows("http://127.0.0.1:8080/") and not fetcher.allows("http://localhost:8080/")
        assert not fetcher.allows("http://127.0.0.1/")
    assert {r.url.host for r in site.requests} == {"goteborg.example"}
    assert all(r.url.port is None for r in site.requests)


def test_robots_txt_of_an_ipv6_literal_keeps_its_brackets(make):
    site = Site({"/x": html()})
    page = get_page(make(site), "http://[::1]:8080/x")
    assert page.url == "http://[::1]:8080/x"
    assert [str(r.url) for r in site.requests] == ["http://[::1]:8080/robots.txt", "http://[::1]:8080/x"]


def test_the_source_budget_stops_requests_and_retries(make, fake):
    def slow(request: httpx.Request) -> httpx.Response:
        fake.now += 6.0  # each answer takes six seconds of the budget
        return httpx.Response(503)

    site = Site({"/": slow, "/b": html()})
    fetcher = make(site, retries=3, backoff_base=1.0)
    with fetcher.confined(["goteborg.example"], budget=10.0):
        with pytest.raises(OutOfTime, match="failed \\(HTTP 503\\) and was not retried: the source's time"):
            fetcher.get(f"{BASE}/")  # 6 s, wait 1 s, 6 s: past the budget before the next wait
        with pytest.raises(OutOfTime, match="not sent"):
            fetcher.get(f"{BASE}/b")
    assert site.paths() == ["/robots.txt", "/", "/"]


class Exhausting(httpx.SyncByteStream):
    """A body whose reading exhausts memory (what a bomb does to a client that inflates it whole)."""

    def __iter__(self) -> Iterator[bytes]:
        yield b"<p>"
        raise MemoryError


def test_running_out_of_memory_is_a_fetch_error_not_a_crash(make):
    site = Site({"/": httpx.Response(200, stream=Exhausting())})
    with pytest.raises(FetchError, match="out of memory reading the response"):
        make(site).get(f"{BASE}/")
