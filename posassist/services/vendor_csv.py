"""Reading a vendor CSV file: its text, its header and the vendor ids in it.

:func:`posassist.services.vendors.read_vendor_csv` turns the rows into vendors; these
steps refuse a file that cannot be read as a whole, each error naming the file and the
line so the manager can fix it and import again.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

from posassist.domain.spreadsheet import restore_cell
from posassist.importers.csv_text import bad_line, read_text

__all__ = ["bad_line", "read_header", "read_text", "row_id"]


def read_header(path: Path, reader: Iterator[list[str]], known: Sequence[str]) -> list[str]:
    """The header's column names, folded; unknown, missing ``name`` or repeated: refused."""
    try:
        header = next(reader)
    except StopIteration:
        raise bad_line(path, 1, "the file is empty; the first line must be the header.") from None
    except csv.Error as exc:
        raise bad_line(path, 1, f"unreadable header ({exc}).") from exc
    columns = [restore_cell(h).strip().casefold() for h in header]
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise bad_line(
            path,
            1,
            f"unknown column “{unknown[0]}”. Columns are: {', '.join(known)}.",
        )
    if "name" not in columns:
        raise bad_line(path, 1, "the header has no “name” column.")
    duplicates = {c for c in columns if columns.count(c) > 1}
    if duplicates:
        raise bad_line(path, 1, f"the column “{sorted(duplicates)[0]}” appears twice.")
    return columns


def row_id(
    path: Path, line: int, values: dict[str, str], seen_ids: dict[uuid.UUID, int]
) -> uuid.UUID | None:
    """The row's vendor id, if it has one; each id may appear on one line only."""
    if not values.get("id", "").strip():
        return None
    try:
        vendor_id = uuid.UUID(values["id"].strip())
    except ValueError:
        raise bad_line(path, line, f"“{values['id'].strip()[:40]}” is not a vendor id.") from None
    if vendor_id in seen_ids:
        raise bad_line(path, line, f"the same id is already on line {seen_ids[vendor_id]}.")
    seen_ids[vendor_id] = line
    return vendor_id
