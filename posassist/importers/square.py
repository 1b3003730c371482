"""Square's three exports: the Customer Directory, Item Detail and Transactions.

Each format reads its columns by name (:class:`~posassist.importers.reader.Column`, with
the names they have had), so a column added, dropped or moved between versions of an
export changes nothing. Every bad cell is reported with its line and the header's name of
its column, and its row is left out; the loader then refuses the whole import.

- :class:`SquareCustomers` (``square-customers``): one :class:`Person` per row, keyed by
  ``Square Customer ID`` (its ``Reference ID`` as a second id, ``square-reference``).
- :class:`SquareItems` (``square-items``): one row per line item; the rows of one
  ``Transaction ID`` next to each other are one :class:`Sale` with its lines. The basket
  is the sum of ``Gross Sales`` (price × quantity, before discounts), the amount the
  lines' prices add up to.
- :class:`SquareTransactions` (``square-transactions``): one row, one :class:`Sale`; the
  basket is ``Total Collected``.

A refund row has a new ``Transaction ID`` and keeps the ``Payment ID`` of the sale it
refunds: it becomes a :class:`Sale` of kind ``refund`` whose note names that payment.
Other event types are skipped, not refused. The README (*Square exports*) says the same
for a manager.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from posassist.importers import cells as cell
from posassist.importers.kinds import refuse_other_kind
from posassist.importers.reader import Column, Table
from posassist.importers.records import ParseContext, Person, Sale, SaleItem, Skip
from posassist.importers.square_customers import (
    REFERENCE_SOURCE,
    SOURCE,
    RowCells,
    SquareCustomers,
    month_first,
    name_cell,
    text_cell,
)

__all__ = [
    "SOURCE",
    "SQUARE_FORMATS",
    "SquareCustomers",
    "SquareItems",
    "SquareTransactions",
]

_PAYMENT, _REFUND = "payment", "refund"
_RECENT_KEYS = 4096  # transactions remembered to notice rows of one that are not together


# --- the sales exports: what Item Detail and Transactions share ----------------------

_SALE_COLUMNS: tuple[Column, ...] = (
    Column("Date", required=True),
    Column("Time"),
    Column("Time Zone", aliases=("Timezone",)),
    Column("Transaction ID", required=True),
    Column("Payment ID"),
    Column("Event Type"),
    Column("Location"),
    Column("Customer ID"),
    Column("Customer Name"),
    Column("Customer Reference ID"),
)


class _SaleHead:
    """What the first row of a transaction says about the sale (its time, kind, person)."""

    __slots__ = ("kind", "local_day", "note", "occurred_at", "person")

    def __init__(
        self,
        occurred_at: datetime,
        local_day: date,
        kind: str,
        person: Person | None,
        note: str,
    ) -> None:
        self.occurred_at = occurred_at
        self.local_day = local_day
        self.kind = kind
        self.person = person
        self.note = note


class _SaleRows:
    """Reads the cells the two sales exports share; one per parse, reused for each row."""

    def __init__(self, table: Table, columns: Sequence[Column], ctx: ParseContext) -> None:
        self.c = RowCells(table, [col.name for col in columns])
        self.ctx = ctx
        self.tz = ZoneInfo(ctx.tz_name)
        self.latest = ctx.today + timedelta(days=1)
        self.mf = month_first(ctx.region)

    def event(self, row: list[str]) -> str:
        """``payment``, ``refund``, or another event type as written (folded)."""
        return self.c.get(row, "Event Type").casefold() or _PAYMENT

    def head(self, row: list[str], line: int, event: str, extra: str = "") -> _SaleHead | None:
        """The sale's time, kind, person and note from ``row``; None if a cell is bad."""
        c = self.c
        before = c.table.problems.count
        occurred = self._moment(row, line)
        person = self._person(row, line)
        location = text_cell(c, row, line, "Location")
        payment = cell.strip_apostrophe(c.get(row, "Payment ID"))
        if occurred is None or c.table.problems.count != before:
            return None
        parts = [f"Refund of payment {payment or '(no payment id)'}"] if event == _REFUND else []
        if location:
            parts.append(f"at {location}")
        if extra:
            parts.append(extra)
        kind = "refund" if event == _REFUND else "purchase"
        local = occurred.astimezone(self.tz).date()
        return _SaleHead(occurred, local, kind, person, ", ".join(parts))

    def _moment(self, row: list[str], line: int) -> datetime | None:
        c, tz_name, mf = self.c, self.ctx.tz_name, self.mf
        zone = c.read(row, line, "Time Zone", lambda v: cell.zone(v, tz_name), blank=True)
        on = c.read(row, line, "Date", lambda v: cell.day(v, month_first=mf), blank=True)
        at = c.read(row, line, "Time", cell.time_of_day, blank=True)
        if zone is None or on is None or at is None:
            return None
        occurred = datetime.combine(on, at).replace(tzinfo=zone)
        if occurred.astimezone(self.tz).date() > self.latest:
            c.bad(line, "Date", f"“{on}” is in the future (the store's date is {self.ctx.today})")
            return None
        return occurred

    def _person(self, row: list[str], line: int) -> Person | None:
        """The customer of the sale, or None (an anonymous sale) with no Customer ID."""
        c = self.c
        ext = cell.strip_apostrophe(c.get(row, "Customer ID"))
        if not ext:
            return None
        check_ok = text_cell(c, row, line, "Customer ID") is not None
        name_text = text_cell(c, row, line, "Customer Name") or ""
        name = name_cell(c, row, line, "Customer Name", name_text) if name_text else None
        ref = cell.strip_apostrophe(text_cell(c, row, line, "Customer Reference ID") or "")
        if not check_ok:
            return None
        return Person(
            source=SOURCE,
            external_id=ext,
            line=line,
            display_name=name,
            other_ids=((REFERENCE_SOURCE, ref),) if ref else (),
        )

    def money(self, row: list[str], line: int, name: str) -> int | None:
        """An amount cell; a bad one is reported and read as None."""
        return self.c.read(row, line, name, cell.money_minor)


