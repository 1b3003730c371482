"""Matching without consent, refunds and voids in the store, the wrong kind refused,
First Visit for a known customer: through the real import service into a real store,
from small files shaped like the real exports."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from posassist.app import Backend
from posassist.domain.match_keys import match_key
from posassist.errors import InvalidInputError
from posassist.importers.kinds import detect
from posassist.services.customers import NewCustomer
from posassist.services.importing import ImportService
from posassist.storage.orm import Customer, CustomerExternalId, Interaction, Outbox, PurchaseLine
from tests.importers import exports_shopify as shopify
from tests.importers.exports import (
    SQUARE_ITEMS_HEADER,
    write_export,
    write_square_customers,
    write_square_items,
    write_square_transactions,
)

PHONE, EMAIL = "+15035550142", "ann@example.com"


def _importer(backend: Backend) -> ImportService:
    return ImportService(backend.ctx, backend.customers)


def _no_consent_customer(tmp_path: Path) -> Path:
    return shopify.write_customers(
        tmp_path / "customers.csv",
        [{"Customer ID": "'7001", "First Name": "Ann", "Last Name": "Archer", "Email": EMAIL,
          "Phone": "'+15035550142", "Accepts Email Marketing": "no"}],
    )  # fmt: skip


def _orders(tmp_path: Path, name: str = "orders.csv", **first: str) -> Path:
    fields = {"Name": "#1001", "Email": EMAIL, "Financial Status": "paid", "Currency": "USD",
              "Total": "30.00", "Created at": "2026-05-12 12:54:07 -0700"} | first  # fmt: skip
    rows = shopify.order(fields, shopify.line("Mug", "10.00"), shopify.line("Tea", "20.00"))
    return shopify.write_orders(tmp_path / name, rows)


def _customers(backend: Backend) -> list[Customer]:
    with backend.db.read() as s:
        return list(s.scalars(select(Customer)))


def test_an_order_finds_the_customer_whose_contact_was_withheld(
    backend: Backend, tmp_path: Path
) -> None:
    importer = _importer(backend)
    first = importer.run("shopify-customers", _no_consent_customer(tmp_path))
    assert (first.customers_new, first.contacts_withheld) == (1, 2)  # the phone, the e-mail
    assert first.as_json()["contacts_withheld"] == 2
    orders = importer.run("shopify-orders", _orders(tmp_path))
    assert (orders.customers_new, orders.customers_matched) == (0, 1)
    assert (orders.interactions, orders.lines, orders.contacts_withheld) == (1, 2, 0)
    (ann,) = _customers(backend)
    assert (ann.display_name, ann.email, ann.phone_e164) == ("Ann Archer", None, None)
    with backend.db.read() as s:
        visit = s.scalars(select(Interaction)).one()
        keys = {x.source: x.external_id for x in s.scalars(select(CustomerExternalId))}
        queued = [json.dumps(o.payload) for o in s.scalars(select(Outbox))]
    assert visit.customer_id == ann.id
    assert keys == {
        "shopify": "7001",
        "phone-key": match_key("phone", PHONE),
        "email-key": match_key("email", EMAIL),
    }
    everything = json.dumps(keys) + "".join(queued)
    assert "ann@example.com" not in everything
    assert "5035550142" not in everything  # the contact travels as its key only
    again = importer.run("shopify-orders", _orders(tmp_path))
    assert (again.customers_new, again.interactions, again.skipped) == (0, 0, 1)


def test_orders_before_the_customers_export_meet_the_same_customer(
    backend: Backend, tmp_path: Path
) -> None:
    """Orders first (nobody's consent known), then the customers export: still one."""
    importer = _importer(backend)
    assert importer.run("shopify-orders", _orders(tmp_path)).customers_new == 1
    report = importer.run("shopify-customers", _no_consent_customer(tmp_path))
    assert (report.customers_new, report.customers_matched) == (0, 1)
    assert len(_customers(backend)) == 1


def test_a_consenting_customer_keeps_the_contact_in_clear_and_no_key(
    backend: Backend, tmp_path: Path
) -> None:
    path = shopify.write_customers(
        tmp_path / "c.csv",
        [{"Customer ID": "7002", "First Name": "Bo", "Email": "bo@example.com",
          "Accepts Email Marketing": "yes"}],
    )  # fmt: skip
    report = _importer(backend).run("shopify-customers", path)
    assert (report.customers_new, report.contacts_withheld) == (1, 0)
    (bo,) = _customers(backend)
    assert bo.email == "bo@example.com"
    with backend.db.read() as s:
        sources = set(s.scalars(select(CustomerExternalId.source)))
    assert sources == {"shopify"}


def test_the_register_finds_a_no_consent_customer_by_phone_without_showing_it(
    backend: Backend, tmp_path: Path
) -> None:
    _importer(backend).run("shopify-customers", _no_consent_customer(tmp_path))
    (hit,) = backend.customers.search("(503) 555-0142")
    assert (hit.display_name, hit.matched_by, hit.phone_masked) == ("Ann Archer", "phone", "")
    (by_mail,) = backend.customers.search("Ann@Example.com")
    assert by_mail.id == hit.id
    assert backend.customers.search("(503) 555-0143") == []  # another number: nobody


@pytest.mark.parametrize(
    ("status", "refunded", "kind", "basket", "lines", "note"),
    [
        ("voided", "", "service", None, 0, "voided in Shopify, nothing bought"),
        ("refunded", "30.00", "service", None, 0, "Refund of order #1001 in Shopify (30.00"),
        ("partially_refunded", "$5.00", "purchase", 2500, 2, "refunded 5.00 USD in Shopify"),
    ],
)
def test_refunds_and_voids_are_visits_not_purchases_in_the_store(
    backend: Backend,
    tmp_path: Path,
    status: str,
    refunded: str,
    kind: str,
    basket: int | None,
    lines: int,
    note: str,
) -> None:
    path = _orders(tmp_path, **{"Financial Status": status, "Refunded Amount": refunded})
    report = _importer(backend).run("shopify-orders", path)
    assert (report.rows, report.interactions, report.lines) == (2, 1, lines)
    with backend.db.read() as s:
        visit = s.scalars(select(Interaction)).one()
        stored_lines = len(list(s.scalars(select(PurchaseLine))))
    assert (visit.kind, visit.basket_minor, stored_lines) == (kind, basket, lines)
    assert note in visit.note
    assert visit.customer_id is not None  # still a visit of the customer


def _items_rows(**more: str) -> list[dict[str, str]]:
    return [
        {"Date": "2026-05-12", "Time": "12:54:07", "Time Zone": "Eastern Time (US & Canada)",
         "Item": "Tea", "Qty": "1", "Gross Sales": "$3.50", "Transaction ID": "T-1",
         "Payment ID": "P-1", "Event Type": "Payment", "Customer ID": "SQ-ANN", **more}
    ]  # fmt: skip


def test_the_wrong_kind_is_refused_naming_the_file_and_both_kinds(
    backend: Backend, tmp_path: Path
) -> None:
    importer = _importer(backend)
    items = write_square_items(tmp_path / "items.csv", _items_rows())
    with pytest.raises(InvalidInputError) as refused:
        importer.run("square-customers", items, dry_run=True)
    message = str(refused.value)
    assert message.startswith(f"{items}, line 1: imported as “square-customers”")
    assert "looks like “square-items”" in message
    payments = write_square_transactions(
        tmp_path / "payments.csv",
        [{"Date": "2026-05-12", "Time": "12:54:07", "Total Collected": "$3.50",
          "Transaction ID": "T-2", "Event Type": "Payment", "Customer ID": "SQ-ANN"}],
    )  # fmt: skip
    with pytest.raises(InvalidInputError, match="looks like “square-transactions”"):
        importer.run("transactions", payments)
    assert _customers(backend) == []
    assert importer.run("square-items", items).interactions == 1  # the right kind still reads


def test_an_items_file_without_its_transaction_id_is_not_a_transactions_file(
    backend: Backend, tmp_path: Path
) -> None:
    header = [h for h in SQUARE_ITEMS_HEADER if h != "Transaction ID"]
    rows = [{k: v for k, v in row.items() if k != "Transaction ID"} for row in _items_rows()]
    path = write_export(tmp_path / "items.csv", header, rows)
    assert "transactions" not in detect(header)
    with pytest.raises(InvalidInputError) as refused:
        _importer(backend).run("transactions", path)
    assert "looks like “square-items” (Square item detail export) without its “Transaction ID”" in (
        str(refused.value)
    )
    assert _customers(backend) == []


def test_first_visit_moves_a_known_customer_back_only_to_an_earlier_day(
    backend: Backend, tmp_path: Path
) -> None:
    backend.customers.create(NewCustomer("Ann Archer", phone=PHONE, consent_contact=True))
    (ann,) = _customers(backend)
    known_since = ann.created_at

    def directory(name: str, first_visit: str) -> Path:
        return write_square_customers(
            tmp_path / name,
            [{"First Name": "Ann", "Square Customer ID": "SQ-ANN", "Phone Number": PHONE,
              "First Visit": first_visit}],
        )  # fmt: skip

    report = _importer(backend).run("square-customers", directory("later.csv", "2026-11-25"))
    assert report.customers_matched == 1
    assert _customers(backend)[0].created_at == known_since  # nothing earlier: kept
    _importer(backend).run("square-customers", directory("earlier.csv", "2024-03-01"))
    (ann,) = _customers(backend)
    assert ann.created_at < known_since
    assert ann.created_at.astimezone(UTC).date() == datetime(2024, 3, 1).date()


def test_a_name_alone_in_a_mapped_file_makes_no_customer(backend: Backend, tmp_path: Path) -> None:
    path = tmp_path / "till.csv"
    path.write_text("Day,Who,Tel\n2026-01-02,Ann Lee,\n2026-01-03,Ann Lee,5035550142\n", "utf-8")
    importer = _importer(backend)
    importer.save_mapping("till", {"date": "Day", "name": "Who", "phone": "Tel"})
    report = importer.run("mapped", path, mapping="till")
    assert (report.interactions, report.anonymous, report.customers_new) == (2, 1, 1)
    (ann,) = _customers(backend)  # the row with a phone; the name-only one is anonymous
    assert ann.display_name == "Ann Lee"
