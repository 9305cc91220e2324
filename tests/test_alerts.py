"""Alerts where people work (issue 19, section 2): `[[notify]]` targets as Apprise URLs, against real local
receivers: an SMTP server (aiosmtpd) that reads the mails, and an HTTP receiver of Apprise's json:// posts.
Cycles run in this process with an injected clock; a real SQLite file and the fixture site on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import socket
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from scraper.config import load_config
from scraper.service.serve import read_facts
from scraper.store import Store
from tests.conftest import aktuellt
from tests.fixture_site import FixtureSite, load_seed, new_item
from tests.receivers import RestartableJsonReceiver
from tests.test_history import config_for, run_in_process
from tests.test_push_deadline import Trickler

SEED = load_seed()
T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
EDITED = "Flygande matta landar på Kungstorget"  # SEED[1] was "Flygande matta landar i Göteborg"


class AppriseJsonReceiver(RestartableJsonReceiver):
    """What Apprise's json:// posts to, on a fixed 127.0.0.1 port; stop() and start() again to kill it."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[dict[str, Any]] = []

    def url(self, **params: str) -> str:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return f"json://127.0.0.1:{self.port}/alerts" + (f"?{query}" if query else "")

    def answer(self, document: dict[str, Any]) -> int | None:
        self.messages.append(document)
        return 200

    def titles(self) -> list[str]:
        return [message["title"] for message in self.messages]


@pytest.fixture
def receiver() -> Iterator[AppriseJsonReceiver]:
    hook = AppriseJsonReceiver()
    yield hook
    hook.stop()


def with_targets(tmp_path: Path, site: FixtureSite, targets: str, extra: str = "") -> Path:
    """The fixture config with `targets` ([[notify]] tables) first and `extra` ([[topics]]) last."""
    config = config_for(tmp_path, site, extra)
    config.write_text(targets + config.read_text(encoding="utf-8"), encoding="utf-8")
    return config


def test_a_json_target_that_was_down_gets_every_event_once_and_in_order(tmp_path, site, receiver):
    config = with_targets(
        tmp_path, site, f'[[notify]]\nid = "larm"\nurl = "{receiver.url()}"\ndigest = "event"\ntimeout = 2\n'
    )
    assert run_in_process(config, T0).ok  # down: 26 events wait
    site.edit_item(SEED[1].uuid, title=EDITED)
    assert run_in_process(config, T0 + dt.timedelta(hours=2)).ok  # still down
    receiver.start()
    assert run_in_process(config, T0 + dt.timedelta(hours=3)).ok

    titles = receiver.titles()
    expected = [f"Ny: {item.title}" for item in reversed(SEED)]  # first sight: oldest listed first
    assert sorted(titles[:-1]) == sorted(expected) and len(titles) == len(set(titles)) == len(SEED) + 1
    assert titles[-1] == f"Ändrad: {EDITED}"
    edit = receiver.messages[-1]["message"]
    assert "Rubrik: Flygande matta landar [−i Göteborg] [+på Kungstorget]" in edit
    assert SEED[1].uuid in edit  # the link
    (state,) = read_facts(load_config(config))[1]
    assert (state.target, state.pending, state.sent) == ("larm", 0, len(SEED) + 1)


def test_kinds_and_topics_filter_and_a_cycle_digest_is_one_message(tmp_path, site, receiver):
    receiver.start()
    targets = (
        f'[[notify]]\nid = "mattor"\nurl = "{receiver.url()}"\ntopics = ["mattor"]\n'
        f'[[notify]]\nid = "andringar"\nurl = "{receiver.url()}"\nkinds = ["edited"]\n'
    )
    topic = '\n[[topics]]\nid = "mattor"\ntitle = "Mattor"\nmatch = ["matta"]\n'
    config = with_targets(tmp_path, site, targets, topic)
    assert run_in_process(config, T0).ok
    assert receiver.titles() == [
        "Ny: Flygande matta landar i Göteborg"
    ]  # only the topic's item; no edits yet
    receiver.messages.clear()
    site.edit_item(SEED[1].uuid, title=EDITED)
    site.edit_item(SEED[0].uuid, summary="En helt ny ingress.")
    assert run_in_process(config, T0 + dt.timedelta(hours=1)).ok

    digests = [m for m in receiver.messages if m["title"].endswith("2 händelser")]
    assert len(digests) == 1
    assert digests[0]["title"] == "Jämlikt Göteborg – Aktuellt: 2 händelser"
    body = digests[0]["message"]
    assert "Ingress:" in body and "[+En helt ny ingress.]" in body and "[+på Kungstorget]" in body
    assert [m["title"] for m in receiver.messages if m not in digests] == [f"Ändrad: {EDITED}"]
    states = {s.target: s for s in read_facts(load_config(config))[1]}
    assert states["andringar"].sent == 2 and states["mattor"].sent == 2  # new, then edited


