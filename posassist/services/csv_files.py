"""Writing the CSV files managers open in a spreadsheet: one helper for every export.

Every export (vendors, goodwill ledger, unmet demand) goes through :func:`write_csv`, so
each one is UTF-8 with a BOM (Excel then reads accented names right), written atomically
(a full disk never leaves half a report that looks complete), and has its text cells
neutralised against formula injection (:mod:`posassist.domain.spreadsheet`).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from posassist.domain.spreadsheet import neutralise_cell
from posassist.errors import InvalidInputError

__all__ = ["csv_text", "write_bytes_atomically", "write_csv"]


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise_cell(cell) for cell in row])
    return buffer.getvalue()


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder, then rename.

    Raises InvalidInputError naming the path when the folder is missing or read-only.
    """
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise InvalidInputError("file", f"Cannot write {path}: {exc.strerror or exc}.") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InvalidInputError("file", f"Cannot write {path}: {exc.strerror or exc}.") from exc


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    write_bytes_atomically(path, ("\ufeff" + csv_text(header, rows)).encode("utf-8"))
