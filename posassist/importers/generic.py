"""A store's own CSV: the generic transactions file, and any CSV with a saved mapping.

``transactions`` is the file ``posassist import transactions`` has always read: a customer
id, a date and an optional amount per row, its columns found by documented synonyms. Each
row is one purchase of "Customer <id>"; a line identical to an earlier one is the same
purchase (the loader counts it as skipped), so a file imported twice adds nothing.

``mapped`` is any other CSV: the manager says once which of its columns is the date, the
customer, the total, the item… (:data:`posassist.importers.kinds.MAPPED_FIELDS`), the
mapping is saved by name and reused for the next file from the same till.

Both read their dates in ONE format for the whole file (:mod:`posassist.importers.dates`):
a first pass over the date column chooses it, then the rows are parsed. Both stream: a
file of millions of rows costs the memory of a few rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from posassist.domain.identifiers import (
    IdentifierError,
    find_control,
    name_key,
    normalise_card,
    normalise_email,
    normalise_phone,
)
from posassist.domain.money import DEFAULT_MAX_MINOR, parse_amount
from posassist.errors import InvalidInputError
from posassist.importers.cells import (
    money_minor,
    offset_timestamp,
    quantity,
    strip_apostrophe,
    time_of_day,
)
from posassist.importers.dates import (
    EXCEL_SERIAL,
    ISO,
    DayFormat,
    LineError,
    choose_day_format,
    future_message,
    is_a_date,
)
from posassist.importers.kinds import refuse_other_kind
from posassist.importers.reader import Column, Table, open_table
from posassist.importers.records import ParseContext, Person, Problems, Sale, SaleItem, Skip

__all__ = [
    "TRANSACTION_COLUMNS",
    "CellError",
    "MappedFormat",
    "TransactionsFormat",
    "check_mapping",
    "day_format",
    "normalised_phone",
    "plain_text",
    "runs",
]

Row = tuple[int, list[str]]


def _spelled(*names: str) -> tuple[str, ...]:
    """Each synonym as written with ``_`` and with a space (``customer id``), in order."""
    out: list[str] = []
    for name in names:
        out += [name, name.replace("_", " ")] if "_" in name else [name]
    return tuple(out)


# The old importer's synonyms, in its order of preference (the first one present wins).
TRANSACTION_COLUMNS: tuple[Column, ...] = (
    Column(
        "customer_id",
        required=True,
        aliases=_spelled("customer_id", "customer", "customerid", "customer_no", "id", "member_id")[
            1:
        ],
    ),
    Column(
        "date",
        required=True,
        aliases=_spelled("day", "timestamp", "datetime", "purchase_date", "order_date", "time"),
    ),
    Column("amount", aliases=("total", "dollars", "value", "spend", "basket", "price")),
)
_RECENT = 10_000  # group keys remembered to catch a group split by other rows


class CellError(ValueError):
    """A bad cell, raised inside a format's row parsing and reported as a problem."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def day_format(table: Table, index: int) -> DayFormat | None:
    """The file's one date format, read in a first pass over column ``index`` (a second
    reader on the same file); None, with the problem reported, when there is none."""
    name = table.header[index].strip()
    column = Column(name, required=True)

    def dates() -> Iterator[tuple[int, str]]:
        with open_table(table.path, (column,), Problems(table.path, keep=0)) as first:
            at = first.index[name]
            assert at is not None
            for line, cells in first.rows():
                yield line, cells[at].strip()

    try:
        return choose_day_format(dates)
    except LineError as exc:
        table.problems.add(exc.line, name, str(exc))
        return None