def _skip_event(line: int, event: str) -> Skip:
    return Skip(line, f"a “{event}” event is not a sale or a refund")


# --- Item Detail ---------------------------------------------------------------------


class SquareItems:
    """Square's Item Detail export: one row per line item, a transaction's rows together."""

    kind = "square-items"
    source = SOURCE
    columns: tuple[Column, ...] = (
        *_SALE_COLUMNS,
        Column("Item", required=True, aliases=("Item Name",)),
        Column("Qty", aliases=("Quantity",)),
        Column("SKU"),
        Column("Category"),
        Column("Gross Sales", required=True),
    )

    def parse(self, table: Table, ctx: ParseContext) -> Iterator[Person | Sale | Skip]:
        refuse_other_kind(self.kind, table)  # at once: this parse is not a generator
        return _ItemsParse(table, self.columns, ctx).records()


class _ItemsParse:
    """The state of one Item Detail parse: the transaction being gathered."""

    def __init__(self, table: Table, columns: Sequence[Column], ctx: ParseContext) -> None:
        self.table = table
        self.rows = _SaleRows(table, columns, ctx)
        self.sale: Sale | None = None
        self.key = ""  # the Transaction ID being gathered ("" none)
        self.broken = False  # a row of this transaction was bad: the sale is left out
        self.seen: set[tuple[str, ...]] = set()  # its lines, to skip exact repeats
        self.done: OrderedDict[str, int] = OrderedDict()  # recent keys → first line

    def records(self) -> Iterator[Person | Sale | Skip]:
        c = self.rows.c
        for line, cells in self.table.rows():
            row = c.start(cells)
            key = cell.strip_apostrophe(c.get(row, "Transaction ID"))
            if not key:
                c.bad(line, "Transaction ID", "the transaction id is empty")
                continue
            if key != self.key:
                if (finished := self._close()) is not None:
                    yield finished
                if key in self.done:
                    c.bad(
                        line,
                        "Transaction ID",
                        f"rows of transaction {key[:40]} are apart (it began on line "
                        f"{self.done[key]:,}): keep a transaction's rows together",
                    )
                self._open(key, line)
            skip = self._add(row, line)
            if skip is not None:
                yield skip
        if (finished := self._close()) is not None:
            yield finished

    def _open(self, key: str, line: int) -> None:
        self.key, self.sale, self.broken = key, None, False
        self.seen.clear()
        self.done[key] = line
        if len(self.done) > _RECENT_KEYS:
            self.done.popitem(last=False)

    def _close(self) -> Sale | None:
        sale, self.sale = self.sale, None
        return None if self.broken else sale

    def _add(self, row: list[str], line: int) -> Skip | None:
        """Add ``row`` to the transaction; a Skip when it is left out on purpose."""
        lines = tuple(row)
        if lines in self.seen:
            return Skip(line, "duplicated line")
        self.seen.add(lines)
        rows, c = self.rows, self.rows.c
        event = rows.event(row)
        if event not in (_PAYMENT, _REFUND):
            return _skip_event(line, event)
        item = self._item(row, line)
        if self.sale is None and not self.broken:
            head = rows.head(row, line, event)
            if head is None:
                self.broken = True
            else:
                self.sale = Sale(
                    SOURCE,
                    self.key,
                    line,
                    head.person,
                    head.occurred_at,
                    head.local_day,
                    kind="refund" if head.kind == "refund" else "purchase",
                    basket_minor=0,
                    note=head.note,
                )
        elif self.sale is not None and (self.sale.kind == "refund") != (event == _REFUND):
            c.bad(line, "Event Type", "one transaction's rows mix payments and refunds")
            self.broken = True
        if item is None:
            self.broken = True
        elif self.sale is not None and not self.broken:
            self.sale.items.append(item[0])
            self.sale.basket_minor = (self.sale.basket_minor or 0) + item[1]
        return None

    def _item(self, row: list[str], line: int) -> tuple[SaleItem, int] | None:
        """The row's line item and its gross amount (signed); None if a cell is bad."""
        c = self.rows.c
        before = c.table.problems.count
        description = text_cell(c, row, line, "Item") or "Custom Amount"
        sku = cell.strip_apostrophe(text_cell(c, row, line, "SKU") or "") or None
        category = cell.category(text_cell(c, row, line, "Category") or "")
        qty = c.read(row, line, "Qty", cell.quantity, blank=True) or 1
        gross = self.rows.money(row, line, "Gross Sales")
        if c.table.problems.count != before:
            return None
        unit = None if gross is None else round(abs(gross) / qty)
        return SaleItem(description, qty, unit, sku, category), gross or 0


