"""Relative listing dates (issue 18): Swedish, Norwegian, Danish, German and English, read against the fetch
time as a wall time in the source's zone."""

from __future__ import annotations

import datetime as dt

import pytest

from scraper.models import SiteDate
from scraper.reldates import parse_relative

NOW = dt.datetime(2020, 10, 20, 19, 5)  # a Tuesday evening, wall time in the source's zone
TODAY, YESTERDAY = NOW.date(), NOW.date() - dt.timedelta(days=1)


def at(day: dt.date, hour: int | None = None, minute: int = 0) -> SiteDate:
    return SiteDate(day, None if hour is None else dt.time(hour, minute))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("idag 14:30", at(TODAY, 14, 30)),
        ("Idag kl. 09.15", at(TODAY, 9, 15)),
        ("igår", at(YESTERDAY)),
        ("i går 16:20", at(YESTERDAY, 16, 20)),
        ("i förrgår", at(TODAY - dt.timedelta(days=2))),
        ("för 2 timmar sedan", at(TODAY, 17, 5)),
        ("2 tim sedan", at(TODAY, 17, 5)),
        ("Publicerad idag 09:00", at(TODAY, 9, 0)),
        ("i dag kl. 10.15", at(TODAY, 10, 15)),
        ("for 3 timer siden", at(TODAY, 16, 5)),
        ("for 2 dager siden", at(TODAY - dt.timedelta(days=2))),
        ("3 minutter siden", at(TODAY, 19, 2)),
        ("heute, 18:00 Uhr", at(TODAY, 18, 0)),
        ("gestern, 17:35 Uhr", at(YESTERDAY, 17, 35)),
        ("gestern um 18:00", at(YESTERDAY, 18, 0)),
        ("vor 2 Stunden", at(TODAY, 17, 5)),
        ("vor einer Stunde", at(TODAY, 18, 5)),
        ("vor 1 Std.", at(TODAY, 18, 5)),
        ("vor 3 Tagen", at(TODAY - dt.timedelta(days=3))),
        ("gerade eben", at(TODAY, 19, 5)),
        ("2 hours ago", at(TODAY, 17, 5)),
        ("2h ago", at(TODAY, 17, 5)),
        ("Yesterday at 5:35 PM", at(YESTERDAY, 17, 35)),
        ("Today, 12:10 a.m.", at(TODAY, 0, 10)),
        ("a day ago", at(YESTERDAY)),
        ("2 weeks ago", at(TODAY - dt.timedelta(days=14))),
    ],
)
def test_relative_dates_read_against_the_fetch_time(text, expected):
    assert parse_relative(text, NOW, None) == expected


@pytest.mark.parametrize(
    "text",
    ["today is the day", "Idag öppnar badet", "vor dem Rathaus", "1 month ago", "2 years ago", "", "kl. 14"],
)
def test_text_that_is_not_only_a_relative_date_is_none(text):
    assert parse_relative(text, NOW, None) is None


def test_without_the_fetch_time_only_day_words_read_against_the_day():
    assert parse_relative("igår", None, TODAY) == at(YESTERDAY)
    assert parse_relative("heute, 18:00 Uhr", None, TODAY) == at(TODAY, 18, 0)
    assert parse_relative("vor 2 Stunden", None, TODAY) is None
    assert parse_relative("igår", None, None) is None
