"""The one retry policy (scraper/retries.py) as the pushes and the bucket uploads meet it: a busy receiver's
Retry-After is waited out (before issue 21 the POSTs ignored it), each wait capped; the fetcher's own retries
are tested in tests/source/test_fetch.py."""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import Any

import pytest
from botocore.exceptions import ClientError

from scraper.errors import FetchError
from scraper.publish import bucket
from scraper.retries import Again, Retries
from scraper.source.transport import post


def busy_receiver(retry_after: str, busy: int) -> tuple[ThreadingHTTPServer, list[float]]:
    """Answers 503 with `retry_after` `busy` times, then 204; records when each POST came."""
    seen: list[float] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            seen.append(time.monotonic())
            self.send_response(503 if len(seen) <= busy else 204)
            self.send_header("Retry-After", retry_after)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


def test_a_push_waits_out_the_receivers_retry_after():
    server, seen = busy_receiver("2", busy=1)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        assert post(url, user_agent="t", json_body={}, timeout=5, retries=1) == 204
    finally:
        server.shutdown()
        server.server_close()
    assert 2.0 <= seen[1] - seen[0] < 3  # the backoff alone would have waited 0.5–0.75 s


def test_a_push_waits_no_longer_than_its_timeout_and_says_how_often_it_tried():
    server, seen = busy_receiver("3600", busy=9)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        with pytest.raises(FetchError, match=r"failed: HTTP 503 Service Unavailable after 2 attempts"):
            post(url, user_agent="t", json_body={}, timeout=1, retries=1)
    finally:
        server.shutdown()
        server.server_close()
    assert 1.0 <= seen[1] - seen[0] < 1.9


def waits(asked: list[float | None]) -> list[float]:
    """The waits of a policy (base 1 s, cap 3 s) whose attempts all fail, the nth asking for `asked[n]`."""
    waited: list[float] = []
    answers = iter([*asked, None])

    def attempt() -> None:
        raise Again("HTTP 503", asked=next(answers))

    with pytest.raises(FetchError, match="after 4 attempts"):
        Retries(retries=len(asked), base=1.0, cap=3.0, sleep=waited.append).run(attempt, "GET", "u")
    return waited


def test_the_policy_backs_off_with_jitter_and_caps_every_wait():
    for _ in range(50):
        first, second, third = waits([None, None, None])
        assert 1.0 <= first <= 1.5 and 2.0 <= second <= 3.0 and third == 3.0
    assert waits([3600.0, 0.25, -1.0]) == [3.0, 0.25, 0.0]


class FlakyS3:
    def __init__(self, errors: list[ClientError]) -> None:
        self.errors, self.puts = errors, 0

    def put_object(self, **request: Any) -> None:
        self.puts += 1
        if self.errors:
            raise self.errors.pop(0)


def s3_error(status: int, code: str, headers: dict[str, str]) -> ClientError:
    meta = {"HTTPStatusCode": status, "HTTPHeaders": headers}
    return ClientError({"Error": {"Code": code}, "ResponseMetadata": meta}, "PutObject")


def test_an_upload_slowed_down_by_s3_is_retried_after_its_retry_after(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(bucket, "UPLOADS", Retries(retries=2, cap=20.0, sleep=waits.append))
    s3 = FlakyS3([s3_error(503, "SlowDown", {"retry-after": "7"}), s3_error(500, "InternalError", {})])
    bucket._retried(s3.put_object, Bucket="b", Key="feeds/all.atom", Body=b"")
    assert s3.puts == 3 and waits[0] == 7.0 and 2.0 <= waits[1] <= 3.0


def test_an_upload_refused_for_good_is_not_retried(monkeypatch):
    monkeypatch.setattr(bucket, "UPLOADS", Retries(retries=2, sleep=lambda _: pytest.fail("no wait")))
    s3 = FlakyS3([s3_error(404, "NoSuchBucket", {})])
    with pytest.raises(ClientError):
        bucket._retried(s3.put_object, Bucket="b", Key="k", Body=b"")
    assert s3.puts == 1
