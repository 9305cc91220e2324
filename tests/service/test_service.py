"""`aktuellt serve` end to end: the real service in a subprocess, a real SQLite file, the fixture site on
127.0.0.1, and real HTTP requests against the feed server. Every wait polls with a deadline."""

from __future__ import annotations

import http.client
import json
import re
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest
from lxml import etree
from prometheus_client.parser import text_string_to_metric_families

from scraper.publish.manifest import MANIFEST
from scraper.service.files import GZIP_MIN
from tests.conftest import write_config as shared_config
from tests.fixture_site import DATA, FixtureSite, load_seed, new_item

TYPES = {
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".xsl": "text/xsl; charset=utf-8",
    ".ico": "image/x-icon",
}


def write_config(
    tmp_path: Path, site: FixtureSite, *, every: str, delay: float = 0, articles: bool = True
) -> Path:
    """The shared end-to-end config as a service: no titles (the source takes its page's), a cycle every
    `every` with no jitter, the feed server on a free port."""
    sections = f'\n[schedule]\nevery = "{every}"\njitter = "0s"\n\n[server]\nhost = "127.0.0.1"\nport = 0\n'
    return shared_config(tmp_path, site, title=None, sections=sections, articles=articles, delay=delay)


def wait_for(what: str, check: Callable[[], Any], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def serve_argv(config: Path, *options: str, stop_grace: float = 0, header_timeout: float = 0) -> list[str]:
    """`aktuellt serve`, with serve's STOP_GRACE and the server's HEADER_TIMEOUT shortened when given (both
    are read from their modules when serve starts): a test of them need not wait their real seconds."""
    setup = ["import scraper.service.serve as serve, scraper.service.server as server"]
    setup += [f"serve.STOP_GRACE = {stop_grace}"] if stop_grace else []
    setup += [f"server.HEADER_TIMEOUT = {header_timeout}"] if header_timeout else []
    code = "; ".join([*setup, "from scraper.cli import main", "main()"])
    return [sys.executable, "-c", code, "--config", str(config), *options, "serve"]


class Service:
    """`aktuellt serve` in a subprocess; stderr is collected in a thread so the pipe never fills."""

    def __init__(self, config: Path, *options: str, stop_grace: float = 0) -> None:
        self.process = subprocess.Popen(
            serve_argv(config, *options, stop_grace=stop_grace),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        found = wait_for("the server to listen", self._address, timeout=20)
        self.url = found

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)

    def _address(self) -> str | None:
        if self.process.poll() is not None:
            raise AssertionError("serve exited early:\n" + self.log)
        for line in list(self.lines):
            if match := re.search(r"on (http://127\.0\.0\.1:\d+)/", line):
                return match[1]
        return None

    @property
    def log(self) -> str:
        return "".join(self.lines)

    def get(self, path: str, **headers: str) -> httpx.Response:
        return httpx.get(self.url + path, headers=headers, timeout=5)

    def stop(self, timeout: float = 10.0) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        self.close()
        return code

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=2)
        if self.process.stderr is not None:
            self.process.stderr.close()


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., Service]]:
    started: list[Service] = []

    def starter(config: Path, *options: str, stop_grace: float = 0) -> Service:
        service = Service(config, *options, stop_grace=stop_grace)
        started.append(service)
        return service

    yield starter
    for service in started:
        service.close()