def test_a_daily_digest_goes_out_once_the_day_is_over(tmp_path, site, receiver):
    receiver.start()
    config = with_targets(tmp_path, site, f'[[notify]]\nurl = "{receiver.url()}"\ndigest = "daily"\n')
    assert run_in_process(config, T0).ok
    assert run_in_process(config, T0 + dt.timedelta(hours=10)).ok  # 19:00 in Stockholm: same day
    assert receiver.messages == []
    assert run_in_process(config, T0 + dt.timedelta(hours=16, minutes=5)).ok  # 01:05 the next day
    assert receiver.titles() == [f"Jämlikt Göteborg – Aktuellt: {len(SEED)} händelser"]
    assert run_in_process(config, T0 + dt.timedelta(hours=17)).ok
    assert len(receiver.messages) == 1


class Mailbox:
    """aiosmtpd's handler: keeps every message it is given."""

    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.mails.append(parsed)
        return "250 OK"


@contextlib.contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, str]]:
    """An aiosmtpd server on 127.0.0.1: its mailbox and the Apprise mailto:// URL that sends to it."""
    mailbox = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = Controller(mailbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        yield mailbox, f"mailto://127.0.0.1:{port}?from=aktuellt@example.org&to=red@example.org&mode=insecure"
    finally:
        smtp.stop()


def test_mail_goes_as_html_and_plain_text_with_the_word_diff(tmp_path, site):
    with smtp_server() as (mailbox, url):
        config = with_targets(tmp_path, site, f'[[notify]]\nid = "red"\nurl = "{url}"\nkinds = ["edited"]\n')
        assert run_in_process(config, T0).ok
        site.edit_item(SEED[1].uuid, title=EDITED)
        assert run_in_process(config, T0 + dt.timedelta(hours=1)).ok
    (mail,) = mailbox.mails
    assert mail["Subject"] == f"Ändrad: {EDITED}" and "red@example.org" in mail["To"]
    assert mail.get_content_type() == "multipart/alternative"
    plain = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert plain is not None and html is not None
    text, markup = plain.get_content(), html.get_content()
    assert "[−i Göteborg]" in text and "[+på Kungstorget]" in text
    assert "<del>[−i Göteborg]</del>" in markup and "<ins>[+på Kungstorget]</ins>" in markup
    assert 'lang="sv"' in markup and SEED[1].uuid in markup


def test_a_trickling_apprise_receiver_is_cut_at_the_wall_clock_deadline(tmp_path, site):
    with Trickler() as trickler:
        url = trickler.url.replace("http://", "json://")
        config = with_targets(tmp_path, site, f'[[notify]]\nid = "seg"\nurl = "{url}"\ntimeout = 1\n')
        started = time.monotonic()
        assert run_in_process(config, T0).ok
        elapsed = time.monotonic() - started
    (state,) = read_facts(load_config(config))[1]
    assert state.pending == len(SEED) and state.consecutive_failures == 1
    assert state.last_error == "no answer within 1 s"
    assert elapsed < 12  # one attempt of 1 s (the trickle lasts 25 s); reading and publishing took the rest
    assert (tmp_path / "feeds/all.atom").exists()


@pytest.mark.parametrize(
    ("targets", "key", "reason"),
    [
        ('[[notify]]\nurl = "json://h/x"\nwebhook = "http://h/x"\n', "notify[0]", "exactly one of url"),
        ('[[notify]]\nid = "a"\n', "notify[0]", "exactly one of url"),
        ('[[notify]]\nurl = "json://h/x"\n[[notify]]\nurl = "json://h/x"\n', "notify[1].id", "duplicate id"),
        ('[[notify]]\nurl = "json://h/x"\ntopics = ["nosuch"]\n', "notify[0].topics", "no [[topics]]"),
        ('[[notify]]\nurl = "json://h/x"\nkinds = ["deleted"]\n', "notify[0].kinds", "must be one of"),
        ('[[notify]]\nurl = "json://h/x"\ndigest = "weekly"\n', "notify[0].digest", "must be one of"),
        ('[[notify]]\nurl = "json://h/x"\nkinds = []\n', "notify[0].kinds", "empty: name one or more of new"),
        ('[[notify]]\nurl = "not a url"\n', "notify[0].url", "must be an Apprise URL"),
        ('[[notify]]\nwebhook = "json://h/x"\n', "notify[0].webhook", "absolute http(s) URL"),
        (
            '[[notify]]\nurl = "json://h/x"\ngive_up_after = "0s"\n',
            "notify[0].give_up_after",
            "longer than 0s",
        ),
    ],
)
def test_notify_targets_are_checked_by_key(tmp_path, targets, key, reason):
    from tests.test_end_to_end import run_cli

    config = tmp_path / "config.toml"
    config.write_text(targets + '[[sources]]\nid = "s"\nurl = "http://127.0.0.1:9/"\n', encoding="utf-8")
    result = run_cli(config)
    assert result.returncode == 2
    assert any(line.strip().startswith(key) and reason in line for line in result.stderr.splitlines()), (
        result.stderr
    )


def test_check_asks_apprise_about_each_url_and_the_legacy_webhook_table_is_one_target(tmp_path):
    config = tmp_path / "config.toml"
    source = '[[sources]]\nid = "s"\nurl = "http://127.0.0.1:9/"\n'
    config.write_text('[[notify]]\nurl = "nosuchservice://x/y"\n' + source, encoding="utf-8")
    check = ["--config", str(config), "check"]
    result = aktuellt(*check)
    assert result.returncode == 2 and "notify[0].url: Apprise does not understand this URL" in result.stderr

    config.write_text(
        '[notify]\nwebhook = "http://127.0.0.1:9/hook"\ntimeout = 2\n' + source, encoding="utf-8"
    )
    result = aktuellt(*check)
    assert result.returncode == 0, result.stderr
    assert '[[notify]]\nid = "webhook"\nwebhook = "http://127.0.0.1:9/hook"' in result.stdout
    (target,) = load_config(config).notify
    assert (target.id, target.timeout, target.give_up_after) == ("webhook", 2.0, dt.timedelta(days=7))


def test_notify_targets_round_trip_through_check():
    import tomllib

    from scraper.config import describe, parse_config

    text = (
        '[[notify]]\nid = "red"\nurl = "mailtos://u:p@smtp.example.org?to=red@example.org"\n'
        'kinds = ["edited", "removed"]\ndigest = "daily"\ngive_up_after = "2d12h"\ntopics = ["t"]\n'
        '[[notify]]\nwebhook = "https://example.org/hook"\nsources = ["s"]\ntimeout = 2.5\n'
        '[[sources]]\nid = "s"\nurl = "https://example.org/news"\n'
        '[[topics]]\nid = "t"\nmatch = ["x"]\n'
    )
    config = parse_config(tomllib.loads(text), base_dir=Path("/tmp"))
    assert [t.id for t in config.notify] == ["red", "webhook"]
    assert config.notify[0].give_up_after == dt.timedelta(days=2, hours=12)
    assert parse_config(tomllib.loads(describe(config)), base_dir=Path("/tmp")) == config


def test_verbose_logging_never_shows_a_token_of_an_apprise_url(tmp_path, site, receiver):
    """Apprise's own debug lines carry the URL it posts to (Slack's and Telegram's tokens, here a path):
    `-v` must not write them out."""
    receiver.start()
    url = receiver.url().replace("/alerts", "/alerts/s3cr3t")
    config = with_targets(tmp_path, site, f'[[notify]]\nid = "larm"\nurl = "{url}"\n')
    result = aktuellt("--config", str(config), "-v", "run")
    assert result.returncode == 0, result.stderr
    assert len(receiver.messages) == 1 and "notify larm: 26 events delivered" in result.stderr
    assert "s3cr3t" not in result.stderr


def test_a_digest_longer_than_the_service_allows_goes_as_several_messages_each_sent_once(
    tmp_path, site, receiver
):
    """ntfy takes 7,800 characters and waits 5.5 s between the parts of a split message: the first cycle's
    26 events (about 14,000 characters) split by Apprise outlasted the 5 s deadline at every attempt while
    the parts went out anyway, so the receiver got the digest again at every retry for 7 days."""
    receiver.start()
    url = f"ntfy://127.0.0.1:{receiver.port}/nyheter"
    config = with_targets(tmp_path, site, f'[[notify]]\nid = "ntfy"\nurl = "{url}"\n')
    started = time.monotonic()
    assert run_in_process(config, T0).ok
    assert time.monotonic() - started < 5
    (state,) = read_facts(load_config(config))[1]
    assert (state.sent, state.pending, state.consecutive_failures) == (len(SEED), 0, 0)
    assert len(receiver.messages) >= 2
    assert all(len(message["message"]) <= 7800 for message in receiver.messages)
    body = "\n\n".join(message["message"] for message in receiver.messages)
    with Store(tmp_path / "aktuellt.db") as store:
        in_order = [f"Ny: {row.after.title}" for row in reversed(store.events.changes())]
    assert [line for line in body.splitlines() if line.startswith("Ny: ")] == in_order
    assert run_in_process(config, T0 + dt.timedelta(minutes=5)).ok
    time.sleep(0.5)  # nothing may trickle in late either
    assert len(body) > 7800 and "\n\n".join(m["message"] for m in receiver.messages) == body


def test_a_daily_digest_counts_give_up_after_from_the_end_of_the_day(tmp_path, site, receiver):
    """give_up_after = "12h" with a daily digest: an event of 09:00 waits until midnight by design; it used
    to be given up at 01:05, 16 hours after it happened, without ever being tried."""
    receiver.start()
    targets = f'[[notify]]\nid = "dag"\nurl = "{receiver.url()}"\ndigest = "daily"\ngive_up_after = "12h"\n'
    config = with_targets(tmp_path, site, targets)
    assert run_in_process(config, T0).ok  # 09:00 in Stockholm
    assert run_in_process(config, T0 + dt.timedelta(hours=16, minutes=5)).ok  # 01:05 the next day
    assert receiver.titles() == [f"Jämlikt Göteborg – Aktuellt: {len(SEED)} händelser"]
    (state,) = read_facts(load_config(config))[1]
    assert (state.sent, state.undeliverable) == (len(SEED), 0)

    receiver.stop()
    site.edit_item(SEED[1].uuid, title=EDITED)
    day3 = dt.datetime(2026, 3, 3, 23, 0, tzinfo=dt.UTC)  # midnight of 4 March in Stockholm
    assert run_in_process(config, T0 + dt.timedelta(hours=24)).ok  # the edit, 3 March 09:00
    assert run_in_process(config, day3 + dt.timedelta(hours=11, minutes=55)).ok  # due 11 h 55 min: tried
    (state,) = read_facts(load_config(config))[1]
    assert (state.pending, state.undeliverable, state.consecutive_failures) == (1, 0, 1)
    assert run_in_process(config, day3 + dt.timedelta(hours=12, minutes=5)).ok  # due over 12 h: given up
    (state,) = read_facts(load_config(config))[1]
    assert (state.pending, state.undeliverable) == (0, 1)


def test_a_topic_target_waits_for_the_article_that_puts_an_item_in_its_topic(tmp_path, site, receiver):
    """The topic's word is only in the article's text: while the article page fails, the item is in no
    topic. Its "new" event used to be skipped for the topic's target then, and when the article was read a
    cycle later there was no event left to send: the alert was lost."""
    receiver.start()
    topic = '\n[[topics]]\nid = "sparvagn"\ntitle = "Spårvagnar"\nmatch = ["spårvagnshall"]\n'
    target = f'[[notify]]\nid = "sparvagn"\nurl = "{receiver.url()}"\ntopics = ["sparvagn"]\n'
    config = with_targets(tmp_path, site, target, topic)
    assert run_in_process(config, T0).ok
    assert receiver.messages == []
    item = new_item("Nytt beslut i nämnden", "2 mars 2026", "Nämnden har fattat ett beslut.")
    item.body_html = "<p>Beslutet gäller den nya spårvagnshallen i Majorna.</p>"
    site.add_item(item)
    site.article_faults[item.uuid] = 503
    assert run_in_process(config, T0 + dt.timedelta(hours=1)).ok  # the article fails: no topic yet
    assert receiver.messages == []
    (state,) = read_facts(load_config(config))[1]
    assert (state.pending, state.consecutive_failures) == (
        1,
        0,
    )  # held, not skipped, and no failure of the target
    del site.article_faults[item.uuid]
    assert run_in_process(config, T0 + dt.timedelta(hours=2)).ok  # read now: in the topic
    assert receiver.titles() == ["Ny: Nytt beslut i nämnden"]
    (state,) = read_facts(load_config(config))[1]
    assert (state.pending, state.sent) == (0, 1)


def test_a_topic_target_hears_of_a_removal_and_the_return_with_marked_removals(tmp_path, site, receiver):
    """`site.removed = "mark"` keeps a removed item in the feeds a while: its removal and its return are
    events like any other, and a topic's target gets them (the item stays filed in its topic)."""
    receiver.start()
    topic = '\n[[topics]]\nid = "mattor"\ntitle = "Mattor"\nmatch = ["matta"]\n'
    target = f'[[notify]]\nid = "mattor"\nurl = "{receiver.url()}"\ntopics = ["mattor"]\ndigest = "event"\n'
    config = with_targets(tmp_path, site, target, topic)
    config.write_text(config.read_text(encoding="utf-8").replace("[site]\n", '[site]\nremoved = "mark"\n', 1))
    assert run_in_process(config, T0).ok
    kept = site.items[1]
    site.remove_item(SEED[1].uuid)
    for hours in (1, 2):  # a removal needs two reads without the item
        assert run_in_process(config, T0 + dt.timedelta(hours=hours)).ok
    site.add_item(kept, 1)
    assert run_in_process(config, T0 + dt.timedelta(hours=3)).ok
    assert receiver.titles() == [f"{kind}: {SEED[1].title}" for kind in ("Ny", "Borttagen", "Återpublicerad")]
    assert "Nyheten finns inte längre på webbplatsen." in receiver.messages[1]["message"]


def test_a_long_mail_digest_goes_whole_in_one_mail(tmp_path, site):
    """Apprise's 32,768 characters are its default, not a limit of e-mail: a digest longer than that goes
    as one complete mail (neither cut nor split into parts that outlast the deadline)."""
    for number in range(12):
        words = " ".join(f"ord{number}x{index}" for index in range(300))
        site.add_item(new_item(f"Lång nyhet nummer {number}", "2 mars 2026", f"Ingressen {words}."))
    with smtp_server() as (mailbox, url):
        config = with_targets(tmp_path, site, f'[[notify]]\nid = "red"\nurl = "{url}"\n')
        assert run_in_process(config, T0).ok
    (mail,) = mailbox.mails
    html = mail.get_body(("html",))
    assert html is not None
    markup = html.get_content()
    assert len(markup) > 40_000 and markup.rstrip().endswith("</html>")
    assert all(f"Lång nyhet nummer {number}" in markup for number in range(12))
    (state,) = read_facts(load_config(config))[1]
    assert (state.sent, state.consecutive_failures) == (len(SEED) + 12, 0)


class SlowAnswer(Trickler):
    """A raw HTTP server on 127.0.0.1 that reads each request whole, then answers 200 a few bytes every 0.3 s
    (each read well within a 1 s timeout, 2.4 s in all): the message arrives, the confirmation comes late."""

    def __init__(self) -> None:
        super().__init__()
        self.url = self.url.replace("http://", "json://")
        self.bodies: list[bytes] = []

    def _trickle(self, conn: socket.socket) -> None:
        with conn:
            received = b""
            while b"\r\n\r\n" not in received:
                received += conn.recv(65536)
            head, _, body = received.partition(b"\r\n\r\n")
            length = next(
                int(line[15:]) for line in head.lower().split(b"\r\n") if line[:15] == b"content-length:"
            )
            while len(body) < length:
                body += conn.recv(65536)
            self.bodies.append(body)
            answer = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            for start in range(0, len(answer), 8):
                time.sleep(0.3)
                conn.sendall(answer[start : start + 8])


def test_a_message_confirmed_after_its_deadline_is_not_sent_again(tmp_path, site):
    """`serve`: the service took the message but confirmed it only after the deadline (a slow SMTP server
    does so every time). The attempt counts as failed, but once the late confirmation is in, the next cycle
    marks those events sent instead of sending them again (which it would do at every retry for 7 days)."""
    slow = SlowAnswer()
    with slow:
        config = with_targets(tmp_path, site, f'[[notify]]\nid = "seg"\nurl = "{slow.url}"\ntimeout = 1\n')
        assert run_in_process(config, T0).ok
        (state,) = read_facts(load_config(config))[1]
        assert (state.pending, state.consecutive_failures) == (len(SEED), 1)
        time.sleep(2.5)  # the late confirmation comes in
        assert run_in_process(config, T0 + dt.timedelta(minutes=2)).ok
    assert len(slow.bodies) == 1
    (state,) = read_facts(load_config(config))[1]
    assert (state.pending, state.sent, state.consecutive_failures) == (0, len(SEED), 0)


def test_check_warns_of_a_url_with_several_recipients(tmp_path):
    """Apprise tells only whether every recipient took a message: with a refused address among them, the
    others got the same mail at every retry for 7 days (aiosmtpd refusing one RCPT showed it)."""
    config = tmp_path / "config.toml"
    url = "mailto://127.0.0.1:25?from=a@example.org&to=red@example.org,chef@example.org"
    config.write_text(
        f'[[notify]]\nid = "red"\nurl = "{url}"\n[[sources]]\nid = "s"\nurl = "http://127.0.0.1:9/"\n',
        encoding="utf-8",
    )
    result = aktuellt("--config", str(config), "check")
    assert result.returncode == 0, result.stderr
    assert "warning: notify[0].url names 2 recipients" in result.stderr
    assert "give each its own [[notify]]" in result.stderr
