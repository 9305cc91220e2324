"""Listing dates in Swedish, Norwegian, Danish, German and English → `SiteDate`. Pure: stdlib only, no I/O, no
clock (DESIGN.md, "Identity, links and dates").

`parse_site_date` reads the date in a piece of listing text, `date_line` tells a date line from a sentence
that mentions a date, `url_date` and `parse_datetime_attr` read a link's path and `<time datetime>`. A site
date is a wall time in the source's own zone; making it the instant a feed shows is `scraper.instants`' job.

Month names come from a hand-written map (`MONTHS`), never from `locale` + `strptime("%B")`: the `sv_SE`
locale is missing on many hosts, and glibc's `%b` rejects the CLDR forms ("jan.", "mars") the site may print.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final
from zoneinfo import ZoneInfo

from .models import SiteDate

#: Month words → month number, in every language read. Keys are lowercase and without a trailing dot: callers
#: strip the dot. Swedish: full names (glibc `mon`, CLDR wide), glibc `abmon` ("mar", "jun"), CLDR abbreviated
#: ("mars", "juni" and "juli" are not shortened there; the dot is stripped) and dateparser's extra "sept". No
#: word means two different months in two languages, so one map serves every source.
MONTHS: Final[Mapping[str, int]] = MappingProxyType(
    {
        # Swedish
        "januari": 1, "jan": 1, "februari": 2, "feb": 2, "mars": 3, "mar": 3, "april": 4, "apr": 4, "maj": 5,
        "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augusti": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
        "oktober": 10, "okt": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
        # Norwegian / Danish
        "januar": 1, "februar": 2, "marts": 3, "mai": 5, "august": 8, "desember": 12, "des": 12,
        # German
        "jänner": 1, "jän": 1, "märz": 3, "mär": 3, "mrz": 3, "dezember": 12, "dez": 12,
        # English
        "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "october": 10, "oct": 10,
    }
)  # fmt: skip

#: A yearless date ("8 juni", "(05/6)") is put in the year that brings it nearest to the reference date, but
#: never more than this far after it (a listing shows what happened, not next year's news).
YEARLESS_AHEAD: Final = dt.timedelta(days=7)

# The patterns run on text whose whitespace runs were collapsed to one ASCII space (see `_squash`), so they
# can say " ?" where they mean "any spacing": NBSP, U+202F and line breaks between the parts all look alike
# then, and no pattern can backtrack over long runs of blanks. Digits are [0-9], not \d, which would also take
# Arabic-Indic and other Unicode digits.

# Longest alternatives first, so "mars" is not read as "mar" + "s".
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))

# "kl. 10:15", "kl 10.15", "10:15", "10:15:30". A dot between hour and minute only counts after "kl": without
# it, "2 maj 2019 10.5" is more likely a number than a time.
# A template: `{p}` prefixes the group names, since the pattern is used three times in one regex.
_CLOCK = (
    r"(?:(?P<{p}kl>kl\.?) ?)?"
    r"(?P<{p}h>[0-9]{{1,2}})(?P<{p}sep>[:.])(?P<{p}m>[0-9]{{2}})(?::(?P<{p}s>[0-9]{{2}}))?"
)

_SWEDISH = (
    # A time before the date, as in GöteborgDirekt's "Publicerad 09:30, 18 jan 2019".
    rf"(?:{_CLOCK.format(p='lead')},? )?"
    rf"(?<![0-9])(?P<day>[0-9]{{1,2}})(?:\.|st|nd|rd|th)? ?(?:of )?"
    # A month word must end there: "jun" is not the start of "junior".
    rf"(?P<month>{_MONTH})(?![^\W\d_])\.?"
    # The year may be missing ("8 juni"): the caller's reference date then supplies it.
    r"(?:,? (?P<year>[0-9]{4})(?![0-9]))?"
    rf"(?:,? {_CLOCK.format(p='trail')}(?![0-9]))?"
)

# "July 3, 2026", "Dec. 10 2017", "June 5th, 2026".
_MONTH_FIRST = (
    rf"(?<![^\W\d_])(?P<emonth>{_MONTH})\.? (?P<eday>[0-9]{{1,2}})(?:st|nd|rd|th)?(?![0-9])"
    r",? (?P<eyear>[0-9]{4})(?![0-9])"
    rf"(?:,? {_CLOCK.format(p='eng')}(?![0-9]))?"
)

_ISO = (
    r"(?<![0-9-])(?P<iyear>[0-9]{4})-(?P<imonth>[0-9]{2})-(?P<iday>[0-9]{2})(?![0-9])"
    rf"(?:(?:T|,? ){_CLOCK.format(p='iso')}(?![0-9]))?"
)

# "03.07.2026", "3.7.2026", "06.10.2017 11:15", "05/06/2026", "2026/06/05". A dotted date is always day
# first; a slashed one reads by the source's `date_order`. Never inside a longer run of digits and dots
# (a version number, an IP address).
_NUMERIC = (
    r"(?<![0-9./])(?P<n1>[0-9]{1,2})(?P<nsep>[./])(?P<n2>[0-9]{1,2})(?P=nsep)(?P<n3>[0-9]{4})"
    r"(?![0-9]|[./][0-9])"
    rf"(?:,? {_CLOCK.format(p='num')}(?![0-9]))?"
)
_NUMERIC_YMD = (
    r"(?<![0-9./])(?P<y1>[0-9]{4})(?P<ysep>[./])(?P<y2>[0-9]{1,2})(?P=ysep)(?P<y3>[0-9]{1,2})"
    r"(?![0-9]|[./][0-9])"
    rf"(?:,? {_CLOCK.format(p='ynum')}(?![0-9]))?"
)

# "(05/6)": day and month without a year, as Sitevision lists print after a title. Only in parentheses:
# bare "24/7" is more often not a date.
_PAREN = r"\((?P<p1>[0-9]{1,2})[/.](?P<p2>[0-9]{1,2})\.?\)"

_DATE_RE: Final = re.compile(
    rf"{_SWEDISH}|{_MONTH_FIRST}|{_ISO}|{_NUMERIC}|{_NUMERIC_YMD}|{_PAREN}", re.IGNORECASE
)

#: The labels of a publish date, in every language read: "Publicerad", "Veröffentlicht am", "Posted on".
PUBLISHED_LABELS: Final = (
    r"(?:publicera[dt]|publisert|publiceret|veröffentlicht(?: am)?|published(?: on)?|posted(?: on)?)"
)
# "Publicerad 2 maj 2019", "Publicerad: 2 maj 2019", "Publicerad torsdag den 2 maj 2019", "Publicerad tors.
# 2 maj 2019", and "Publicerat" (neuter). The weekday is skipped, not checked: the date decides.
_PUBLISHED_RE: Final = re.compile(
    rf"(?<![^\W\d_]){PUBLISHED_LABELS}(?![^\W\d_]) ?:? ?"
    r"(?:(?:mån|tis|ons|tors|fre|lör|sön)(?:dag(?:en)?|\.)?(?![^\W\d_]),? )?"
    r"(?:den )?",
    re.IGNORECASE,
)

# HTML's valid date string, local date-and-time string and global date-and-time string (WHATWG §2.3.5), which
# is narrower than `datetime.fromisoformat`: that one also takes week dates and basic forms like "20190502".
# What it matches, `fromisoformat` reads (once upper-cased: "t" and "z" are allowed here).
_DATETIME_ATTR_RE: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T ](?P<hour>[0-9]{2}):[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:?[0-5][0-9])?)?",
    re.IGNORECASE,
)


def parse_site_date(text: str, *, order: str = "dmy", reference: dt.date | None = None) -> SiteDate | None:
    """The date in a piece of listing text, such as "Publicerad 2 maj 2019", or None when it holds none.

    Read: Swedish, Norwegian, Danish, German and English month names ("2 maj 2019", "10. Dezember 2017",
    "July 3, 2026"), ISO dates, dotted dates ("03.07.2026", always day first), slashed dates by `order`
    ("dmy", "mdy" or "ymd") and a time after or before any of them. A date without a year ("8 juni",
    "(05/6)") takes the year that puts it nearest to `reference` (at most `YEARLESS_AHEAD` after it); with
    no `reference` it is not a date.

    A date right after "Publicerad" wins over any other date in the text (a summary may mention dates too);
    otherwise the first date in the text is taken. Impossible dates ("31 februari 2019") are not dates.
    A time that cannot be ("kl. 25:00") is dropped and the date kept. Never raises.
    """
    text = _squash(text)
    anchored = False
    for label in _PUBLISHED_RE.finditer(text):
        match = _DATE_RE.match(text, label.end())
        if match is None:
            continue
        anchored = True
        if found := _site_date(match, order, reference):
            return found
    # A "Publicerad" date that cannot exist means the page is odd; guessing another date from the summary
    # would publish the item under a date the site never gave it.
    if anchored:
        return None
    for match in _DATE_RE.finditer(text):
        if found := _site_date(match, order, reference):
            return found
    return None


#: Weekday names (sv, nb/nn, da, de, en; whole or shortened) around a date: "Thursday, September 5, 2019" is
#: a date line still.
_WEEKDAYS_RE: Final = re.compile(
    r"(?<![^\W\d_])(?:måndag|tisdag|onsdag|torsdag|fredag|lördag|söndag|mandag|tirsdag|lørdag|søndag|"
    r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonnabend|sonntag|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|mån|tis|ons|tors|tor|fre|lör|sön|man|tir|lør|søn|mon|tues|tue|wed|"
    r"thurs|thu|fri|sat|sun|mo|di|mi|do|fr|sa|so)\.?(?![^\W\d_])",
    re.IGNORECASE,
)
_WORD_CHARS_RE: Final = re.compile(r"[\W_]+")


#: A date line that starts with its label.
_PUBLISHED_LINE_RE: Final = re.compile(rf"^\W*{PUBLISHED_LABELS}\b", re.IGNORECASE)
#: A longer text is not a date line but a sentence, or a wrapper of one.
_DATE_LINE_CHARS = 80


def date_line(text: str, *, order: str = "dmy", reference: dt.date | None = None) -> SiteDate | None:
    """The date of a text that is a date line: "Publicerad 2 maj 2019", "Veröffentlicht am 3. Juli 2026
    von …", "2026-06-02", "8 juni 2026 kl. 10"; not a sentence that mentions a date ("Høringsfrist:
    14.08.2026" is not a publish date). A listing's date line dates its item and is never its summary."""
    if len(text) > _DATE_LINE_CHARS:
        return None
    if _PUBLISHED_LINE_RE.search(text):
        return parse_site_date(text, order=order, reference=reference)
    return bare_date(text, order=order, reference=reference)


