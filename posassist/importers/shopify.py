"""Shopify's two exports: customers (current and legacy layout) and orders.

Columns are read by name (the names they have had as aliases), never by position.

- :class:`ShopifyCustomers` (``shopify-customers``): one :class:`Person` per row. The
  current layout (``Customer ID``, ``Accepts Email Marketing``, ``Default Address …``)
  keys them by ``Customer ID``; the legacy layout (``Accepts Marketing``, ``Company``,
  ``Address1`` …, no id) leaves ``external_id`` None and the loader matches them by phone,
  then e-mail. A legacy row with neither has nothing to know the person by on the next
  import, so it is skipped (counted), not made into a customer each time.
- :class:`ShopifyOrders` (``shopify-orders``): one row per line item, the order's own
  fields on its first row only; the rows of one ``Name`` (``#1001``) next to each other
  are ONE :class:`Sale` with its lines. The basket is ``Total``. Refunds and voids are
  recorded as such, and each is still a visit: a ``refunded`` order (all of ``Total``
  back) is a refund, a ``partially_refunded`` one a purchase of what was kept (``Total``
  less ``Refunded Amount``) with its lines, a ``voided`` / ``expired`` one a void (the
  payment never happened: nothing bought). The README (*Shopify exports*) says the same
  for a manager.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from posassist.domain.identifiers import (
    IdentifierError,
    clean_display_name,
    clean_note,
    normalise_email,
)
from posassist.domain.money import format_minor
from posassist.importers.cells import money_minor, offset_timestamp, quantity, strip_apostrophe
from posassist.importers.dates import future_message
from posassist.importers.generic import CellError, Row, normalised_phone, plain_text, runs
from posassist.importers.kinds import refuse_other_kind
from posassist.importers.reader import Column, Table
from posassist.importers.records import ParseContext, Person, Sale, SaleItem, SaleKind, Skip

__all__ = ["SHOPIFY", "STATUS_NOTES", "ShopifyCustomers", "ShopifyOrders", "consent"]

SHOPIFY = "shopify"

_YES = {"yes": True, "true": True, "y": True, "1": True, "no": False, "false": False}
_YES |= {"n": False, "0": False, "subscribed": True, "unsubscribed": False}
_YES |= {"not_subscribed": False, "pending": False, "invalid": False, "redacted": False}

# What a Financial Status adds to the visit's note (a refund's amount is added to its).
# ``pending`` / ``authorized`` / ``partially_paid``: the order was placed and is a visit
# with its total (money is still owed or not yet captured, the note says so);
# ``voided`` and ``expired``: the payment never happened, the visit has no basket.
STATUS_NOTES = {
    "paid": "",
    "": "",
    "pending": "payment pending in Shopify",
    "authorized": "payment authorized, not captured, in Shopify",
    "partially_paid": "partially paid in Shopify",
    "partially_refunded": "partially refunded in Shopify",
    "refunded": "refunded in Shopify",
    "voided": "voided in Shopify",
    "expired": "payment expired in Shopify",
}
_NO_BASKET = frozenset({"voided", "expired"})
_REFUNDED = frozenset({"refunded", "partially_refunded"})


def _outcome(status: str, total: int | None, refunded: int) -> tuple[SaleKind, int | None]:
    """The kind of the order's visit and its basket, from its ``Financial Status``.

    ``refunded``: a refund of all the money taken (``Refunded Amount``, else ``Total``),
    so nothing counts as spent; ``partially_refunded``: a purchase of what was kept (the
    total less the refund, never below zero); ``voided`` / ``expired``: a void. Any
    other status: a purchase of the total."""
    if status in _NO_BASKET:
        return "void", None
    if status == "refunded":
        return "refund", refunded or total
    if status == "partially_refunded" and total is not None and refunded:
        return "purchase", max(total - refunded, 0)
    return "purchase", total


def consent(text: str, column: str) -> bool | None:
    """``Accepts Email Marketing``: yes / no (true / false, or the newer
    subscribed / not_subscribed …); empty → None (the file does not say)."""
    value = text.strip().casefold()
    if not value:
        return None
    found = _YES.get(value.replace(" ", "_"))
    if found is None:
        raise CellError(column, f"“{text.strip()[:20]}” is not yes or no")
    return found


class _Row:
    """A table's column indexes, looked up once, and a cell of a row by column name."""

    def __init__(self, table: Table, columns: Sequence[Column]) -> None:
        self.at = {c.name: table.index.get(c.name) for c in columns}
        self.header = table.header

    def get(self, cells: Sequence[str], name: str) -> str:
        i = self.at[name]
        return "" if i is None else cells[i].strip()

    def column(self, name: str) -> str:
        """The file's own name of a column (maybe an older alias), for a problem."""
        i = self.at[name]
        return name if i is None else self.header[i].strip()

    def phone(self, cells: Sequence[str], names: Sequence[str], region: str) -> str | None:
        """The first non-empty of ``names``, as E.164; a bad one is its column's problem."""
        for name in names:
            value = strip_apostrophe(self.get(cells, name))
            if value:
                return normalised_phone(value, region, self.column(name))
        return None

    def email(self, cells: Sequence[str], name: str) -> str | None:
        value = self.get(cells, name)
        if not value:
            return None
        try:
            return normalise_email(value)
        except IdentifierError as exc:
            raise CellError(self.column(name), str(exc)) from None

    def name(self, cells: Sequence[str], *names: str) -> str | None:
        text = " ".join(v for n in names if (v := self.get(cells, n)))
        if not text:
            return None
        try:
            return clean_display_name(text)
        except IdentifierError as exc:
            raise CellError(self.column(names[0]), str(exc)) from None

    def note(self, cells: Sequence[str], name: str) -> str:
        value = self.get(cells, name)
        try:
            return clean_note(value, "notes", f"“{self.column(name)}” cell") if value else ""
        except IdentifierError as exc:
            raise CellError(self.column(name), str(exc)) from None


