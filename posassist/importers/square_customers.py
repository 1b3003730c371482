"""Square's Customer Directory export, and the row helpers all three Square formats share.

:class:`SquareCustomers` (``square-customers``) makes one :class:`Person` per row, keyed by
``Square Customer ID`` (its ``Reference ID`` as a second id, ``square-reference``).
:class:`RowCells` looks each column's index up once per file, so reading a row is list
indexing; :func:`text_cell` and :func:`name_cell` check a cell and report a bad one with
its line and the file's own name of its column. ``square.py`` has the sales exports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import TypeVar

from posassist.domain.identifiers import (
    check_text,
    clean_display_name,
    clean_note,
    find_control,
    normalise_email,
    normalise_phone,
)
from posassist.importers import cells as cell
from posassist.importers.kinds import refuse_other_kind
from posassist.importers.reader import Column, Table
from posassist.importers.records import ParseContext, Person, Sale, Skip

T = TypeVar("T")

__all__ = [
    "REFERENCE_SOURCE",
    "SOURCE",
    "RowCells",
    "SquareCustomers",
    "month_first",
    "name_cell",
    "text_cell",
]

SOURCE = "square"
REFERENCE_SOURCE = "square-reference"

# Regions whose spreadsheets write dates month first (7/18/2026).
_MONTH_FIRST_REGIONS = frozenset({"US", "CA", "PH", "PR", "GU", "AS", "VI", "MP", "FM", "BZ"})
_SUBSCRIBED = {"subscribed": True, "opted in": True, "yes": True}
_NOT_SUBSCRIBED = {"unsubscribed", "not subscribed", "not_subscribed", "opted out", "no"}


def month_first(region: str) -> bool:
    """Does this store's region write ``7/18/2026`` (month first)? Decides slashed dates."""
    return region.upper() in _MONTH_FIRST_REGIONS


class RowCells:
    """One table's column indexes, looked up once; reading a row is then list indexing.

    :meth:`start` readies each row: it appends one empty cell, which a column missing
    from this file (index -1) reads, and checks the whole row for control characters and
    line breaks at once, so the cells of an ordinary row need no check of their own.
    """

    def __init__(self, table: Table, names: Sequence[str]) -> None:
        self.table = table
        self.at: dict[str, int] = {}
        for n in names:
            i = table.index.get(n)
            self.at[n] = -1 if i is None else i
        self.plain = True  # the current row holds no control character nor line break

    def start(self, row: list[str]) -> list[str]:
        row.append("")
        self.plain = find_control("".join(row)) is None
        return row

    def get(self, row: list[str], name: str) -> str:
        return row[self.at[name]].strip()

    def header(self, name: str) -> str:
        """The file's own name of a column, for a problem (it may be an older alias)."""
        i = self.at[name]
        return name if i < 0 else self.table.header[i].strip()

    def bad(self, line: int, name: str, message: str) -> None:
        self.table.problems.add(line, self.header(name), message)

    def read(
        self,
        row: list[str],
        line: int,
        name: str,
        parse: Callable[[str], T],
        *,
        value: str | None = None,
        blank: bool = False,
    ) -> T | None:
        """``parse`` of the cell (or of ``value``, the cell already cleaned); None for an
        empty cell (unless ``blank``: then it is parsed too) and for a bad one, which is
        reported with its line and column."""
        text = row[self.at[name]].strip() if value is None else value
        if not text and not blank:
            return None
        try:
            return parse(text)
        except ValueError as exc:
            self.bad(line, name, str(exc))
            return None


def text_cell(c: RowCells, row: list[str], line: int, name: str) -> str | None:
    """A one-line text cell (a name, an item, a place), checked for control characters;
    None (and a problem) if bad. Line breaks and tabs inside it (a quoted cell of the
    export) read as single spaces: a line of a receipt is one line."""
    value = row[c.at[name]].strip()
    if c.plain:
        return value
    if "\n" in value or "\t" in value or "\r" in value:
        value = " ".join(value.split())
    label = f"“{c.header(name)}” cell"
    return c.read(row, line, name, lambda v: check_text(v, name, label), value=value, blank=True)


def name_cell(c: RowCells, row: list[str], line: int, name: str, value: str) -> str | None:
    """A customer's name made of ``value`` (from ``name``'s cell); None if empty or bad."""
    return c.read(row, line, name, clean_display_name, value=value)


