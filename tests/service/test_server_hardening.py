"""The feed server facing hostile clients (issue 11): idle connections beyond the fd limit, sniffing, CSP,
If-Modified-Since in the future, Content-Length with Transfer-Encoding. Each test runs a real server on
127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import hashlib
import logging
import logging.handlers
import re
import resource
import socket
import subprocess
import time
from collections.abc import Iterator
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
from lxml import html

from scraper.logs import RepeatFilter
from scraper.publish.pagestyle import HISTORY_STYLE, content_security_policy
from scraper.service import server as server_module
from scraper.service.files import GZIP_MIN, build_app
from scraper.service.metrics import Metrics
from scraper.service.server import FeedServer, _Limits, connection_limit
from tests.fixture_site import REPO, FixtureSite, load_seed
from tests.service.test_service import Service, raw_get, serve_argv, wait_for, write_config
from tests.test_site_end_to_end import chromium, console_messages

#: The child's fd limit, and more idle connections than it allows.
CHILD_NOFILE = 512
IDLE_CONNECTIONS = 600


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with FixtureSite(load_seed()) as running:
        yield running


def _limit_fds() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (CHILD_NOFILE, CHILD_NOFILE))


def test_idle_connections_beyond_the_fd_limit_leave_requests_and_cycles_working(tmp_path, site):
    config = write_config(tmp_path, site, every="1s", articles=False)
    log_path: Path = tmp_path / "serve.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            serve_argv(config, header_timeout=3),
            stdout=subprocess.DEVNULL,
            stderr=log_file,
            preexec_fn=_limit_fds,
        )
    idle: list[socket.socket] = []

    def log() -> str:
        return log_path.read_text(encoding="utf-8", errors="replace")

    try:
        url = wait_for("the server to listen", lambda: _address(log(), process), timeout=15)
        wait_for("the first cycle", lambda: "cycle ok" in log(), timeout=10)
        host, port = url.removeprefix("http://").split(":")
        for _ in range(IDLE_CONNECTIONS):  # connect and never send a byte
            idle.append(socket.create_connection((host, int(port)), timeout=5))
        saturated = time.monotonic()
        cycles_before = log().count("cycle ok")

        # Real requests are answered, or refused at once with 503; never left hanging.
        answers = []
        for path in ("/all.rss", "/healthz", "/all.atom"):
            started = time.monotonic()
            try:
                answer = httpx.get(url + path, timeout=3)
            except httpx.TransportError as error:
                raise AssertionError(f"{path} not answered while saturated: {error!r}") from None
            assert time.monotonic() - started < 3
            assert answer.headers["x-content-type-options"] == "nosniff"
            answers.append(answer.status_code)
        assert set(answers) <= {200, 503}, answers

        # Connections that never send a request are closed after the header timeout.
        def closed(sock: socket.socket) -> bool:
            sock.settimeout(0.01)
            try:
                return sock.recv(1) == b""
            except TimeoutError:
                return False
            except OSError:
                return True

        # (The first ones: the kernel lets later ones in over many seconds, as its SYN-ACKs are retried.)
        wait_for("idle connections to be closed", lambda: all(closed(sock) for sock in idle[:50]), timeout=10)
        # As they go, requests are served again, and cycles ran throughout (lock file, database).
        served = lambda: httpx.get(url + "/all.rss", timeout=3).status_code == 200  # noqa: E731
        wait_for("requests to be served again", served, timeout=5)
        for _ in range(300):  # uvicorn logs a warning for each malformed request: they are rate-limited
            with socket.create_connection((host, int(port)), timeout=5) as bad:
                bad.sendall(b"NOT HTTP\r\n\r\n")
                bad.recv(1000)
        wait_for("a cycle while saturated", lambda: log().count("cycle ok") > cycles_before, timeout=5)
        assert time.monotonic() - saturated < 15
        text = log()
        assert "Too many open files" not in text
        assert "cannot create lock file" not in text
        assert text.count("connection limit reached") == 1, "the limit is announced, once per burst"
        assert 1 <= text.count("Invalid HTTP request") <= 6
        assert len(text.encode()) < 20_000, f"log grew to {len(text)} characters"
    finally:
        for sock in idle:
            sock.close()
        process.kill()
        process.wait()


def _address(log: str, process: subprocess.Popen[bytes]) -> str | None:
    if process.poll() is not None:
        raise AssertionError("serve exited early:\n" + log)
    match = re.search(r"on (http://127\.0\.0\.1:\d+)/", log)
    return match[1] if match else None


@pytest.fixture
def serving(tmp_path, site) -> Iterator[Service]:
    """`aktuellt serve` after its first cycle published everything."""
    service = Service(write_config(tmp_path, site, every="1h", articles=False))
    try:
        wait_for("the first cycle", lambda: service.get("/index.html").status_code == 200, timeout=15)
        yield service
    finally:
        service.close()


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_every_response_says_nosniff_and_index_html_has_a_strict_csp(serving):
    url = serving.url
    answers: dict[str, httpx.Response] = {
        path: serving.get(path)
        for path in (
            "/all.rss", "/all.atom", "/all.json", "/feeds.opml", "/feed.xsl", "/index.html", "/",
            "/healthz", "/metrics", "/missing.rss", "/sub/", "/.hidden.rss",
        )
    }  # fmt: skip
    answers["POST"] = httpx.post(url + "/all.rss", timeout=5)
    answers["HEAD"] = httpx.head(url + "/all.rss", timeout=5)
    answers["304"] = serving.get("/all.rss", **{"If-None-Match": answers["/all.rss"].headers["etag"]})
    answers["304 html"] = serving.get("/", **{"If-None-Match": answers["/"].headers["etag"]})
    statuses = {name: answer.status_code for name, answer in answers.items()}
    assert statuses["304"] == statuses["304 html"] == 304 and statuses["/missing.rss"] == 404
    assert statuses["POST"] == 405 and statuses["/healthz"] == 200
    for name, answer in answers.items():
        assert answer.headers.get("x-content-type-options") == "nosniff", name

    page = answers["/index.html"]
    policy = page.headers["content-security-policy"]
    assert answers["/"].headers["content-security-policy"] == policy
    assert answers["304 html"].headers["content-security-policy"] == policy
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'none'"
    # Exactly the page's own inline script and style, by the hash of what was served.
    document = html.fromstring(page.content)
    (script,) = document.xpath("//script/text()")
    (style,) = document.xpath("//style/text()")
    assert directives["script-src"] == _hash(script)
    # index.html's style, and the one the history pages add (changes.html and history/*.html, no script)
    assert directives["style-src"] == f"{_hash(style)} {_hash(HISTORY_STYLE)}"
    assert directives["base-uri"] == directives["form-action"] == directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


def test_index_html_under_its_csp_runs_in_chromium_without_a_violation(serving, tmp_path):
    # The feeds' own pages (feedpage.py) share index.html's style and script, so the one policy allows them.
    for page in ("/index.html", "/all.html", "/changes-feed.html"):
        result = chromium(tmp_path, serving.url + page, "--dump-dom")
        assert result.returncode == 0, result.stderr[-2000:]
        assert console_messages(result.stderr) == [], page
        dom = html.fromstring(result.stdout)
        fields = dom.xpath("//input[@class='url']")
        buttons = dom.xpath("//input[@class='url']/following-sibling::button")
        assert fields and len(buttons) == len(fields), page

    # Control: another inline script in a served page is refused, and the console check sees it.
    feeds = tmp_path / "feeds"
    (feeds / "other.html").write_text(
        '<!DOCTYPE html><html lang="sv"><title>x</title><script>document.title = "ran";</script></html>',
        encoding="utf-8",
    )
    refused = chromium(tmp_path, serving.url + "/other.html", "--dump-dom")
    assert any("Content Security Policy" in line for line in console_messages(refused.stderr))
    assert "<title>x</title>" in refused.stdout


def test_changes_html_under_the_csp_applies_both_its_stylesheets_without_a_violation(serving, tmp_path):
    """changes.html (like the history pages) carries index.html's stylesheet and the history one: both are
    allowed by hash, so Chromium refuses neither (a refused inline style is a console message)."""
    answer = serving.get("/changes.html")
    assert answer.status_code == 200
    assert answer.headers["content-security-policy"] == content_security_policy()
    assert html.fromstring(answer.content).xpath("//style/text()")[1] == HISTORY_STYLE
    result = chromium(tmp_path, serving.url + "/changes.html", "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    assert console_messages(result.stderr) == []
    # Control: a third inline style in a served page is refused, and the console check sees it.
    (tmp_path / "feeds" / "styled.html").write_text(
        '<!DOCTYPE html><html lang="sv"><title>x</title><style>body { color: red; }</style></html>',
        encoding="utf-8",
    )
    refused = chromium(tmp_path, serving.url + "/styled.html", "--dump-dom")
    assert any("Content Security Policy" in line for line in console_messages(refused.stderr))


def test_if_modified_since_in_the_future_is_ignored(serving):
    first = serving.get("/all.rss")
    modified = first.headers["last-modified"]
    assert serving.get("/all.rss", **{"If-Modified-Since": modified}).status_code == 304  # the control
    tomorrow = format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(days=1), usegmt=True)
    for since in (tomorrow, "Fri, 31 Dec 9999 23:59:59 GMT", "not a date"):
        again = serving.get("/all.rss", **{"If-Modified-Since": since})
        assert again.status_code == 200, since
        assert again.content == first.content


def test_deploy_nginx_sends_the_same_headers():
    snippet = (REPO / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    feeds = snippet[snippet.index("location /feeds/ {") : snippet.index("location = /healthz")]
    html_location = re.search(r"location ~ \^/feeds/\(\.\+\\\.html\)\$ \{(.*?)\n    \}", feeds, re.S)
    assert html_location, "a location for .html files"
    policy = re.search(r'add_header Content-Security-Policy "([^"]+)" always;', html_location[1])
    assert policy and policy[1] == content_security_policy(), "the copy in nginx.conf is current"
    # add_header in a nested location replaces the outer ones: both places must say nosniff.
    outer = feeds.replace(html_location[0], "")
    for block in (outer, html_location[1]):
        assert 'add_header X-Content-Type-Options "nosniff" always;' in block
        assert "add_header Cache-Control" in block
    assert "if_modified_since exact;" in feeds  # "before" answers 304 to a date in the future


def test_deploy_systemd_raises_the_descriptor_limit_of_serve():
    unit = (REPO / "deploy" / "aktuellt.service").read_text(encoding="utf-8")
    assert " serve" in unit
    (value,) = re.findall(r"^LimitNOFILE=(\d+)$", unit, re.M)
    assert connection_limit(int(value)) >= 4096
    # The limit always leaves room for a cycle (database, lock file, fetches) and for refused connections.
    for soft in (512, 1024, int(value), 65536):
        assert soft - connection_limit(soft) >= 256, soft


def test_library_floods_are_rate_limited_but_the_projects_own_lines_are_not():
    def records(name: str) -> list[logging.LogRecord]:
        return [
            logging.makeLogRecord({"name": name, "levelno": logging.WARNING, "msg": "same %s", "args": (n,)})
            for n in range(200)
        ]

    repeat = RepeatFilter()
    assert sum(map(repeat.filter, records("uvicorn.error"))) == RepeatFilter.BURST
    assert sum(map(repeat.filter, records("scraper.cycle"))) == 200  # each names an item: all kept


def test_failed_accepts_are_rate_limited_like_every_library_flood(monkeypatch):
    """asyncio logs a traceback for each failed accept (thousands a second once descriptors run out): the
    RepeatFilter on the log handler lets RepeatFilter.BURST of them through a minute."""
    passed = logging.handlers.BufferingHandler(capacity=100_000)
    passed.addFilter(RepeatFilter())
    logger = logging.getLogger("asyncio")
    monkeypatch.setattr(logger, "propagate", False)
    logger.addHandler(passed)
    loop = asyncio.new_event_loop()
    try:
        error = OSError(24, "Too many open files")
        for _ in range(10_000):
            loop.call_exception_handler(
                {"message": "socket.accept() out of system resource", "exception": error}
            )
    finally:
        logger.removeHandler(passed)
        loop.close()
    assert len(passed.buffer) == RepeatFilter.BURST
    assert passed.buffer[0].getMessage() == "socket.accept() out of system resource"


def test_the_connection_limit_is_logged_once_per_burst(caplog):
    clock = [1000.0]
    limits = _Limits(limit=10, soft_limit=512, clock=lambda: clock[0])
    with caplog.at_level(logging.WARNING, logger="scraper.service.server"):
        for _ in range(3):  # three bursts of 500 refusals, slots freed and taken in between
            for _ in range(500):
                limits.refuse(10)
                limits.accepted()
                clock[0] += 0.01
            clock[0] += 60
        limits.accepted()
    messages = [record.getMessage() for record in caplog.records]
    assert [m.split(":")[0] for m in messages] == ["connection limit reached", "connection limit"] * 3
    assert messages[1] == "connection limit: the burst is over, 500 connections were refused"


def _exchange(port: int, request: bytes) -> tuple[bytes, bool]:
    """Send `request` on a fresh connection; everything answered, and whether the server closed it."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(request)
        data = b""
        try:
            while chunk := connection.recv(65536):
                data += chunk
        except TimeoutError:
            return data, False  # still open 5 s later
        return data, True


