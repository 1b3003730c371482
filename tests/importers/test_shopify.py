"""Shopify's customers (both layouts) and orders exports, parsed from files shaped like
the real ones (tests/importers/exports_shopify.py), through the streaming reader."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from posassist.errors import InvalidInputError
from posassist.importers.records import ParseContext, Person, Sale, SaleItem, Skip
from posassist.importers.shopify import ShopifyCustomers, ShopifyOrders
from tests.importers.exports import write_export
from tests.importers.exports_shopify import (
    line,
    order,
    parse_file,
    write_customers,
    write_orders,
)

CTX = ParseContext(tz_name="America/Los_Angeles", region="US", today=date(2026, 11, 20))
PAID = {"Financial Status": "paid", "Currency": "USD"}


def _order(name: str, created: str = "2026-05-12 12:54:07 -0700", **fields: str) -> dict:
    return {"Name": name, "Created at": created, **PAID, **fields}


def _sales(path: Path, ctx: ParseContext = CTX) -> list[Sale]:
    records, problems = parse_file(ShopifyOrders(), path, ctx)
    assert not problems, problems.texts()
    assert all(isinstance(r, Sale) for r in records)
    return [r for r in records if isinstance(r, Sale)]


def test_a_multi_line_order_is_one_sale_with_its_lines(tmp_path: Path) -> None:
    path = write_orders(
        tmp_path / "orders_export.csv",
        order(
            _order(
                "#1001",
                Email="Ann.Lee@Example.com",
                Total="$1,204.50",
                Subtotal="1,194.50",
                **{"Billing Name": "Ann Lee", "Billing Phone": "'+15035550142"},
            ),
            line("Crew Tee - Black / S", "9.99", "2", "TEE-BLK-S"),
            line("Mug", "10.00", sku="MUG"),
            line("Gift wrap", "$0.00"),
        ),
        order(_order("#1002", Total="20.00"), line("Mug", "10.00", "2", "MUG")),
    )
    first, second = _sales(path)
    assert (first.key, first.line, first.source) == ("#1001", 2, "shopify")
    assert first.basket_minor == 120450
    assert first.items == [
        SaleItem("Crew Tee - Black / S", 2, 999, "TEE-BLK-S"),
        SaleItem("Mug", 1, 1000, "MUG"),
        SaleItem("Gift wrap", 1, 0, None),
    ]
    assert first.person == Person(
        "shopify",
        None,
        line=2,
        phone="+15035550142",
        email="ann.lee@example.com",
        display_name="Ann Lee",
    )
    # the -0700 offset is kept: 19:54 UTC, the store's (Los Angeles) day
    assert first.occurred_at.astimezone(UTC) == datetime(2026, 5, 12, 19, 54, 7, tzinfo=UTC)
    assert first.local_day == date(2026, 5, 12)
    assert (first.kind, first.note) == ("purchase", "")
    # no e-mail, no phone: an anonymous sale, not a customer
    assert (second.key, second.line, second.person, second.basket_minor) == ("#1002", 5, None, 2000)
    assert second.items == [SaleItem("Mug", 2, 1000, "MUG")]


def test_the_order_fields_are_read_from_its_first_row_only(tmp_path: Path) -> None:
    """Later rows carry only the Name and the line item: their empty Total, Email and
    Created at neither empty the order's nor make a second sale."""
    rows = order(
        _order("#1001", Email="a@example.com", Total="30.00", Location="Main Street"),
        line("A", "10.00"),
        line("B", "20.00"),
    )
    assert rows[1]["Name"] == "#1001"
    assert "Email" not in rows[1]
    assert "Total" not in rows[1]
    (sale,) = _sales(write_orders(tmp_path / "o.csv", rows))
    assert sale.basket_minor == 3000
    assert [i.description for i in sale.items] == ["A", "B"]
    assert sale.note == "at Main Street"
    assert sale.person is not None
    assert sale.person.email == "a@example.com"


@pytest.mark.parametrize(
    ("status", "refunded", "kind", "basket", "note"),
    [
        ("refunded", "34.98", "refund", 3498, "Refund of order #1001 in Shopify"),
        ("refunded", "", "refund", 3498, "Refund of order #1001 in Shopify"),
        ("refunded", "4.98", "purchase", 3000, "refunded 4.98 USD in Shopify"),  # some kept
        ("partially_refunded", "$3.00", "purchase", 3198, "refunded 3.00 USD in Shopify"),
        ("partially_refunded", "($33.62)", "purchase", 136, "refunded 33.62 USD in Shopify"),
        ("partially_refunded", "-$0.49", "purchase", 3449, "refunded 0.49 USD in Shopify"),
        ("voided", "", "void", None, "voided in Shopify, nothing bought"),
        ("expired", "", "void", None, "payment expired in Shopify, nothing bought"),
        ("pending", "", "purchase", 3498, "payment pending in Shopify"),
        ("authorized", "", "purchase", 3498, "payment authorized, not captured, in Shopify"),
        ("paid", "", "purchase", 3498, ""),
    ],
)
def test_refunds_and_voids_are_recorded_as_such(
    tmp_path: Path, status: str, refunded: str, kind: str, basket: int | None, note: str
) -> None:
    fields = _order("#1001", Total="34.98", **{"Financial Status": status})
    fields["Refunded Amount"] = refunded
    (sale,) = _sales(write_orders(tmp_path / "o.csv", order(fields, line("Tee", "34.98"))))
    assert (sale.kind, sale.basket_minor, sale.note) == (kind, basket, note)
    assert len(sale.items) == 1  # read (a row of the file); the loader writes a purchase's only


