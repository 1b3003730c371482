"""Reading a manager's CSV file: the one decoding, the one header check, the one row loop.

Every import (vendors, the catalogue, stock, staff picks) reads its file through
:func:`read_text` (UTF-8 with or without a BOM; anything else is refused, naming the line
of the first bad byte), its header and rows through :func:`csv_rows`, and refuses a line
with :func:`bad_line`, so each message names the file and the line the manager must fix,
and every import says it in the same words.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path

from posassist.domain.spreadsheet import restore_cell
from posassist.errors import InvalidInputError

__all__ = ["bad_line", "csv_rows", "read_header", "read_text"]


def bad_line(path: Path, line: int, message: str) -> InvalidInputError:
    """The error for one line of the file, naming the file and the line."""
    return InvalidInputError(f"{path}:{line}", f"{path}, line {line}: {message}")


def read_text(path: Path) -> str:
    """The file as text; a file that is not UTF-8 names the line the bad byte is on."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInputError("file", f"Cannot read {path}: {exc.strerror or exc}.") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise bad_line(path, line, "the file is not UTF-8 text (save it as “CSV UTF-8”).") from exc


def read_header(
    path: Path, reader: Iterator[list[str]], known: Sequence[str], required: Sequence[str]
) -> list[str]:
    """The header's column names, folded (case, spaces as ``_``); unknown, missing a
    required one or repeated: refused on line 1."""
    try:
        header = next(reader)
    except StopIteration:
        raise bad_line(path, 1, "the file is empty; the first line must be the header.") from None
    except csv.Error as exc:
        raise bad_line(path, 1, f"unreadable header ({exc}).") from exc
    columns = [restore_cell(h).strip().casefold().replace(" ", "_") for h in header]
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise bad_line(path, 1, f"unknown column “{unknown[0]}”. Columns are: {', '.join(known)}.")
    missing = [c for c in required if c not in columns]
    if missing:
        raise bad_line(path, 1, f"the header has no “{missing[0]}” column.")
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise bad_line(path, 1, f"the column “{repeated[0]}” appears twice.")
    return columns


def csv_rows(
    path: Path,
    known: Sequence[str],
    required: Sequence[str],
    *,
    max_rows: int,
    what: str = "rows",
) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The file's columns and its rows: (first line of the row, cells by column, as a
    posassist export wrote them before guarding them against spreadsheet formulas).

    The header is checked at once; the rows as they are read, each refusal naming its
    line: unreadable, a cell count unlike the header's, more than ``max_rows`` (of
    ``what``). Blank lines are skipped (the end of a hand-edited file). A file whose
    first line has more ``;`` than ``,`` is read as ``;``-separated (a spreadsheet saved
    in a comma-decimal locale).
    """
    content = read_text(path)
    first = content.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter, strict=True)
    columns = read_header(path, reader, known, required)

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        line = reader.line_num + 1
        count = 0
        while True:
            start = line
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise bad_line(path, start, f"unreadable row ({exc}).") from exc
            line = reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(columns):
                raise bad_line(
                    path,
                    start,
                    f"expected {len(columns)} cells like the header, found {len(cells)}.",
                )
            count += 1
            if count > max_rows:
                raise bad_line(path, start, f"more than {max_rows:,} {what} in one file.")
            yield start, {c: restore_cell(v) for c, v in zip(columns, cells, strict=True)}

    return columns, rows()