def runs(table: Table, key: int | None, what: str) -> Iterator[list[Row]]:
    """The rows in runs of one sale: contiguous rows with the same ``key`` cell (each row
    alone when ``key`` is None or its cell empty).

    A key seen again after other rows is a problem, not a second sale: the rows of one
    sale must be next to each other (the last :data:`_RECENT` keys are remembered, so the
    memory stays flat).
    """
    recent: dict[str, int] = {}
    group: list[Row] = []
    current = ""
    name = table.header[key].strip() if key is not None else ""
    for line, cells in table.rows():
        value = cells[key].strip() if key is not None else ""
        if group and value and value == current:
            group.append((line, cells))
            continue
        if group:
            yield group
            group = []
        current = value
        if value:
            if value in recent:
                table.problems.add(
                    line,
                    name,
                    f"{what} “{value[:40]}” is here again, apart from its rows from line "
                    f"{recent[value]:,}: keep the rows of one {what} together",
                )
                current = ""
                continue
            recent[value] = line
            if len(recent) > _RECENT:
                del recent[next(iter(recent))]
        group.append((line, cells))
    if group:
        yield group


@lru_cache(maxsize=16_384)
def _phone(text: str, region: str) -> tuple[str, str]:
    try:
        return normalise_phone(text, region), ""
    except IdentifierError as exc:
        return "", str(exc)


def normalised_phone(text: str, region: str, column: str) -> str:
    """:func:`normalise_phone`, remembered for the last numbers seen (a regular's number
    comes back on every order, and phonenumbers takes a while), a bad one the cell's
    problem."""
    phone, problem = _phone(text, region)
    if problem:
        raise CellError(column, problem)
    return phone


def plain_text(value: str, column: str) -> str:
    """A one-line text cell as it is; a control character in it is the cell's problem."""
    if value.isprintable():  # the common case, at C speed (no control character in it)
        return value
    bad = find_control(value)
    if bad is not None:
        raise CellError(column, f"the cell holds a control character (U+{ord(bad):04X})")
    return value


class TransactionsFormat:
    """The generic transactions CSV: customer id, date, optional amount (see README)."""

    kind = "transactions"
    source = "transactions"
    columns: tuple[Column, ...] = TRANSACTION_COLUMNS

    def parse(self, table: Table, ctx: ParseContext) -> Iterator[Person | Sale | Skip]:
        refuse_other_kind(self.kind, table)
        ic, id_, ia = (table.index[c.name] for c in TRANSACTION_COLUMNS)
        assert ic is not None
        assert id_ is not None
        header = [h.strip() for h in table.header]
        c_col, d_col = header[ic], header[id_]
        a_col = header[ia] if ia is not None else ""
        fmt = day_format(table, id_)
        read = fmt.read if fmt is not None else None
        tz = ZoneInfo(ctx.tz_name)
        noons: dict[date, datetime] = {}
        latest = ctx.today.toordinal() + 1
        notes = f"Imported from {table.path.name}"
        note = f"Imported from {name_key(table.path.stem) or 'import'}"
        problems = table.problems
        for line, cells in table.rows():
            customer = cells[ic].strip()
            text = cells[id_].strip()
            try:
                if not customer:
                    raise CellError(c_col, "the customer id is empty")
                plain_text(customer, c_col)
                day = read(text) if read is not None else None
                if day is None:
                    if read is None and is_a_date(text):
                        continue  # the file's dates are its one problem already
                    raise CellError(d_col, f"“{text[:30]}” is not a date (use YYYY-MM-DD)")
                if day.toordinal() > latest:
                    raise CellError(d_col, future_message(text, day, ctx.today) or "")
                amount = _amount(cells[ia]) if ia is not None else None
            except CellError as exc:
                problems.add(line, exc.column, str(exc))
                continue
            except ValueError as exc:
                problems.add(line, a_col, str(exc))
                continue
            at = noons.get(day)
            if at is None:
                at = noons[day] = datetime.combine(day, time(12), tz)
            person = Person(
                "transactions",
                customer,
                line=line,
                display_name=f"Customer {customer}"[:200],
                notes=notes,
            )
            key = f"{customer}:{day.isoformat()}:{amount}"
            yield Sale("transactions", key, line, person, at, day, basket_minor=amount, note=note)