def test_excels_unicode_text_a_utf16_tab_file(tmp_path: Path) -> None:
    """Excel's "Unicode Text" save of the export: UTF-16 with a byte-order mark, tabs."""
    rows = order(_order("#9", Total="12.00", **{"Billing Name": "Zoë"}), line("Crème", "12.00"))
    path = write_orders(tmp_path / "o.txt", rows, encoding="utf-16", delimiter="\t")
    (sale,) = _sales(path)
    assert (sale.key, sale.basket_minor, sale.items[0].description) == ("#9", 1200, "Crème")


def test_a_cancelled_order_says_so_and_where(tmp_path: Path) -> None:
    fields = _order("#7", Total="5.00", Location="Airport kiosk")
    fields |= {"Financial Status": "voided", "Cancelled at": "2026-05-12 13:00:00 -0700"}
    (sale,) = _sales(write_orders(tmp_path / "o.csv", order(fields, line("Pen", "5.00"))))
    assert sale.note == "at Airport kiosk; voided in Shopify, nothing bought; cancelled in Shopify"


def test_a_late_order_falls_on_the_stores_next_day(tmp_path: Path) -> None:
    """23:30 in Los Angeles is 02:30 the next morning in New York: the visit's day is the
    store's, not the web shop's."""
    path = write_orders(
        tmp_path / "o.csv",
        order(_order("#1", "2026-05-12 23:30:00 -0700", Total="1.00"), line("A", "1.00")),
    )
    (sale,) = _sales(path, ParseContext("America/New_York", "US", CTX.today))
    assert sale.local_day == date(2026, 5, 13)
    assert sale.occurred_at.hour == 2


def test_bad_cells_are_problems_with_line_and_column(tmp_path: Path) -> None:
    path = write_orders(
        tmp_path / "o.csv",
        order(_order("#1", Total="ten dollars"), line("A", "1.00")),
        order(_order("#2", "2026-11-23 10:00:00 -0800", Total="1.00"), line("A", "1.00")),
        order(_order("#3", Total="1.00", Phone="12"), line("A", "1.00")),
        order(_order("#4", Total="1.00"), line("A", "1.00"), line("B", "one", "x")),
        order(_order("#5", "yesterday", Total="1.00"), line("A", "1.00")),
        order(_order("#6", Total="1.00"), line("A", "1.00")),
    )
    records, problems = parse_file(ShopifyOrders(), path, CTX)
    assert [r.key for r in records if isinstance(r, Sale)] == ["#6"]
    where = [(p.line, p.column) for p in problems.first]
    assert where == [
        (2, "Total"),
        (3, "Created at"),
        (4, "Phone"),
        (6, "Lineitem quantity"),
        (7, "Created at"),
    ]
    texts = problems.texts()
    assert texts[0].startswith(f"{path}, line 2, column “Total”: “ten dollars” is not an amount")
    assert "is in the future (the store's date is 2026-11-20)" in texts[1]
    assert "is not a phone number" in texts[2] or "complete phone number" in texts[2]


def test_an_order_split_apart_is_refused_not_doubled(tmp_path: Path) -> None:
    rows = order(_order("#1", Total="2.00"), line("A", "1.00"), line("B", "1.00"))
    other = order(_order("#2", Total="1.00"), line("C", "1.00"))
    path = write_orders(tmp_path / "o.csv", [rows[0], *other, rows[1]])
    records, problems = parse_file(ShopifyOrders(), path, CTX)
    assert [r.key for r in records if isinstance(r, Sale)] == ["#1", "#2"]
    assert [(p.line, p.column) for p in problems.first] == [(4, "Name")]
    assert "keep the rows of one order together" in problems.texts()[0]


def test_an_orders_file_without_a_required_column_is_refused_at_line_1(tmp_path: Path) -> None:
    path = write_export(tmp_path / "o.csv", ["Name", "Email", "Total"], [{"Name": "#1"}])
    with pytest.raises(InvalidInputError) as err:
        parse_file(ShopifyOrders(), path, CTX)
    assert err.value.field == f"{path}:1"
    assert "line 1: the header has no “Created at”, “Lineitem name” columns" in str(err.value)


