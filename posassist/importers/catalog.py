"""Reading the catalogue and stock CSV files a manager exports from the back office.

Two files, each checked whole before anything is written (the use cases are in
``services/catalog.py``, which also checks the rows against the store: known branch
codes, SKUs in the catalogue):

- products: ``sku, name, category`` and optionally ``keywords, carried, aisle``
  (``aisle`` is where it is on the shop floor; ``keywords`` are separated by ``;``;
  ``carried`` is yes/no, blank = yes). A column left out of the file keeps what the
  store has for a product already there.
- stock: ``branch_code, sku, on_hand`` and optionally ``as_of`` (when it was counted:
  ``2026-12-01 14:30``, with or without a UTC offset; without one it is the branch's
  local time; blank or missing = now).

Header names are matched case-insensitively, in any order; a ``;``-separated file (a
spreadsheet in a comma-decimal locale) is read too. Every refusal names the file and
the line.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from posassist.domain.catalog import (
    MAX_CATEGORY_LENGTH,
    MAX_LOCATION_LENGTH,
    MAX_ON_HAND,
    MAX_PRODUCT_NAME_LENGTH,
    MAX_SKU_LENGTH,
)
from posassist.domain.identifiers import IdentifierError, check_text
from posassist.importers.csv_text import bad_line, csv_rows
from posassist.storage.catalog import join_list, split_list

PRODUCT_COLUMNS = ("sku", "name", "category", "keywords", "carried", "aisle")
PRODUCT_REQUIRED = ("sku", "name", "category")
STOCK_COLUMNS = ("branch_code", "sku", "on_hand", "as_of")
STOCK_REQUIRED = ("branch_code", "sku", "on_hand")
MAX_ROWS = 200_000
# A count stamped a little ahead of this PC's clock is another PC's clock, not a typo.
FUTURE_SLACK = timedelta(minutes=10)
_TRUE = frozenset({"", "1", "y", "yes", "true", "on"})
_FALSE = frozenset({"0", "n", "no", "false", "off"})
_LIMITS = {
    "sku": MAX_SKU_LENGTH,
    "name": MAX_PRODUCT_NAME_LENGTH,
    "category": MAX_CATEGORY_LENGTH,
    "aisle": MAX_LOCATION_LENGTH,
}


@dataclass(frozen=True, slots=True)
class ProductLine:
    """One product row; ``columns`` says which optional fields the file gives."""

    line: int
    sku: str
    name: str
    category: str
    keywords: str
    carried: bool
    location: str
    columns: frozenset[str]


@dataclass(frozen=True, slots=True)
class StockLine:
    line: int
    branch_code: str
    sku: str
    on_hand: int
    as_of: datetime | None  # None: counted now


def _rows(
    path: Path, known: Sequence[str], required: Sequence[str]
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, cells by column, trimmed) of every non-blank row, after checking the header;
    a cell with a control character or over its length is refused on its line."""
    _columns, rows = csv_rows(path, known, required, max_rows=MAX_ROWS)
    for start, cells in rows:
        values = {c: v.strip() for c, v in cells.items()}
        for column, text in values.items():
            try:
                check_text(text, column, column)
            except IdentifierError as exc:
                raise bad_line(path, start, f"{column}: {exc}") from exc
            if column in _LIMITS and len(text) > _LIMITS[column]:
                limit = _LIMITS[column]
                raise bad_line(path, start, f"the {column} is longer than {limit} characters.")
        yield start, values


def _need(path: Path, line: int, values: dict[str, str], column: str) -> str:
    if not values[column]:
        raise bad_line(path, line, f"the {column} is empty.")
    return values[column]


def read_products(path: Path) -> list[ProductLine]:
    """Every product row of ``path``, or InvalidInputError naming the first bad line."""
    out: list[ProductLine] = []
    seen: dict[str, int] = {}
    for line, values in _rows(path, PRODUCT_COLUMNS, PRODUCT_REQUIRED):
        sku = _need(path, line, values, "sku")
        if sku in seen:
            raise bad_line(path, line, f"SKU {sku} is already on line {seen[sku]}.")
        seen[sku] = line
        carried_text = values.get("carried", "").casefold()
        if carried_text not in _TRUE | _FALSE:
            raise bad_line(path, line, f"carried must be yes or no, not “{carried_text[:20]}”.")
        out.append(
            ProductLine(
                line=line,
                sku=sku,
                name=" ".join(_need(path, line, values, "name").split()),
                category=values["category"],
                keywords=join_list(split_list(values.get("keywords", ""))),
                carried=carried_text in _TRUE,
                location=values.get("aisle", ""),
                columns=frozenset(values),
            )
        )
    return out


def read_stock(path: Path, *, now: datetime, tz: tzinfo) -> list[StockLine]:
    """Every stock row of ``path``; a time without an offset is read in ``tz``."""
    out: list[StockLine] = []
    seen: dict[tuple[str, str], int] = {}
    for line, values in _rows(path, STOCK_COLUMNS, STOCK_REQUIRED):
        code = _need(path, line, values, "branch_code")
        sku = _need(path, line, values, "sku")
        key = (code.casefold(), sku)
        if key in seen:
            raise bad_line(path, line, f"{code} / {sku} is already on line {seen[key]}.")
        seen[key] = line
        out.append(
            StockLine(
                line=line,
                branch_code=code,
                sku=sku,
                on_hand=_on_hand(path, line, _need(path, line, values, "on_hand")),
                as_of=_as_of(path, line, values.get("as_of", ""), now, tz),
            )
        )
    return out


def _on_hand(path: Path, line: int, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise bad_line(path, line, f"on_hand must be a whole number, not “{text[:20]}”.") from None
    if value < 0:
        raise bad_line(path, line, f"on_hand cannot be negative ({value}).")
    if value > MAX_ON_HAND:
        raise bad_line(path, line, f"on_hand {value:,} is more than any shelf holds.")
    return value


def _as_of(path: Path, line: int, text: str, now: datetime, tz: tzinfo) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise bad_line(
            path, line, f"as_of “{text[:40]}” is not a time (use e.g. 2026-12-01 14:30)."
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    if when > now + FUTURE_SLACK:
        raise bad_line(path, line, f"as_of {text} is in the future.")
    return when.astimezone(UTC)