def _amount(text: str) -> int | None:
    """:func:`parse_amount`, with a short path for the common ``12.50`` and ``12``."""
    whole, dot, cents = text.partition(".")
    if (
        whole.isdigit()
        and whole.isascii()
        and len(whole) <= 7
        and (not dot or (len(cents) == 2 and cents.isdigit() and cents.isascii()))
    ):
        minor = int(whole) * 100 + (int(cents) if dot else 0)
        if minor <= DEFAULT_MAX_MINOR:
            return minor
    return parse_amount(text)


def check_mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    """A mapping {field → the file's header text} as saved: known fields, each mapped to a
    column, the required ones present. Raises InvalidInputError naming what is wrong."""
    from posassist.importers.kinds import MAPPED_FIELDS

    known = {f.name for f in MAPPED_FIELDS}
    clean: dict[str, str] = {}
    for field, column in mapping.items():
        if field not in known:
            raise InvalidInputError(
                "mapping",
                f"“{field}” is not a field of a mapping (fields: {', '.join(sorted(known))}).",
            )
        if column.strip():
            clean[field] = column.strip()
    missing = [f.name for f in MAPPED_FIELDS if f.required and f.name not in clean]
    if missing:
        raise InvalidInputError(
            "mapping", f"The mapping has no column for {', '.join(missing)}: map one."
        )
    return clean


class MappedFormat:
    """Any CSV, read through a saved mapping {field → header text} (README: *Your own
    CSV*). Rows with the same transaction id next to each other are one sale with lines;
    without a transaction id each row is a sale; without a customer it is anonymous."""

    kind = "mapped"

    def __init__(self, mapping: Mapping[str, str], name: str | None = None) -> None:
        self.mapping = check_mapping(mapping)
        self.name = name or "unnamed"
        self.source = f"mapped:{self.name}"
        headers = dict.fromkeys(self.mapping.values())
        self.columns: tuple[Column, ...] = tuple(Column(h, required=True) for h in headers)

    def parse(self, table: Table, ctx: ParseContext) -> Iterator[Person | Sale | Skip]:
        at = {field: table.index[header] for field, header in self.mapping.items()}
        date_at = at["date"]
        assert date_at is not None
        fmt = day_format(table, date_at)
        if fmt is None:
            return
        rows = _MappedRows(self, table, ctx, fmt, at)
        for group in runs(table, at.get("transaction_id"), "transaction"):
            try:
                yield rows.sale(group)
            except CellError as exc:
                table.problems.add(rows.line, exc.column, str(exc))


