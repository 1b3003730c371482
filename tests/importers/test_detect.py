"""Recognising a file's kind from its header, and the format of each streaming kind."""

from __future__ import annotations

import pytest

from posassist.errors import InvalidInputError
from posassist.importers.kinds import KINDS, detect, format_for
from tests.importers.exports import (
    SQUARE_CUSTOMERS_HEADER,
    SQUARE_ITEMS_HEADER,
    SQUARE_TRANSACTIONS_HEADER,
)
from tests.importers.exports_shopify import (
    CUSTOMERS_HEADER,
    LEGACY_CUSTOMERS_HEADER,
    ORDERS_HEADER,
)

# The reference kinds' headers as the README documents them.
PRODUCTS = "sku,name,category,keywords,carried,aisle".split(",")
STOCK = "branch_code,sku,on_hand,as_of".split(",")
VENDORS = "id,name,address,phone,website,hours,categories,keywords,notes,active".split(",")
PICKS = "category,rank,sku,staff,why,branch_code".split(",")


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        (list(SQUARE_CUSTOMERS_HEADER), "square-customers"),
        (list(SQUARE_ITEMS_HEADER), "square-items"),
        (list(SQUARE_TRANSACTIONS_HEADER), "square-transactions"),
        (CUSTOMERS_HEADER, "shopify-customers"),
        (LEGACY_CUSTOMERS_HEADER, "shopify-customers"),
        (ORDERS_HEADER, "shopify-orders"),
        (["customer_id", "date", "amount"], "transactions"),
        (["Store", "CUSTOMER", "Day", "Total", "Cashier"], "transactions"),
        (["Customer ID", "Purchase Date"], "transactions"),
        (PRODUCTS, "products"),
        (["SKU ", " Name", "Category"], "products"),  # case and spaces do not matter
        (STOCK, "stock"),
        (STOCK[:3], "stock"),
        (VENDORS, "vendors"),
        (["name", "hours"], "vendors"),
        (PICKS, "picks"),
        (PICKS[:5], "picks"),
    ],
)
def test_every_kind_is_recognised_by_its_header(header: list[str], kind: str) -> None:
    found = detect(header)
    assert found[0] == kind
    assert "mapped" not in found


def test_a_square_item_export_is_not_offered_as_the_generic_file() -> None:
    """Its Date and Customer ID columns would read as a transactions file too, but the
    kind that knows all its columns fits better: only that one is offered (the import
    refuses the other, see test_wrong_kind.py)."""
    assert detect(list(SQUARE_ITEMS_HEADER)) == ["square-items"]


def test_columns_in_another_order_or_extra_ones_change_nothing() -> None:
    header = [*reversed(ORDERS_HEADER), "Some App Column"]
    assert detect(header) == ["shopify-orders"]


@pytest.mark.parametrize(
    "header",
    [
        ["Datum", "Kunde", "Betrag"],
        ["name", "phone"],  # a name alone is no vendor file
        ["sku", "name"],  # no category: not a catalogue
        [],
    ],
)
def test_an_unknown_header_fits_no_kind(header: list[str]) -> None:
    assert detect(header) == []


@pytest.mark.parametrize("kind", [k for k, v in KINDS.items() if v.streaming and k != "mapped"])
def test_each_streaming_kind_has_its_format(kind: str) -> None:
    fmt = format_for(kind)
    assert fmt.kind == kind
    assert any(c.required for c in fmt.columns)


def test_format_for_refuses_what_it_cannot_stream() -> None:
    with pytest.raises(InvalidInputError, match="needs a column mapping"):
        format_for("mapped")
    with pytest.raises(InvalidInputError, match="imported by their own service"):
        format_for("products")
    with pytest.raises(InvalidInputError, match="not a kind of import"):
        format_for("excel")
    mapped = format_for("mapped", {"date": "Day"}, "till-2")
    assert (mapped.kind, mapped.source) == ("mapped", "mapped:till-2")


def test_each_export_is_only_its_own_kind() -> None:
    """Exports share column names (First Name, Customer ID, Date): a file is offered as
    its own kind only."""
    assert detect(list(SQUARE_CUSTOMERS_HEADER)) == ["square-customers"]
    assert detect(list(SQUARE_TRANSACTIONS_HEADER)) == ["square-transactions"]
    assert detect(CUSTOMERS_HEADER) == ["shopify-customers"]
    assert detect(LEGACY_CUSTOMERS_HEADER) == ["shopify-customers"]