# --- Customer Directory ------------------------------------------------------------


class SquareCustomers:
    """Square's Customer Directory export: one customer per row."""

    kind = "square-customers"
    source = SOURCE
    columns: tuple[Column, ...] = (
        Column("Square Customer ID", required=True, aliases=("Customer ID",)),
        Column("First Name", aliases=("Given Name",)),
        Column("Last Name", aliases=("Family Name", "Surname")),
        Column("Nickname"),
        Column("Company Name", aliases=("Company",)),
        Column("Email Address", aliases=("Email",)),
        Column("Phone Number", aliases=("Phone",)),
        Column("Reference ID"),
        Column("Memo", aliases=("Note", "Notes")),
        Column("Email Subscription Status", aliases=("Email Subscription",)),
        Column("First Visit"),
        Column("Last Visit"),
    )

    def parse(self, table: Table, ctx: ParseContext) -> Iterator[Person | Sale | Skip]:
        refuse_other_kind(self.kind, table)
        c = RowCells(table, [col.name for col in self.columns])
        mf = month_first(ctx.region)
        for line, cells in table.rows():
            person = _customer(c, c.start(cells), line, ctx.region, mf)
            if person is None:
                continue
            if person.external_id or person.phone or person.email:
                yield person
            else:
                yield Skip(line, "no Square customer id, phone or email")


def _customer(c: RowCells, row: list[str], line: int, region: str, mf: bool) -> Person | None:
    """The row's person, or None when a cell is bad (each reported)."""
    before = c.table.problems.count
    ext = cell.strip_apostrophe(text_cell(c, row, line, "Square Customer ID") or "")
    check = [text_cell(c, row, line, n) for n in ("First Name", "Last Name", "Nickname")]
    company = text_cell(c, row, line, "Company Name")
    first, last, nick = (v or "" for v in check)
    name_text = " ".join(p for p in (first, last) if p) or nick or company or ""
    name = name_cell(c, row, line, "First Name", name_text) if name_text else None
    phone = _phone(c, row, line, "Phone Number", region)
    email = c.read(row, line, "Email Address", normalise_email)
    ref = cell.strip_apostrophe(text_cell(c, row, line, "Reference ID") or "")
    notes = _note(c, row, line, "Memo")
    consent = _consent(c, row, line)
    first_seen = _date(c, row, line, "First Visit", mf)
    last_seen = _date(c, row, line, "Last Visit", mf)
    if first_seen and last_seen and last_seen < first_seen:
        c.bad(
            line, "Last Visit", f"the last visit ({last_seen}) is before the first ({first_seen})"
        )
    if c.table.problems.count != before:
        return None
    return Person(
        source=SOURCE,
        external_id=ext or None,
        line=line,
        phone=phone,
        email=email,
        display_name=name,
        consent=consent,
        notes=notes,
        first_seen=first_seen,
        last_seen=last_seen,
        other_ids=((REFERENCE_SOURCE, ref),) if ref else (),
    )


def _phone(c: RowCells, row: list[str], line: int, name: str, region: str) -> str | None:
    value = cell.strip_apostrophe(c.get(row, name))
    return c.read(row, line, name, lambda v: normalise_phone(v, region), value=value)


def _note(c: RowCells, row: list[str], line: int, name: str) -> str:
    """A free-text cell that may hold newlines (a quoted cell of the export)."""
    label = f"“{c.header(name)}” cell"
    return c.read(row, line, name, lambda v: clean_note(v, "notes", label)) or ""


def _consent(c: RowCells, row: list[str], line: int) -> bool | None:
    """``Email Subscription Status``: subscribed → True, unsubscribed / not subscribed →
    False, empty → None (the file does not say; a consent already held stays)."""
    name = "Email Subscription Status"
    value = c.get(row, name).casefold().replace("-", " ")
    if not value:
        return None
    if value in _SUBSCRIBED:
        return True
    if value in _NOT_SUBSCRIBED:
        return False
    c.bad(line, name, f"“{value[:30]}” is not Subscribed, Unsubscribed or Not subscribed")
    return None


def _date(c: RowCells, row: list[str], line: int, name: str, mf: bool) -> date | None:
    return c.read(row, line, name, lambda v: cell.day(v, month_first=mf))
