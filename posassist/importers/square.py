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

from posassist.domain.identifiers import (
    check_text,
    clean_display_name,
    clean_note,
    normalise_email,
    normalise_phone,
)
from posassist.importers import cells as cell
from posassist.importers.reader import Column, Table
from posassist.importers.records import ParseContext, Person, Sale, SaleItem, Skip

__all__ = [
    "SOURCE",
    "SQUARE_FORMATS",
    "SquareCustomers",
    "SquareItems",
    "SquareTransactions",
    "month_first",
]

SOURCE = "square"
REFERENCE_SOURCE = "square-reference"

# Regions whose spreadsheets write dates month first (7/18/2026).
_MONTH_FIRST_REGIONS = frozenset({"US", "CA", "PH", "PR", "GU", "AS", "VI", "MP", "FM", "BZ"})
_SUBSCRIBED = {"subscribed": True, "opted in": True, "yes": True}
_NOT_SUBSCRIBED = {"unsubscribed", "not subscribed", "not_subscribed", "opted out", "no"}
_PAYMENT, _REFUND = "payment", "refund"
_RECENT_KEYS = 4096  # transactions remembered to notice rows of one that are not together


def month_first(region: str) -> bool:
    """Does this store's region write ``7/18/2026`` (month first)? Decides slashed dates."""
    return region.upper() in _MONTH_FIRST_REGIONS


class _Cells:
    """One table's column indexes, looked up once; reading a row is then list indexing."""

    def __init__(self, table: Table, names: Sequence[str]) -> None:
        self.table = table
        self.at: dict[str, int | None] = {n: table.index.get(n) for n in names}

    def get(self, row: list[str], name: str) -> str:
        i = self.at[name]
        return "" if i is None else row[i].strip()

    def header(self, name: str) -> str:
        """The file's own name of a column, for a problem (it may be an older alias)."""
        i = self.at[name]
        return name if i is None else self.table.header[i].strip()

    def bad(self, line: int, name: str, message: str) -> None:
        self.table.problems.add(line, self.header(name), message)


def _text(c: _Cells, row: list[str], line: int, name: str) -> str | None:
    """A plain text cell, checked for control characters; None (and a problem) if bad."""
    value = c.get(row, name)
    try:
        return check_text(value, name, f"“{c.header(name)}” cell")
    except ValueError as exc:
        c.bad(line, name, str(exc))
        return None


def _display_name(c: _Cells, row: list[str], line: int, name: str, value: str) -> str | None:
    try:
        return clean_display_name(value)
    except ValueError as exc:
        c.bad(line, name, str(exc))
        return None


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
        c = _Cells(table, [col.name for col in self.columns])
        mf = month_first(ctx.region)
        for line, row in table.rows():
            person = _customer(c, row, line, ctx.region, mf)
            if person is None:
                continue
            if person.external_id or person.phone or person.email:
                yield person
            else:
                yield Skip(line, "no Square customer id, phone or email")


def _customer(c: _Cells, row: list[str], line: int, region: str, mf: bool) -> Person | None:
    """The row's person, or None when a cell is bad (each reported)."""
    before = c.table.problems.count
    ext = cell.strip_apostrophe(_text(c, row, line, "Square Customer ID") or "")
    check = [_text(c, row, line, n) for n in ("First Name", "Last Name", "Nickname")]
    company = _text(c, row, line, "Company Name")
    first, last, nick = (v or "" for v in check)
    name_text = " ".join(p for p in (first, last) if p) or nick or company or ""
    name = _display_name(c, row, line, "First Name", name_text) if name_text else None
    phone = _phone(c, row, line, "Phone Number", region)
    email = _email(c, row, line, "Email Address")
    ref = cell.strip_apostrophe(_text(c, row, line, "Reference ID") or "")
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


def _phone(c: _Cells, row: list[str], line: int, name: str, region: str) -> str | None:
    value = cell.strip_apostrophe(c.get(row, name))
    if not value:
        return None
    try:
        return normalise_phone(value, region)
    except ValueError as exc:
        c.bad(line, name, str(exc))
        return None


def _email(c: _Cells, row: list[str], line: int, name: str) -> str | None:
    value = c.get(row, name)
    if not value:
        return None
    try:
        return normalise_email(value)
    except ValueError as exc:
        c.bad(line, name, str(exc))
        return None


def _note(c: _Cells, row: list[str], line: int, name: str) -> str:
    """A free-text cell that may hold newlines (a quoted cell of the export)."""
    value = c.get(row, name)
    if not value:
        return ""
    try:
        return clean_note(value, "notes", f"“{c.header(name)}” cell")
    except ValueError as exc:
        c.bad(line, name, str(exc))
        return ""


def _consent(c: _Cells, row: list[str], line: int) -> bool | None:
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


def _date(c: _Cells, row: list[str], line: int, name: str, mf: bool) -> date | None:
    value = c.get(row, name)
    if not value:
        return None
    try:
        return cell.day(value, month_first=mf)
    except ValueError as exc:
        c.bad(line, name, str(exc))
        return None


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
        self.c = _Cells(table, [col.name for col in columns])
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
        location = _text(c, row, line, "Location")
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
        return _SaleHead(occurred, local, kind, person, " ".join(parts))

    def _moment(self, row: list[str], line: int) -> datetime | None:
        c = self.c
        try:
            zone = cell.zone(c.get(row, "Time Zone"), self.ctx.tz_name)
        except ValueError as exc:
            c.bad(line, "Time Zone", str(exc))
            return None
        try:
            on = cell.day(c.get(row, "Date"), month_first=self.mf)
        except ValueError as exc:
            c.bad(line, "Date", str(exc))
            return None
        try:
            at = cell.time_of_day(c.get(row, "Time"))
        except ValueError as exc:
            c.bad(line, "Time", str(exc))
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
        check_ok = _text(c, row, line, "Customer ID") is not None
        name_text = _text(c, row, line, "Customer Name") or ""
        name = _display_name(c, row, line, "Customer Name", name_text) if name_text else None
        ref = cell.strip_apostrophe(_text(c, row, line, "Customer Reference ID") or "")
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
        try:
            return cell.money_minor(self.c.get(row, name))
        except ValueError as exc:
            self.c.bad(line, name, str(exc))
            return None


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
        for line, row in self.table.rows():
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
        description = _text(c, row, line, "Item") or "Custom Amount"
        sku = cell.strip_apostrophe(_text(c, row, line, "SKU") or "") or None
        category = cell.category(_text(c, row, line, "Category") or "")
        try:
            qty = cell.quantity(c.get(row, "Qty"))
        except ValueError as exc:
            c.bad(line, "Qty", str(exc))
            qty = 1
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
        rows = _SaleRows(table, self.columns, ctx)
        c = rows.c
        previous: list[str] | None = None
        for line, row in table.rows():
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
            staff = _text(c, row, line, "Staff Name")
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