@contextlib.contextmanager
def feed_server(folder: Path, **options: str) -> Iterator[FeedServer]:
    """The feed server (port 0, in a thread) serving `folder`, stopped afterwards."""
    app = build_app(folder, max_age=60, metrics=Metrics(["s"]), health=lambda: (200, {}), **options)
    server = FeedServer(app, "127.0.0.1", 0)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        assert server.join(10)


def test_content_length_with_transfer_encoding_is_refused_and_the_connection_closed(tmp_path):
    """RFC 9112 §6.1: a request with both may be smuggling one past a proxy that reads Content-Length."""
    (tmp_path / "all.rss").write_bytes(b"<rss/>")
    smuggled = b"GET /all.rss HTTP/1.1\r\nHost: x\r\n\r\n"
    with feed_server(tmp_path) as server:
        for headers in (
            b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
            b"Transfer-Encoding: chunked\r\nContent-Length: 0\r\n",
            b"content-length: 5\r\ntransfer-encoding: gzip, chunked\r\n",
        ):
            request = b"GET /all.rss HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n0\r\n\r\n" + smuggled
            data, closed = _exchange(server.port, request)
            assert data.startswith(b"HTTP/1.1 400 "), data
            assert b"\r\nconnection: close\r\n" in data.lower() and closed, "answered 400, then closed"
            assert b"\r\nx-content-type-options: nosniff\r\n" in data.lower()
            assert data.count(b"HTTP/1.1 ") == 1, "the request behind it is never answered"

        # The control: chunked alone is a request like any other.
        chunked = b"Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        data, closed = _exchange(server.port, b"GET /all.rss HTTP/1.1\r\nHost: x\r\n" + chunked)
        assert data.startswith(b"HTTP/1.1 200 ") and data.endswith(b"<rss/>"), data