class _MappedRows:
    """Turning one run of a mapped file's rows into a Sale (the mapping's columns found)."""

    def __init__(
        self,
        fmt: MappedFormat,
        table: Table,
        ctx: ParseContext,
        days: DayFormat,
        at: dict[str, int | None],
    ) -> None:
        self.source = fmt.source
        self.ctx = ctx
        self.tz = ZoneInfo(ctx.tz_name)
        self.days = days
        self.at = at
        self.header = table.header
        self.line = 0

    def cell(self, cells: Sequence[str], field: str) -> str:
        i = self.at.get(field)
        return cells[i].strip() if i is not None else ""

    def column(self, field: str) -> str:
        i = self.at.get(field)
        return self.header[i].strip() if i is not None else field

    def sale(self, group: list[Row]) -> Sale:
        start, first = group[0]
        self.line = start
        occurred_at, day = self.moment(first)
        person = self.person(first, start)
        items: list[SaleItem] = []
        for self.line, cells in group:
            item = self.item(cells)
            if item is not None:
                items.append(item)
        amounts = ((line, self.cell(cells, "amount")) for line, cells in group)
        self.line, text = next(((n, a) for n, a in amounts if a), (start, ""))
        basket = self.money(text, "amount") if text else None
        if basket is None and items and all(i.unit_minor is not None for i in items):
            basket = sum((i.unit_minor or 0) * i.quantity for i in items)
        tid = self.cell(first, "transaction_id")
        key = tid or "\x1f".join(self.cell(first, f) for f in self.at)
        refund = basket is not None and basket < 0
        return Sale(
            self.source,
            key,
            start,
            person,
            occurred_at,
            day,
            kind="refund" if refund else "purchase",
            basket_minor=None if refund else basket,
            items=items,
            note=f"Refund of {text}" if refund else "",
        )

    def moment(self, cells: Sequence[str]) -> tuple[datetime, date]:
        text = self.cell(cells, "date")
        day = self.days.read(text)
        if day is None:
            raise CellError(self.column("date"), f"“{text[:30]}” is not a date (use YYYY-MM-DD)")
        late = future_message(text, day, self.ctx.today)
        if late is not None:
            raise CellError(self.column("date"), late)
        clock = self.cell(cells, "time")
        try:
            if clock:
                when = datetime.combine(day, time_of_day(clock), self.tz)
            elif len(text) > 10 and self.days is ISO:
                when = offset_timestamp(text, self.ctx.tz_name).astimezone(self.tz)
            else:
                when = datetime.combine(day, _time_after(text, self.days), self.tz)
        except ValueError as exc:
            raise CellError(self.column("time" if clock else "date"), str(exc)) from None
        return when, when.date()  # the store's day: an offset may move it

    def money(self, text: str, field: str) -> int:
        try:
            value = money_minor(text)
        except ValueError as exc:
            raise CellError(self.column(field), str(exc)) from None
        return value or 0

    def item(self, cells: Sequence[str]) -> SaleItem | None:
        name, sku = self.cell(cells, "item"), self.cell(cells, "sku")
        if not name and not sku:
            return None
        count = self.cell(cells, "quantity")
        price = self.cell(cells, "price")
        try:
            how_many = quantity(count) if count else 1
        except ValueError as exc:
            raise CellError(self.column("quantity"), str(exc)) from None
        if len(sku) > 64:
            raise CellError(self.column("sku"), "a SKU has at most 64 characters")
        unit = self.money(price, "price") if price else None
        if unit is not None and count and not count.isdigit():
            weight = abs(float(count.replace(",", ".")))  # read by quantity() already
            if weight != int(weight):  # weighed goods: one line at the whole line's price
                unit = round(unit * weight)
        return SaleItem(
            plain_text(name or sku, self.column("item"))[:300],
            how_many,
            unit,
            plain_text(sku, self.column("sku")) or None,
        )

    def person(self, cells: Sequence[str], line: int) -> Person | None:
        cid = strip_apostrophe(self.cell(cells, "customer_id"))
        card, phone = self.cell(cells, "card"), strip_apostrophe(self.cell(cells, "phone"))
        email, name = self.cell(cells, "email"), self.cell(cells, "name")
        if not (cid or card or phone or email or name):
            return None
        phone = normalised_phone(phone, self.ctx.region, self.column("phone")) if phone else ""
        try:
            card = normalise_card(card) if card else ""
            field = "email"
            email = normalise_email(email) if email else ""
        except IdentifierError as exc:
            column = self.column("card" if exc.field == "card" else field)
            raise CellError(column, str(exc)) from None
        plain_text(cid, self.column("customer_id"))
        plain_text(name, self.column("name"))
        if not (cid or card or phone or email):
            return None  # a name is not a key: an anonymous sale (README, *Your own CSV*)
        return Person(
            self.source,
            cid or None,
            line=line,
            card=card or None,
            phone=phone or None,
            email=email or None,
            display_name=name[:200] or None,
        )


def _time_after(text: str, days: DayFormat) -> time:
    """The time written after a day-month date (``05-06-2024 10:15``) or in an Excel date
    number's fraction (``45385.5`` is noon); noon when there is none (a visit on that
    day, time unknown)."""
    if days is EXCEL_SERIAL:
        _, dot, fraction = text.partition(".")
        if not dot:
            return time(12)
        seconds = min(round(float(f"0.{fraction}") * 86_400), 86_399)
        return time(seconds // 3600, seconds % 3600 // 60, seconds % 60)
    _, found, tail = text.partition(" ")
    if not found:
        _, found, tail = text.partition("T")
    return time_of_day(tail) if found and tail.strip() else time(12)
