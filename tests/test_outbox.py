"""Delivery that never loses an event (issue 19, section 1): the outbox, against a real JSON receiver on
127.0.0.1 that is down, comes back, answers slowly or is cut off, and a real SQLite file.

Cycles run in this process with an injected clock (the back-off and `give_up_after` count in the cycle's
time); the kill test runs the real CLI in a subprocess and kills it with SIGKILL mid-delivery.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from scraper.config import Config, load_config
from scraper.service.metrics import Metrics
from scraper.service.serve import read_facts, read_health
from scraper.store import Store
from tests.conftest import aktuellt
from tests.fixture_site import FixtureSite, load_seed, new_item
from tests.receivers import RestartableJsonReceiver
from tests.test_history import config_for, run_in_process

SEED = load_seed()
T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


class JsonReceiver(RestartableJsonReceiver):
    """A JSON receiver on a fixed 127.0.0.1 port that can be stopped and started again ("killed"); it keeps
    every document it answered 204 to, and can be told to hang (never answer) after `answer_only` posts."""

    def __init__(self) -> None:
        super().__init__()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.documents: list[dict[str, object]] = []
        self.seen: list[dict[str, object]] = []  #: every document read, answered or not
        self.answer_only: int | None = None
        self.refuse_after: int | None = None  #: answer 400 once it has this many documents
        self.release = threading.Event()

    def answer(self, document: dict[str, Any]) -> int | None:
        self.seen.append(document)
        if self.answer_only is not None and len(self.documents) >= self.answer_only:
            self.release.wait(30)  # hang: the client is killed meanwhile
            return None
        if self.refuse_after is not None and len(self.documents) >= self.refuse_after:
            return 400
        self.documents.append(document)
        return 204

    def stop(self) -> None:
        self.release.set()
        super().stop()

    def ids(self) -> list[object]:
        return [document["id"] for document in self.documents]


@pytest.fixture
def receiver() -> Iterator[JsonReceiver]:
    hook = JsonReceiver()
    yield hook
    hook.stop()


def with_webhook(tmp_path: Path, site: FixtureSite, url: str, extra: str = "") -> Path:
    config = config_for(tmp_path, site)
    text = config.read_text(encoding="utf-8")
    config.write_text(f'[notify]\nwebhook = "{url}"\ntimeout = 1\n{extra}' + text, encoding="utf-8")
    return config


def load(config: Path) -> Config:
    return load_config(config)


def event_ids(tmp_path: Path) -> list[int]:
    with Store(tmp_path / "aktuellt.db") as store:
        return sorted(row.id for row in store.events.changes())


def test_a_receiver_down_for_hours_gets_every_event_once_in_order_when_it_comes_back(
    tmp_path, site, receiver
):
    config = with_webhook(tmp_path, site, receiver.url)
    assert run_in_process(config, T0).ok  # 26 new items; the receiver is down
    site.edit_item(SEED[0].uuid, title="Flygande matta landar på Kungstorget")
    assert run_in_process(config, T0 + dt.timedelta(seconds=30)).ok  # within the back-off (1 min): not tried
    site.add_item(new_item("Ny nyhet medan mottagaren är nere", "2026-03-02"))
    assert run_in_process(config, T0 + dt.timedelta(hours=3)).ok  # tried again: still down
    states = read_facts(load(config))[1]
    assert [(s.target, s.pending, s.consecutive_failures) for s in states] == [("webhook", len(SEED) + 2, 2)]
    assert states[0].oldest_pending == T0 and "connection refused" in (states[0].last_error or "")

    receiver.start()
    assert run_in_process(config, T0 + dt.timedelta(hours=3, minutes=1)).ok  # back-off (2 min) not over
    assert receiver.documents == []
    assert run_in_process(config, T0 + dt.timedelta(hours=4)).ok

    ids = receiver.ids()
    assert len(ids) == len(set(ids)) == len(SEED) + 2  # every event, once per id
    numbers = [int(str(i).rsplit("/", 1)[1]) for i in ids]
    assert numbers == event_ids(tmp_path)  # in the order they happened
    kinds = [document["type"] for document in receiver.documents]
    assert kinds == ["new"] * len(SEED) + ["edited", "new"]
    assert receiver.documents[-2]["title"] == "Ändrad: Flygande matta landar på Kungstorget"
    (state,) = read_facts(load(config))[1]
    assert (state.pending, state.sent, state.consecutive_failures, state.undeliverable) == (
        0,
        len(SEED) + 2,
        0,
        0,
    )

    assert run_in_process(config, T0 + dt.timedelta(hours=5)).ok  # nothing new: nothing resent
    assert len(receiver.documents) == len(SEED) + 2


def test_events_pending_past_give_up_after_are_undeliverable_and_shown(tmp_path, site, receiver):
    config = with_webhook(tmp_path, site, receiver.url, 'give_up_after = "1d"\n')
    assert run_in_process(config, T0).ok
    site.edit_item(SEED[1].uuid, summary="En ändrad ingress.")
    later = T0 + dt.timedelta(hours=30)
    assert run_in_process(config, later).ok  # the 26 new events are 30 h old: given up; the edit waits
    (state,) = read_facts(load(config))[1]
    assert (state.undeliverable, state.pending) == (len(SEED), 1)

    now = later + dt.timedelta(hours=1)
    status, document = read_health(load(config), now=now, since=None, window=dt.timedelta(days=400))
    delivery = document["delivery"]["webhook"]
    assert delivery["undeliverable"] == len(SEED) and delivery["pending"] == 1
    assert delivery["oldest_pending_age_seconds"] == 3600 and delivery["consecutive_failures"] == 2
    assert "connection refused" in delivery["last_error"]
    metrics = Metrics([])
    scraped = [now]
    metrics.refresh(*read_facts(load(config)), clock=lambda: scraped[0])
    text = metrics.exposition().decode()
    assert 'aktuellt_notify_undeliverable{target="webhook"} 26.0' in text
    assert 'aktuellt_notify_pending{target="webhook"} 1.0' in text
    assert 'aktuellt_notify_oldest_pending_age_seconds{target="webhook"} 3600.0' in text
    scraped[0] = now + dt.timedelta(hours=5)  # no cycle since (a daily schedule): the age still grows
    age = 'aktuellt_notify_oldest_pending_age_seconds{target="webhook"} 21600.0'
    assert age in metrics.exposition().decode()
    assert 'aktuellt_notify_consecutive_failures{target="webhook"} 2.0' in text

    shown = aktuellt("--config", str(config), "status", "--json")
    assert json.loads(shown.stdout)["delivery"]["webhook"]["undeliverable"] == len(SEED)
    table = aktuellt("--config", str(config), "status").stdout
    assert "notify" in table and "undeliverable" in table

    receiver.start()
    assert run_in_process(config, now + dt.timedelta(hours=2)).ok
    assert [document["type"] for document in receiver.documents] == ["edited"]  # only what was not given up


def test_a_cycle_killed_mid_delivery_resends_from_the_first_unconfirmed_event(tmp_path, site, receiver):
    config = with_webhook(tmp_path, site, receiver.url)
    receiver.answer_only = 5  # the 6th POST is read but never answered
    receiver.start()
    process = subprocess.Popen(
        [sys.executable, "-m", "scraper", "--config", str(config), "run"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while len(receiver.seen) < 6 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(receiver.seen) == 6
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait(10)
    receiver.answer_only = None
    first = receiver.ids()
    assert len(first) == 5

    assert run_in_process(config).ok
    ids = receiver.ids()
    assert ids[:5] == first  # nothing confirmed is sent again
    assert ids[5] == receiver.seen[5]["id"]  # the one in flight when killed is resent (at least once)
    assert len(ids) == len(set(ids)) == len(SEED)
    assert [int(str(i).rsplit("/", 1)[1]) for i in ids] == event_ids(tmp_path)


def test_publishing_comes_first_and_a_slow_receiver_is_cut_at_its_deadline(tmp_path, site):
    """A receiver that never answers: the feeds are written before anything is sent, and the target's 3
    attempts (timeout 1 s, 2 retries) end the cycle's delivery in about 4.5 s."""
    hanging = socket.create_server(("127.0.0.1", 0))
    try:
        url = f"http://127.0.0.1:{hanging.getsockname()[1]}/hook"
        config = with_webhook(tmp_path, site, url)
        started = time.monotonic()
        report = run_in_process(config, T0)
        elapsed = time.monotonic() - started
    finally:
        hanging.close()
    assert report.ok and (tmp_path / "feeds/all.atom").exists()
    assert elapsed < 10
    (state,) = read_facts(load(config))[1]
    assert state.pending == len(SEED) and state.consecutive_failures == 1