def test_only_known_files_inside_the_folder_are_served(tmp_path):
    root = tmp_path / "feeds"
    (root / "topics").mkdir(parents=True)
    for name in ("all.rss", "topics/a.atom", "index.html", "notes.db"):
        (root / name).write_text(f"<{name}/>")
    (tmp_path / "secret.rss").write_text("secret")
    (root / "out.rss").symlink_to(tmp_path / "secret.rss")
    (root / "in.rss").symlink_to(root / "all.rss")
    with feed_server(root) as server:
        url = server.url.rstrip("/")
        served = {"/all.rss": "all.rss", "//topics//a.atom": "topics/a.atom", "/": "index.html"}
        served["/in.rss"] = "all.rss"  # a symlink inside the folder
        for path, name in served.items():
            assert raw_get(url, path) == (200, f"<{name}/>".encode()), path
        for refused in (
            "/../secret.rss",
            "/topics/../../secret.rss",
            "/%2e%2e/secret.rss",
            "/out.rss",
            "/notes.db",
            "/topics/",
            "/topics",
            "/./all.rss",
            "/all.rss%00",
            "/..\\secret.rss",
            "/missing.rss",
        ):
            assert raw_get(url, refused) == (404, b"404 not found\n"), refused
    with feed_server(tmp_path / "not yet made") as server:  # serve makes output_dir after the server
        assert raw_get(server.url.rstrip("/"), "/all.rss") == (404, b"404 not found\n")


