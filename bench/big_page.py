"""(9) 100,000 items on one page (issue 17, item 6): a 6 MB listing under `fetch.max_bytes`, read by one
`aktuellt run` in a child process whose peak RSS is measured. The baseline is the same run with the per-page
and per-cycle caps lifted (`max_items_per_page`, `max_new_items_per_cycle`), which is what main did: every
item parsed, stored and published in one cycle.

    python -m bench --only 9        (or: python -m bench.big_page [ITEMS])
"""

from __future__ import annotations

import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .common import Row, run_process

#: The target of issue 17: one such page read in at most this much memory.
TARGET_MIB = 300


def big_listing(items: int) -> bytes:
    """`items` dated news items on one page, about 60 bytes each."""
    rows = "".join(f'<li><a href="/n/{n}">Nyhet {n}</a><time>2026-06-01</time></li>' for n in range(items))
    return f"<!doctype html><html><body><h1>Nyheter</h1><ul>{rows}</ul></body></html>".encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    page = b""


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        assert isinstance(self.server, _Server)
        body = self.server.page if self.path.startswith("/nyheter") else b"User-agent: *\nAllow: /\n"
        self.send_response(200)
        self.send_header(
            "Content-Type", "text/html; charset=utf-8" if body is self.server.page else "text/plain"
        )
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _config(folder: Path, url: str, caps: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(
        '[site]\ntitle = "Bänk"\nbase_url = "http://127.0.0.1:8080/"\noutput_dir = "feeds"\n'
        'database = "aktuellt.db"\n[fetch]\ntimeout = 60\nretries = 0\ndelay = 0\nmax_bytes = 10000000\n'
        f'[[sources]]\nid = "stor"\nurl = "{url}"\narticles = false\n{caps}',
        encoding="utf-8",
    )
    return path


def measure(items: int, caps: str = "") -> tuple[float, float, int, str]:
    """Peak RSS (MiB), wall seconds, exit code and stderr of one `aktuellt run` on the page."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.page = big_listing(items)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            url = f"http://127.0.0.1:{server.server_address[1]}/nyheter"
            config = _config(Path(folder), url, caps)
            result = run_process([sys.executable, "-m", "scraper", "--config", str(config), "run"])
    finally:
        server.shutdown()
        server.server_close()
    return result.max_rss_mb, result.wall, result.returncode, result.stderr


def run(items: int = 100_000) -> list[Row]:
    size = len(big_listing(items)) / 1e6
    rss, wall, code, stderr = measure(items)
    assert code == 0, stderr
    uncapped = f"max_items_per_page = {items * 2}\nmax_new_items_per_cycle = {items * 2}\n"
    base_rss, base_wall, base_code, _ = measure(items, uncapped)
    return [
        Row(
            "9",
            f"{items:,} items on one {size:.1f} MB page, one `aktuellt run`: peak RSS",
            f"{rss:.0f} MiB, {wall:.1f} s",
            f"caps lifted (as main): {base_rss:.0f} MiB, {base_wall:.1f} s (exit {base_code})",
            f"{base_rss / rss:.1f}× less",
            f"≤ {TARGET_MIB} MiB",
            rss <= TARGET_MIB,
        )
    ]


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    for row in run(count):
        print(row)
