"""Square's three exports, read through the real reader: the records each row becomes.

Every file is written by ``tests/importers/exports.py`` with Square's whole header, so
the columns the parser does not read are there too, as in a real download.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from posassist.cli import main
from posassist.errors import InvalidInputError
from posassist.importers.kinds import Format
from posassist.importers.reader import open_table
from posassist.importers.records import ParseContext, Person, Problems, Sale, Skip
from posassist.importers.square import SquareCustomers, SquareItems, SquareTransactions
from posassist.services.csv_files import csv_text
from posassist.services.customers import NewCustomer
from tests.conftest import MovableClock, make_backend
from tests.importers.exports import (
    SQUARE_ITEMS_HEADER,
    write_export,
    write_square_customers,
    write_square_items,
    write_square_transactions,
)

CTX = ParseContext(tz_name="America/Los_Angeles", region="US", today=date(2026, 11, 20))
Record = Person | Sale | Skip


def parse(fmt: Format, path: Path) -> tuple[list[Record], Problems]:
    problems = Problems(path)
    with open_table(path, fmt.columns, problems) as table:
        records = list(fmt.parse(table, CTX))
    return records, problems


def where(problems: Problems) -> list[tuple[int, str]]:
    return [(p.line, p.column) for p in problems.first]


# --- customers -----------------------------------------------------------------------


def test_a_customer_row_becomes_a_person(tmp_path: Path) -> None:
    path = write_square_customers(
        tmp_path / "customers.csv",
        [
            {
                "Square Customer ID": "'JDKYHBWT1D4F8MFH63DBMEN8Y4",
                "First Name": "Ana",
                "Last Name": "Lima",
                "Email Address": " Ana.Lima@Example.com ",
                "Phone Number": "'+15035550142",
                "Reference ID": "'00417",
                "Memo": "Likes the window seat,\nasks for oat milk",
                "Email Subscription Status": "Subscribed",
                "First Visit": "2024-03-02",
                "Last Visit": "2026-11-01",
                "Lifetime Spend": "$1,204.50",
            }
        ],
    )
    records, problems = parse(SquareCustomers(), path)
    assert not problems
    assert records == [
        Person(
            source="square",
            external_id="JDKYHBWT1D4F8MFH63DBMEN8Y4",
            line=2,
            phone="+15035550142",
            email="ana.lima@example.com",
            display_name="Ana Lima",
            consent=True,
            notes="Likes the window seat,\nasks for oat milk",
            first_seen=date(2024, 3, 2),
            last_seen=date(2026, 11, 1),
            other_ids=(("square-reference", "00417"),),
        )
    ]


def test_names_fall_back_to_nickname_then_company_and_an_email_only_customer_is_kept(
    tmp_path: Path,
) -> None:
    path = write_square_customers(
        tmp_path / "customers.csv",
        [
            {"Square Customer ID": "C1", "Nickname": "Bee", "Company Name": "Hive Ltd"},
            {"Square Customer ID": "C2", "Company Name": "Hive Ltd"},
            {"Square Customer ID": "C3", "Email Address": "only@example.com"},
            {"Square Customer ID": "C4", "Last Name": "Okafor"},
        ],
    )
    records, problems = parse(SquareCustomers(), path)
    assert not problems
    people = [r for r in records if isinstance(r, Person)]
    assert [p.display_name for p in people] == ["Bee", "Hive Ltd", None, "Okafor"]
    assert people[2].email == "only@example.com"
    assert people[2].phone is None


@pytest.mark.parametrize(
    ("status", "consent"),
    [("Subscribed", True), ("Unsubscribed", False), ("Not subscribed", False), ("", None)],
)
def test_email_subscription_status_is_consent(
    tmp_path: Path, status: str, consent: bool | None
) -> None:
    path = write_square_customers(
        tmp_path / "c.csv", [{"Square Customer ID": "C1", "Email Subscription Status": status}]
    )
    records, _ = parse(SquareCustomers(), path)
    assert isinstance(records[0], Person)
    assert records[0].consent is consent


def test_bad_phone_email_and_dates_are_problems_with_line_and_column(tmp_path: Path) -> None:
    path = write_square_customers(
        tmp_path / "customers.csv",
        [
            {"Square Customer ID": "C1", "First Name": "Good"},
            {"Square Customer ID": "C2", "Phone Number": "'12"},
            {"Square Customer ID": "C3", "Email Address": "not-an-email"},
            {"Square Customer ID": "C4", "First Visit": "2026-05-01", "Last Visit": "2026-04-01"},
            {"Square Customer ID": "C5", "First Name": "Bad\x1bname"},
            {"Square Customer ID": "C6", "Email Subscription Status": "Maybe"},
        ],
    )
    records, problems = parse(SquareCustomers(), path)
    assert [r.external_id for r in records if isinstance(r, Person)] == ["C1"]
    assert where(problems) == [
        (3, "Phone Number"),
        (4, "Email Address"),
        (5, "Last Visit"),
        (6, "First Name"),
        (7, "Email Subscription Status"),
    ]
    text = problems.texts()[0]
    assert text.startswith(f"{path}, line 3, column “Phone Number”: ")
    assert "“12”" in text
    assert "control character" in problems.first[3].message


def test_a_formula_in_a_name_stays_text(tmp_path: Path) -> None:
    path = write_square_customers(
        tmp_path / "c.csv",
        [{"Square Customer ID": "C1", "First Name": "=1+2", "Memo": '=HYPERLINK("x")'}],
    )
    records, problems = parse(SquareCustomers(), path)
    assert not problems
    person = records[0]
    assert isinstance(person, Person)
    assert (person.display_name, person.notes) == ("=1+2", '=HYPERLINK("x")')


def test_a_missing_required_column_is_refused_at_line_1_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("First Name,Last Name\nAna,Lima\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"line 1: the header has no “Square Customer ID”"):
        parse(SquareCustomers(), path)


def test_columns_in_another_order_an_unknown_one_and_a_missing_optional_one(
    tmp_path: Path,
) -> None:
    header = ["Loyalty Points", "Phone Number", "Square Customer ID", "first name"]
    path = write_export(
        tmp_path / "c.csv",
        header,
        [{"Loyalty Points": "12", "Phone Number": "(503) 555-0142", "Square Customer ID": "C9"}],
        delimiter=";",
    )
    records, problems = parse(SquareCustomers(), path)
    assert not problems
    assert records == [Person("square", "C9", line=2, phone="+15035550142")]


# --- item detail ---------------------------------------------------------------------


def item(txn: str, name: str, gross: str, **cells: str) -> dict[str, str]:
    row = {
        "Date": "2026-11-18",
        "Time": "18:45:10",
        "Time Zone": "Eastern Time (US & Canada)",
        "Item": name,
        "Qty": "1",
        "Gross Sales": gross,
        "Net Sales": gross,
        "Transaction ID": txn,
        "Payment ID": f"P-{txn}",
        "Event Type": "Payment",
        "Location": "Main Street",
    }
    return row | cells


def sales(records: Sequence[Record]) -> list[Sale]:
    return [r for r in records if isinstance(r, Sale)]


def test_contiguous_rows_of_a_transaction_are_one_sale_with_its_lines(tmp_path: Path) -> None:
    path = write_square_items(
        tmp_path / "items.csv",
        [
            item("T1", "Latte", "$9.00", Qty="2.0", SKU="'0042", Category="Coffee",
                 **{"Customer ID": "'CUST1", "Customer Name": "Ana Lima",
                    "Customer Reference ID": "'00417"}),
            item("T1", "Scone, \"plain\"\nwarm", "$3.50", Category="None"),
            item("T2", "Tea", "$1,204.50"),
        ],
    )  # fmt: skip
    records, problems = parse(SquareItems(), path)
    assert not problems
    first, second = sales(records)
    assert (first.key, first.line, first.kind, first.basket_minor) == ("T1", 2, "purchase", 1250)
    assert [(i.description, i.quantity, i.unit_minor, i.sku, i.category) for i in first.items] == [
        ("Latte", 2, 450, "0042", "Coffee"),
        ('Scone, "plain" warm', 1, 350, None, None),
    ]
    assert first.occurred_at == datetime(2026, 11, 18, 23, 45, 10, tzinfo=UTC)
    assert first.occurred_at.utcoffset() == timedelta(hours=-5)
    assert first.local_day == date(2026, 11, 18)  # 15:45 in the store's Los Angeles
    assert first.person == Person(
        "square", "CUST1", line=2, display_name="Ana Lima",
        other_ids=(("square-reference", "00417"),),
    )  # fmt: skip
    assert first.note == "at Main Street"
    assert second.person is None  # no Customer ID: an anonymous sale
    assert second.basket_minor == 120450
    assert second.line == 5


def test_the_store_day_comes_from_the_store_zone(tmp_path: Path) -> None:
    path = write_square_items(
        tmp_path / "items.csv",
        [item("T1", "Late latte", "$5.00", Date="2026-11-18", Time="23:30:00",
              **{"Time Zone": "UTC"})],
    )  # fmt: skip
    (sale,) = sales(parse(SquareItems(), path)[0])
    assert sale.local_day == date(2026, 11, 18)  # 15:30 in Los Angeles
    path = write_square_items(
        tmp_path / "items2.csv",
        [item("T1", "Early latte", "$5.00", Date="2026-11-18", Time="03:30:00",
              **{"Time Zone": "UTC"})],
    )  # fmt: skip
    (sale,) = sales(parse(SquareItems(), path)[0])
    assert sale.local_day == date(2026, 11, 17)  # the evening before, in Los Angeles


def test_an_empty_zone_is_the_store_zone(tmp_path: Path) -> None:
    path = write_square_items(tmp_path / "i.csv", [item("T1", "Tea", "$2.00", **{"Time Zone": ""})])
    (sale,) = sales(parse(SquareItems(), path)[0])
    assert sale.occurred_at.utcoffset() == timedelta(hours=-8)


REFUND_OF_PAY7 = {"Payment ID": "PAY-7", "Event Type": "Refund"}


def test_a_refund_row_keeps_the_payment_id_and_says_so(tmp_path: Path) -> None:
    path = write_square_items(
        tmp_path / "items.csv",
        [
            item("T1", "Mug", "$12.00", **{"Payment ID": "PAY-7"}),
            item(
                "R9", "Mug", "-$12.00", Qty="-1", **{"Payment ID": "PAY-7", "Event Type": "Refund"}
            ),
        ],
    )
    records, problems = parse(SquareItems(), path)
    assert not problems
    sale, refund = sales(records)
    assert (refund.key, refund.kind, refund.basket_minor) == ("R9", "refund", -1200)
    assert refund.note == "Refund of payment PAY-7, at Main Street"
    assert [(i.quantity, i.unit_minor) for i in refund.items] == [(1, 1200)]
    assert sale.kind == "purchase"


def test_other_events_and_repeated_lines_are_skipped(tmp_path: Path) -> None:
    repeated = item("T1", "Tea", "$2.00")
    path = write_square_items(
        tmp_path / "items.csv",
        [
            repeated,
            repeated,
            item("T1", "Tea", "$2.00", Qty="1.0"),  # not the same cells: a second tea
            item("T2", "Card", "$25.00", **{"Event Type": "Gift Card Activation"}),
        ],
    )
    records, problems = parse(SquareItems(), path)
    assert not problems
    skips = [r for r in records if isinstance(r, Skip)]
    assert [(s.line, s.reason) for s in skips] == [
        (3, "duplicated line"),
        (5, "a “gift card activation” event is not a sale or a refund"),
    ]
    (sale,) = sales(records)
    assert (len(sale.items), sale.basket_minor) == (2, 400)


def test_money_forms_and_fractional_quantities_in_item_rows(tmp_path: Path) -> None:
    path = write_square_items(
        tmp_path / "items.csv",
        [
            item("T1", "Cheese", "3.75", Qty="1.5"),
            item("T1", "Bag", "($0.49)"),
            item("T1", "Discounted", "$-0.50"),
        ],
    )
    (sale,) = sales(parse(SquareItems(), path)[0])
    assert [(i.quantity, i.unit_minor) for i in sale.items] == [(1, 375), (1, 49), (1, 50)]
    assert sale.basket_minor == 375 - 49 - 50


def test_bad_item_cells_are_problems_and_the_sale_is_left_out(tmp_path: Path) -> None:
    path = write_square_items(
        tmp_path / "items.csv",
        [
            item("T1", "Tea", "two dollars"),
            item("T1", "Cake", "$3.00"),
            item("T2", "Tea", "$2.00", **{"Time Zone": "Mars Time"}),
            item("T3", "Tea", "$2.00", Date="2026-11-22"),
            item("T4", "Tea", "$2.00", Qty="0"),
            item("T5", "Tea", "$2.00", Date="18/11/2026"),
            item("T6", "Tea", "$2.00"),
        ],
    )
    records, problems = parse(SquareItems(), path)
    assert [s.key for s in sales(records)] == ["T6"]
    assert where(problems) == [
        (2, "Gross Sales"),
        (4, "Time Zone"),
        (5, "Date"),
        (6, "Qty"),
        (7, "Date"),
    ]
    assert "in the future" in problems.first[2].message
    assert "“Mars Time” is not a time zone" in problems.first[1].message


def test_rows_of_one_transaction_apart_are_a_problem(tmp_path: Path) -> None:
    path = write_square_items(
        tmp_path / "items.csv",
        [item("T1", "Tea", "$2.00"), item("T2", "Tea", "$2.00"), item("T1", "Cake", "$3.00")],
    )
    _, problems = parse(SquareItems(), path)
    assert where(problems) == [(4, "Transaction ID")]
    assert "began on line 2" in problems.first[0].message


def test_excel_serial_dates_and_a_renamed_column(tmp_path: Path) -> None:
    header = [h if h != "Qty" else "Quantity" for h in SQUARE_ITEMS_HEADER]
    row = item("T1", "Tea", "$2.00", Date="46000")
    row["Quantity"] = row.pop("Qty")
    path = write_export(tmp_path / "items.csv", header, [row])
    (sale,) = sales(parse(SquareItems(), path)[0])
    assert sale.local_day == date(2025, 12, 9)


def test_the_items_export_in_utf16_with_tabs(tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "items.csv",
        SQUARE_ITEMS_HEADER,
        [item("T1", "Crème brûlée", "$6.00")],
        encoding="utf-16",
        delimiter="\t",
    )
    (sale,) = sales(parse(SquareItems(), path)[0])
    assert sale.items[0].description == "Crème brûlée"


def test_items_without_the_item_column_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(
            [["Date", "Transaction ID", "Gross Sales"], ["2026-11-18", "T", "1"]]
        )
    with pytest.raises(InvalidInputError, match=r"line 1: the header has no “Item” column"):
        parse(SquareItems(), path)


# --- transactions --------------------------------------------------------------------


def payment(txn: str, total: str, **cells: str) -> dict[str, str]:
    row = {
        "Date": "2026-11-18",
        "Time": "09:05:00",
        "Time Zone": "Pacific Time (US & Canada)",
        "Gross Sales": total,
        "Total Collected": total,
        "Transaction ID": txn,
        "Payment ID": f"P-{txn}",
        "Event Type": "Payment",
        "Location": "Harbour",
        "Staff Name": "Sam",
        "Transaction Status": "Complete",
    }
    return row | cells


def test_a_transactions_row_is_one_sale_without_lines(tmp_path: Path) -> None:
    path = write_square_transactions(
        tmp_path / "transactions.csv",
        [
            payment("T1", "$1,204.50", **{"Customer ID": "'C1", "Customer Name": "Ana Lima"}),
            payment("T1", "$1,204.50", **{"Customer ID": "'C1", "Customer Name": "Ana Lima"}),
            payment("R1", "($33.62)", **{"Event Type": "Refund", "Payment ID": "P-T0"}),
            payment("T3", "$5.00", **{"Event Type": "Payout"}),
            payment("T4", "$-", **{"Staff Name": ""}),
        ],
    )
    records, problems = parse(SquareTransactions(), path)
    assert where(problems) == [(6, "Total Collected")]
    sale, refund = sales(records)
    assert (sale.key, sale.basket_minor, sale.items) == ("T1", 120450, [])
    assert sale.person is not None
    assert sale.person.external_id == "C1"
    assert sale.note == "at Harbour, served by Sam"
    assert sale.occurred_at.utcoffset() == timedelta(hours=-8)
    assert (refund.kind, refund.basket_minor, refund.person) == ("refund", -3362, None)
    assert refund.note.startswith("Refund of payment P-T0")
    assert [(s.line, s.reason) for s in records if isinstance(s, Skip)] == [
        (3, "duplicated line"),
        (5, "a “payout” event is not a sale or a refund"),
    ]


def test_transactions_without_total_collected_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("Date,Time,Transaction ID\n2026-11-18,09:00:00,T1\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="“Total Collected”"):
        parse(SquareTransactions(), path)


# --- a formula in a name, on the way out ---------------------------------------------


def test_a_formula_name_stays_text_in_the_customer_export_and_is_neutralised_in_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``posassist customer export`` writes JSON and a PDF, which no spreadsheet runs: the
    name comes out as the very text imported. Every CSV posassist writes (the Regulars
    list, through ``csv_text``) neutralises it. The store is filled through the customer
    service here: the loader that writes imported people lives in ``load.py``."""
    path = write_square_customers(
        tmp_path / "c.csv", [{"Square Customer ID": "C1", "First Name": "=1+2"}]
    )
    (person,) = parse(SquareCustomers(), path)[0]
    assert isinstance(person, Person)
    assert person.display_name is not None
    store = tmp_path / "store"
    backend = make_backend(store, MovableClock(datetime.now(UTC)))
    try:
        backend.customers.create(NewCustomer(person.display_name, card_code="PA00000777"))
    finally:
        backend.close()
    out = tmp_path / "export.json"
    assert main(["customer", "export", "PA00000777", "-o", str(out), "--data-dir", str(store)]) == 0
    capsys.readouterr()
    assert json.loads(out.read_text(encoding="utf-8"))["records"][0]["display_name"] == "=1+2"
    assert csv_text(["name"], [[person.display_name]]).splitlines()[1] == "'=1+2"
