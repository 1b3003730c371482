"""The synced fields are declared once (``domain/fields.py``); what must agree with it does.

The local ORM, the central schema and the vendor records are typed or migrated
definitions that cannot be generated from the declaration, so they are checked
against it here: a field added in one place and forgotten in another fails this test
instead of silently not syncing.
"""

from __future__ import annotations

import dataclasses

import pytest

from posassist.domain.fields import (
    CUSTOMER,
    CUSTOMER_DEFAULTS,
    CUSTOMER_DERIVED,
    CUSTOMER_FIELDS,
    ERASED_COLUMNS,
    ERASED_VALUES,
    VENDOR,
    VENDOR_CSV_COLUMNS,
    VENDOR_FIELDS,
)
from posassist.services.vendors import CSV_COLUMNS, MAX_LENGTHS, VendorInput, VendorRecord
from posassist.storage.orm import Customer, Vendor
from posassist.sync import schema
from posassist.sync.protocol import check_customer_value

CUSTOMER_BOOKKEEPING = {"id", "created_at", "updated_at", "erased_at", "field_clocks"}


@pytest.mark.parametrize("table", [Customer.__table__, schema.customer], ids=["local", "central"])
def test_customer_tables_hold_exactly_the_declared_fields(table: object) -> None:
    columns = set(table.c.keys())  # type: ignore[attr-defined]
    assert columns == {*CUSTOMER_FIELDS, *CUSTOMER_DERIVED, *CUSTOMER_BOOKKEEPING}


def test_vendor_tables_hold_exactly_the_declared_fields() -> None:
    assert set(Vendor.__table__.c.keys()) == {"id", *VENDOR_FIELDS, "row_hlc"}
    assert set(schema.vendor.c.keys()) == {"id", *VENDOR_FIELDS, "row_hlc", "deleted_at"}


def test_vendor_records_and_spreadsheet_follow_the_declaration() -> None:
    assert tuple(f.name for f in dataclasses.fields(VendorInput)) == VENDOR_FIELDS
    assert tuple(f.name for f in dataclasses.fields(VendorRecord)) == ("id", *VENDOR_FIELDS)
    assert CSV_COLUMNS == VENDOR_CSV_COLUMNS == ("id", *VENDOR_FIELDS)
    for f in VENDOR:
        column = Vendor.__table__.c[f.name]
        if column.default is not None:
            assert column.default.arg == f.default  # type: ignore[attr-defined]
        if f.max_length is not None:
            assert Vendor.__table__.c[f.name].type.length == f.max_length  # type: ignore[attr-defined]
            assert MAX_LENGTHS[f.name] == f.max_length


def test_erasure_writes_valid_values_and_spares_what_is_not_personal() -> None:
    assert set(ERASED_VALUES) == {f.name for f in CUSTOMER if f.personal}
    assert "referred_by_id" not in ERASED_VALUES
    for name, value in ERASED_VALUES.items():
        check_customer_value(name, value)  # an erased customer is still a valid one
    assert ERASED_COLUMNS == {**ERASED_VALUES, "name_key": "", "phone_last4": None}


def test_a_new_customer_gets_the_declared_defaults() -> None:
    for f in CUSTOMER:
        column = Customer.__table__.c[f.name]
        if column.default is not None:
            assert column.default.arg == CUSTOMER_DEFAULTS[f.name]  # type: ignore[attr-defined]


def test_catalogue_tables_hold_the_declared_fields() -> None:
    from posassist.domain.fields import PRODUCT_FIELDS, SHARED_ENTITIES, STOCK_FIELDS
    from posassist.storage.orm import BranchStock, Product
    from posassist.sync.shared_rows import SHARED_TABLES

    assert set(schema.product.c.keys()) == {"id", *PRODUCT_FIELDS, "row_hlc", "deleted_at"}
    assert set(schema.branch_stock.c.keys()) == {"id", *STOCK_FIELDS, "row_hlc", "deleted_at"}
    assert set(Product.__table__.c.keys()) == {"id", *PRODUCT_FIELDS, "price_minor", "row_hlc"}
    assert set(BranchStock.__table__.c.keys()) == {"id", *STOCK_FIELDS, "row_hlc"}
    # Every shared kind has its table at both ends, each with its row clock.
    assert set(SHARED_ENTITIES) == set(schema.MUTABLE_TABLES) == set(SHARED_TABLES)
    for name, table in SHARED_TABLES.items():
        assert "row_hlc" in table.c, name
        assert {"row_hlc", "deleted_at"} <= set(schema.MUTABLE_TABLES[name].c.keys()), name


def test_hold_tables_hold_the_declared_fields_at_both_ends() -> None:
    """A hold and its steps travel whole: the local and central tables carry exactly the
    fields ``domain/fields.py`` declares (the local step keeps its verdict beside them)."""
    from posassist.domain.fields import HOLD_FIELDS, HOLD_STEP_FIELDS
    from posassist.storage.orm import HoldRequest, HoldStep
    from posassist.sync import schema

    assert set(HoldRequest.__table__.c.keys()) >= {"id", *HOLD_FIELDS}
    assert set(schema.hold_request.c.keys()) == {"id", *HOLD_FIELDS}
    assert set(HoldStep.__table__.c.keys()) >= {"id", *HOLD_STEP_FIELDS}
    assert set(schema.hold_step.c.keys()) == {"id", *HOLD_STEP_FIELDS}