CURRENT = [
    {
        "Customer ID": "'7210448301122",
        "First Name": "Teodoro",
        "Last Name": "Villaseñor",
        "Email": "Teo@Example.com",
        "Accepts Email Marketing": "yes",
        "Default Address Phone": "(775) 555-0142",
        "Total Spent": "1204.50",
        "Note": "Prefers the\nback door",
        "Tags": "wholesale, vip",
        "Tax Exempt": "no",
    },
    {
        "Customer ID": "'7210448301123",
        "Email": "only.mail@example.com",
        "Accepts Email Marketing": "no",
        "Phone": "'+15035550142",
        "Default Address Phone": "(775) 555-0100",
    },
    {"Customer ID": "7210448301124", "First Name": "Nobody", "Accepts Email Marketing": ""},
]


def _people(path: Path) -> list[Person | Sale | Skip]:
    records, problems = parse_file(ShopifyCustomers(), path, CTX)
    assert not problems, problems.texts()
    return records


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_current_customers_layout(tmp_path: Path, delimiter: str) -> None:
    path = write_customers(tmp_path / "customers_export.csv", CURRENT, delimiter=delimiter)
    teo, mail_only, nobody = _people(path)
    assert teo == Person(
        "shopify",
        "7210448301122",
        line=2,
        phone="+17755550142",  # no Phone: the default address's
        email="teo@example.com",
        display_name="Teodoro Villaseñor",
        consent=True,
        notes="Prefers the\nback door\nTags: wholesale, vip",
    )
    assert mail_only == Person(
        "shopify",
        "7210448301123",
        line=4,  # the quoted note of the row above spans two lines
        phone="+15035550142",  # Phone first, apostrophe dropped
        email="only.mail@example.com",
        display_name=None,  # an e-mail and no name is a customer all the same
        consent=False,
    )
    assert isinstance(nobody, Person)
    assert (nobody.external_id, nobody.display_name, nobody.consent) == (
        "7210448301124",
        "Nobody",
        None,
    )


def test_legacy_customers_layout(tmp_path: Path) -> None:
    rows = [
        {
            "First Name": "Zoë",
            "Last Name": "O'Brien",
            "Email": "zoe@example.com",
            "Company": "Zoë's",
            "Phone": "503-555-0199",
            "Accepts Marketing": "no",
            "Tags": "newsletter",
        },
        {"First Name": "Only", "Last Name": "Name", "Accepts Marketing": "yes"},
        {"Email": "x@example.com", "Accepts Marketing": "true"},
    ]
    zoe, only_name, mail = _people(write_customers(tmp_path / "c.csv", rows, legacy=True))
    assert zoe == Person(
        "shopify",
        None,  # the legacy layout has no id: the loader matches by phone, then e-mail
        line=2,
        phone="+15035550199",
        email="zoe@example.com",
        display_name="Zoë O'Brien",
        consent=False,
        notes="Tags: newsletter",
    )
    assert only_name == Skip(3, "no Shopify customer id, phone or email")
    assert isinstance(mail, Person)
    assert (mail.email, mail.consent, mail.display_name) == ("x@example.com", True, None)


def test_a_windows_1252_legacy_file(tmp_path: Path) -> None:
    rows = [{"First Name": "Zoë", "Last Name": "Müller", "Email": "z@example.com"}]
    path = write_customers(tmp_path / "c.csv", rows, legacy=True, encoding="cp1252")
    (zoe,) = _people(path)
    assert isinstance(zoe, Person)
    assert zoe.display_name == "Zoë Müller"


def test_bad_customer_cells_name_line_and_column(tmp_path: Path) -> None:
    rows = [
        {"Customer ID": "1", "Email": "a@example.com", "Phone": "12"},
        {"Customer ID": "2", "Email": "not-an-email"},
        {"Customer ID": "3", "Email": "c@example.com", "Accepts Email Marketing": "maybe"},
        {"Customer ID": "4", "Email": "d@example.com", "First Name": "Bell\x07"},
        {"Customer ID": "abc", "Email": "e@example.com"},
        {"Customer ID": "6", "Email": "f@example.com", "Phone": "+1 503 555 0100"},
    ]
    path = write_customers(tmp_path / "c.csv", rows)
    records, problems = parse_file(ShopifyCustomers(), path, CTX)
    assert [r.external_id for r in records if isinstance(r, Person)] == ["6"]
    assert [(p.line, p.column) for p in problems.first] == [
        (2, "Phone"),
        (3, "Email"),
        (4, "Accepts Email Marketing"),
        (5, "First Name"),
        (6, "Customer ID"),
    ]
    assert problems.texts()[1].startswith(f"{path}, line 3, column “Email”: “not-an-email”")


def test_a_customers_file_without_email_is_refused_at_line_1(tmp_path: Path) -> None:
    path = write_export(tmp_path / "c.csv", ["Customer ID", "First Name", "Last Name"], [])
    with pytest.raises(InvalidInputError, match="line 1: the header has no “Email” column"):
        parse_file(ShopifyCustomers(), path, CTX)
