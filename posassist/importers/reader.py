"""Streaming a CSV export row by row: its encoding, its delimiter, its columns by name.

Every streaming import (``square.py``, ``shopify.py``, ``generic.py``) opens its file with
:func:`open_table`. The file is never read whole: rows come one at a time, so a
5,000,000-row export costs the memory of one row, and the bytes read so far give the
progress bar and its ETA.

Columns are found by their header name (case, surrounding spaces, a byte-order mark and
line-end characters ignored), never by position: exports add and drop columns between
versions. Columns the format does not know are ignored; a column it reads that the header
names twice is refused (which of the two holds the data cannot be known).

The encoding is decided by the rule in :mod:`posassist.importers.decoding` (one pass over
the file before the first row; a file it refuses is refused at once, naming the line and
the byte). The delimiter is comma, semicolon or tab: the one that splits the header into
the most cells and the next rows into as many (:func:`sniff_delimiter`).

What a file may get wrong in a row is a problem (:class:`~records.Problems`, line and
column), never an exception: the import reads on, so the manager sees every bad line at
once, and the loader writes nothing while there is one. What makes the file unreadable as
a table (missing, a folder, binary, undecidable, no header, a required column missing) is
a :class:`~posassist.errors.FileInputError` naming the file and the line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from posassist.domain.wording import some_names
from posassist.errors import FileInputError
from posassist.importers.decoding import Scan, cannot_read, check_regular, scan_file
from posassist.importers.records import Problems

__all__ = [
    "Column",
    "Table",
    "csv_problem",
    "detect_encoding",
    "open_table",
    "scan",
    "sniff_delimiter",
]

_DELIMITERS = (",", ";", "\t")
_SNIFF_CHARS = 1 << 16  # enough for a header and a few rows
_SNIFF_ROWS = 20


@dataclass(frozen=True, slots=True)
class Column:
    """A column a format reads: its name in the export, other names it has had, and
    whether a file without it is refused. When a header has both the name and an alias,
    the first of :meth:`names` is read."""

    name: str
    required: bool = False
    aliases: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def fold(name: str) -> str:
    """A header name as compared: no BOM, no surrounding spaces, quotes or line ends
    (``"Email\\r"``), case folded."""
    return name.replace("\ufeff", "").strip().strip('"').strip().casefold()


class Table:
    """An open export: its header, the index of each known column, and its rows."""

    def __init__(
        self,
        path: Path,
        columns: Sequence[Column],
        problems: Problems,
        *,
        encoding: str,
        delimiter: str,
        ends_with_newline: bool = True,
    ) -> None:
        self.path = path
        self.problems = problems
        self.encoding = encoding
        self.delimiter = delimiter
        self.ends_with_newline = ends_with_newline
        self.rows_read = 0  # data rows met so far, good or bad (blank lines are not rows)
        self.size = check_regular(path)
        try:
            self._raw = path.open("rb")
        except OSError as exc:
            raise cannot_read(path, exc) from exc
        self._text = io.TextIOWrapper(self._raw, encoding=encoding, newline="")
        self._reader = csv.reader(self._text, delimiter=delimiter, strict=True)
        try:
            self.header = self._read_header()
            self.index = self._find(columns)
        except BaseException:
            self.close()
            raise

    def _read_header(self) -> list[str]:
        """The first line that is not blank (a few exports start with an empty line)."""
        path = self.path
        while True:
            line = self._reader.line_num + 1
            try:
                header = next(self._reader)
            except StopIteration:
                raise FileInputError(
                    str(path),
                    f"{path}, line 1: the file is empty; the first line must be the header.",
                    line=1,
                ) from None
            except (csv.Error, UnicodeDecodeError) as exc:
                raise FileInputError(
                    str(path),
                    f"{path}, line {line:,}: the header is unreadable: {exc}.",
                    line=line,
                ) from exc
            if any(cell.strip() for cell in header):
                self.header_line = line
                return header

    def _find(self, columns: Sequence[Column]) -> dict[str, int | None]:
        path, line = self.path, self.header_line
        folded = [fold(h) for h in self.header]
        index: dict[str, int | None] = {}
        missing: list[str] = []
        for col in columns:
            found: int | None = None
            for name in map(fold, col.names()):
                places = [i for i, h in enumerate(folded) if h == name]
                if len(places) > 1:
                    twice = self.header[places[0]].strip()
                    raise FileInputError(
                        str(path),
                        f"{path}, line {line:,}, column “{twice}”: the "
                        f"header has this column {len(places)} times (columns "
                        f"{', '.join(str(p + 1) for p in places)}); keep one and import again.",
                        line=line,
                        column=twice,
                    )
                if places and found is None:
                    found = places[0]
            if found is None and col.required:
                missing.append(col.name)
            index[col.name] = found
        if missing:
            named = [h.strip() for h in self.header if h.strip()]
            raise FileInputError(
                str(path),
                f"{path}, line {line:,}: the header has no {some_names(missing)} "
                f"{'column' if len(missing) == 1 else 'columns'} (found: {some_names(named)}).",
                line=line,
                column=missing[0],
            )
        return index

    @property
    def bytes_read(self) -> int:
        """How far into the file the reader is (for progress; a buffer ahead)."""
        try:
            return min(self._raw.tell(), self.size)
        except (OSError, ValueError):
            return self.size

    def has(self, name: str) -> bool:
        return self.index.get(name) is not None

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(first line of the row, its cells, as many as the header's).

        Blank lines (and rows of empty cells) are skipped; empty cells past the header's
        last column are dropped. A row with other cells than the header's, or one the
        CSV rules cannot read, is a problem, not a row, and reading goes on. A short last
        row, or a quote still open at the end, says the file looks cut off. A file with
        a header and no row is a problem too: there is nothing to import.
        """
        width = len(self.header)
        short: tuple[int, int] | None = None  # a short row: is it the file's last?
        count = bad = 0  # rows yielded, rows refused (for rows_read)
        try:
            for start, cells in self._records():
                n = len(cells)
                if n != width or not cells[0] or cells[0].isspace():
                    if not any(cell.strip() for cell in cells):
                        continue  # a blank line, or a row of empty cells
                    if n > width and not any(cells[width:]):
                        cells = cells[:width]
                    elif n != width:
                        bad += 1
                        if short is not None:
                            self._wrong_width(*short)
                        short = (start, n) if n < width else None
                        if n > width:
                            self._wrong_width(start, n)
                        continue
                if short is not None:
                    self._wrong_width(*short)
                    short = None
                count += 1
                yield start, cells
        finally:
            self.rows_read += count + bad  # also when a format stops before the end
        if short is not None:
            unended = "" if self.ends_with_newline else " and no line end"
            self.problems.add(
                short[0],
                "",
                f"the last row has {short[1]} of the header's {width} cells{unended}: the file "
                f"looks cut off (was it copied before it was fully saved?)",
            )
        elif not count and not self.problems:
            self.problems.add(
                self.header_line + 1, "", "the file has its header and no rows: nothing to import"
            )

    def read_to_end(self) -> None:
        """Read the rows a format left unread (it stopped at a problem), so that
        :attr:`rows_read` counts the whole file and its every problem is listed."""
        for _row in self.rows():
            pass

    def _wrong_width(self, line: int, found: int) -> None:
        """A row with more or fewer cells than the header (not the last one: see rows)."""
        self.problems.add(
            line, "", f"expected {len(self.header)} cells like the header, found {found}"
        )

    def _records(self) -> Iterator[tuple[int, list[str]]]:
        """(first line, cells) of each record the CSV rules read; a record they cannot
        read is a problem, and the next starts on the next line."""
        reader = self._reader
        line = reader.line_num + 1
        while True:
            start = line
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                line = reader.line_num + 1
                self.rows_read += 1  # a row, if an unreadable one
                self.problems.add(start, "", csv_problem(exc, cut_off=True))
                continue
            except UnicodeDecodeError:  # the pre-scan read it whole: it changed since
                self.problems.add(start, "", "the file changed while it was read; import again")
                return
            line = reader.line_num + 1
            yield start, cells

    def close(self) -> None:
        self._text.close()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def csv_problem(exc: csv.Error, *, cut_off: bool = False) -> str:
    """What the CSV module's complaint means for the person fixing the file."""
    text = str(exc)
    if "field larger than field limit" in text:
        return (
            f"a cell is longer than {csv.field_size_limit():,} characters, the most a cell may "
            f'hold: a quote (") opened here and never closed makes the lines after it one '
            f"cell, or the file is not a CSV export"
        )
    if "unexpected end of data" in text:
        return (
            'a quote (") opened in this row is still open at the end of the file: the file '
            "looks cut off, or a closing quote is missing"
            if cut_off
            else 'a quote (") opened in this row is never closed'
        )
    if "expected after" in text:
        return (
            "a quoted cell has more text after its closing quote (write a quote inside a "
            'cell as "")'
        )
    return f"the row is unreadable ({text})"


