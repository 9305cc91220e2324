"""When `aktuellt serve` runs a cycle: the schedule from config as an APScheduler 3 trigger, and the
scheduler.

The only module that imports apscheduler. It decides *when*; what a cycle does is the job it is given
(service.CycleRunner). Times are read in `schedule.timezone` (Europe/Stockholm by default), so a cron line
such as `*/15 6-22 * * 1-5` means local office hours across daylight-saving changes.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from ..config import ScheduleConfig
from ..errors import ConfigError

log = logging.getLogger(__name__)

#: crontab counts weekdays from Sunday = 0 (and 7); APScheduler 3 counts from Monday = 0. Names mean the same
#: in both, so crontab numbers are translated to names before APScheduler sees them.
_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: The five fields of a crontab line, as CronTrigger names them.
_CRON_FIELDS = ("minute", "hour", "day", "month", "day_of_week")
#: How far ahead a cron schedule is sampled to learn its gaps (a week covers every weekday pattern).
_SAMPLE = dt.timedelta(days=7)


def _weekdays(field: str) -> str:
    def name(match: re.Match[str]) -> str:
        number = int(match[0])
        if number > 7:
            raise ValueError(f"weekday {number} is out of range 0-7")
        return _CRON_DAYS[number]

    # Only the numbers that are days, not the step after a "/" ("*/2" stays "*/2").
    return re.sub(r"(?<![/\d])\d+", name, field)


def build_trigger(schedule: ScheduleConfig, *, jitter: bool = True) -> IntervalTrigger | CronTrigger:
    """The trigger for `schedule` (`every` or a 5-field `cron`), in its timezone; ConfigError when invalid."""
    zone = ZoneInfo(schedule.timezone)
    spread = int(schedule.jitter.total_seconds()) if jitter else 0
    if schedule.every is not None:
        return IntervalTrigger(seconds=schedule.every.total_seconds(), timezone=zone, jitter=spread or None)
    assert schedule.cron is not None  # config guarantees one of the two
    *fields, weekday = schedule.cron.split()
    try:
        named = dict(zip(_CRON_FIELDS, [*fields, _weekdays(weekday)], strict=True))
        return CronTrigger(**named, timezone=zone, jitter=spread or None)
    except ValueError as error:
        raise ConfigError([("schedule.cron", str(error))]) from None


def gaps(schedule: ScheduleConfig, now: dt.datetime) -> list[dt.timedelta]:
    """The times between scheduled cycles: `every`, or a cron line's spacings over a week (the longest is,
    e.g., the night in `*/15 6-22 * * *`)."""
    if schedule.every is not None:
        return [schedule.every]
    trigger = build_trigger(schedule, jitter=False)
    times: list[dt.datetime] = []
    while len(times) < 5000:
        previous = times[-1] if times else None
        following = trigger.get_next_fire_time(previous, previous or now)
        if following is None or following > now + _SAMPLE:
            break
        times.append(following)
    return [later - earlier for earlier, later in zip(times, times[1:], strict=False)] or [_SAMPLE]


def health_window(schedule: ScheduleConfig, now: dt.datetime) -> dt.timedelta:
    """A source is healthy while its last success is younger than this: three scheduled cycles (the longest
    gaps, so a cron schedule's quiet night is no alarm), plus the jitter each cycle may be delayed by."""
    return 3 * max(gaps(schedule, now)) + schedule.jitter


def cache_seconds(schedule: ScheduleConfig, now: dt.datetime) -> int:
    """`Cache-Control: max-age` for the feeds: nothing can change faster than the schedule runs, and a
    reader polling more often than that only costs requests. Capped at an hour so a long schedule never
    makes caches hold a changed feed for half a day."""
    return max(1, min(3600, int(min(gaps(schedule, now)).total_seconds())))


def cycle_scheduler(schedule: ScheduleConfig, job: Callable[[], object]) -> BackgroundScheduler:
    """A scheduler that, once started, runs `job` at once, then on the schedule, one at a time, in one
    background thread. Its `shutdown(wait=False)` takes no new work and leaves a cycle already running to
    finish in its thread (the caller waits)."""
    zone = ZoneInfo(schedule.timezone)
    # A cycle that could not start on time (the machine slept, or the previous cycle ran long) still runs if
    # it is late by less than one interval; coalesce folds a backlog of missed cycles into one.
    grace = max(1, int(min(gaps(schedule, dt.datetime.now(zone))).total_seconds()))
    scheduler = BackgroundScheduler(
        timezone=zone,
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
    )
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        # "Running job …" / "executed successfully" every cycle: our own cycle line says it better.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # The first cycle as soon as the scheduler starts, not one interval later.
    scheduler.add_job(
        job, build_trigger(schedule), id="cycle", name="aktuellt cycle", next_run_time=dt.datetime.now(zone)
    )
    return scheduler
