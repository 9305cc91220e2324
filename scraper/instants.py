"""A `SiteDate` → the `published` instant a feed shows. Pure: stdlib only, no I/O, no clock.

- `published_instant` turns what the site printed into the one instant a feed shows, once, at first sight;
  a date without a time becomes a nominal instant near 10:30 UTC (`nominal_instant`), the same date from
  UTC−10 to UTC+13 all year, ordered like the listing;
- `stable_instant` is the same without the order-keeping shift, for dates read again and again;
- `restate_published` maps rows stored under older rules (local midnight, 12:30 local) onto the current one
  at render time.

A site date is a wall time in the source's own timezone; it only becomes an instant here, with `zoneinfo`.
"""

from __future__ import annotations

import datetime as dt
from typing import Final
from zoneinfo import ZoneInfo

from .models import SiteDate

#: A date without a time is shown at this instant of its day, give or take `NOMINAL_SPREAD`: 10:30 UTC is
#: 00:30 in Honolulu (UTC−10) and 23:30 in Auckland in summer (UTC+13), the middle of the only hour
#: (10:00–11:00 UTC) that falls on the same date in every zone from UTC−10 to UTC+13, all year. (The rule
#: before it, 12:30 local, was 11:30 UTC in a Swedish winter: 00:30 the next day in Auckland.)
NOMINAL_UTC: Final = dt.time(10, 30)
#: The rule before `NOMINAL_UTC`: 12:30 local. Still the nominal time for a source whose own zone does not
#: have 10:00–11:00 UTC on the item's date (UTC+13:45 in Chatham's summer, UTC+14, UTC−11, UTC−12): the
#: site's own day comes first. Rows stored under it are restated when rendered (`restate_published`).
LOCAL_NOMINAL_TIME: Final = dt.time(12, 30)
#: How far (in seconds, either way) the nominal time moves to keep a day's items in the site's order.
NOMINAL_SPREAD: Final = 1799
#: One second of nominal time per this many seconds of a first-seen day: 24 hours fit in 28.8 minutes.
_DAY_COMPRESSION: Final = 50


def published_instant(
    site_date: SiteDate, tz: ZoneInfo, first_seen: dt.datetime, position: int = 0
) -> dt.datetime:
    """The `published` instant (aware, UTC) of an item the site dated `site_date` in `tz`.

    A date with a time is that wall time in `tz`. A date without one gets a nominal instant,
    `nominal_instant`: shown as that date in every zone from UTC−10 to UTC+13, ordered like the listing.
    `position` is the item's place in the cycle's listing (0 = top, the newest).

    Wall times that do not exist (the spring-forward gap) or exist twice (the autumn fold) are resolved with
    `fold=0`, as PEP 495 does: a gap time is read with the offset in force before the gap (02:30 on the last
    Sunday of March in Stockholm becomes 01:30Z, i.e. 03:30 CEST), a fold time is its first occurrence.

    Raises ValueError if `first_seen` is naive.
    """
    if first_seen.tzinfo is None or first_seen.utcoffset() is None:
        raise ValueError(f"first_seen must be timezone-aware, got {first_seen!r}")
    if site_date.time is None:
        return nominal_instant(site_date.day, tz, first_seen, position)
    return stable_instant(site_date, tz)


def stable_instant(site_date: SiteDate, tz: ZoneInfo) -> dt.datetime:
    """The instant a site date stands for with no order-keeping shift: its wall time in `tz`, or the
    nominal instant of its day (`nominal_base`). For dates read again and again (an article's "Senast
    uppdaterad" at each re-check), which must come out the same each time."""
    if site_date.time is None:
        return nominal_base(site_date.day, tz)
    return _wall(site_date.day, site_date.time.replace(tzinfo=None), tz)


def nominal_base(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """The nominal instant of a date without a time, before any order-keeping shift: 10:30 UTC on `day`
    (`NOMINAL_UTC`) when the whole hour 10:00–11:00 UTC is `day` in the site's zone `tz` too, else 12:30
    local (`LOCAL_NOMINAL_TIME`): the site's own day first."""
    base = dt.datetime.combine(day, NOMINAL_UTC, tzinfo=dt.UTC)
    spread = dt.timedelta(seconds=NOMINAL_SPREAD)
    if all((base + edge).astimezone(tz).date() == day for edge in (-spread, spread)):
        return base
    return _wall(day, LOCAL_NOMINAL_TIME, tz)


def nominal_instant(day: dt.date, tz: ZoneInfo, first_seen: dt.datetime, position: int = 0) -> dt.datetime:
    """The instant a date without a time stands for: `nominal_base` of `day`, moved by whole seconds (at
    most `NOMINAL_SPREAD` either way) so that readers sorting by date keep the site's order:

    - one second earlier per listing `position` (the listing is newest first);
    - for an item first seen on `day` itself, one second later per 50 seconds of that day gone by at first
      sight, so an item that appeared later in the day is dated later (the old rule gave it the first-seen
      instant, which can be another date outside Sweden).

    Only the order is information; the time of day is nominal (the site did not print one)."""
    return nominal_base(day, tz) + dt.timedelta(seconds=_order_shift(day, tz, first_seen, position))


def _order_shift(day: dt.date, tz: ZoneInfo, first_seen: dt.datetime, position: int) -> int:
    """The seconds `nominal_instant` moves a date-only item's instant by (see there)."""
    shift = -min(max(position, 0), NOMINAL_SPREAD)
    seen = first_seen.astimezone(tz)
    if seen.date() == day:
        midnight = dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(dt.UTC)
        elapsed = int((first_seen - midnight).total_seconds())
        shift += min(max(elapsed, 0) // _DAY_COMPRESSION, NOMINAL_SPREAD)
    return max(-NOMINAL_SPREAD, min(NOMINAL_SPREAD, shift))


def restate_published(
    published: dt.datetime, first_seen: dt.datetime, position: int, tz: ZoneInfo, *, timed: bool = False
) -> dt.datetime:
    """A stored `published` under the current rule. A date the site printed with a time (`timed`) is
    never moved. For a date without one, rows stored under an older rule are recomputed:

    - local midnight (an item first seen after its date) or the first-seen instant (first seen on its
      date), the first rule: recomputed as `nominal_instant`;
    - 12:30 local give or take `NOMINAL_SPREAD` (the second rule, `LOCAL_NOMINAL_TIME`): moved onto
      `nominal_base` by the same shift, which is the order it was given.

    Every other value (one stored under the current rule) comes back unchanged, so this is idempotent."""
    if timed:
        return published
    local = published.astimezone(tz)
    if local.time() == dt.time(0) or published == first_seen:
        return nominal_instant(local.date(), tz, first_seen, position)
    return restate_stable(published, tz)


def restate_stable(moment: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """`moment` moved from the 12:30-local rule onto `nominal_base` when it lies within `NOMINAL_SPREAD` of
    its day's 12:30 local and not already within it of the current nominal instant; else unchanged."""
    day = moment.astimezone(tz).date()
    old, new = _wall(day, LOCAL_NOMINAL_TIME, tz), nominal_base(day, tz)
    spread = dt.timedelta(seconds=NOMINAL_SPREAD)
    if abs(moment - old) <= spread and abs(moment - new) > spread:
        return (new + (moment - old)).astimezone(dt.UTC)
    return moment


def _wall(day: dt.date, clock: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The wall time `clock` on `day` in `tz` as a UTC instant (fold=0: see `published_instant`)."""
    return dt.datetime.combine(day, clock, tzinfo=tz).replace(fold=0).astimezone(dt.UTC)