def scan(path: Path) -> Scan:
    """The one pass over the file (:mod:`~posassist.importers.decoding`): its encoding and
    how it ends; a file that is not text by the rule is refused with its line and byte."""
    size = check_regular(path)
    try:
        with path.open("rb") as fh:
            return scan_file(path, fh, size)
    except OSError as exc:
        raise cannot_read(path, exc) from exc


def detect_encoding(path: Path) -> str:
    """The file's encoding (a Python codec name) by the documented rule."""
    return scan(path).encoding


def open_table(path: Path, columns: Sequence[Column], problems: Problems) -> Table:
    """Open ``path`` for streaming; a file that cannot be read as a table is refused at
    once (missing, a folder, no right to read it, empty, binary, NUL bytes, undecidable
    encoding, no required column)."""
    found = scan(path)
    try:
        with path.open(encoding=found.encoding, newline="") as fh:
            sample = fh.read(_SNIFF_CHARS)
    except OSError as exc:
        raise cannot_read(path, exc) from exc
    delimiter = sniff_delimiter(sample, complete=len(sample) < _SNIFF_CHARS)
    return Table(
        path,
        columns,
        problems,
        encoding=found.encoding,
        delimiter=delimiter,
        ends_with_newline=found.ends_with_newline,
    )


def sniff_delimiter(sample: str, *, complete: bool) -> str:
    """Comma, semicolon or tab: the one that splits the header into more than one cell
    and the most of the next rows into as many, then the one giving the most header
    cells; comma when nothing tells (a one-column file). Quotes are honoured, so a
    header cell ``"Name, first"`` does not make a comma file of a semicolon one."""

    def score(delimiter: str) -> tuple[bool, int, int]:
        widths = _widths(sample, delimiter, complete)
        if not widths:
            return (False, 0, 0)
        head = widths[0]
        return (head > 1, sum(w == head for w in widths[1:]), head)

    return max(_DELIMITERS, key=score)


def _widths(sample: str, delimiter: str, complete: bool) -> list[int]:
    widths: list[int] = []
    try:
        for cells in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter):
            if any(cell.strip() for cell in cells):
                widths.append(len(cells))
            if len(widths) > _SNIFF_ROWS:
                break
    except csv.Error:
        pass  # a cell past the field limit: judge by the rows before it
    if not complete and len(widths) > 1 and len(widths) <= _SNIFF_ROWS:
        widths.pop()  # the sample may end inside the last row
    return widths