def test_a_webhook_url_with_a_token_is_never_shown_in_status_healthz_or_the_log(tmp_path, site, caplog):
    config = with_webhook(tmp_path, site, "http://127.0.0.1:9/hook?token=s3cr3t")
    assert run_in_process(config, T0).ok  # nothing listens on port 9: refused
    (state,) = read_facts(load(config))[1]
    assert state.last_error == (
        "POST the webhook failed: could not reach host 127.0.0.1 (connection refused) after 3 attempts"
    )
    _, document = read_health(load(config), now=T0, since=None, window=dt.timedelta(days=400))
    assert "s3cr3t" not in json.dumps(document)
    assert "s3cr3t" not in caplog.text and "not delivered (POST the webhook failed" in caplog.text


def test_the_websub_hub_hears_of_the_new_feeds_before_the_outbox_is_delivered(tmp_path, site):
    """Delivery may take a target's whole share of the cycle (12 × timeout): the hub's ping is part of
    publishing, so it goes first."""
    paths: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            paths.append(self.path)
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        config = with_webhook(tmp_path, site, f"{base}/hook")
        config.write_text(f'[websub]\nhub = "{base}/hub"\n' + config.read_text(encoding="utf-8"))
        assert run_in_process(config, T0).ok
    finally:
        server.shutdown()
        server.server_close()
    assert paths.count("/hook") == len(SEED) and "/hub" in paths
    assert set(paths[: paths.count("/hub")]) == {"/hub"}