def test_accept_encoding_is_read_with_its_q_values(tmp_path):
    (tmp_path / "all.rss").write_bytes(b"<rss>" + b"x" * GZIP_MIN + b"</rss>")
    with feed_server(tmp_path) as server:
        for header, gzip in (
            ("gzip", True),
            ("gzip, deflate, br", True),
            ("br;q=1.0, gzip;q=0.5", True),
            ("*", True),
            ("gzip;q=0", False),
            ("identity", False),
            ("", False),
            ("deflate, gzip;q=nonsense", False),
        ):
            answer = httpx.get(server.url + "all.rss", headers={"Accept-Encoding": header}, timeout=5)
            assert (answer.headers.get("content-encoding") == "gzip") is gzip, header


def _closed_after(sock: socket.socket, trickle: bytes = b"") -> float:
    """Seconds until the server closes `sock`, sending it `trickle` a byte every 0.05 s meanwhile."""
    started = time.monotonic()
    sock.settimeout(0.05)
    for byte in [trickle[i : i + 1] for i in range(len(trickle))] or [b""] * 200:
        try:
            sock.sendall(byte)
            if sock.recv(65536) == b"":
                return time.monotonic() - started
        except TimeoutError:
            continue
        except OSError:
            return time.monotonic() - started
    raise AssertionError("still open")