class ShopifyCustomers:
    """Shopify's customers export, current or legacy layout: one customer per row."""

    kind = "shopify-customers"
    source = SHOPIFY
    columns: tuple[Column, ...] = (
        Column("Customer ID", aliases=("Id",)),
        Column("First Name", required=True),
        Column("Last Name", required=True),
        Column("Email", required=True),
        Column("Phone"),
        Column("Default Address Phone"),
        Column("Accepts Email Marketing", aliases=("Accepts Marketing",)),
        Column("Note", aliases=("Notes",)),
        Column("Tags"),
    )

    def parse(self, table: Table, ctx: ParseContext) -> Iterator[Person | Sale | Skip]:
        refuse_other_kind(self.kind, table)
        r = _Row(table, self.columns)
        for line, cells in table.rows():
            try:
                person = self._person(r, line, cells, ctx.region)
            except CellError as exc:
                table.problems.add(line, exc.column, str(exc))
                continue
            if person.external_id or person.phone or person.email:
                yield person
            else:
                yield Skip(line, "no Shopify customer id, phone or email")

    def _person(self, r: _Row, line: int, cells: Sequence[str], region: str) -> Person:
        cid = strip_apostrophe(r.get(cells, "Customer ID"))
        if cid and not cid.isdigit():
            raise CellError(r.column("Customer ID"), f"“{cid[:30]}” is not a Shopify customer id")
        notes = r.note(cells, "Note")
        tags = r.note(cells, "Tags")
        if tags:
            notes = f"{notes}\nTags: {tags}" if notes else f"Tags: {tags}"
        return Person(
            SHOPIFY,
            cid or None,
            line=line,
            phone=r.phone(cells, ("Phone", "Default Address Phone"), region),
            email=r.email(cells, "Email"),
            display_name=r.name(cells, "First Name", "Last Name"),
            consent=consent(
                r.get(cells, "Accepts Email Marketing"), r.column("Accepts Email Marketing")
            ),
            notes=notes,
        )


class ShopifyOrders:
    """Shopify's orders export: one row per line item, one Sale per order."""

    kind = "shopify-orders"
    source = SHOPIFY
    columns: tuple[Column, ...] = (
        Column("Name", required=True, aliases=("Order Name",)),
        Column("Created at", required=True, aliases=("Created At",)),
        Column("Lineitem name", required=True, aliases=("Line item name",)),
        Column("Email"),
        Column("Financial Status"),
        Column("Currency"),
        Column("Total"),
        Column("Refunded Amount"),
        Column("Cancelled at", aliases=("Canceled at",)),
        Column("Lineitem quantity", aliases=("Line item quantity",)),
        Column("Lineitem price", aliases=("Line item price",)),
        Column("Lineitem sku", aliases=("Line item sku",)),
        Column("Phone"),
        Column("Billing Phone"),
        Column("Billing Name"),
        Column("Location"),
    )

    def parse(self, table: Table, ctx: ParseContext) -> Iterator[Person | Sale | Skip]:
        refuse_other_kind(self.kind, table)
        orders = _Orders(_Row(table, self.columns), ctx)
        name_at = table.index["Name"]
        for group in runs(table, name_at, "order"):
            try:
                yield orders.sale(group)
            except CellError as exc:
                table.problems.add(orders.line, exc.column, str(exc))


