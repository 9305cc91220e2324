"""The wall clock, in one place: `utc_now`, and the `Clock` type a cycle takes so tests can set the time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
