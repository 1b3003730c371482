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

from posassist.errors import FileInputError, InvalidInputError
from posassist.importers.reader import Column, Table, fold
from posassist.importers.records import ParseContext, Person, Sale, Skip

__all__ = [
    "KINDS",
    "MAPPED_FIELDS",
    "Format",
    "Kind",
    "MappedField",
    "detect",
    "format_for",
    "refuse_other_kind",
]


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


@dataclass(frozen=True, slots=True)
class _Fit:
    """How well one kind's signature fits a header."""

    kind: str
    score: int  # the kind's columns present
    missing: tuple[str, ...]  # its required columns absent (each by its first name)


def _fits(header: Sequence[str]) -> list[_Fit]:
    """Every kind's fit to ``header``, best first: most columns present, then the order
    of :data:`KINDS`."""
    present = {fold(h) for h in header}

    def has(names: tuple[str, ...]) -> bool:
        return any(fold(n) in present for n in names)

    signatures = [_from_columns(k, make().columns) for k, make in _streaming_formats().items()]
    signatures += _reference_signatures()
    order = list(KINDS)
    fits = [
        _Fit(
            sig.kind,
            sum(has(names) for names in sig.known),
            tuple(names[0] for names in sig.required if not has(names)),
        )
        for sig in signatures
    ]
    return sorted(fits, key=lambda f: (-f.score, order.index(f.kind)))


def _near_miss(fits: Sequence[_Fit], than: int) -> _Fit | None:
    """The kind the header most looks like although one of its required columns is
    missing, when it has more of that kind's columns than ``than`` (an item export
    without its ``Transaction ID`` is that export, cut short, not a transactions file)."""
    return next((f for f in fits if len(f.missing) == 1 and f.score > than), None)


def detect(header: Sequence[str]) -> list[str]:
    """The kinds ``header`` is, best first (several only when they fit it equally well,
    then in the order of :data:`KINDS`): all of the kind's required columns present, and
    no other kind with more of its columns, not even one missing a single required column
    (an item export without its ``Transaction ID`` is that export, cut short, not a
    transactions file). Exactly the kinds :func:`refuse_other_kind` lets through. ``[]``:
    no kind fits, the caller offers ``mapped`` (a column mapping), which is never
    detected."""
    fits = _fits(header)
    return [f.kind for f in fits if _better(fits, f) is None]


def _better(fits: Sequence[_Fit], mine: _Fit) -> tuple[_Fit, bool] | None:
    """The kind that fits the header better than ``mine`` (of a whole fit and a near miss,
    the one with more columns; a whole fit on a tie), and whether it is a near miss (one
    of its required columns missing); ``mine`` itself when it lacks a required column and
    nothing is better; None when ``mine`` fits and none is better."""
    near = _near_miss(fits, mine.score)
    if near is not None and near.kind == mine.kind:
        near = None
    best = next((f for f in fits if not f.missing), None)
    if best is not None and (
        best.kind == mine.kind or not (mine.missing or best.score > mine.score)
    ):
        best = None
    if best is not None and (near is None or best.score >= near.score):
        return best, False
    if near is not None:
        return near, True
    return None if not mine.missing else (mine, True)


def refuse_other_kind(kind: str, table: Table) -> None:
    """Raise :class:`InvalidInputError` (naming the file, the kind asked for and the kind
    its header looks like) when ``table``'s header fits another kind better than
    ``kind``: a Square item export imported as ``square-customers`` or ``transactions``
    would otherwise be read, wrongly and silently, through the few columns they share."""
    fits = _fits(table.header)
    mine = next((f for f in fits if f.kind == kind), None)
    if mine is None:  # ``mapped``: the manager said which column is what
        return
    found = _better(fits, mine)
    if found is None or found[0].kind == kind:  # it is this kind (or lacks a column
        return  # of it, which the reader reports naming the column)
    other, near = found
    where = f"{table.path}, line {table.header_line:,}"
    asked = f"“{kind}” ({KINDS[kind].label.split(' (')[0]})"
    looks = f"{where}: imported as {asked}, but the header looks like “{other.kind}” "
    looks += f"({KINDS[other.kind].label.split(' (')[0]})"
    if near:
        message = (
            f"{looks} without its “{other.missing[0]}” column: export the file again with "
            f"that column, or choose the kind the file is."
        )
    else:
        message = f"{looks}: import it as “{other.kind}”."
    raise FileInputError(str(table.path), message, line=table.header_line)
