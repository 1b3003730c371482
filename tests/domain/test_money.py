"""Amounts as people write them: decimal point or comma, grouped thousands, a currency sign."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posassist.domain.money import (
    DEFAULT_MAX_MINOR,
    AmountError,
    format_minor,
    parse_amount,
)


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("12.50", 1250),
        ("12,50", 1250),  # decimal comma, as much of Europe writes it
        ("12.5", 1250),
        ("12,5", 1250),
        ("12", 1200),
        ("0", 0),
        ("0.00", 0),
        (".50", 50),
        ("0,05", 5),
        ("  7.00  ", 700),
        ("1,234.56", 123456),
        ("1.234,56", 123456),
        ("1 234,56", 123456),
        ("1 234.56", 123456),
        ("1\u00a0234,56", 123456),  # no-break space, as spreadsheets export it
        ("1\u202f234,56", 123456),  # narrow no-break space (French)
        ("1'234.56", 123456),
        ("1 234", 123400),
        ("1,000,000", 100000000),
        ("123.456,78", 12345678),
        ("€12.50", 1250),
        ("$12.50", 1250),
        ("£12.50", 1250),
        ("12.50 €", 1250),
        ("€ 12,50", 1250),
        ("1,000,000.00", DEFAULT_MAX_MINOR),
        ("-0", 0),
        ("", None),
        ("   ", None),
    ],
)
def test_accepted(text: str, minor: int | None) -> None:
    assert parse_amount(text) == minor


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("twelve", "not an amount"),
        ("nan", "not an amount"),
        ("NaN", "not an amount"),
        ("Infinity", "not an amount"),
        ("inf", "not an amount"),
        ("1e30", "not an amount"),
        ("1e9", "not an amount"),
        ("1000000000", "largest amount"),
        ("1,000,000.01", "largest amount"),
        ("-4", "zero or more"),
        ("-12.50", "zero or more"),
        ("$-12.50", "zero or more"),
        ("-$12.50", "zero or more"),
        ("\u221212.50", "zero or more"),  # the real minus sign
        ("12.50-", "zero or more"),
        ("(12.50)", "zero or more"),
        ("12.3456", "more than two decimals"),
        ("0.125", "more than two decimals"),
        ("1234.567", "more than two decimals"),
        ("1 234,567", "more than two decimals"),
        ("12.345", "unclear"),
        ("1,234", "unclear"),
        ("1.234", "unclear"),
        ("1,23,4.00", "not an amount"),
        ("1,234,56", "not an amount"),
        ("1.234.56", "not an amount"),
        ("1,234.56.78", "not an amount"),
        ("1 234'567", "not an amount"),
        ("1 234.567,89", "not an amount"),
        ("12.", "not an amount"),
        ("12 .50", "not an amount"),
        (".", "not an amount"),
        ("€", "not an amount"),
        ("-", "not an amount"),
        ("+12", "not an amount"),
        ("0x10", "not an amount"),
        ("١٢", "not an amount"),  # Arabic-Indic digits: not what a till writes
        ("12.50 EUR", "not an amount"),
        ("9" * 100, "not an amount"),
    ],
)
def test_refused(text: str, words: str) -> None:
    with pytest.raises(AmountError) as err:
        parse_amount(text)
    assert words in str(err.value)
    assert isinstance(err.value, ValueError)


def test_unclear_asks_for_the_decimals() -> None:
    with pytest.raises(AmountError, match=r"the comma could separate thousands or decimals"):
        parse_amount("1,234")
    with pytest.raises(AmountError, match=r"like 1234\.00"):
        parse_amount("1.234")


def test_cap_is_a_parameter() -> None:
    assert parse_amount("50", max_minor=5000) == 5000
    assert parse_amount("1.234.567,89", max_minor=10**12) == 123456789
    with pytest.raises(AmountError, match=r"largest amount accepted \(50\.00\)"):
        parse_amount("50.01", max_minor=5000)


def test_format_minor() -> None:
    assert format_minor(0) == "0.00"
    assert format_minor(5) == "0.05"
    assert format_minor(123456) == "1234.56"
    assert format_minor(123456789, group=",") == "1,234,567.89"
    assert format_minor(123456789, decimal=",", group=".") == "1.234.567,89"
    assert format_minor(100, group=",") == "1.00"
    with pytest.raises(ValueError, match="zero or more"):
        format_minor(-1)


STYLES = [(".", ""), (",", ""), (".", ","), (",", "."), (",", " "), (".", "'")]


@given(
    st.integers(min_value=0, max_value=DEFAULT_MAX_MINOR),
    st.sampled_from(STYLES),
    st.sampled_from(["", "€", "$ ", " €"]),
)
def test_round_trip(minor: int, style: tuple[str, str], symbol: str) -> None:
    decimal, group = style
    text = format_minor(minor, decimal=decimal, group=group)
    assert parse_amount(text) == minor
    written = f"{symbol}{text}" if not symbol.startswith(" ") else f"{text}{symbol}"
    assert parse_amount(written) == minor