def test_a_failure_after_deliveries_in_the_same_cycle_waits_the_first_back_off(tmp_path, site, receiver):
    """Down for three cycles (the back-off reached 4 min), then back but refusing after 5 events: that is the
    first failure since a delivery, so the wait is 1 min, as `failures` says, not the 8 min of a 4th."""
    config = with_webhook(tmp_path, site, receiver.url)
    for minutes in (0, 1, 3):
        assert run_in_process(config, T0 + dt.timedelta(minutes=minutes)).ok
    (state,) = read_facts(load(config))[1]
    assert (state.consecutive_failures, state.next_attempt) == (3, T0 + dt.timedelta(minutes=7))
    receiver.refuse_after = 5
    receiver.start()
    later = T0 + dt.timedelta(minutes=10)
    assert run_in_process(config, later).ok
    (state,) = read_facts(load(config))[1]
    assert (state.sent, state.consecutive_failures, state.next_attempt) == (
        5,
        1,
        later + dt.timedelta(minutes=1),
    )


def test_a_target_renamed_with_events_pending_says_where_they_wait(tmp_path, site, receiver, caplog):
    """A target whose id changes (renamed, or its URL edited when the id comes from the URL) starts a new
    queue; the old one's pending events are not lost, but only a warning can tell the operator so."""
    config = with_webhook(tmp_path, site, receiver.url)
    assert run_in_process(config, T0).ok  # down: 26 pending
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[notify]\n", '[notify]\nid = "redaktionen"\n', 1), encoding="utf-8")
    caplog.clear()
    assert run_in_process(config, T0 + dt.timedelta(hours=1)).ok
    expected = (
        f"notify webhook: no longer in the config; its {len(SEED)} pending events wait under that id "
        '(set `id = "webhook"` on the target to deliver them)'
    )
    assert expected in caplog.text
    caplog.clear()
    assert run_in_process(config, T0 + dt.timedelta(hours=2)).ok
    assert "no longer in the config" not in caplog.text  # said once, when it happened