def test_every_request_has_header_timeout_seconds_for_its_line_and_headers(tmp_path, monkeypatch):
    monkeypatch.setattr(server_module, "HEADER_TIMEOUT", 0.5)
    (tmp_path / "all.rss").write_bytes(b"<rss/>")

    def slow_health() -> tuple[int, dict[str, str]]:
        time.sleep(1.0)  # twice the timeout: a request being answered is past its deadline's reach
        return 200, {}

    app = build_app(tmp_path, max_age=60, metrics=Metrics(["s"]), health=slow_health)
    server = FeedServer(app, "127.0.0.1", 0)
    server.start()
    try:
        address = ("127.0.0.1", server.port)
        with socket.create_connection(address) as silent:  # connects, never sends a byte
            assert 0.4 < _closed_after(silent) < 2
        with socket.create_connection(address) as trickling:  # headers a byte at a time, never complete
            assert (
                0.4 < _closed_after(trickling, b"GET /all.rss HTTP/1.1\r\nHost: x\r\n" + b"X: y\r\n" * 20) < 2
            )
        with socket.create_connection(address) as keep_alive:  # answered, then idle before the next request
            keep_alive.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            keep_alive.settimeout(5)
            assert keep_alive.recv(65536).startswith(b"HTTP/1.1 200 ")
            assert 0.4 < _closed_after(keep_alive) < 2
    finally:
        server.stop()
        assert server.join(10)
