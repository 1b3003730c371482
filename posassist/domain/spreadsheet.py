"""Keeping CSV files we write harmless when a manager opens them in a spreadsheet.

Vendor names, notes and what customers asked for are typed by people (or imported from
files other people made).  A cell that starts with ``=``, ``+``, ``-`` or ``@`` is read by
Excel, LibreOffice and Google Sheets as a formula, which can exfiltrate data or run
commands ("CSV injection", OWASP).  Every CSV posassist writes passes its text cells
through :func:`neutralise_cell`; the vendor import passes them back through
:func:`restore_cell`, so an export → edit → import round trip returns the original text.
"""

from __future__ import annotations

__all__ = ["FORMULA_STARTS", "neutralise_cell", "restore_cell"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a cell as a formula (OWASP's list)."""


def neutralise_cell(value: object) -> object:
    """Prefix risky text with a single quote, which spreadsheets show as plain text.

    Only text is touched: numbers (counts, ratios) are written as numbers so the sheet can
    still add them up, and a negative number is not a formula.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def restore_cell(text: str) -> str:
    """Undo :func:`neutralise_cell` on a cell read back from a file we (may have) written.

    Only a quote followed by one of the risky characters is removed, so a name that really
    starts with a quote ("'t Hooftje") is kept as it is.
    """
    if len(text) >= 2 and text[0] == "'" and text[1] in FORMULA_STARTS:
        return text[1:]
    return text
