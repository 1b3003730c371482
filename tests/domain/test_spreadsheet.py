"""CSV injection: risky first characters are neutralised, and import undoes exactly that."""

from __future__ import annotations

import pytest

from posassist.domain.spreadsheet import neutralise_cell, restore_cell


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK()"])
def test_risky_text_is_prefixed_and_restored(text: str) -> None:
    safe = neutralise_cell(text)
    assert safe == "'" + text
    assert restore_cell(str(safe)) == text


@pytest.mark.parametrize("value", ["plain", "'t Hooftje", "", " =spaced", 3, -2, 0.5, None])
def test_harmless_values_pass_unchanged(value: object) -> None:
    assert neutralise_cell(value) == value
    if isinstance(value, str):
        assert restore_cell(value) == value
