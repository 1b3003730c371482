"""Reading a manager's CSV file: the one decoding, the one header check, the one row loop.

Every import (vendors, the catalogue, stock, staff picks) reads its file through
:func:`read_text` (the encoding rule of the streaming imports, from
:mod:`posassist.importers.decoding`: UTF-8 with or without a BOM, UTF-16, Windows-1252;
a binary or undecidable file is refused, naming the line and the byte), its header and
rows through :func:`csv_rows`, and refuses a line with :func:`bad_line`, so each message
names the file and the line the manager must fix, and every import says it in the same
words. These files are small (a catalogue, a list of vendors): they are read whole.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path

from posassist.domain.spreadsheet import restore_cell
from posassist.errors import FileInputError
from posassist.importers.decoding import cannot_read, check_regular, decode_bytes
from posassist.importers.reader import csv_problem, sniff_delimiter

__all__ = ["bad_line", "csv_rows", "read_header", "read_text"]

_SNIFF_CHARS = 1 << 16


def bad_line(path: Path, line: int, message: str) -> FileInputError:
    """The error for one line of the file, naming the file and the line."""
    return FileInputError(str(path), f"{path}, line {line}: {message}", line=line)


def read_text(path: Path) -> str:
    """The file as text, by the streaming imports' encoding rule; a file it refuses names
    the line and the byte (``decoding.py``)."""
    check_regular(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise cannot_read(path, exc) from exc
    return decode_bytes(path, raw)


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
    ``what``). Blank lines are skipped (the end of a hand-edited file). The delimiter is
    the streaming reader's choice (``reader.sniff_delimiter``): comma, ``;`` (a
    spreadsheet saved in a comma-decimal locale) or tab.
    """
    content = read_text(path)
    delimiter = sniff_delimiter(content[:_SNIFF_CHARS], complete=len(content) <= _SNIFF_CHARS)
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
                raise bad_line(path, start, f"{csv_problem(exc, cut_off=True)}.") from exc
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