# --- Transactions --------------------------------------------------------------------


class SquareTransactions:
    """Square's Transactions export: one row per payment or refund, no lines."""

    kind = "square-transactions"
    source = SOURCE
    columns: tuple[Column, ...] = (
        *_SALE_COLUMNS,
        Column("Total Collected", required=True, aliases=("Total",)),
        Column("Staff Name", aliases=("Employee",)),
    )

    def parse(self, table: Table, ctx: ParseContext) -> Iterator[Person | Sale | Skip]:
        refuse_other_kind(self.kind, table)
        rows = _SaleRows(table, self.columns, ctx)
        c = rows.c
        previous: list[str] | None = None
        for line, cells in table.rows():
            row = c.start(cells)
            if row == previous:
                yield Skip(line, "duplicated line")
                continue
            previous = row
            key = cell.strip_apostrophe(c.get(row, "Transaction ID"))
            event = rows.event(row)
            if not key:
                c.bad(line, "Transaction ID", "the transaction id is empty")
                continue
            if event not in (_PAYMENT, _REFUND):
                yield _skip_event(line, event)
                continue
            before = c.table.problems.count
            staff = text_cell(c, row, line, "Staff Name")
            total = rows.money(row, line, "Total Collected")
            head = rows.head(row, line, event, f"served by {staff}" if staff else "")
            if head is None or c.table.problems.count != before:
                continue
            yield Sale(
                SOURCE,
                key,
                line,
                head.person,
                head.occurred_at,
                head.local_day,
                kind="refund" if head.kind == "refund" else "purchase",
                basket_minor=total,
                note=head.note,
            )


SQUARE_FORMATS = (SquareCustomers(), SquareItems(), SquareTransactions())
