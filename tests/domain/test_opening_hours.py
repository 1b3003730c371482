"""Opening hours: the finder must not send a customer to a closed shop."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posassist.domain.opening_hours import OpeningHours, OpeningHoursError, is_open, parse
from posassist.errors import InvalidInputError

# 2025-06-02 is a Monday.
MON = datetime(2025, 6, 2)


def at(day: int, hhmm: str) -> datetime:
    """``day`` 0 = Monday."""
    h, m = (int(x) for x in hhmm.split(":"))
    return MON + timedelta(days=day, hours=h, minutes=m)


STANDARD = "Mo-Fr 09:00-18:00; Sa 10:00-16:00; Su closed"


@pytest.mark.parametrize(
    ("day", "time", "expected"),
    [
        (0, "08:59", False),
        (0, "09:00", True),
        (2, "12:30", True),
        (4, "17:59", True),
        (4, "18:00", False),  # half-open: closed at closing time
        (5, "09:59", False),
        (5, "10:00", True),
        (5, "16:00", False),
        (6, "12:00", False),
    ],
)
def test_standard_week(day: int, time: str, expected: bool) -> None:
    assert is_open(STANDARD, at(day, time)) is expected


def test_24_7() -> None:
    hours = parse("24/7")
    assert hours.always_open
    for day in range(7):
        for time in ("00:00", "12:00", "23:59"):
            assert hours.is_open(at(day, time))


def test_lunch_break_and_comma_day_list() -> None:
    hours = parse("Mo,We,Fr 09:00-12:00,13:00-18:00")
    assert hours.is_open(at(0, "11:00"))
    assert not hours.is_open(at(0, "12:30"))
    assert hours.is_open(at(2, "13:00"))
    assert not hours.is_open(at(1, "10:00"))  # Tuesday not listed
    assert hours.spans_on(4) == ((540, 720), (780, 1080))


def test_past_midnight_spills_into_next_day() -> None:
    hours = parse("Fr-Sa 20:00-02:00")
    assert hours.is_open(at(4, "23:00"))
    assert hours.is_open(at(5, "01:59"))  # Friday's night
    assert not hours.is_open(at(5, "02:00"))
    assert hours.is_open(at(6, "01:00"))  # Saturday's night
    assert not hours.is_open(at(4, "01:00"))  # Thursday was closed
    assert not hours.is_open(at(0, "01:00"))  # Sunday was closed


def test_spill_survives_next_day_closed_rule() -> None:
    hours = parse("Fr 20:00-03:00; Sa closed")
    assert hours.is_open(at(5, "02:00"))
    assert not hours.is_open(at(5, "20:00"))


def test_sunday_spill_reaches_monday() -> None:
    assert is_open("Su 22:00-01:00", at(0, "00:30")) is True


def test_day_range_wraps_round_the_week() -> None:
    hours = parse("Fr-Mo 10:00-14:00")
    assert [bool(hours.spans_on(d)) for d in range(7)] == [
        True, False, False, False, True, True, True,
    ]  # fmt: skip


def test_later_rule_overrides_earlier_for_its_days() -> None:
    hours = parse("Mo-Sa 09:00-18:00; Sa 10:00-14:00")
    assert not hours.is_open(at(5, "09:30"))
    assert hours.is_open(at(5, "10:30"))
    assert not hours.is_open(at(5, "15:00"))
    assert hours.is_open(at(4, "17:00"))


def test_comma_between_rules_is_accepted() -> None:
    hours = parse("Mo-Fr 09:00-18:00, Sa 10:00-14:00")
    assert hours.is_open(at(5, "11:00"))
    assert hours.is_open(at(1, "17:00"))
    assert not hours.is_open(at(6, "11:00"))


def test_lenient_spelling() -> None:
    hours = parse("  mo–FR  9:00 - 18:00 ;SA 10.00-16:00;; su OFF ; ")
    assert hours.is_open(at(0, "09:00"))
    assert hours.is_open(at(5, "15:00"))
    assert not hours.is_open(at(6, "12:00"))


def test_no_days_means_every_day_and_24_end() -> None:
    hours = parse("08:00-24:00")
    assert all(hours.is_open(at(d, "23:59")) for d in range(7))
    assert not hours.is_open(at(3, "00:30"))


def test_timezone_is_ignored_wall_clock_is_used() -> None:
    aware = datetime(2025, 6, 2, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert is_open(STANDARD, aware) is True


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("Mo-Fr 09:00-18:00; PH off", "PH"),
        ("Mo-Xx 09:00-18:00", "Mo-Xx"),
        ("Mo-Fr 9-18", "9-18"),
        ("Mo-Fr 09:00-25:00", "09:00-25:00"),
        ("Mo-Fr 09:61-18:00", "09:61-18:00"),
        ("Mo-Fr", "Mo-Fr"),
        ("by appointment", "by appointment"),
        ("", ""),
    ],
)
def test_parse_error_names_the_bad_part(text: str, part: str) -> None:
    with pytest.raises(OpeningHoursError) as info:
        parse(text)
    assert info.value.part == part
    if part:
        assert part in info.value.message
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, InvalidInputError)


@pytest.mark.parametrize("hours", [None, "", "   ", "ring first", "Mo-Fr 9 to 5"])
def test_unknown_hours_are_none_not_a_guess(hours: str | None) -> None:
    assert is_open(hours, MON) is None


def test_is_open_accepts_parsed_hours() -> None:
    parsed = parse(STANDARD)
    assert isinstance(parsed, OpeningHours)
    assert is_open(parsed, at(0, "10:00")) is True


@given(
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 23),
    st.integers(0, 59),
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)),
)
def test_single_span_matches_a_direct_definition(
    h1: int, m1: int, h2: int, m2: int, when: datetime
) -> None:
    """Every day the same span: open iff the clock lies in it, wrapping past midnight."""
    hours = parse(f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}")
    start, end, minute = h1 * 60 + m1, h2 * 60 + m2, when.hour * 60 + when.minute
    expected = start <= minute < end if end > start else (minute >= start or minute < end)
    assert hours.is_open(when) is expected
