"""Push targets that trickle (issue 17, item 3): a webhook receiver or WebSub hub that sends its status line a
byte at a time must not hold the cycle (and its lock) for longer than `notify.timeout` per attempt, wall
clock. The real CLI in this process, a fixture site and raw trickling servers on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.conftest import write_config
from tests.fixture_site import load_seed
from tests.test_end_to_end import run_cli

#: Each byte comes well within a per-read timeout of 1 s, so only a wall-clock deadline ends the exchange.
GAP = 0.2
#: A trickle that never ended would hang the code before the fix for good; this ends it (and fails the test).
TRICKLE_FOR = 25.0


class Trickler:
    """A raw HTTP server on 127.0.0.1 that reads each request, then sends `HTTP/1.1 200 OK` one byte every
    GAP seconds for TRICKLE_FOR seconds, never finishing the status line."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/hook"
        self.requests = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            received = b""
            while b"\r\n\r\n" not in received:
                piece = conn.recv(65536)
                if not piece:
                    return
                received += piece
            self.requests += 1
            started = time.monotonic()
            line = b"HTTP/1.1 200 OK"
            index = 0
            while time.monotonic() - started < TRICKLE_FOR and not self.stopped.is_set():
                try:
                    conn.sendall(line[index % len(line) : index % len(line) + 1])
                except OSError:
                    return  # the client gave up: what the fix makes it do
                index += 1
                time.sleep(GAP)

    def __enter__(self) -> Trickler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join(5)
        self.listener.close()


@pytest.fixture
def trickler() -> Iterator[Trickler]:
    with Trickler() as server:
        yield server


def test_a_trickling_webhook_and_hub_cannot_hold_the_run(tmp_path, site, trickler):
    """notify.timeout = 1 s: the webhook's 3 attempts (2 retries, 0.5 + 1 s backoff) end by ~4.5 s and the
    hub's 2 attempts (0.5 s backoff) by ~2.5 s; the run publishes and exits 0 within those plus start-up."""
    config = write_config(tmp_path, site)
    text = config.read_text(encoding="utf-8")
    push = (
        f'[notify]\nwebhook = "{trickler.url}"\ntimeout = 1\n[websub]\nhub = "{trickler.url}"\ntimeout = 1\n'
    )
    config.write_text(push + text, encoding="utf-8")
    started = time.monotonic()
    result = run_cli(config)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "no complete answer within 1 s" in result.stderr
    assert "notify webhook: not delivered" in result.stderr and "websub: could not ping" in result.stderr
    assert trickler.requests == 3 + 2  # every attempt was made, each cut at its deadline
    assert elapsed < 1 * 3 + 1.5 + 1 * 2 + 0.5 + 5, elapsed
    assert (tmp_path / "feeds/all.atom").read_bytes().count(b"<entry>") == len(load_seed())
