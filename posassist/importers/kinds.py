"""The kinds of file ``posassist import`` takes, and telling them apart by their header.

One table (:data:`KINDS`) names every kind once: the CLI's choices, the dialog's list and
the README's table all read it. Streaming kinds (the till's history) are parsed by a
:class:`Format` and written by ``load.py``; the reference kinds (products, stock, vendors,
picks) keep their own all-or-nothing services (``services/catalog.py``, ``picks.py``,
``vendors.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from posassist.errors import InvalidInputError
from posassist.importers.reader import Column, Table, fold
from posassist.importers.records import ParseContext, Person, Sale, Skip

__all__ = ["KINDS", "MAPPED_FIELDS", "Format", "Kind", "MappedField", "detect", "format_for"]


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


# --- choosing a format, and recognising a file's kind by its header ------------------


def _streaming_formats() -> dict[str, Callable[[], Format]]:
    """The parser of each streaming kind but ``mapped`` (imported here, not at the top:
    the formats import this module's MAPPED_FIELDS)."""
    from posassist.importers.generic import TransactionsFormat
    from posassist.importers.shopify import ShopifyCustomers, ShopifyOrders
    from posassist.importers.square import SquareCustomers, SquareItems, SquareTransactions

    return {
        "transactions": TransactionsFormat,
        "square-customers": SquareCustomers,
        "square-items": SquareItems,
        "square-transactions": SquareTransactions,
        "shopify-customers": ShopifyCustomers,
        "shopify-orders": ShopifyOrders,
    }


def format_for(
    kind: str, mapping: Mapping[str, str] | None = None, mapping_name: str | None = None
) -> Format:
    """The parser of a streaming ``kind``; ``mapped`` needs the column ``mapping``
    {field → the file's header text} (its ``mapping_name`` names the id space
    ``mapped:<name>``). A reference kind or an unknown one is refused."""
    if kind == "mapped":
        if not mapping:
            raise InvalidInputError(
                "mapping",
                "A “mapped” import needs a column mapping: choose a saved one (--mapping NAME) "
                "or say which column holds the date, the customer, the total….",
            )
        from posassist.importers.generic import MappedFormat

        return MappedFormat(mapping, mapping_name)
    make = _streaming_formats().get(kind)
    if make is None:
        if kind in KINDS:
            raise InvalidInputError(
                "kind", f"“{kind}” files are imported by their own service, not streamed."
            )
        raise InvalidInputError(
            "kind", f"“{kind[:40]}” is not a kind of import (kinds: {', '.join(KINDS)})."
        )
    return make()


@dataclass(frozen=True, slots=True)
class _Signature:
    """How a kind's header is recognised: every entry of ``required`` (a column's names,
    any one of them) is in the header; the score counts the ``known`` columns present."""

    kind: str
    required: tuple[tuple[str, ...], ...]
    known: tuple[tuple[str, ...], ...]


# Kinds whose required columns other exports have too, and the columns (any one) only
# their own export has: Square's directory takes a plain "Customer ID" as its id column,
# which Square's sales exports and Shopify's customers export also hold.
_ALSO_REQUIRED: dict[str, tuple[str, ...]] = {
    "square-customers": (
        "Square Customer ID",
        "Reference ID",
        "Email Address",
        "Phone Number",
        "Email Subscription Status",
    ),
}


def _from_columns(kind: str, columns: Sequence[Column]) -> _Signature:
    also = _ALSO_REQUIRED.get(kind)
    return _Signature(
        kind,
        tuple(c.names() for c in columns if c.required) + ((also,) if also else ()),
        tuple(c.names() for c in columns),
    )


def _reference_signatures() -> list[_Signature]:
    """The reference kinds, by their documented headers (README: *Catalog and stock*,
    *Partner vendors as CSV*, *Staff picks*). A vendors file needs ``name`` and one column
    only a vendor has, or every file with a ``name`` would look like one."""
    from posassist.domain.fields import VENDOR_CSV_COLUMNS
    from posassist.domain.picks import CSV_COLUMNS as PICK_COLUMNS
    from posassist.domain.picks import REQUIRED_COLUMNS as PICK_REQUIRED
    from posassist.importers.catalog import (
        PRODUCT_COLUMNS,
        PRODUCT_REQUIRED,
        STOCK_COLUMNS,
        STOCK_REQUIRED,
    )

    def plain(kind: str, known: Sequence[str], required: Sequence[str]) -> _Signature:
        return _Signature(kind, tuple((n,) for n in required), tuple((n,) for n in known))

    vendor_only = ("address", "website", "hours", "categories", "active")
    return [
        plain("products", PRODUCT_COLUMNS, PRODUCT_REQUIRED),
        plain("stock", STOCK_COLUMNS, STOCK_REQUIRED),
        _Signature("vendors", (("name",), vendor_only), tuple((n,) for n in VENDOR_CSV_COLUMNS)),
        plain("picks", PICK_COLUMNS, PICK_REQUIRED),
    ]


def detect(header: Sequence[str]) -> list[str]:
    """The kinds whose required columns are all in ``header``, best first: most of the
    kind's columns present, then the order of :data:`KINDS`. ``[]``: no kind fits, the
    caller offers ``mapped`` (a column mapping). ``mapped`` itself is never detected."""
    present = {fold(h) for h in header}

    def has(names: tuple[str, ...]) -> bool:
        return any(fold(n) in present for n in names)

    signatures = [_from_columns(k, make().columns) for k, make in _streaming_formats().items()]
    signatures += _reference_signatures()
    order = list(KINDS)
    scored = [
        (sum(has(names) for names in sig.known), -order.index(sig.kind), sig.kind)
        for sig in signatures
        if all(has(names) for names in sig.required)
    ]
    return [kind for *_, kind in sorted(scored, reverse=True)]
