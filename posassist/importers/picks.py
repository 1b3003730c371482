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

import uuid
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
from posassist.errors import InvalidInputError
from posassist.importers.csv_text import bad_line, csv_rows
from posassist.storage.orm import Branch, Product

MAX_ROWS = 10_000


@dataclass(frozen=True, slots=True)
class PickLine:
    line: int
    data: PickInput


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
    _columns, rows = csv_rows(path, CSV_COLUMNS, REQUIRED_COLUMNS, max_rows=MAX_ROWS, what="picks")
    checker = _Checker(s, path)
    return [PickLine(line, checker.pick(line, values)) for line, values in rows]
