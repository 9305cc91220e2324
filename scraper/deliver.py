"""Deliver the outbox: every queued event to every notify target, at least once and in order, after the
cycle has published (so a slow or broken receiver never delays or fails publishing).

Per target: events pending longer than `give_up_after` are marked undeliverable; a target that failed waits
out its back-off (1 min, doubling up to 1 h, across cycles); then its pending events go out oldest first,
each confirmed one marked sent at once (a killed cycle resends from the first unconfirmed event). The first
failure stops that target for this cycle, so nothing is delivered out of order. A webhook gets one
aktuellt.event/1 document per event; an Apprise target one message per event, per cycle or per day
(`digest`). Each attempt has a wall-clock deadline (`timeout`), and a target gets at most
BUDGET_ATTEMPTS × `timeout` of a cycle: what is left waits for the next one.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from . import alerts
from .config import Config, NotifyConfig
from .errors import FetchError, ScraperError
from .publish import push
from .publish.messages import Alert, alert_for
from .source.transport import post
from .store import ChangeRow, Store, iso

log = logging.getLogger(__name__)

#: A target's share of one cycle, in attempts' deadlines (60 s with the default timeout of 5 s).
BUDGET_ATTEMPTS = 12
#: Events read from the outbox at a time; and at most this many in one digest message.
BATCH = 50
_FIRST_BACKOFF, _LONGEST_BACKOFF = 60, 3600


def backoff(failures: int) -> dt.timedelta:
    """How long a target that failed `failures` times in a row waits before the next attempt."""
    return dt.timedelta(seconds=min(_FIRST_BACKOFF * 2 ** max(failures - 1, 0), _LONGEST_BACKOFF))


def deliver(config: Config, store: Store, *, now: dt.datetime, user_agent: str) -> None:
    """Deliver what each target has pending; failures are logged and kept for the next cycle, never
    raised."""
    for target in config.notify:
        try:
            _deliver_target(config, store, target, now=now, user_agent=user_agent)
        except ScraperError as error:  # the store could not be read or written: the events stay queued
            log.error("notify %s: %s", target.id, error)


def _deliver_target(
    config: Config, store: Store, target: NotifyConfig, *, now: dt.datetime, user_agent: str
) -> None:
    outbox = store.outbox
    if target.url is not None and (late := alerts.confirmed_late(target.id)):
        outbox.settle(list(late), "sent", now)  # its failure is cleared too: the target works
        log.info("notify %s: %d events confirmed after their deadline; not sent again", target.id, len(late))
    state = outbox.target_state(target.id)
    cutoff = now - target.give_up_after
    if target.digest == "daily":  # an event waits for the end of its day by design: counted from then
        cutoff = _start_of_day(cutoff, config.schedule.timezone)
    given_up = outbox.give_up(target.id, queued_before=cutoff, now=now)
    if given_up:
        log.error(
            "notify %s: %d events undeliverable: not delivered within %s (last error: %s)",
            target.id,
            given_up,
            target.give_up_after,
            state.last_error,
        )
    if state.next_attempt is not None and now < state.next_attempt:
        log.info(
            "notify %s: waiting until %s after %d failures",
            target.id,
            iso(state.next_attempt),
            state.failures,
        )
        return
    before = _start_of_day(now, config.schedule.timezone) if target.digest == "daily" else None
    ends = time.monotonic() + BUDGET_ATTEMPTS * target.timeout
    sent = 0
    try:
        after = 0  # held events stay pending: read on past them
        while due := outbox.due(target.id, before=before, limit=BATCH, after=after):
            after = due[-1][1]
            rows = {row.id: row for row in store.events.changes(ids=[event for _, event in due])}
            wanted, held = _wanted(store, target, [(slot, rows.get(event)) for slot, event in due])
            outbox.settle(
                [slot for slot, _ in due if slot not in dict(wanted) and slot not in held], "skipped", now
            )
            for batch in _messages(config, target, wanted):
                _send(config, target, batch, user_agent=user_agent)
                outbox.settle([slot for slot, _ in batch], "sent", now)
                sent += len(batch)
                if time.monotonic() > ends:
                    log.info("notify %s: %d delivered; the rest waits for the next cycle", target.id, sent)
                    return
    except alerts.AlertFailed as error:  # a webhook's failure too: the reason, for the log and `status`
        failures = 1 if sent else state.failures + 1  # a delivery this cycle set the count back to 0
        outbox.record_failure(target.id, str(error), now + backoff(failures))
        log.warning(
            "notify %s: not delivered (%s); %d delivered before it; next attempt in %s",
            target.id,
            error,
            sent,
            backoff(failures),
        )
        return
    if sent:
        log.info("notify %s: %d events delivered", target.id, sent)


def _wanted(
    store: Store, target: NotifyConfig, due: Sequence[tuple[int, ChangeRow | None]]
) -> tuple[list[tuple[int, ChangeRow]], set[int]]:
    """The due deliveries the target's filters keep (an event no longer readable is left out too), and
    those held: not in the target's topics yet, but their item's topics may still change (its article page
    failed and is retried, or its feeds are not yet stored), so they stay pending for a later cycle."""
    kept = [
        (slot, row)
        for slot, row in due
        if row is not None
        and row.kind in target.kinds
        and (not target.sources or row.source in target.sources)
    ]
    if not target.topics or not kept:
        return kept, set()
    items = [(row.source, row.key) for _, row in kept]
    topics, unsettled = store.pages.item_topics(items), store.outbox.unsettled_items(items)
    wanted = [(slot, row) for slot, row in kept if set(topics[(row.source, row.key)]) & set(target.topics)]
    held = {slot for slot, row in kept if (row.source, row.key) in unsettled} - {slot for slot, _ in wanted}
    return wanted, held


def _messages(
    config: Config, target: NotifyConfig, wanted: list[tuple[int, ChangeRow]]
) -> list[list[tuple[int, ChangeRow]]]:
    """What goes out together: one event per message for a webhook and `digest = "event"`, else as many
    events, in order, as fit in one message to the service (alerts.room)."""
    if target.webhook is not None or target.digest == "event":
        return [[pair] for pair in wanted]
    assert target.url is not None
    limit, html = alerts.room(target.url), alerts.uses_html(target.url)
    groups: list[list[tuple[int, ChangeRow]]] = []
    for pair in wanted:
        if groups and (limit is None or len(_body(config, [*groups[-1], pair], html)) <= limit):
            groups[-1].append(pair)
        else:
            groups.append([pair])
    return groups


def _body(config: Config, batch: Sequence[tuple[int, ChangeRow]], html: bool) -> str:
    alert = _alert(config, [row for _, row in batch])
    return alert.html if html else alert.text


def _alert(config: Config, rows: Sequence[ChangeRow]) -> Alert:
    return alert_for(rows, site_title=config.site.title, tz=ZoneInfo(config.schedule.timezone))


def _send(
    config: Config, target: NotifyConfig, batch: Sequence[tuple[int, ChangeRow]], *, user_agent: str
) -> None:
    rows = [row for _, row in batch]
    if target.webhook is not None:
        (row,) = rows
        try:
            post(
                target.webhook,
                json_body=push.event_document(row),
                user_agent=user_agent,
                timeout=target.timeout,
            )
        except FetchError as error:
            # The reason without the URL: a webhook URL often holds a token, and this text goes to the log,
            # the store, `status` and /healthz.
            raise alerts.AlertFailed(str(error).replace(target.webhook, "the webhook")) from None
        return
    assert target.url is not None
    alert = _alert(config, rows)
    alerts.send(
        target.id,
        target.url,
        title=alert.title,
        text=alert.text,
        html=alert.html,
        timeout=target.timeout,
        key=tuple(slot for slot, _ in batch),
    )


def _start_of_day(now: dt.datetime, timezone: str) -> dt.datetime:
    """Midnight at the start of `now`'s day in `timezone`: a daily digest sends what was queued before it."""
    local = now.astimezone(ZoneInfo(timezone))
    return dt.datetime.combine(local.date(), dt.time(), tzinfo=local.tzinfo)
