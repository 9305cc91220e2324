"""Relative listing dates ("idag 14:30", "igår", "heute, 18:00 Uhr", "vor 2 Stunden", "2 hours ago") →
`SiteDate`, read against the fetch time in the source's time zone. Pure: stdlib only, no clock of its own.

Swedish, Norwegian (bokmål and nynorsk), Danish, German and English. Only a text that is the relative date
(with a label such as "Publicerad" or a time around it) is read: a headline that says "today" is not a date.
A day word ("heute", "igår") gives that day, with the time printed beside it if any; an amount of minutes or
hours gives the wall time that long before the fetch; days and weeks give the day that long before.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

from .dates import PUBLISHED_LABELS
from .models import SiteDate

#: Day words → days before the fetch day.
_DAYS: Final = {
    "idag": 0, "i dag": 0, "today": 0, "heute": 0,
    "igår": 1, "i går": 1, "igår kväll": 1, "yesterday": 1, "gestern": 1,
    "i forgårs": 2, "i förrgår": 2, "förrgår": 2, "i forgaars": 2, "vorgestern": 2,
}  # fmt: skip

#: "Just now" in every listed language: the fetch time itself.
_NOW_RE: Final = re.compile(
    r"^\W*(?:just now|nyss|alldeles nyss|gerade eben|gerade|akkurat nå|nettopp|lige nu)\W*$", re.I
)

#: Unit words → the unit in seconds, in every listed language (months and years are too vague to date by).
_UNITS: Final = {
    **dict.fromkeys(("sekund", "sekunder", "sekunden", "second", "seconds", "sec", "secs", "s"), 1),
    **dict.fromkeys(("minut", "minuter", "minutter", "minuten", "minute", "minutes", "min", "mins", "m"), 60),
    **dict.fromkeys(("timme", "timmar", "tim", "time", "timer", "timar", "stunde", "stunden", "std", "hour",
                     "hours", "hr", "hrs", "h"), 3600),
    **dict.fromkeys(("dag", "dagar", "dage", "dager", "døgn", "tag", "tagen", "tage", "day", "days", "d"),
                    86400),
    **dict.fromkeys(("vecka", "veckor", "uke", "uker", "veke", "veker", "uge", "uger", "woche", "wochen",
                     "week", "weeks"), 7 * 86400),
}  # fmt: skip

_NUMBER_WORDS: Final = {
    "en": 1, "ett": 1, "ein": 1, "eine": 1, "einer": 1, "einem": 1, "eit": 1, "one": 1, "a": 1, "an": 1,
    "två": 2, "to": 2, "zwei": 2, "two": 2, "tre": 3, "drei": 3, "three": 3,
}  # fmt: skip

_LABEL = rf"(?:(?:{PUBLISHED_LABELS}|updated|uppdaterad|oppdatert|opdateret|aktualisiert)\s*:?\s*)?"
_CLOCK = (
    r"(?:,?\s*(?:kl\.?|klockan|um|at|,)?\s*(?P<h>[0-9]{1,2})[:.](?P<m>[0-9]{2})"
    r"(?:\s*(?:uhr|h|(?P<ampm>[ap])\.?m\.?))?)?"
)
_DAY_RE: Final = re.compile(
    rf"^\W*{_LABEL}(?P<day>{'|'.join(sorted(map(re.escape, _DAYS), key=len, reverse=True))})"
    rf"(?![^\W\d_]){_CLOCK}\W*$",
    re.IGNORECASE,
)
_UNIT_WORDS = "|".join(sorted(_UNITS, key=len, reverse=True))
_NUMBERS = "|".join(_NUMBER_WORDS)


def _amount(p: str) -> str:
    return rf"(?P<{p}n>[0-9]{{1,3}}|{_NUMBERS})\s*(?P<{p}unit>{_UNIT_WORDS})(?![^\W\d_])\.?"


_AGO_RE: Final = re.compile(
    rf"^\W*{_LABEL}(?:(?:för|for|vor|før)\s+{_amount('a')}(?:\s+(?:sedan|siden|sidan))?"
    rf"|{_amount('b')}\s+(?:ago|sedan|siden|sidan))\W*$",
    re.IGNORECASE,
)


def parse_relative(text: str, now: dt.datetime | None, today: dt.date | None) -> SiteDate | None:
    """The date a relative date text stands for, or None when `text` is not one (or nothing to read it
    against). `now` is the fetch time as a wall time in the source's zone (naive or aware, read as is);
    `today` its day, used when only the day is known (then "vor 2 Stunden" cannot be read)."""
    text = " ".join(text.split())
    if len(text) > 60 or (now is None and today is None):
        return None
    day = now.date() if now is not None else today
    assert day is not None
    if match := _DAY_RE.match(text):
        clock = None
        if match["h"] is not None:
            hour = int(match["h"])
            if match["ampm"] is not None and hour <= 12:  # "5:35 PM": 17:35; "12:10 AM": 00:10
                hour = hour % 12 + (12 if match["ampm"].lower() == "p" else 0)
            try:
                clock = dt.time(hour, int(match["m"]))
            except ValueError:
                return None
        return SiteDate(day - dt.timedelta(days=_DAYS[match["day"].lower()]), clock)
    if now is not None and _NOW_RE.match(text):
        return _before(now, 0)
    if match := _AGO_RE.match(text):
        amount, unit = match["an"] or match["bn"], match["aunit"] or match["bunit"]
        seconds = _UNITS[unit.lower()] * (int(amount) if amount.isdigit() else _NUMBER_WORDS[amount.lower()])
        if seconds >= 86400:
            return SiteDate(day - dt.timedelta(days=seconds // 86400))
        return _before(now, seconds) if now is not None else None
    return None


def _before(now: dt.datetime, seconds: int) -> SiteDate:
    """The wall time `seconds` before `now`, to the minute."""
    wall = now.replace(tzinfo=None) - dt.timedelta(seconds=seconds)
    return SiteDate(wall.date(), wall.time().replace(second=0, microsecond=0))