def metric(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    raise KeyError(name)


def raw_get(url: str, path: str) -> tuple[int, bytes]:
    """A request with the path sent exactly as written (httpx would normalize `..` away)."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_serve_publishes_and_serves_feeds_like_a_careful_static_server(tmp_path, site, start):
    service = start(write_config(tmp_path, site, every="2s"))
    feeds = tmp_path / "feeds"
    # index.html is written last: once it is there, the whole first publish is.
    wait_for("the first cycle to publish", lambda: service.get("/index.html").status_code == 200, timeout=10)
    (feeds / "sub").mkdir(exist_ok=True)
    (feeds / ".hidden.rss").write_text("<rss/>", encoding="utf-8")
    (feeds / "evil.rss").symlink_to(tmp_path / "config.toml")

    published = sorted(
        p for p in feeds.rglob("*") if p.suffix in TYPES and not p.is_symlink() and not p.name.startswith(".")
    )
    assert {"all.rss", "all.atom", "favicon.ico"} <= {p.name for p in published}
    # favicon.ico (browsers ask for it on every visit): a real ICO, served as one, and linked by index.html.
    icon = service.get("/favicon.ico")
    assert icon.headers["content-type"] == "image/x-icon"
    reserved, kind, count = struct.unpack("<HHH", icon.content[:6])
    assert (reserved, kind, count) == (0, 1, 2)
    for number in range(count):
        width, height, _, _, planes, bits, size, offset = struct.unpack(
            "<BBBBHHII", icon.content[6 + 16 * number : 22 + 16 * number]
        )
        assert (width, height, planes, bits) in ((16, 16, 1, 32), (32, 32, 1, 32))
        assert struct.unpack("<I", icon.content[offset : offset + 4]) == (40,)  # a BITMAPINFOHEADER
        assert offset + size <= len(icon.content)
    assert '<link rel="icon" href="favicon.ico"' in service.get("/index.html").text
    for path in published:
        name = "/" + path.relative_to(feeds).as_posix()
        plain = service.get(name, **{"Accept-Encoding": "identity"})
        assert plain.status_code == 200, name
        assert plain.headers["content-type"] == TYPES[path.suffix]
        assert plain.content == path.read_bytes()
        assert "content-encoding" not in plain.headers
        etag = plain.headers["etag"]
        assert etag.startswith('"') and not etag.startswith("W/"), "a strong validator"
        modified = plain.headers["last-modified"]
        assert parsedate_to_datetime(modified).timestamp() == int(path.stat().st_mtime)
        assert plain.headers["cache-control"] == "public, max-age=2"
        if path.suffix in (".rss", ".atom"):
            assert not feedparser.parse(plain.content).bozo

        # Both validators, and If-None-Match taking precedence over If-Modified-Since.
        for validators in ({"If-None-Match": etag}, {"If-Modified-Since": modified}):
            again = service.get(name, **{"Accept-Encoding": "identity"}, **validators)
            assert again.status_code == 304, validators
            assert again.content == b""
            assert again.headers["etag"] == etag
            assert again.headers["last-modified"] == modified
            assert again.headers["cache-control"] == "public, max-age=2"
        stale_tag = service.get(name, **{"If-None-Match": '"other"', "If-Modified-Since": modified})
        assert stale_tag.status_code == 200, "If-None-Match wins: a different tag means a fresh copy"
        old = format_datetime(parsedate_to_datetime(modified).replace(year=2001), usegmt=True)
        assert service.get(name, **{"If-Modified-Since": old}).status_code == 200

        head = httpx.head(service.url + name, headers={"Accept-Encoding": "identity"}, timeout=5)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == str(len(plain.content))
        assert head.headers["etag"] == etag

        zipped = service.get(name, **{"Accept-Encoding": "gzip"})
        if len(plain.content) < GZIP_MIN:  # an empty sources.opml: gzip's header would cost more
            assert "content-encoding" not in zipped.headers and zipped.content == plain.content
            continue
        assert zipped.headers["content-encoding"] == "gzip"
        assert zipped.headers["vary"] == "Accept-Encoding"
        assert zipped.content == plain.content  # httpx decoded it
        assert zipped.headers["etag"] != etag, "another representation, another strong tag"
        assert int(zipped.headers["content-length"]) < len(plain.content)
        assert service.get(name, **{"If-None-Match": zipped.headers["etag"]}).status_code == 304

    atom = etree.parse(str(feeds / "all.atom"))
    assert etree.RelaxNG(etree.parse(str(DATA / "atom.rng"))).validate(atom)

    for method in ("POST", "PUT", "DELETE", "OPTIONS"):
        refused = httpx.request(method, service.url + "/all.rss", timeout=5)
        assert refused.status_code == 405, method
        assert refused.headers["allow"] == "GET, HEAD"

    secret = (tmp_path / "config.toml").read_bytes()
    for path in (
        "/../config.toml",
        "/%2e%2e/config.toml",
        "/%2E%2E%2Fconfig.toml",
        "/..%2fconfig.toml",
        "/sub/../../config.toml",
        "/evil.rss",  # a symlink leading out of the folder
        "/.hidden.rss",
        "/sub/",
        "/sub",
        "/aktuellt.db",
    ):
        status, body = raw_get(service.url, path)
        assert status == 404, path
        assert secret not in body and b"jamlikt" not in body, path
    assert raw_get(service.url, "/")[0] == (200 if (feeds / "index.html").exists() else 404)

    assert service.stop() == 0
    assert "Traceback" not in service.log


def test_metrics_move_and_health_follows_the_source(tmp_path, site, start):
    service = start(write_config(tmp_path, site, every="1s"))
    first = wait_for("a cycle", lambda: "cycle ok" in service.log and service.get("/metrics"), timeout=10)
    assert service.get("/healthz").status_code == 200
    assert first.headers["content-type"].startswith("text/plain")
    assert metric(first.text, "aktuellt_cycles_total", outcome="ok") >= 1
    assert metric(first.text, "aktuellt_items_total", source="jamlikt-goteborg", change="new") == len(
        load_seed()
    )
    assert metric(first.text, "aktuellt_fetched_bytes_total") > 0
    assert metric(first.text, "aktuellt_last_success_timestamp_seconds", source="jamlikt-goteborg") > 0
    assert metric(first.text, "aktuellt_cycle_duration_seconds_count") >= 1
    assert metric(first.text, "aktuellt_build_info") == 1
    service.get("/all.rss")
    service.get("/missing.rss")

    site.add_item(new_item("Ny mötesplats i Hammarkullen", "1 december 2026", "Öppet hus."))

    def new_counted() -> str | None:
        text = service.get("/metrics").text
        new = metric(text, "aktuellt_items_total", source="jamlikt-goteborg", change="new")
        return text if new == len(load_seed()) + 1 else None

    text = wait_for("the new item to be counted", new_counted)
    assert metric(text, "aktuellt_feed_requests_total", status="200") >= 1
    assert metric(text, "aktuellt_feed_requests_total", status="404") >= 1
    assert metric(text, "aktuellt_cycles_total", outcome="ok") > metric(
        first.text, "aktuellt_cycles_total", outcome="ok"
    )

    site.fault = "500"
    # On a loaded machine the window of 3 intervals can pass after a single slow failure: wait for two.
    unhealthy = wait_for(
        "503 after two failures",
        lambda: (
            (r := service.get("/healthz")).status_code == 503
            and r.json()["sources"]["jamlikt-goteborg"]["consecutive_failures"] >= 2
            and r
        ),
    )
    source = unhealthy.json()["sources"]["jamlikt-goteborg"]
    assert unhealthy.json()["status"] == "unhealthy"
    assert source["healthy"] is False and source["state"] == "failing"
    assert source["consecutive_failures"] >= 2
    assert "500" in source["last_error"]
    failing = service.get("/metrics").text
    assert metric(failing, "aktuellt_fetch_errors_total", source="jamlikt-goteborg", kind="http_500") >= 2
    assert metric(failing, "aktuellt_cycles_total", outcome="failed") >= 2
    assert metric(failing, "aktuellt_consecutive_failures", source="jamlikt-goteborg") >= 1

    site.fault = None
    healthy = wait_for("recovery", lambda: (r := service.get("/healthz")).status_code == 200 and r)
    assert healthy.json()["sources"]["jamlikt-goteborg"]["consecutive_failures"] == 0
    assert service.stop() == 0


def test_serve_on_a_port_in_use_exits_1_with_one_line(tmp_path, site):
    config = write_config(tmp_path, site, every="1h")
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        text = config.read_text(encoding="utf-8").replace("port = 0", f"port = {port}")
        config.write_text(text, encoding="utf-8")
        result = subprocess.run(
            [sys.executable, "-m", "scraper", "--config", str(config), "serve"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
    assert site.requests == [], "no cycle starts without a server"


def _integrity(database: Path) -> str:
    db = sqlite3.connect(database)
    try:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        db.close()


def test_sigterm_during_a_cycle_finishes_it_and_a_cron_run_meanwhile_exits_75(tmp_path, site, start):
    site.per_page = 3  # nine pages with a politeness delay between them: a cycle of a few seconds
    config = write_config(tmp_path, site, every="1h", delay=0.3, articles=False)
    service = start(config, "--log-format", "json")
    wait_for("the cycle to be under way", lambda: len(site.listing_requests()) >= 2)

    cron = subprocess.run(
        [sys.executable, "-m", "scraper", "--config", str(config), "run"], capture_output=True, text=True
    )
    assert cron.returncode == 75, cron.stderr
    assert "lock" in cron.stderr

    began = time.monotonic()
    assert service.stop() == 0
    assert time.monotonic() - began < 10
    records = [json.loads(line) for line in service.lines]  # every line one JSON object, uvicorn's too
    messages = [record["message"] for record in records]
    assert any(m.startswith(f"cycle ok: 1/1 sources ok, {len(load_seed())} new") for m in messages), (
        "the cycle was let finish"
    )
    assert any(m.startswith(f"jamlikt-goteborg: ok, {len(load_seed())} new") for m in messages)
    assert not any("color_message" in record for record in records)
    assert _integrity(tmp_path / "aktuellt.db") == "ok"
    entries = feedparser.parse((tmp_path / "feeds/all.atom").read_bytes()).entries
    assert len(entries) == len(load_seed())
    leftovers = [p for p in (tmp_path / "feeds").iterdir() if p.name.startswith(".") and p.name != MANIFEST]
    assert not leftovers, "a temporary file was left behind"


def test_sigterm_abandons_a_cycle_that_would_take_too_long(tmp_path, site, start):
    site.per_page = 2
    service = start(write_config(tmp_path, site, every="1h", delay=3), stop_grace=1)
    wait_for("the cycle to be under way", lambda: len(site.requests) >= 1)  # robots.txt, then a pause

    began = time.monotonic()
    assert service.stop() == 0
    assert time.monotonic() - began < 3, "STOP_GRACE (1 s here), then out"
    assert "abandoning" in service.log
    assert _integrity(tmp_path / "aktuellt.db") == "ok"
    assert not (tmp_path / "feeds" / "all.atom").exists(), "nothing half-published"


def test_status_shows_sources_topics_and_health(tmp_path, site):
    config = write_config(tmp_path, site, every="15m", articles=False)
    with config.open("a", encoding="utf-8") as handle:
        handle.write('\n[[topics]]\nid = "lasning"\ntitle = "Läsning"\nmatch = ["läs", "bok"]\n')

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "scraper", "--config", str(config), *args], capture_output=True, text=True
        )

    never = cli("status")
    assert never.returncode == 1
    assert "never" in never.stdout and "UNHEALTHY" in never.stdout

    first = cli("run")
    assert first.returncode == 0
    cycle_lines = [line for line in first.stderr.splitlines() if " cycle ok: 1/1 sources ok" in line]
    assert len(cycle_lines) == 1, first.stderr  # cron mode logs the cycle summary too
    assert f"{len(load_seed())} new" in cycle_lines[0]
    table = cli("status")
    assert table.returncode == 0, table.stdout + table.stderr
    row = next(line for line in table.stdout.splitlines() if line.startswith("jamlikt-goteborg"))
    assert str(len(load_seed())) in row.split() and "ok" in row.split()
    in_topic = len(feedparser.parse((tmp_path / "feeds/topics/lasning.atom").read_bytes()).entries)
    assert 0 < in_topic < len(load_seed())
    assert f"lasning  {in_topic}" in table.stdout

    site.fault = "500"
    assert cli("run").returncode == 1
    document = json.loads(cli("status", "--json").stdout)
    source = document["sources"]["jamlikt-goteborg"]
    assert source["items"] == len(load_seed())
    assert source["consecutive_failures"] == 1
    assert source["state"] == "degraded" and source["healthy"] is True  # the last success is recent
    assert "500" in source["last_error"]
    assert document["topics"] == {"lasning": in_topic}
