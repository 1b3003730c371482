"""Reading a vendor CSV file: the vendor ids in it (its text, header and rows are read by
``importers/csv_text.py``, like every import's).

:func:`posassist.services.vendors.read_vendor_csv` turns the rows into vendors; these
steps refuse a file that cannot be read as a whole, each error naming the file and the
line so the manager can fix it and import again.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from posassist.importers.csv_text import bad_line, read_text

__all__ = ["bad_line", "read_text", "row_id"]


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
