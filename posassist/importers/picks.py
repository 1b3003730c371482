"""Reading a staff picks CSV: ``category, rank, sku, staff, why`` and optionally ``branch_code``.

The whole file is read and checked before anything is written (the service then writes
it in one transaction), so a file with one bad line changes nothing, and the message
names the file and the line. Refused: a rank other than 1–3, a "why" over 140
characters or on several lines, an empty staff name, a branch code this store does not
know, two lines for the same slot, and, once the catalog has products, a SKU it does
not have. A blank ``branch_code`` is a chain-wide pick. Cells a posassist export
protected against spreadsheet formulas are read back as they were.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from posassist.domain.picks import (
    CSV_COLUMNS,
    REQUIRED_COLUMNS,
    PickInput,
    category_key,
    clean_pick,
    parse_rank,
)
from posassist.domain.spreadsheet import restore_cell
from posassist.errors import InvalidInputError
from posassist.storage.orm import Branch, Product

MAX_ROWS = 10_000


@dataclass(frozen=True, slots=True)
class PickLine:
    line: int
    data: PickInput


def bad_line(path: Path, line: int, message: str) -> InvalidInputError:
    return InvalidInputError(f"{path}:{line}", f"{path}, line {line}: {message}")


def _text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInputError("file", f"Cannot read {path}: {exc.strerror or exc}.") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise bad_line(path, line, "the file is not UTF-8 text (save it as “CSV UTF-8”).") from exc


def _header(path: Path, reader: Iterator[list[str]]) -> list[str]:
    try:
        names = next(reader)
    except StopIteration:
        raise bad_line(path, 1, "the file is empty; the first line must be the header.") from None
    except csv.Error as exc:
        raise bad_line(path, 1, f"unreadable header ({exc}).") from exc
    columns = [restore_cell(n).strip().casefold() for n in names]
    unknown = [c for c in columns if c not in CSV_COLUMNS]
    if unknown:
        known = ", ".join(CSV_COLUMNS)
        raise bad_line(path, 1, f"unknown column “{unknown[0]}”. Columns are: {known}.")
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise bad_line(path, 1, f"the header has no “{missing[0]}” column.")
    if len(set(columns)) != len(columns):
        raise bad_line(path, 1, "a column appears twice.")
    return columns


class _Checker:
    """What a line is checked against: this store's branch codes and its catalog."""

    def __init__(self, s: Session, path: Path) -> None:
        self.path = path
        self.branches = {
            code.casefold(): bid for code, bid in s.execute(select(Branch.code, Branch.id))
        }
        self.skus = set(s.scalars(select(Product.sku)))
        self.slots: dict[tuple[uuid.UUID | None, str, int], int] = {}

    def pick(self, line: int, values: dict[str, str]) -> PickInput:
        code = values.get("branch_code", "").strip()
        branch = self.branches.get(code.casefold()) if code else None
        if code and branch is None:
            raise bad_line(self.path, line, f"unknown branch code “{code[:20]}”.")
        try:
            data = clean_pick(
                PickInput(
                    category=values["category"],
                    rank=parse_rank(values["rank"]),
                    sku=values["sku"],
                    staff=values["staff"],
                    why=values["why"],
                    branch_id=branch,
                )
            )
        except InvalidInputError as exc:
            raise bad_line(self.path, line, _after_the_line(str(exc))) from exc
        if self.skus and data.sku not in self.skus:
            raise bad_line(
                self.path,
                line,
                f"SKU {data.sku} is not in the catalogue (import it with `import products` first).",
            )
        slot = (branch, category_key(data.category), data.rank)
        if slot in self.slots:
            raise bad_line(
                self.path,
                line,
                f"the same category and rank is already on line {self.slots[slot]}.",
            )
        self.slots[slot] = line
        return data


def _after_the_line(message: str) -> str:
    """A form's message ("The rank must be …") read after "file, line N: ", like the
    catalogue importers' ("…, line 3: the rank must be …"); it names its field once."""
    if message[:1].isupper() and message[1:2].islower():
        return message[0].lower() + message[1:]
    return message


def read_picks(s: Session, path: Path) -> list[PickLine]:
    """Every line of ``path`` as a checked pick, or InvalidInputError on the first bad line."""
    reader = csv.reader(io.StringIO(_text(path), newline=""), strict=True)
    columns = _header(path, reader)
    checker = _Checker(s, path)
    out: list[PickLine] = []
    line = reader.line_num + 1
    while True:
        start = line
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise bad_line(path, start, f"unreadable row ({exc}).") from exc
        line = reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue  # a blank line, e.g. at the end of a hand-edited file
        if len(cells) != len(columns):
            raise bad_line(
                path, start, f"expected {len(columns)} cells like the header, found {len(cells)}."
            )
        if len(out) >= MAX_ROWS:
            raise bad_line(path, start, f"more than {MAX_ROWS:,} picks in one file.")
        values = {col: restore_cell(cell) for col, cell in zip(columns, cells, strict=True)}
        out.append(PickLine(start, checker.pick(start, values)))
    return out
