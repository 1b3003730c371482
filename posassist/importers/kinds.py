"""The kinds of file ``posassist import`` takes, and telling them apart by their header.

One table (:data:`KINDS`) names every kind once: the CLI's choices, the dialog's list and
the README's table all read it. Streaming kinds (the till's history) are parsed by a
:class:`Format` and written by ``load.py``; the reference kinds (products, stock, vendors,
picks) keep their own all-or-nothing services (``services/catalog.py``, ``picks.py``,
``vendors.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from posassist.importers.reader import Column, Table
from posassist.importers.records import ParseContext, Person, Sale, Skip

__all__ = ["KINDS", "MAPPED_FIELDS", "Format", "Kind", "MappedField"]


@dataclass(frozen=True, slots=True)
class Kind:
    name: str  # as typed: ``square-items``
    label: str  # as shown: "Square item detail export"
    streaming: bool  # parsed by a Format and written by load.py


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("transactions", "Transactions CSV (customer id, date, amount)", True),
        Kind("square-customers", "Square customer directory export", True),
        Kind("square-items", "Square item detail export", True),
        Kind("square-transactions", "Square transactions export", True),
        Kind("shopify-customers", "Shopify customers export", True),
        Kind("shopify-orders", "Shopify orders export", True),
        Kind("mapped", "Another CSV, with a saved column mapping", True),
        Kind("products", "Catalogue (sku, name, category…)", False),
        Kind("stock", "Stock counts (branch_code, sku, on_hand)", False),
        Kind("vendors", "Partner vendors", False),
        Kind("picks", "Staff picks", False),
    )
}


@dataclass(frozen=True, slots=True)
class MappedField:
    """What a column of a manager's own CSV can be, in a saved mapping (kind ``mapped``)."""

    name: str
    label: str
    required: bool = False


# The targets of a column mapping, declared once: the mapping step's rows, the CLI's
# ``--map FIELD=COLUMN`` and the saved mapping's keys. Rows with the same
# ``transaction_id`` next to each other are one sale with lines; without a customer
# column a row is an anonymous sale.
MAPPED_FIELDS: tuple[MappedField, ...] = (
    MappedField("date", "Date (or date and time)", required=True),
    MappedField("time", "Time of day"),
    MappedField("customer_id", "Customer id (this file's own)"),
    MappedField("name", "Customer name"),
    MappedField("phone", "Phone"),
    MappedField("email", "E-mail"),
    MappedField("card", "Loyalty card"),
    MappedField("amount", "Sale total"),
    MappedField("transaction_id", "Transaction / receipt id"),
    MappedField("item", "Item name"),
    MappedField("sku", "Item SKU"),
    MappedField("quantity", "Quantity"),
    MappedField("price", "Item price"),
)


class Format(Protocol):
    """A streaming kind's parser: the columns it reads, and its records from the rows.

    ``parse`` reads ``table.rows()``, reports each bad cell to ``table.problems`` (line
    and column) and yields records; it never writes and never raises for a bad row.
    """

    kind: str
    source: str  # the id space of its people's external ids
    columns: tuple[Column, ...]

    def parse(self, table: Table, ctx: ParseContext) -> Iterator[Person | Sale | Skip]: ...