def bare_date(text: str, *, order: str = "dmy", reference: dt.date | None = None) -> SiteDate | None:
    """The date of a text that is only a date, give or take a weekday and three more letters or digits
    ("2026-06-02", "Thursday, 5 September 2019", "8 juni 2026 kl. 10"): a date line, not a sentence that
    mentions a date ("Høringsfrist: 14.08.2026")."""
    text = _squash(text)
    for match in _DATE_RE.finditer(text):
        if found := _site_date(match, order, reference):
            rest = _WEEKDAYS_RE.sub("", f"{text[: match.start()]} {text[match.end() :]}")
            return found if len(_WORD_CHARS_RE.sub("", rest)) <= 3 else None
    return None


#: A date in a URL path: "/2026-06-05-ny-skola", "/2026/06/05/ny-skola" (not a bare year or year/month).
_URL_DATE_RE: Final = re.compile(
    r"/(?P<y>(?:19|20)[0-9]{2})(?P<sep>[-/])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})(?=[-/_.]|$)"
)


def url_date(url: str) -> SiteDate | None:
    """The date an article URL's path carries ("/2026-06-05-…", "/2026/06/05/…"), or None. Never raises."""
    path = url.partition("?")[0].partition("#")[0]
    for match in _URL_DATE_RE.finditer(path):
        try:
            return SiteDate(dt.date(int(match["y"]), int(match["m"]), int(match["d"])))
        except ValueError:
            continue
    return None


