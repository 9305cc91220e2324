"""Swedish listing dates, `<time datetime>` values and the `published` instant (scraper.dates)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from scraper.dates import (
    MONTHS,
    YEARLESS_AHEAD,
    parse_datetime_attr,
    parse_site_date,
    url_date,
)
from scraper.instants import published_instant, restate_published, stable_instant
from scraper.models import SiteDate

STOCKHOLM = ZoneInfo("Europe/Stockholm")
UTC = dt.UTC

FULL_MONTHS = "januari februari mars april maj juni juli augusti september oktober november december".split()
GLIBC_ABBREVIATIONS = "jan feb mar apr maj jun jul aug sep okt nov dec".split()
CLDR_ABBREVIATIONS = "jan. feb. mars apr. maj juni juli aug. sep. okt. nov. dec.".split()


def d(year: int, month: int, day: int, hour: int | None = None, minute: int = 0) -> SiteDate:
    return SiteDate(dt.date(year, month, day), None if hour is None else dt.time(hour, minute))


# --- parse_site_date: examples --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # research §7, the forms to test
        ("2 maj 2019", d(2019, 5, 2)),
        ("02 maj 2019", d(2019, 5, 2)),
        ("30 april 2019", d(2019, 4, 30)),
        ("4 oktober 2018", d(2018, 10, 4)),
        ("14 december 2017", d(2017, 12, 14)),
        ("2 maj 2019 kl. 10:15", d(2019, 5, 2, 10, 15)),
        ("2 maj 2019 kl 10.15", d(2019, 5, 2, 10, 15)),
        ("2019-05-02", d(2019, 5, 2)),
        ("2019-05-02 10:15", d(2019, 5, 2, 10, 15)),
        ("18 jan. 2019", d(2019, 1, 18)),
        ("6 sept. 2018", d(2018, 9, 6)),
        ("2\u00a0maj\u00a02019", d(2019, 5, 2)),
        ("2\u202fmaj\u202f2019", d(2019, 5, 2)),
        ("Publicerad\u00a02\u00a0maj 2019", d(2019, 5, 2)),
        ("Publicerad: 2 maj 2019", d(2019, 5, 2)),
        ("2 MAJ 2019", d(2019, 5, 2)),
        ("Publicerad 09:30, 18 jan 2019", d(2019, 1, 18, 9, 30)),
        # as the listing prints them
        ("Publicerad 2 maj 2019", d(2019, 5, 2)),
        ("  Publicerad 30 april 2019\n  Nu landar strax en flygande matta på Kungstorget.", d(2019, 4, 30)),
        ("Jämlikt Göteborg – vad händer nu?            Publicerad 12 mars 2019", d(2019, 3, 12)),
        ("Publicerad\n17 maj 2018", d(2018, 5, 17)),
        ("PUBLICERAD 22 JANUARI 2018", d(2018, 1, 22)),
        ("Publicerad den 7 mars 2019", d(2019, 3, 7)),
        ("Publicerat 6 mars 2019", d(2019, 3, 6)),
        ("Torsdag den 18 januari 2018", d(2018, 1, 18)),
        ("Publicerad torsdag den 2 maj 2019", d(2019, 5, 2)),
        ("Publicerad tors. 2 maj 2019", d(2019, 5, 2)),
        ("Publicerad Lördag, 4 maj 2019", d(2019, 5, 4)),
        # every month, full and abbreviated
        ("1 februari 2019", d(2019, 2, 1)),
        ("1 feb. 2019", d(2019, 2, 1)),
        ("1 mar 2019", d(2019, 3, 1)),
        ("1 apr. 2019", d(2019, 4, 1)),
        ("1 jun 2019", d(2019, 6, 1)),
        ("1 juni 2019", d(2019, 6, 1)),
        ("1 jul 2019", d(2019, 7, 1)),
        ("1 juli 2019", d(2019, 7, 1)),
        ("1 augusti 2019", d(2019, 8, 1)),
        ("1 aug. 2019", d(2019, 8, 1)),
        ("1 september 2019", d(2019, 9, 1)),
        ("1 sep 2019", d(2019, 9, 1)),
        ("1 Sept 2019", d(2019, 9, 1)),
        ("1 okt. 2019", d(2019, 10, 1)),
        ("1 november 2019", d(2019, 11, 1)),
        ("1 nov 2019", d(2019, 11, 1)),
        ("1 dec. 2019", d(2019, 12, 1)),
        # times: seconds, a comma, "kl" before a leading time; a dot without "kl" is not a time
        ("2 maj 2019, kl. 10:15", d(2019, 5, 2, 10, 15)),
        ("2 maj 2019 10:15", d(2019, 5, 2, 10, 15)),
        ("2 maj 2019 10.5 miljoner", d(2019, 5, 2)),
        ("2 maj 2019 10.15", d(2019, 5, 2)),
        ("Publicerad kl. 09.30, 18 jan 2019", d(2019, 1, 18, 9, 30)),
        ("2019-05-02T10:15", d(2019, 5, 2, 10, 15)),
        ("2019-05-02 kl. 10.15", d(2019, 5, 2, 10, 15)),
        ("2 maj 2019 kl. 10:15:30", SiteDate(dt.date(2019, 5, 2), dt.time(10, 15, 30))),
        # an impossible time is dropped, the date kept
        ("2 maj 2019 kl. 25:00", d(2019, 5, 2)),
        ("2 maj 2019 kl. 10:75", d(2019, 5, 2)),
        ("2019-05-02 24:00", d(2019, 5, 2)),
        # leap days
        ("29 februari 2020", d(2020, 2, 29)),
        ("2020-02-29", d(2020, 2, 29)),
    ],
)
def test_parse_site_date(text: str, expected: SiteDate) -> None:
    assert parse_site_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Aktuellt",
        "Publicerad",
        "Publicerad idag",  # relative dates need a clock; this module has none
        "31 februari 2019",
        "29 februari 2019",
        "31 april 2019",
        "0 maj 2019",
        "32 maj 2019",
        "2019-13-01",
        "2019-02-30",
        "2019-00-10",
        "0000-01-01",
        "2 majs 2019",
        "2 marsipan 2019",
        "2 junior 2019",
        "2 maj 19",
        "2 maj 20190",
        "123 maj 2019",
        "Göteborgs Stads program för en jämlik stad 2018-2026",
        "Kommunfullmäktiges möte 20180118",
        "kl. 10:15",
        "2 foo 2019",
        "٢ maj ٢٠١٩",  # Arabic-Indic digits are not the site's digits
    ],
)
def test_parse_site_date_none(text: str) -> None:
    assert parse_site_date(text) is None


def test_publicerad_wins_over_earlier_dates() -> None:
    text = "Senast uppdaterad 3 maj 2019. Publicerad 2 maj 2019. Mötet hålls 10 juni 2019."
    assert parse_site_date(text) == d(2019, 5, 2)


def test_first_date_without_publicerad() -> None:
    assert parse_site_date("Mötet 10 juni 2019, anmälan senast 2019-05-20") == d(2019, 6, 10)
    assert parse_site_date("anmälan senast 2019-05-20, mötet 10 juni 2019") == d(2019, 5, 20)


def test_weekday_after_publicerad_keeps_the_preference() -> None:
    assert parse_site_date("Mötet 10 juni 2019. Publicerad torsdag 2 maj 2019") == d(2019, 5, 2)


def test_label_without_a_date_falls_back_to_the_text() -> None:
    assert parse_site_date("Publicerad av Jämlikt Göteborg, 2 maj 2019") == d(2019, 5, 2)


def test_impossible_publicerad_date_is_not_replaced_by_another() -> None:
    # Falling back to a date from the summary would publish the item under a date the site never gave it.
    assert parse_site_date("Publicerad 31 februari 2019. Mötet 10 juni 2019.") is None


def test_second_publicerad_is_used_when_first_is_impossible() -> None:
    assert parse_site_date("Publicerad 31 februari 2019 Publicerad 2 maj 2019") == d(2019, 5, 2)


def test_months_map() -> None:
    for number, (full, glibc, cldr) in enumerate(
        zip(FULL_MONTHS, GLIBC_ABBREVIATIONS, CLDR_ABBREVIATIONS, strict=True), start=1
    ):
        assert MONTHS[full] == MONTHS[glibc] == MONTHS[cldr.rstrip(".")] == number
    assert MONTHS["sept"] == 9
    assert all(key == key.lower() and not key.endswith(".") for key in MONTHS)


# --- parse_site_date: properties ------------------------------------------------------------------

SPACES = st.sampled_from([" ", "\u00a0", "\u202f", "  ", "\n", "\t", " \u00a0"])


@given(st.text())
def test_parse_site_date_never_raises(text: str) -> None:
    result = parse_site_date(text)
    assert result is None or isinstance(result, SiteDate)


@given(st.text(alphabet=st.sampled_from("0123456789 .:-,kKlLTPublicerad\u00a0majMARSjan" + "".join(MONTHS))))
def test_parse_site_date_never_raises_on_date_like_text(text: str) -> None:
    result = parse_site_date(text)
    assert result is None or isinstance(result, SiteDate)


@st.composite
def case_variants(draw: st.DrawFn, word: str) -> str:
    style = draw(st.sampled_from(["lower", "upper", "title"]))
    return {"lower": word.lower(), "upper": word.upper(), "title": word.title()}[style]


@given(
    day=st.dates(min_value=dt.date(1000, 1, 1)),
    table=st.sampled_from([FULL_MONTHS, GLIBC_ABBREVIATIONS, CLDR_ABBREVIATIONS]),
    sep=SPACES,
    zero_pad=st.booleans(),
    data=st.data(),
)
def test_round_trip_swedish(
    day: dt.date, table: list[str], sep: str, zero_pad: bool, data: st.DataObject
) -> None:
    month = data.draw(case_variants(table[day.month - 1]))
    day_text = f"{day.day:02d}" if zero_pad else str(day.day)
    text = f"Publicerad{sep}{day_text}{sep}{month}{sep}{day.year}"
    assert parse_site_date(text) == SiteDate(day)


@given(
    day=st.dates(min_value=dt.date(1000, 1, 1)),
    clock=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    form=st.sampled_from(["{d} {m} {y} kl. {H}:{M}", "{d} {m} {y} kl {H}.{M}", "{H}:{M}, {d} {m} {y}"]),
)
def test_round_trip_with_time(day: dt.date, clock: dt.time, form: str) -> None:
    text = "Publicerad " + form.format(
        d=day.day, m=FULL_MONTHS[day.month - 1], y=day.year, H=f"{clock.hour:02d}", M=f"{clock.minute:02d}"
    )
    assert parse_site_date(text) == SiteDate(day, clock)


@given(day=st.dates(min_value=dt.date(1000, 1, 1)), prefix=st.text(max_size=30))
def test_round_trip_iso(day: dt.date, prefix: str) -> None:
    # Whatever precedes it, a "Publicerad" date is the one taken.
    assume("publicera" not in prefix.casefold())
    assert parse_site_date(f"{prefix} Publicerad {day.isoformat()}") == SiteDate(day)


# --- parse_datetime_attr --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-05-02", d(2019, 5, 2)),
        (" 2019-05-02 ", d(2019, 5, 2)),
        ("2019-05-02T10:15", d(2019, 5, 2, 10, 15)),
        ("2019-05-02 10:15", d(2019, 5, 2, 10, 15)),
        ("2019-05-02T10:15:00", d(2019, 5, 2, 10, 15)),
        ("2019-05-02T10:15:30.250", SiteDate(dt.date(2019, 5, 2), dt.time(10, 15, 30, 250000))),
        # aware values become Stockholm wall time: CEST in May, CET in January
        ("2019-05-02T08:15Z", d(2019, 5, 2, 10, 15)),
        ("2019-05-02T08:15:00z", d(2019, 5, 2, 10, 15)),
        ("2019-05-02T10:15+02:00", d(2019, 5, 2, 10, 15)),
        ("2019-05-02T10:15+0200", d(2019, 5, 2, 10, 15)),
        ("2019-05-02T04:15-04:00", d(2019, 5, 2, 10, 15)),
        ("2019-01-18T08:30Z", d(2019, 1, 18, 9, 30)),
        ("2019-05-01T23:30Z", d(2019, 5, 2, 1, 30)),  # the local date moves too
    ],
)
def test_parse_datetime_attr(value: str, expected: SiteDate) -> None:
    assert parse_datetime_attr(value, STOCKHOLM) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "garbage",
        "2 maj 2019",
        "2019",
        "2019-05",
        "10:15",
        "20190502",
        "2019-W18-4",
        "2019-13-01",
        "2019-02-30",
        "2019-05-02T25:00",
        "2019-05-02T10:60",
        "2019-05-02Z",
        "2019-05-02T10:15+24:00",
        "2019-05-02T10:15+01:75",
        "2019-05-02T10:15 CEST",
        "9999-12-31T23:00-05:00",  # past year 9999 once converted
    ],
)
def test_parse_datetime_attr_none(value: str) -> None:
    assert parse_datetime_attr(value, STOCKHOLM) is None


@given(st.text())
def test_parse_datetime_attr_never_raises(value: str) -> None:
    result = parse_datetime_attr(value, STOCKHOLM)
    assert result is None or isinstance(result, SiteDate)


@given(
    st.datetimes(
        timezones=st.just(UTC), min_value=dt.datetime(1000, 1, 2), max_value=dt.datetime(9999, 12, 30)
    )
)
def test_parse_datetime_attr_aware_round_trip(instant: dt.datetime) -> None:
    instant = instant.replace(microsecond=0)
    parsed = parse_datetime_attr(instant.isoformat(), STOCKHOLM)
    assert parsed is not None and parsed.time is not None
    local = instant.astimezone(STOCKHOLM)
    assert (parsed.day, parsed.time) == (local.date(), local.time())


# --- published_instant ----------------------------------------------------------------------------

LATER = dt.datetime(2030, 1, 1, tzinfo=UTC)  # a first sight on some other day


@pytest.mark.parametrize(
    ("site_date", "expected"),
    [
        # date only: the nominal 10:30 UTC, in winter (11:30 CET) and in summer (12:30 CEST) alike
        (d(2019, 1, 18), dt.datetime(2019, 1, 18, 10, 30, tzinfo=UTC)),
        (d(2019, 5, 2), dt.datetime(2019, 5, 2, 10, 30, tzinfo=UTC)),
        # the DST switch days themselves
        (d(2019, 3, 31), dt.datetime(2019, 3, 31, 10, 30, tzinfo=UTC)),
        (d(2019, 10, 27), dt.datetime(2019, 10, 27, 10, 30, tzinfo=UTC)),
        # with a time: that wall time
        (d(2019, 5, 2, 10, 15), dt.datetime(2019, 5, 2, 8, 15, tzinfo=UTC)),
        (d(2019, 1, 18, 9, 30), dt.datetime(2019, 1, 18, 8, 30, tzinfo=UTC)),
        # spring-forward gap (02:00 → 03:00 CEST): read with the offset before the gap (fold=0)
        (d(2019, 3, 31, 2, 30), dt.datetime(2019, 3, 31, 1, 30, tzinfo=UTC)),
        # autumn fold (03:00 CEST → 02:00 CET): the first 02:30, still CEST (fold=0)
        (d(2019, 10, 27, 2, 30), dt.datetime(2019, 10, 27, 0, 30, tzinfo=UTC)),
    ],
)
def test_published_instant(site_date: SiteDate, expected: dt.datetime) -> None:
    result = published_instant(site_date, STOCKHOLM, LATER)
    assert result == expected
    assert result.tzinfo is UTC


VIEWERS = [dt.timezone(dt.timedelta(hours=hours)) for hours in range(-10, 14)]


def test_a_date_without_time_is_that_date_from_utc_minus_10_to_utc_plus_13_all_year() -> None:
    day = dt.date(2019, 1, 1)
    while day.year == 2019:
        for position in (0, 1, 250, 5000):
            for first_seen in (LATER, dt.datetime.combine(day, dt.time(0, 5), tzinfo=STOCKHOLM)):
                moment = published_instant(SiteDate(day), STOCKHOLM, first_seen, position)
                assert {moment.astimezone(zone).date() for zone in VIEWERS} == {day}, (day, position)
        day += dt.timedelta(days=1)


def test_date_only_items_keep_the_listing_order_and_the_order_they_appeared_in() -> None:
    # Found after their date (a first run): the listing order, one second apart, newest first.
    found = [published_instant(d(2019, 1, 11), STOCKHOLM, LATER, position) for position in range(5)]
    assert found == sorted(found, reverse=True) and len(set(found)) == 5
    assert found[0] == dt.datetime(2019, 1, 11, 10, 30, tzinfo=UTC)
    # Seen on their own day, in cycles 15 minutes apart: later sighting, later date, whatever the position.
    morning = dt.datetime(2019, 5, 2, 7, 0, tzinfo=UTC)
    seen = [
        published_instant(d(2019, 5, 2), STOCKHOLM, morning + dt.timedelta(minutes=15 * n)) for n in range(8)
    ]
    assert seen == sorted(seen) and len(set(seen)) == 8
    # Two items in one such cycle: the one listed higher is the newer.
    assert published_instant(d(2019, 5, 2), STOCKHOLM, morning, 0) > published_instant(
        d(2019, 5, 2), STOCKHOLM, morning, 1
    )


def test_same_local_day_is_judged_in_the_source_timezone() -> None:
    # 22:30Z on 1 May is 00:30 on 2 May in Stockholm: the same local day, so the day's first half hour.
    early = published_instant(d(2019, 5, 2), STOCKHOLM, dt.datetime(2019, 5, 1, 22, 30, tzinfo=UTC))
    assert early == dt.datetime(2019, 5, 2, 10, 30, 36, tzinfo=UTC)  # 1,800 s of the day / 50
    # 21:30Z on 2 May is 23:30 on 2 May; 22:30Z on 2 May is already 3 May: found after its date then.
    late = published_instant(d(2019, 5, 2), STOCKHOLM, dt.datetime(2019, 5, 2, 21, 30, tzinfo=UTC))
    assert late == dt.datetime(2019, 5, 2, 10, 30, 0, tzinfo=UTC) + dt.timedelta(seconds=84600 // 50)
    after = published_instant(d(2019, 5, 2), STOCKHOLM, dt.datetime(2019, 5, 2, 22, 30, tzinfo=UTC))
    assert after == dt.datetime(2019, 5, 2, 10, 30, tzinfo=UTC)


def test_restate_maps_the_old_midnight_rule_and_leaves_the_rest() -> None:
    midnight = dt.datetime(2019, 5, 1, 22, 0, tzinfo=UTC)  # stored before: 00:00 in Stockholm
    assert restate_published(midnight, LATER, 3, STOCKHOLM) == published_instant(
        d(2019, 5, 2), STOCKHOLM, LATER, 3
    )
    seen = dt.datetime(2019, 5, 2, 7, 42, 13, tzinfo=UTC)  # stored before: the first-seen instant itself
    assert restate_published(seen, seen, 0, STOCKHOLM) == published_instant(d(2019, 5, 2), STOCKHOLM, seen)
    timed = dt.datetime(2019, 5, 2, 8, 15, tzinfo=UTC)  # a date with a time is left alone
    assert restate_published(timed, seen, 0, STOCKHOLM) == timed
    new = published_instant(d(2019, 5, 2), STOCKHOLM, seen, 2)
    assert restate_published(new, seen, 2, STOCKHOLM) == new  # idempotent on the current rule


# Issue 17, item 8: readers in Honolulu (UTC−10 all year) and Auckland (UTC+12 in July, UTC+13 in January).
HONOLULU, AUCKLAND = ZoneInfo("Pacific/Honolulu"), ZoneInfo("Pacific/Auckland")


@pytest.mark.parametrize("day", [dt.date(2026, 1, 15), dt.date(2026, 7, 15), dt.date(2026, 12, 5)])
@pytest.mark.parametrize("position", [0, 1, 25, 5000])
@pytest.mark.parametrize("seen_at", [dt.time(0, 1), dt.time(12, 0), dt.time(23, 59)])
def test_a_date_only_item_is_its_date_in_honolulu_and_auckland_in_january_and_july(
    day: dt.date, position: int, seen_at: dt.time
) -> None:
    for first_seen in (LATER, dt.datetime.combine(day, seen_at, tzinfo=STOCKHOLM)):
        moment = published_instant(SiteDate(day), STOCKHOLM, first_seen, position)
        assert moment.astimezone(HONOLULU).date() == day
        assert moment.astimezone(AUCKLAND).date() == day
        assert moment.astimezone(STOCKHOLM).date() == day
        # the re-checked form (an article's "Senast uppdaterad"): the same rule, without the shift
        assert stable_instant(SiteDate(day), STOCKHOLM).astimezone(AUCKLAND).date() == day
        assert stable_instant(SiteDate(day), STOCKHOLM).astimezone(HONOLULU).date() == day


def test_auckland_in_summer_shows_the_nominal_time_as_23_30_and_honolulu_as_00_30() -> None:
    moment = published_instant(d(2026, 1, 15), STOCKHOLM, LATER)
    assert moment == dt.datetime(2026, 1, 15, 10, 30, tzinfo=UTC)
    assert moment.astimezone(AUCKLAND).replace(tzinfo=None) == dt.datetime(2026, 1, 15, 23, 30)
    assert moment.astimezone(HONOLULU).replace(tzinfo=None) == dt.datetime(2026, 1, 15, 0, 30)


def test_a_source_in_a_zone_beyond_utc_plus_13_keeps_its_own_day() -> None:
    # 10:30 UTC is already the next day in Kiribati (UTC+14): the site's own day wins there.
    kiritimati = ZoneInfo("Pacific/Kiritimati")
    moment = published_instant(d(2026, 1, 15), kiritimati, LATER)
    assert moment.astimezone(kiritimati).date() == dt.date(2026, 1, 15)
    assert moment.astimezone(kiritimati).time() == dt.time(12, 30)


def test_restate_moves_the_12_30_local_rule_onto_10_30_utc_and_leaves_timed_dates() -> None:
    # Stored under the 12:30-local rule in a Swedish winter: 11:30 UTC, 3 s earlier for listing place 3.
    old = dt.datetime(2026, 1, 15, 11, 29, 57, tzinfo=UTC)
    restated = restate_published(old, LATER, 3, STOCKHOLM)
    assert restated == published_instant(d(2026, 1, 15), STOCKHOLM, LATER, 3)
    assert restated.astimezone(AUCKLAND).date() == dt.date(2026, 1, 15)
    assert restate_published(restated, LATER, 3, STOCKHOLM) == restated  # idempotent
    # A summer row: 12:30 CEST is 10:30 UTC already.
    summer = dt.datetime(2026, 7, 15, 10, 30, tzinfo=UTC)
    assert restate_published(summer, LATER, 0, STOCKHOLM) == summer
    # "kl. 12:15" in winter is a time the site printed: never moved.
    timed = dt.datetime(2026, 1, 15, 11, 15, tzinfo=UTC)
    assert restate_published(timed, LATER, 0, STOCKHOLM, timed=True) == timed


def test_first_seen_does_not_move_a_date_with_a_time() -> None:
    first_seen = dt.datetime(2019, 5, 2, 12, 0, tzinfo=UTC)
    assert published_instant(d(2019, 5, 2, 10, 15), STOCKHOLM, first_seen) == dt.datetime(
        2019, 5, 2, 8, 15, tzinfo=UTC
    )


def test_naive_first_seen_is_an_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        published_instant(d(2019, 5, 2), STOCKHOLM, dt.datetime(2019, 5, 2, 12, 0))


ZONES = st.sampled_from(
    [
        ZoneInfo(name)
        for name in (
            "Europe/Stockholm",
            "UTC",
            "America/Sao_Paulo",  # DST switched at midnight: some local midnights never happened
            "America/St_Johns",
            "Asia/Kolkata",
            "Pacific/Chatham",
            "Australia/Lord_Howe",  # a 30-minute DST shift
        )
    ]
)
FIRST_SEEN = st.datetimes(
    min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(2100, 1, 1), timezones=st.just(UTC)
)


@given(
    day=st.dates(min_value=dt.date(1970, 1, 2), max_value=dt.date(2100, 1, 1)),
    tz=ZONES,
    first_seen=FIRST_SEEN,
)
def test_published_instant_date_only_properties(day: dt.date, tz: ZoneInfo, first_seen: dt.datetime) -> None:
    result = published_instant(SiteDate(day), tz, first_seen)
    assert result.tzinfo is UTC
    assert result.astimezone(tz).date() == day


@given(
    day=st.dates(min_value=dt.date(1970, 1, 2), max_value=dt.date(2100, 1, 1)),
    clock=st.times(),
    first_seen=FIRST_SEEN,
)
def test_published_instant_with_time_properties(
    day: dt.date, clock: dt.time, first_seen: dt.datetime
) -> None:
    result = published_instant(SiteDate(day, clock), STOCKHOLM, first_seen)
    assert result.tzinfo is UTC
    local = result.astimezone(STOCKHOLM)
    assert local.date() == day
    # Outside the spring-forward gap the wall time comes back unchanged; inside it, it moves forward one hour.
    wall = dt.datetime.combine(day, clock)
    assert local.replace(tzinfo=None) - wall in (dt.timedelta(0), dt.timedelta(hours=1))


# --- issue 12: the date forms of other sites ------------------------------------------------------------

REFERENCE = dt.date(2026, 6, 5)


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("03.07.2026", "dmy", d(2026, 7, 3)),
        ("3.7.2026", "dmy", d(2026, 7, 3)),
        ("3.7.2026", "mdy", d(2026, 7, 3)),  # dots are day first everywhere
        ("06.10.2017 11:15", "dmy", d(2017, 10, 6, 11, 15)),
        ("05/06/2026", "dmy", d(2026, 6, 5)),
        ("05/06/2026", "mdy", d(2026, 5, 6)),
        ("2026/06/05", "mdy", d(2026, 6, 5)),
        ("Arkitekttävlingen startar efter sommaren (05/6)", "dmy", d(2026, 6, 5)),
        ("(08/6)", "dmy", d(2026, 6, 8)),  # three days after the reference: still this year
        ("8 juni", "dmy", d(2026, 6, 8)),
        ("28 december", "dmy", d(2025, 12, 28)),  # the nearest past one, not next winter's
        ("3 July 2026", "dmy", d(2026, 7, 3)),
        ("July 3, 2026", "dmy", d(2026, 7, 3)),
        ("June 5th, 2026 10:30", "dmy", d(2026, 6, 5, 10, 30)),
        ("Freitag, 10. Dezember 2017", "dmy", d(2017, 12, 10)),
        ("10. März 2017", "dmy", d(2017, 3, 10)),
        ("Publisert 5. desember 2025", "dmy", d(2025, 12, 5)),
        ("Publiceret 5. maj 2025", "dmy", d(2025, 5, 5)),
        ("Veröffentlicht am 2. Mai 2019", "dmy", d(2019, 5, 2)),
    ],
)
def test_other_date_forms(text: str, order: str, expected: SiteDate) -> None:
    assert parse_site_date(text, order=order, reference=REFERENCE) == expected


@pytest.mark.parametrize("text", ["8 juni", "(05/6)"])
def test_yearless_date_needs_a_reference(text: str) -> None:
    assert parse_site_date(text) is None


@pytest.mark.parametrize("text", ["192.168.1.10", "version 1.2.3", "öppet 24/7", "3.7.26", "31.04.2026"])
def test_numbers_that_are_not_dates(text: str) -> None:
    assert parse_site_date(text, reference=REFERENCE) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://malmo.se/Aktuellt/Artiklar-Malmo-stad/2026-06-05-Ny-skola.html", d(2026, 6, 5)),
        ("https://example.org/news/2026/06/05/ny-skola/", d(2026, 6, 5)),
        ("https://start.stockholm/aktuellt/nyheter/2026/06/skolavslutning/", None),  # year and month only
        ("https://example.org/2026-13-40-x", None),
        ("https://example.org/item?date=2026-06-05", None),
    ],
)
def test_url_date(url: str, expected: SiteDate | None) -> None:
    assert url_date(url) == expected


@given(
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)),
    st.sampled_from(["dmy", "mdy", "ymd"]),
)
def test_numeric_round_trip(day: dt.date, order: str) -> None:
    slashed = {
        "dmy": f"{day.day:02}/{day.month:02}/{day.year}",
        "mdy": f"{day.month}/{day.day}/{day.year}",
        "ymd": f"{day.year}/{day.month:02}/{day.day:02}",
    }[order]
    assert parse_site_date(slashed, order=order) == SiteDate(day)
    assert parse_site_date(f"{day.day}.{day.month}.{day.year}", order=order) == SiteDate(day)


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)), st.integers(-400, 400))
def test_yearless_date_lands_near_the_reference(day: dt.date, shift: int) -> None:
    reference = day + dt.timedelta(days=shift)
    found = parse_site_date(f"({day.day}/{day.month})", reference=reference)
    if day.month == 2 and day.day == 29:
        return  # only a leap year near the reference has it
    assert found is not None
    assert found.day.month == day.month and found.day.day == day.day
    assert found.day <= reference + YEARLESS_AHEAD
    assert reference - found.day < dt.timedelta(days=366)
