"""The cell readers every till export shares: money, ids, zones, dates, quantities."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from posassist.importers import cells


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("$1,204.50", 120450),
        ("-$0.49", -49),
        ("$-0.49", -49),
        ("($33.62)", -3362),
        ("1204.5", 120450),
        ("$8.00", 800),
        ("0.00", 0),
        ("12,50", 1250),
        ("€3", 300),
        ("  $2.00 ", 200),
    ],
)
def test_money_forms_of_the_exports(text: str, minor: int) -> None:
    assert cells.money_minor(text) == minor


def test_an_empty_money_cell_is_none() -> None:
    assert cells.money_minor("") is None
    assert cells.money_minor("   ") is None


@pytest.mark.parametrize("text", ["abc", "(-$1.00)", "1,234", "$1.234.5", "nan", "$"])
def test_money_that_is_not_an_amount_is_refused_in_words(text: str) -> None:
    with pytest.raises(ValueError, match=r"amount|unclear"):
        cells.money_minor(text)


def test_the_register_basket_field_still_refuses_negatives() -> None:
    from posassist.domain.money import AmountError, parse_amount

    with pytest.raises(AmountError, match="zero or more"):
        parse_amount("-$0.49")


def test_the_spreadsheet_apostrophe_is_taken_off_ids_and_phones() -> None:
    assert cells.strip_apostrophe("'+15035550142") == "+15035550142"
    assert cells.strip_apostrophe("'00123") == "00123"
    assert cells.strip_apostrophe("ABC") == "ABC"
    assert cells.strip_apostrophe("") == ""


@pytest.mark.parametrize(
    ("label", "iana"),
    [
        ("Eastern Time (US & Canada)", "America/New_York"),
        ("Pacific Time (US & Canada)", "America/Los_Angeles"),
        ("Central Time (US & Canada)", "America/Chicago"),
        ("Mountain Time (US & Canada)", "America/Denver"),
        ("Arizona", "America/Phoenix"),
        ("Alaska", "America/Juneau"),
        ("Hawaii", "Pacific/Honolulu"),
        ("London", "Europe/London"),
        ("UTC", "Etc/UTC"),
        ("eastern time (us & canada)", "America/New_York"),
        ("Europe/Paris", "Europe/Paris"),
    ],
)
def test_square_zone_labels_and_iana_names(label: str, iana: str) -> None:
    assert str(cells.zone(label, "UTC")) == iana


def test_an_empty_zone_is_the_store_zone_and_an_unknown_one_is_named() -> None:
    assert str(cells.zone("", "America/Denver")) == "America/Denver"
    with pytest.raises(ValueError, match="“Mars Standard” is not a time zone"):
        cells.zone("Mars Standard", "UTC")


def test_every_mapped_label_is_a_real_zone() -> None:
    for label in cells.ACTIVE_SUPPORT_ZONES:
        cells.zone(label, "UTC")


def test_square_date_time_and_zone_cells_make_an_aware_moment() -> None:
    when = cells.timestamp("2026-07-18", "12:59:30", "Eastern Time (US & Canada)", "UTC")
    assert when.utcoffset() == timedelta(hours=-4)
    assert when.astimezone(UTC) == datetime(2026, 7, 18, 16, 59, 30, tzinfo=UTC)
    winter = cells.timestamp("2026-01-05", "9:05 PM", "", "America/Chicago")
    assert (winter.hour, winter.utcoffset()) == (21, timedelta(hours=-6))


def test_offset_time_stamps() -> None:
    shopify = cells.offset_timestamp("2026-05-12 12:54:07 -0700", "UTC")
    assert shopify.utcoffset() == timedelta(hours=-7)
    assert (shopify.hour, shopify.minute, shopify.second) == (12, 54, 7)
    assert cells.offset_timestamp("2026-05-12T19:54:07Z", "UTC") == shopify
    assert cells.offset_timestamp("2026-05-12T12:54:07-07:00", "UTC") == shopify
    naive = cells.offset_timestamp("2026-05-12 12:54", "America/Denver")
    assert naive.utcoffset() == timedelta(hours=-6)
    with pytest.raises(ValueError, match="not a time stamp"):
        cells.offset_timestamp("yesterday", "UTC")


def test_excel_serial_dates_in_the_1900_system() -> None:
    assert cells.excel_serial_date("45123") == date(2023, 7, 16)
    assert cells.excel_serial_date("45123.5") == date(2023, 7, 16)
    assert cells.excel_serial_date("12") is None  # a count, not a date
    assert cells.excel_serial_date("2026-07-18") is None
    assert cells.day("45123") == date(2023, 7, 16)


def test_dates_iso_and_slashed() -> None:
    assert cells.day("2026-07-18") == date(2026, 7, 18)
    assert cells.day("7/18/2026") == date(2026, 7, 18)
    assert cells.day("18/07/2026", month_first=False) == date(2026, 7, 18)
    with pytest.raises(ValueError, match="not a date"):
        cells.day("18/07/2026")
    with pytest.raises(ValueError, match="not a date"):
        cells.day("2026-02-30")


def test_times_of_day() -> None:
    assert cells.time_of_day("12:59:30") == time(12, 59, 30)
    assert cells.time_of_day("12:05 AM") == time(0, 5)
    assert cells.time_of_day("12:05 PM") == time(12, 5)
    with pytest.raises(ValueError, match="not a time of day"):
        cells.time_of_day("25:00")


def test_square_literal_none_category() -> None:
    assert cells.category("None") is None
    assert cells.category("") is None
    assert cells.category(" Coffee ") == "Coffee"


@pytest.mark.parametrize(
    ("text", "count"), [("1", 1), ("2.0", 2), ("-1", 1), ("3", 3), ("", 1), ("1.5", 1), ("0.25", 1)]
)
def test_quantities(text: str, count: int) -> None:
    assert cells.quantity(text) == count


@pytest.mark.parametrize("text", ["0", "two", "nan", "inf"])
def test_bad_quantities_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="quantity"):
        cells.quantity(text)
