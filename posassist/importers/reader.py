"""Streaming a CSV export row by row: its encoding, its delimiter, its columns by name.

Every streaming import (``square.py``, ``shopify.py``, ``generic.py``) opens its file with
:func:`open_table`. The file is never read whole: rows come one at a time, so a
5,000,000-row export costs the memory of one row, and the bytes read so far give the
progress bar and its ETA.

Columns are found by their header name (case and surrounding spaces ignored), never by
position: exports add and drop columns between versions. Columns the format does not
know are ignored.

The encoding rule (README, *Importing*): a byte-order mark decides (UTF-8, UTF-16 LE or
BE); else the file is UTF-8 if all of it decodes as UTF-8; else Windows-1252 if it decodes
as that; else it is refused, naming the line and the byte where it fails.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from posassist.errors import InvalidInputError
from posassist.importers.records import Problems

__all__ = ["Column", "Table", "open_table"]

_SCAN_CHUNK = 1 << 20
_DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True, slots=True)
class Column:
    """A column a format reads: its name in the export, other names it has had, and
    whether a file without it is refused."""

    name: str
    required: bool = False
    aliases: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def fold(name: str) -> str:
    """A header name as compared: no BOM, no surrounding spaces or quotes, case folded."""
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
    ) -> None:
        self.path = path
        self.problems = problems
        self.encoding = encoding
        self.delimiter = delimiter
        self.size = path.stat().st_size
        self._raw = path.open("rb")
        self._text = io.TextIOWrapper(self._raw, encoding=encoding, newline="")
        self._reader = csv.reader(self._text, delimiter=delimiter, strict=True)
        try:
            self.header = next(self._reader)
        except StopIteration:
            self.close()
            raise InvalidInputError(str(path), f"{path}: the file is empty.") from None
        except csv.Error as exc:
            self.close()
            raise InvalidInputError(f"{path}:1", f"{path}, line 1: unreadable ({exc}).") from exc
        folded = [fold(h) for h in self.header]
        self.index: dict[str, int | None] = {}
        for col in columns:
            found = next((folded.index(fold(n)) for n in col.names() if fold(n) in folded), None)
            if found is None and col.required:
                self.close()
                raise InvalidInputError(
                    f"{path}:1",
                    f"{path}, line 1: the header has no “{col.name}” column "
                    f"(found: {', '.join(self.header)[:300]}).",
                )
            self.index[col.name] = found

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
        """(first line of the row, its cells, as many as the header's). A row with a
        different number of cells, a NUL byte or an unclosed quote is a problem, not a
        row; blank lines are skipped."""
        reader = self._reader
        width = len(self.header)
        line = reader.line_num + 1
        while True:
            start = line
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                self.problems.add(start, "", _csv_message(exc))
                return
            line = reader.line_num + 1
            if len(cells) != width:
                if not any(c.strip() for c in cells):
                    continue
                self.problems.add(
                    start, "", f"expected {width} cells like the header, found {len(cells)}"
                )
                continue
            yield start, cells

    def close(self) -> None:
        self._text.close()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _csv_message(exc: csv.Error) -> str:
    text = str(exc)
    if "NUL" in text:
        return "the line holds a NUL byte (a damaged or binary file)"
    if "EOF" in text or "unexpected end" in text:
        return "the file ends inside a quoted cell (the last line is cut off)"
    return f"unreadable ({text})"


def open_table(path: Path, columns: Sequence[Column], problems: Problems) -> Table:
    """Open ``path`` for streaming; a file that cannot be read as a table is refused at
    once (missing, a folder, empty, binary, undecidable encoding, no required column)."""
    if not path.exists():
        raise InvalidInputError(str(path), f"{path}: no such file.")
    if path.is_dir():
        raise InvalidInputError(str(path), f"{path} is a folder, not a file.")
    encoding = detect_encoding(path)
    delimiter = _delimiter(path, encoding)
    return Table(path, columns, problems, encoding=encoding, delimiter=delimiter)


def detect_encoding(path: Path) -> str:
    """The file's encoding by the documented rule (module docstring)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
            if head.startswith(codecs.BOM_UTF8):
                return "utf-8-sig"
            if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                return "utf-16"
            fh.seek(0)
            if _decodes(fh, "utf-8"):
                return "utf-8"
            fh.seek(0)
            if _decodes(fh, "cp1252"):
                return "cp1252"
            fh.seek(0)
            line, offset = _first_bad_byte(fh, "cp1252")
    except OSError as exc:
        raise InvalidInputError(str(path), f"Cannot read {path}: {exc.strerror or exc}.") from exc
    raise InvalidInputError(
        f"{path}:{line}",
        f"{path}, line {line:,}: byte {offset:,} of the file is neither UTF-8 nor "
        f"Windows-1252 text; save the file as “CSV UTF-8”.",
    )


def _decodes(fh: io.BufferedReader, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        while chunk := fh.read(_SCAN_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _first_bad_byte(fh: io.BufferedReader, encoding: str) -> tuple[int, int]:
    decoder = codecs.getincrementaldecoder(encoding)()
    line, offset = 1, 0
    while chunk := fh.read(_SCAN_CHUNK):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            return line + chunk[: exc.start].count(b"\n"), offset + exc.start
        line += chunk.count(b"\n")
        offset += len(chunk)
    return line, offset


def _delimiter(path: Path, encoding: str) -> str:
    """Comma, semicolon or tab: whichever the header line holds most of, outside quotes."""
    with path.open(encoding=encoding, newline="") as fh:
        first = fh.readline()
    counts = {d: 0 for d in _DELIMITERS}
    quoted = False
    for ch in first:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","