def parse_datetime_attr(value: str, tz: ZoneInfo) -> SiteDate | None:
    """The `datetime` attribute of a `<time>` element as a `SiteDate` in `tz`, or None when it is not a date.

    "2019-05-02" gives a date without a time; "2019-05-02T10:15[:00]" a local wall time; a value with "Z" or
    an offset is an instant, converted to the wall time in `tz`. Never raises.
    """
    match = _DATETIME_ATTR_RE.fullmatch(value.strip())
    if match is None:
        return None
    try:
        local = dt.datetime.fromisoformat(match[0].upper())
        if local.tzinfo is not None:
            local = local.astimezone(tz).replace(tzinfo=None)
    except (ValueError, OverflowError):
        # A month 13, a 25th hour, an offset beyond ±24 h, or a year pushed past 9999 by the conversion.
        return None
    return SiteDate(local.date(), local.time() if match["hour"] is not None else None)


def _squash(text: str) -> str:
    """Collapse every run of Unicode whitespace (NBSP and U+202F included) to one ASCII space."""
    return " ".join(text.split())


def _site_date(match: re.Match[str], order: str = "dmy", reference: dt.date | None = None) -> SiteDate | None:
    """The `SiteDate` a `_DATE_RE` match spells, or None when that date does not exist (or has no year and
    no `reference` to take one from)."""
    year: int | None
    if match["month"] is not None:
        year = int(match["year"]) if match["year"] else None
        month, day = MONTHS[match["month"].lower()], int(match["day"])
        clock = _clock(match, "lead") or _clock(match, "trail")
    elif match["emonth"] is not None:
        year, month, day = int(match["eyear"]), MONTHS[match["emonth"].lower()], int(match["eday"])
        clock = _clock(match, "eng")
    elif match["iyear"] is not None:
        year, month, day = int(match["iyear"]), int(match["imonth"]), int(match["iday"])
        clock = _clock(match, "iso")
    elif match["n1"] is not None:
        first, second, year = int(match["n1"]), int(match["n2"]), int(match["n3"])
        # Dots are day first everywhere they are used for dates; slashes follow the source's order.
        day, month = (second, first) if match["nsep"] == "/" and order == "mdy" else (first, second)
        clock = _clock(match, "num")
    elif match["y1"] is not None:
        year, month, day = int(match["y1"]), int(match["y2"]), int(match["y3"])
        clock = _clock(match, "ynum")
    else:
        first, second = int(match["p1"]), int(match["p2"])
        day, month = (second, first) if order == "mdy" else (first, second)
        year, clock = None, None
    try:
        if year is None:
            return None if reference is None else SiteDate(_nearest(month, day, reference), clock)
        return SiteDate(dt.date(year, month, day), clock)
    except ValueError:
        return None


def _nearest(month: int, day: int, reference: dt.date) -> dt.date:
    """The date `day`.`month` in the year that puts it nearest to `reference`, never more than
    `YEARLESS_AHEAD` after it. ValueError when no year has that day (31 April; 29 February far from a leap
    year)."""
    candidates = []
    for year in (reference.year - 1, reference.year, reference.year + 1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if candidate <= reference + YEARLESS_AHEAD:
            candidates.append(candidate)
    if not candidates:
        raise ValueError(f"no year has {day}.{month}")
    return min(candidates, key=lambda candidate: abs(candidate - reference))


def _clock(match: re.Match[str], prefix: str) -> dt.time | None:
    """The time in the `_CLOCK` groups named `prefix…`, or None when there is none or it cannot be."""
    hour = match[f"{prefix}h"]
    if hour is None or (match[f"{prefix}sep"] == "." and match[f"{prefix}kl"] is None):
        return None
    second = match[f"{prefix}s"]
    try:
        return dt.time(int(hour), int(match[f"{prefix}m"]), int(second) if second else 0)
    except ValueError:
        return None
