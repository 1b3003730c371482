"""Referral codes: humans mistype them, so the check symbol must catch it."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posassist.domain import referral_codes as rc
from posassist.domain.referral_codes import (
    ALPHABET,
    ReferralCodeError,
    check_symbol,
    is_valid,
    new_code,
    normalise,
    parse,
)
from posassist.errors import InvalidInputError

CODE_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")

payloads = st.text(alphabet=ALPHABET, min_size=7, max_size=7)


def _code(payload: str) -> str:
    symbols = payload + check_symbol(payload)
    return f"{symbols[:4]}-{symbols[4:]}"


def test_alphabet_is_crockford() -> None:
    assert len(ALPHABET) == 32
    assert len(set(ALPHABET)) == 32
    assert not set("ILOU") & set(ALPHABET)


def test_damm_table_is_totally_antisymmetric_quasigroup() -> None:
    table = rc._DAMM
    for row in table:
        assert sorted(row) == list(range(32))
    for col in range(32):
        assert sorted(table[r][col] for r in range(32)) == list(range(32))
    for c in range(32):
        for x in range(32):
            for y in range(x + 1, 32):
                assert table[table[c][x]][y] != table[table[c][y]][x]


def test_new_code_shape_and_validity() -> None:
    rng = random.Random(7)
    codes = [new_code(rng) for _ in range(500)]
    for code in codes:
        assert CODE_RE.match(code), code
        assert is_valid(code)
        assert parse(code) == code
    assert len(set(codes)) == len(codes)


def test_new_code_default_rng_is_random() -> None:
    assert new_code() != new_code()


def test_seeded_rng_is_reproducible() -> None:
    assert new_code(random.Random(1)) == new_code(random.Random(1))


@given(payloads)
def test_every_single_substitution_is_detected(payload: str) -> None:
    code = _code(payload)
    symbols = code.replace("-", "")
    assert is_valid(code)
    for pos in range(len(symbols)):
        for other in ALPHABET:
            if other == symbols[pos]:
                continue
            typo = symbols[:pos] + other + symbols[pos + 1 :]
            assert not is_valid(typo), (code, typo)


@given(payloads)
def test_every_adjacent_transposition_is_detected(payload: str) -> None:
    symbols = _code(payload).replace("-", "")
    for pos in range(len(symbols) - 1):
        a, b = symbols[pos], symbols[pos + 1]
        if a == b:
            continue
        swapped = symbols[:pos] + b + a + symbols[pos + 2 :]
        assert not is_valid(swapped)


@given(payloads, st.data())
def test_normalise_forgives_how_people_type(payload: str, data: st.DataObject) -> None:
    code = _code(payload)
    symbols = code.replace("-", "")
    # Lower case, no dash, spaces, and Crockford's look-alikes for 0 and 1.
    typed = "".join(
        data.draw(st.sampled_from({"0": ["0", "o", "O"], "1": ["1", "i", "I", "l", "L"]}[c]))
        if c in "01"
        else data.draw(st.sampled_from([c, c.lower()]))
        for c in symbols
    )
    typed = data.draw(st.sampled_from([typed, typed[:4] + " " + typed[4:], f" {typed} "]))
    assert normalise(typed) == code
    assert parse(typed) == code
    assert is_valid(typed)


def test_normalise_examples() -> None:
    assert normalise("k7q2m9xd") == "K7Q2-M9XD"
    assert normalise("  K7Q2 – M9XD ") == "K7Q2-M9XD"
    assert normalise("oil") == "011"
    assert normalise("abc") == "ABC"  # too short: cleaned, not grouped, no error
    assert normalise("") == ""


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("   -  ", "empty"),
        ("K7Q2-M9X", "has 7"),
        ("K7Q2-M9XDD", "has 9"),
        ("K7Q2-M9XU", "'U' is not used"),
        ("K7Q2-M9X#", "'#' is not used"),
    ],
)
def test_parse_rejects_with_a_clear_message(text: str, fragment: str) -> None:
    with pytest.raises(ReferralCodeError, match=re.escape(fragment)):
        parse(text)


def test_parse_rejects_typo_and_error_is_value_error_and_known_error() -> None:
    code = new_code(random.Random(3))
    symbols = code.replace("-", "")
    wrong = ALPHABET[(ALPHABET.index(symbols[2]) + 1) % 32]
    typo = symbols[:2] + wrong + symbols[3:]
    with pytest.raises(ValueError, match="not a valid referral code") as info:
        parse(typo)
    assert isinstance(info.value, InvalidInputError)
    assert info.value.field == "referral_code"
    assert info.value.hint
