"""The generic transactions CSV (the old importer's rules, streamed) and a mapped CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from posassist.errors import InvalidInputError
from posassist.importers.generic import MappedFormat, TransactionsFormat
from posassist.importers.kinds import format_for
from posassist.importers.records import ParseContext, Person, Problems, Sale, SaleItem
from tests.importers.exports_shopify import parse_file

# The store's date is 2026-11-20, as in tests/conftest.py.
CTX = ParseContext(tz_name="Europe/Berlin", region="DE", today=date(2026, 11, 20))
BERLIN = ZoneInfo("Europe/Berlin")


def _file(tmp_path: Path, text: str, name: str = "till.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _transactions(path: Path) -> tuple[list[Sale], Problems]:
    records, problems = parse_file(TransactionsFormat(), path, CTX)
    assert all(isinstance(r, Sale) for r in records)
    return [r for r in records if isinstance(r, Sale)], problems


def _ok(path: Path) -> list[Sale]:
    sales, problems = _transactions(path)
    assert not problems, problems.texts()
    return sales


def test_header_synonyms_and_the_records(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "Store,CUSTOMER,Day,Total,Cashier\n"
        "S1,42,2026-01-05,12.50,Ann\n"
        "S1,42,2026-01-05,3.00,Ann\n"
        "S1,7,2026-02-01,,Bob\n",
    )
    first, second, third = _ok(path)
    assert first == Sale(
        "transactions",
        "42:2026-01-05:1250",
        2,
        Person(
            "transactions",
            "42",
            line=2,
            display_name="Customer 42",
            notes="Imported from till.csv",
        ),
        datetime(2026, 1, 5, 12, tzinfo=BERLIN),  # noon: the file gives no time
        date(2026, 1, 5),
        basket_minor=1250,
        note="Imported from till",
    )
    assert (second.key, second.basket_minor) == ("42:2026-01-05:300", 300)
    # no amount: the key the old importer's ids were made from ("…:None")
    assert (third.key, third.basket_minor) == ("7:2026-02-01:None", None)


def test_spaced_synonyms_and_a_tab_file(tmp_path: Path) -> None:
    path = _file(tmp_path, "Customer ID\tPurchase Date\tSpend\n9\t2026-03-01\t4\n")
    (sale,) = _ok(path)
    assert (sale.key, sale.line) == ("9:2026-03-01:400", 2)


def test_a_duplicated_line_gives_the_same_key(tmp_path: Path) -> None:
    """The loader counts the second as skipped (README: duplicated lines are skipped)."""
    path = _file(tmp_path, "id;date\n1;2026-01-01\n1;2026-01-01\n2;2026-01-02\n")
    keys = [s.key for s in _ok(path)]
    assert keys == ["1:2026-01-01:None", "1:2026-01-01:None", "2:2026-01-02:None"]


def test_decimal_comma_in_a_semicolon_file(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "customer_id;date;amount\n"
        "1;05.01.2026;12,50\n"
        "2;06.01.2026;1.234,56\n"
        "3;07.01.2026;3,00 €\n"
        "4;28.01.2026;1 234,5\n"
        "5;09.01.2026;7\n"
        "6;10.01.2026;\n",
    )
    sales = _ok(path)
    assert [s.basket_minor for s in sales] == [1250, 123456, 300, 123450, 700, None]
    assert sales[3].local_day == date(2026, 1, 28)  # 28.01: day first throughout


@pytest.mark.parametrize(
    ("rows", "days"),
    [
        # 04/26 further down shows month-first dates: 03/04 is 4 March
        (["03/04/2024", "04/26/2024"], [date(2024, 3, 4), date(2024, 4, 26)]),
        (
            ["03/04/2024", "26.04.2024", "05-06-2024 10:15"],
            [(2024, 4, 3), (2024, 4, 26), (2024, 6, 5)],
        ),
        (
            ["2024-04-03", "2024-04-04T10:15:00", "20240405"],
            [(2024, 4, 3), (2024, 4, 4), (2024, 4, 5)],
        ),
        (["01/01/2024", "02/02/2024"], [(2024, 1, 1), (2024, 2, 2)]),
        (["45385", "45386.75"], [(2024, 4, 3), (2024, 4, 4)]),  # Excel date numbers
        (["2026-11-21"], [(2026, 11, 21)]),  # tomorrow: a till a few hours ahead
    ],
)
def test_one_date_format_per_file(tmp_path: Path, rows: list[str], days: list) -> None:
    path = _file(tmp_path, "id,date\n" + "".join(f"1,{d}\n" for d in rows))
    expected = [d if isinstance(d, date) else date(*d) for d in days]
    assert [s.local_day for s in _ok(path)] == expected


@pytest.mark.parametrize(
    ("rows", "line", "words"),
    [
        (
            ["01/01/2024", "03/04/2024", "05/06/2024"],
            3,
            "dates like “03/04/2024” could be 3 April or 4 March, and no date in the file "
            "settles which; write them as YYYY-MM-DD",
        ),
        (
            ["03/04/2024", "26/04/2024", "04/26/2024"],
            4,
            "“04/26/2024” is not written like the dates above it (DD/MM/YYYY, "
            "as “26/04/2024” on line 3)",
        ),
        (
            ["2024-01-01", "2024-01-02", "26/04/2024"],
            4,
            "“26/04/2024” is not written like the dates above it (YYYY-MM-DD",
        ),
        (["2026-11-21", "2026-11-22"], 3, "“2026-11-22” is in the future"),
        (["21/11/2026", "22/11/2026"], 3, "the store's date is 2026-11-20"),
        (["2024-01-01", "32/01/2024"], 3, "“32/01/2024” is not a date"),
        (["2024-01-01", "03/04/24"], 3, "not a date"),
        (["2024-01-01", ""], 3, "“” is not a date"),
    ],
)
def test_bad_dates_are_one_problem_on_the_date_column(
    tmp_path: Path, rows: list[str], line: int, words: str
) -> None:
    path = _file(tmp_path, "id,Date\n" + "".join(f"{i},{d}\n" for i, d in enumerate(rows)))
    _, problems = _transactions(path)
    assert [(p.line, p.column) for p in problems.first] == [(line, "Date")]
    assert words in problems.first[0].message


@pytest.mark.parametrize(
    ("content", "line", "column", "words"),
    [
        ("customer_id,date,amount\n1,2026-01-01,ten\n", 2, "amount", "not an amount"),
        ("customer_id,date,amount\n1,2026-01-01,-4\n", 2, "amount", "zero or more"),
        ("customer_id,date\n,2026-01-01\n", 2, "customer_id", "customer id is empty"),
        (" Member ID ; Date \n;2026-01-01\n", 2, "Member ID", "customer id is empty"),
        ("customer_id,date,amount\n1,2026-01-01,NaN\n", 2, "amount", "not an amount"),
        ("customer_id,date,amount\n1,2026-01-01,1e9\n", 2, "amount", "not an amount"),
        ("customer_id,date,amount\n1,2026-01-01,1000000000\n", 2, "amount", "largest amount"),
        ("customer_id,date,amount\n1,2026-01-01,12.345\n", 2, "amount", "unclear"),
        ("customer_id,date,amount\n1,2026-01-01,12.3456\n", 2, "amount", "two decimals"),
        ("customer_id;date;amount\n1;2026-01-01;1,234\n", 2, "amount", "unclear"),
        ("customer_id,date\n1\x01x,2026-01-01\n", 2, "customer_id", "(U+0001)"),
        ("customer_id,date\n\x1b1,2026-01-01\n", 2, "customer_id", "control character"),
        ("customer_id,date\n1,2026-01-01\n2,2026-01-01,extra\n", 3, "", "expected 2 cells"),
    ],
)
def test_bad_rows_are_problems_and_left_out(
    tmp_path: Path, content: str, line: int, column: str, words: str
) -> None:
    sales, problems = _transactions(_file(tmp_path, content))
    assert problems.count == 1
    (problem,) = problems.first
    assert (problem.line, problem.column) == (line, column)
    assert words in problem.message
    assert all(s.line != line for s in sales)


def test_a_file_without_a_date_column_is_refused_at_line_1(tmp_path: Path) -> None:
    path = _file(tmp_path, "customer_id,amount\n1,2\n")
    with pytest.raises(InvalidInputError) as err:
        parse_file(TransactionsFormat(), path, CTX)
    assert err.value.field == f"{path}:1"
    assert "the header has no “date” column" in str(err.value)


# --- a mapped CSV ---------------------------------------------------------------------

MAPPING = {
    "transaction_id": "Receipt",
    "date": "Sold",
    "time": "At",
    "phone": "Tel",
    "name": "Client",
    "item": "Article",
    "sku": "Code",
    "quantity": "Qty",
    "price": "Each",
    "amount": "Receipt total",
}
HEADER = "Receipt;Sold;At;Tel;Client;Article;Code;Qty;Each;Receipt total;Till\n"


def _mapped(path: Path, mapping: dict[str, str] = MAPPING) -> tuple[list[Sale], Problems]:
    records, problems = parse_file(MappedFormat(mapping, "corner-till"), path, CTX)
    return [r for r in records if isinstance(r, Sale)], problems


def test_a_mapped_file_groups_a_receipts_lines(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        HEADER + "R1;15.03.2026;14:05;'030 1234567;Zoë Berg;Tee;TEE;2;9,99;19,98;1\n"
        "R1;15.03.2026;14:05;'030 1234567;Zoë Berg;Mug;MUG;1;10,00;;1\n"
        "R2;16.03.2026;09:30;;;Pen;;;2,00;;2\n"
        "R3;17.03.2026;;;;Bag;;1;3,50;;2\n"
        "R4;17.03.2026;;;;Apples (kg);;1,5;2,00;;2\n",
    )
    sales, problems = _mapped(path)
    assert not problems, problems.texts()
    r1, r2, r3, r4 = sales
    # weighed goods: one line at the whole line's price (1.5 kg at 2.00 is 3.00)
    assert (r4.items, r4.basket_minor) == ([SaleItem("Apples (kg)", 1, 300)], 300)
    assert (r1.source, r1.key, r1.line) == ("mapped:corner-till", "R1", 2)
    assert r1.occurred_at == datetime(2026, 3, 15, 14, 5, tzinfo=BERLIN)
    assert r1.basket_minor == 1998
    assert r1.items == [SaleItem("Tee", 2, 999, "TEE"), SaleItem("Mug", 1, 1000, "MUG")]
    assert r1.person == Person(
        "mapped:corner-till", None, line=2, phone="+49301234567", display_name="Zoë Berg"
    )
    # no customer cells: anonymous; no total: the lines' prices add up
    assert (r2.person, r2.basket_minor, r2.items) == (None, 200, [SaleItem("Pen", 1, 200)])
    assert r3.occurred_at.hour == 12  # no time: noon of that day


def test_without_a_transaction_id_each_row_is_a_sale(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "When,Email,Total\n45385.5,Ann@Example.com,$12.50\n45386,,-$3.00\n45386,,-$3.00\n",
    )
    mapping = {"date": "When", "email": "Email", "amount": "Total"}
    (sale, refund, again), problems = _mapped(path, mapping)
    assert not problems, problems.texts()
    assert sale.occurred_at == datetime(2024, 4, 3, 12, tzinfo=BERLIN)  # .5 of a day
    assert sale.person is not None
    assert sale.person.email == "ann@example.com"
    assert (sale.kind, sale.basket_minor) == ("purchase", 1250)
    assert (refund.kind, refund.basket_minor, refund.note) == ("refund", None, "Refund of -$3.00")
    assert again.key == refund.key  # an identical line: the same sale, skipped by the loader
    assert sale.key != refund.key


def test_a_name_alone_is_not_a_key_the_sale_is_anonymous(tmp_path: Path) -> None:
    path = _file(tmp_path, "Day,Who,Phone\n2026-01-02,Ann Lee,\n2026-01-03,Ann Lee,5035550142\n")
    sales, problems = _mapped(path, {"date": "Day", "name": "Who", "phone": "Phone"})
    assert not problems, problems.texts()
    first, second = (s.person for s in sales)
    assert first is None  # two Ann Lees are not one person: no customer from a name
    assert second is not None
    assert second.display_name == "Ann Lee"


def test_an_offset_in_the_date_moves_the_visit_to_the_stores_day(tmp_path: Path) -> None:
    path = _file(tmp_path, "Day,Id\n2026-05-12 23:30:00 -0700,1\n")
    (sale,), problems = _mapped(path, {"date": "Day", "customer_id": "Id"})
    assert not problems, problems.texts()
    assert sale.occurred_at.astimezone(UTC) == datetime(2026, 5, 13, 6, 30, tzinfo=UTC)
    assert sale.local_day == date(2026, 5, 13)


def test_mapped_problems_name_line_and_column(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        HEADER + "R1;15.03.2026;25:00;;;Tee;;1;1,00;;1\n"
        "R2;15.03.2026;10:00;12;;Tee;;1;1,00;;1\n"
        "R3;15.03.2026;10:00;;;Tee;;1;1,00;;1\n"
        "R3;15.03.2026;10:00;;;Mug;;zero;1,00;;1\n"
        "R4;15.03.2026;10:00;;;Tee;;1;1,00;;1\n"
        "R1;15.03.2026;10:00;;;Tee;;1;1,00;;1\n",
    )
    sales, problems = _mapped(path)
    assert [s.key for s in sales] == ["R4"]
    assert [(p.line, p.column) for p in problems.first] == [
        (2, "At"),
        (3, "Tel"),
        (5, "Qty"),
        (7, "Receipt"),
    ]


def test_a_mapping_naming_a_missing_column_is_refused_at_line_1(tmp_path: Path) -> None:
    path = _file(tmp_path, "Sold,Client\n2026-01-01,Ann\n")
    fmt = format_for("mapped", {"date": "Sold", "name": "Customer"}, "shop")
    assert fmt.source == "mapped:shop"
    with pytest.raises(InvalidInputError) as err:
        parse_file(fmt, path, CTX)
    assert err.value.field == f"{path}:1"
    assert "the header has no “Customer” column" in str(err.value)


@pytest.mark.parametrize(
    ("mapping", "words"),
    [
        ({"date": "Sold", "colour": "Colour"}, "“colour” is not a field"),
        ({"name": "Client"}, "no column for date"),
        ({"date": "  "}, "no column for date"),
    ],
)
def test_a_bad_mapping_is_refused(mapping: dict[str, str], words: str) -> None:
    with pytest.raises(InvalidInputError, match=words):
        MappedFormat(mapping)