class _Orders:
    """One order's rows → its Sale: the order's fields from the first row, a line per row."""

    def __init__(self, r: _Row, ctx: ParseContext) -> None:
        self.r = r
        self.ctx = ctx
        self.tz = ZoneInfo(ctx.tz_name)
        self.latest = date.fromordinal(ctx.today.toordinal() + 1)
        self.line = 0
        at_name = r.at["Lineitem name"]
        assert at_name is not None  # a required column
        self.at_name = at_name
        self.at_sku = r.at["Lineitem sku"]
        self.at_count = r.at["Lineitem quantity"]

    def sale(self, group: list[Row]) -> Sale:
        r = self.r
        self.line, first = group[0]
        name = r.get(first, "Name")
        if not name:
            raise CellError(r.column("Name"), "the row has no order name (like #1001)")
        occurred_at, day = self.moment(first)
        status = r.get(first, "Financial Status").casefold().replace(" ", "_")
        total = self.money(first, "Total")
        if total is not None and total < 0:
            raise CellError(r.column("Total"), "an order's total is not below zero")
        start = self.line
        person = self.person(first)
        items = []
        for self.line, cells in group:
            items.append(self.item(cells))
        self.line = start
        refunded = abs(self.money(first, "Refunded Amount") or 0) if status in _REFUNDED else 0
        if status == "refunded" and total is not None and 0 < refunded < total:
            status = "partially_refunded"  # some of the money was kept: still a purchase
        kind, basket = _outcome(status, total, refunded)
        sale = Sale(SHOPIFY, name, start, person, occurred_at, day, kind, basket, items)
        sale.note = self.note(first, status, name, refunded)
        return sale

    def moment(self, cells: Sequence[str]) -> tuple[datetime, date]:
        r = self.r
        text = r.get(cells, "Created at")
        if not text:
            raise CellError(r.column("Created at"), "the order's first row has no time stamp")
        try:
            when = offset_timestamp(text, self.ctx.tz_name).astimezone(self.tz)
        except ValueError as exc:
            raise CellError(r.column("Created at"), str(exc)) from None
        day = when.date()
        if day > self.latest:
            raise CellError(r.column("Created at"), future_message(text, day, self.ctx.today) or "")
        return when, day

    def money(self, cells: Sequence[str], name: str) -> int | None:
        try:
            return money_minor(self.r.get(cells, name))
        except ValueError as exc:
            raise CellError(self.r.column(name), str(exc)) from None

    def person(self, cells: Sequence[str]) -> Person | None:
        r = self.r
        email = r.email(cells, "Email")
        phone = r.phone(cells, ("Phone", "Billing Phone"), self.ctx.region)
        if email is None and phone is None:
            return None  # an anonymous sale: a Billing Name alone makes no customer
        return Person(
            SHOPIFY,
            None,
            line=self.line,
            phone=phone,
            email=email,
            display_name=r.name(cells, "Billing Name"),
        )

    def item(self, cells: Sequence[str]) -> SaleItem:
        """A row's line item (the hot path: a few list lookups when the cells are fine)."""
        r = self.r
        name = cells[self.at_name].strip()
        sku = cells[self.at_sku].strip() if self.at_sku is not None else ""
        count = cells[self.at_count].strip() if self.at_count is not None else ""
        if not name:
            if not sku:
                raise CellError(r.column("Lineitem name"), "the line item has no name")
            name = sku
        elif not name.isprintable():
            name = plain_text(name.replace("\n", " "), r.column("Lineitem name"))
        if sku and (len(sku) > 64 or not sku.isprintable()):
            if len(sku) > 64:
                raise CellError(r.column("Lineitem sku"), "a SKU has at most 64 characters")
            plain_text(sku, r.column("Lineitem sku"))
        try:
            how_many = 1 if count == "1" else quantity(count)
        except ValueError as exc:
            raise CellError(r.column("Lineitem quantity"), str(exc)) from None
        price = self.money(cells, "Lineitem price")
        return SaleItem(name[:300], how_many, price, sku or None)

    def note(self, cells: Sequence[str], status: str, name: str, refunded: int) -> str:
        """What became of the payment, and where: ``Refund of order #1001 in Shopify; at
        Main St``, ``at Main St; refunded 3.00 USD in Shopify``."""
        r = self.r
        parts = []
        where = r.note(cells, "Location").replace("\n", " ")
        if status == "refunded":  # the loader adds the amount to a refund's note
            parts.append(f"Refund of order {name[:40]} in Shopify")
        if where:
            parts.append(f"at {where[:100]}")
        said = STATUS_NOTES.get(status)
        if status == "refunded":
            said = ""
        elif status in _REFUNDED:
            if refunded:
                currency = r.get(cells, "Currency")[:3]
                amount = format_minor(refunded) + (f" {currency}" if currency else "")
                said = f"refunded {amount} in Shopify"
        elif status in _NO_BASKET:
            said = f"{said}, nothing bought"
        elif said is None:
            said = f"“{status[:30]}” in Shopify"
        if said:
            parts.append(said)
        if r.get(cells, "Cancelled at"):
            parts.append("cancelled in Shopify")
        return "; ".join(parts)
