"""The pure parts of the service: schedule arithmetic, the health verdict and the status table."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from scraper.config import ScheduleConfig
from scraper.errors import ConfigError
from scraper.service.health import assess
from scraper.service.schedule import build_trigger, cache_seconds, gaps, health_window
from scraper.service.status import render
from scraper.store import RunHistory

STOCKHOLM = ZoneInfo("Europe/Stockholm")
NOW = dt.datetime(2026, 3, 27, 12, 0, tzinfo=dt.UTC)  # a Friday, two days before summer time starts


def cron(line: str, jitter: int = 0) -> ScheduleConfig:
    return ScheduleConfig(every=None, cron=line, jitter=dt.timedelta(seconds=jitter))


def every(minutes: int, jitter: int = 60) -> ScheduleConfig:
    return ScheduleConfig(every=dt.timedelta(minutes=minutes), cron=None, jitter=dt.timedelta(seconds=jitter))


def test_every_gives_its_interval_and_a_window_of_three_plus_jitter():
    schedule = every(15)
    assert gaps(schedule, NOW) == [dt.timedelta(minutes=15)]
    assert health_window(schedule, NOW) == dt.timedelta(minutes=46)
    assert cache_seconds(schedule, NOW) == 900
    assert cache_seconds(every(24 * 60), NOW) == 3600, "capped at an hour"


def test_cron_night_gap_sets_the_health_window_not_the_cache():
    schedule = cron("*/15 6-22 * * *")
    assert min(gaps(schedule, NOW)) == dt.timedelta(minutes=15)
    assert max(gaps(schedule, NOW)) == dt.timedelta(hours=7, minutes=15)  # 22:45 → 06:00
    assert cache_seconds(schedule, NOW) == 900


def test_cron_weekdays_count_from_sunday_as_in_crontab():
    trigger = build_trigger(cron("0 9 * * 1"))  # crontab: Monday
    fire = trigger.get_next_fire_time(None, NOW)
    assert fire.astimezone(STOCKHOLM).strftime("%A %H:%M") == "Monday 09:00"
    sunday = build_trigger(cron("0 9 * * 0")).get_next_fire_time(None, NOW)
    assert sunday.astimezone(STOCKHOLM).strftime("%A") == "Sunday"
    # Local time across the change to summer time (29 March 2026): 09:00 is still 09:00 in Stockholm.
    assert sunday.utcoffset() == dt.timedelta(hours=2)


def test_cron_the_parser_rejects_is_a_config_error():
    with pytest.raises(ConfigError) as caught:
        build_trigger(cron("61 * * * *"))
    assert caught.value.problems[0][0] == "schedule.cron"


def history(success_ago: float | None, failures: int = 0, ran: bool = True) -> RunHistory:
    success = NOW - dt.timedelta(minutes=success_ago) if success_ago is not None else None
    return RunHistory(
        source="s",
        last_run=NOW if ran else None,
        last_status="failed" if failures else "ok",
        last_success=success,
        last_failure=NOW if failures else None,
        last_error="HTTP 500" if failures else None,
        consecutive_failures=failures,
    )


@pytest.mark.parametrize(
    ("case", "healthy", "state"),
    [
        (history(1), True, "ok"),
        (history(10, failures=2), True, "degraded"),
        (history(50, failures=3), False, "failing"),
        (history(None, failures=1), False, "failing"),
        (history(50), False, "stale"),
    ],
)
def test_health_is_a_recent_success(case, healthy, state):
    [verdict] = assess([case], now=NOW, window=dt.timedelta(minutes=46))
    assert (verdict.healthy, verdict.state) == (healthy, state)


def test_a_source_that_never_ran_is_pending_for_one_window_after_start():
    never = history(None, ran=False)
    window = dt.timedelta(minutes=46)
    [fresh] = assess([never], now=NOW, window=window, since=NOW - dt.timedelta(minutes=5))
    [late] = assess([never], now=NOW, window=window, since=NOW - dt.timedelta(hours=1))
    [status] = assess([never], now=NOW, window=window)
    assert (fresh.healthy, fresh.state) == (True, "pending")
    assert not late.healthy and not status.healthy


def test_status_with_300_sources_puts_the_failing_first_and_folds_the_ok_ones():
    """`aktuellt status` for every Swedish municipality (issue 20): the few sources that need looking at come
    first, the 290-odd that are fine are one line, and `--all` still lists every one."""
    histories = [
        RunHistory(f"kommun-{n:03d}", NOW, "ok", NOW - dt.timedelta(minutes=n % 14), None, None, 0)
        for n in range(300)
    ]
    histories[150] = RunHistory("kommun-150", NOW, "failed", NOW - dt.timedelta(hours=3), NOW, "HTTP 503", 12)
    histories[299] = RunHistory(
        "kommun-299", NOW, "failed", NOW - dt.timedelta(minutes=5), NOW, "HTTP 500", 1
    )
    verdicts = assess(histories, now=NOW, window=dt.timedelta(minutes=47))
    counts = {h.source: 25 for h in histories}

    text = render(verdicts, counts, now=NOW, window=dt.timedelta(minutes=47))

    lines = text.splitlines()
    assert lines[1].startswith("kommun-150  failing (UNHEALTHY)")  # unhealthy first
    assert lines[2].startswith("kommun-299  degraded")
    assert lines[3] == (
        "… and 298 more sources ok (7450 items; last success 0s ago to 13m ago); "
        "`aktuellt status --all` lists them"
    )
    assert len(lines) < 10
    everything = render(verdicts, counts, now=NOW, window=dt.timedelta(minutes=47), everything=True)
    assert len(everything.splitlines()) == 1 + 300 + 2
