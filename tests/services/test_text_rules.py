"""The one text rule: NUL and other control characters are refused, naming the field.

Checked at the service layer for every text a cashier or a manager types, and in
every importer (with file and line), before anything is stored: PostgreSQL refuses
a NUL for ever, and the other control characters garble slips and screens.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from posassist.app import Backend
from posassist.domain import identifiers as ids
from posassist.errors import InvalidInputError
from posassist.services.customers import NewCustomer
from posassist.services.importing import ImportService
from posassist.services.interactions import LineItem
from posassist.services.vendors import VendorInput
from posassist.storage.orm import Customer, Outbox, Vendor

BAD = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f"]


@pytest.mark.parametrize("char", BAD)
def test_the_domain_rule_refuses_control_characters(char: str) -> None:
    with pytest.raises(ids.IdentifierError, match="control character") as info:
        ids.check_text(f"Ann{char}", "name", "name")
    assert info.value.field == "name"
    assert ids.strip_controls(f"a{char}b\tc\nd") == "ab\tc\nd"


def test_tab_and_newline_only_where_a_field_is_multi_line() -> None:
    assert ids.clean_note("line 1\n\tline 2") == "line 1\n\tline 2"
    with pytest.raises(ids.IdentifierError):
        ids.check_text("a\tb", "phone", "phone")
    assert ids.clean_display_name("Ann\tArcher") == "Ann Archer"  # whitespace is tidied


def _count(backend: Backend, model: type[object]) -> int:
    with backend.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _customer(backend: Backend) -> object:
    return backend.customers.create(NewCustomer("Ann Archer"))


CASES: dict[str, tuple[str, Callable[[Backend], object]]] = {
    "name": ("name", lambda b: b.customers.create(NewCustomer("Ann\x00Archer"))),
    "notes": ("note", lambda b: b.customers.create(NewCustomer("Ann", notes="hi\x00"))),
    "email": (
        "email",
        lambda b: b.customers.create(
            NewCustomer("Ann", email="ann\x00@example.com", consent_contact=True)
        ),
    ),
    "preferences": (
        "note",
        lambda b: b.customers.update_notes(_customer(b), "", "tea\x1b"),  # type: ignore[arg-type]
    ),
    "interaction note": (
        "note",
        lambda b: b.interactions.log(_customer(b), "service", note="x\x00"),  # type: ignore[arg-type]
    ),
    "line description": (
        "note",
        lambda b: b.interactions.log(
            _customer(b),  # type: ignore[arg-type]
            "purchase",
            basket_minor=100,
            items=[LineItem(description="Strings\x00", quantity=1, unit_minor=100)],
        ),
    ),
    "vendor name": ("name", lambda b: b.vendors.create(VendorInput(name="Tail\x00or"))),
    "vendor address": (
        "address",
        lambda b: b.vendors.create(VendorInput(name="Tailor", address="1 Main\x07")),
    ),
    "vendor notes": (
        "notes",
        lambda b: b.vendors.create(VendorInput(name="Tailor", notes="n\x00")),
    ),
    "vendor keyword": (
        "keywords",
        lambda b: b.vendors.create(VendorInput(name="Tailor", keywords=("hem\x00",))),
    ),
    "item asked": ("item", lambda b: b.referrals.draft_data("vinyl\x00")),
    "void reason": (
        "reason",
        lambda b: b.interactions.void(
            b.interactions.log(_customer(b), "service"),  # type: ignore[arg-type]
            "typo\x00",
        ),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_text_field_refuses_a_nul_naming_the_field(backend: Backend, case: str) -> None:
    field, write = CASES[case]
    with pytest.raises(InvalidInputError, match="control character") as info:
        write(backend)
    assert info.value.field == field
    # Nothing of the refused write was stored (a helper customer may have been).
    with backend.db.read() as s:
        payloads = s.scalars(select(Outbox.payload)).all()
    assert all(ids.find_control(json.dumps(p, ensure_ascii=False)) is None for p in payloads)
    assert _count(backend, Vendor) == 0


def test_transactions_import_refuses_a_nul_in_an_id_with_file_and_line(
    backend: Backend, tmp_path: Path
) -> None:
    path = tmp_path / "sales.csv"
    path.write_text("customer_id,date,amount\nA1,2024-01-02,5\nB\x002,2024-01-03,7\n", "utf-8")
    with pytest.raises(InvalidInputError) as caught:  # a NUL refuses the whole file
        ImportService(backend.ctx, backend.customers).transactions(path)
    assert str(caught.value).startswith(f"{path}, line 3")
    assert "NUL" in str(caught.value)
    assert _count(backend, Customer) == 0
    assert _count(backend, Outbox) == 0


def test_vendor_import_refuses_a_control_character_with_file_and_line(
    backend: Backend, tmp_path: Path
) -> None:
    path = tmp_path / "vendors.csv"
    path.write_text("name,phone\nGood,\nBad,555\x010\n", encoding="utf-8")
    with pytest.raises(InvalidInputError) as info:
        backend.vendors.import_csv(path)
    assert f"{path}, line 3:" in str(info.value)
    assert "phone" in str(info.value)
    assert "control character" in str(info.value)
    assert _count(backend, Vendor) == 0
