"""Transaction CSV import: header synonyms, all-or-nothing, idempotent, and the CDNOW anchor."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from posassist.app import Backend
from posassist.errors import InvalidInputError
from posassist.services.importing import ImportService
from posassist.storage.orm import Customer, Interaction, Outbox

DATA = Path(__file__).resolve().parents[1] / "data"


def _importer(backend: Backend) -> ImportService:
    return ImportService(backend.ctx, backend.customers)


def _refusal(backend: Backend, path: Path) -> str:
    """Why the file was refused: a file that is no table of its kind raises; bad rows
    come back as the report's problems (file, line, column). Either way nothing is kept."""
    try:
        report = _importer(backend).transactions(path)
    except InvalidInputError as exc:
        return str(exc)
    assert not report.imported
    assert report.problems > 0
    return report.first_problems[0]


def _count(backend: Backend, model: type) -> int:
    with backend.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_header_synonyms_and_ignored_columns(backend: Backend, tmp_path: Path) -> None:
    path = tmp_path / "till.csv"
    path.write_text(
        "Store,CUSTOMER,Day,Total,Cashier\n"
        "S1,42,2026-01-05,12.50,Ann\n"
        "S1,42,2026-01-05,3.00,Ann\n"
        "S1,7,2026-02-01,,Bob\n",
        encoding="utf-8",
    )
    result = _importer(backend).transactions(path)
    assert (result.rows, result.customers_new, result.interactions) == (3, 2, 3)
    hits = backend.customers.search("customer 42")
    card = backend.customers.card(hits[0].id)
    assert card.visits.visit_days_total == 1  # two purchases on one day: one visit
    assert sorted(e.basket_minor or 0 for e in card.timeline) == [300, 1250]
    with backend.db.read() as s:
        queued = sorted(s.scalars(select(Outbox.entity)))
    # 2 customers, their 2 ids in the file, 3 purchases and the audit entry, ready to sync
    assert queued == sorted(
        ["customer"] * 2 + ["customer_external_id"] * 2 + ["interaction"] * 3 + ["audit_entry"]
    )


def test_reimport_adds_nothing(backend: Backend, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id;date\n1;2026-01-01\n1;2026-01-01\n2;2026-01-02\n", encoding="utf-8")
    first = _importer(backend).transactions(path)
    again = _importer(backend).transactions(path)
    assert (first.interactions, first.skipped) == (2, 1)  # a duplicated line is skipped
    assert (again.customers_new, again.interactions, again.skipped) == (0, 0, 3)
    assert _count(backend, Interaction) == 2


@pytest.mark.parametrize(
    ("content", "where", "words"),
    [
        ("customer_id,amount\n1,2\n", ", line 1", "no “date” column"),
        ("customer_id,date\n1,2026-01-01\n2,yesterday\n", ", line 3", "not a date"),
        ("customer_id,date,amount\n1,2026-01-01,ten\n", ", line 2", "not an amount"),
        ("customer_id,date,amount\n1,2026-01-01,-4\n", ", line 2", "zero or more"),
        ("customer_id,date\n,2026-01-01\n", ", line 2", "customer id is empty"),
        (
            "customer_id,date,amount\n1,2026-01-01,1\n2,2026-01-01,NaN\n",
            ", line 3",
            "not an amount",
        ),
        ("customer_id,date,amount\n1,2026-01-01,nan\n", ", line 2", "not an amount"),
        ("customer_id,date,amount\n1,2026-01-01,Infinity\n", ", line 2", "not an amount"),
        ("customer_id,date,amount\n1,2026-01-01,1e30\n", ", line 2", "not an amount"),
        ("customer_id,date,amount\n1,2026-01-01,1e9\n", ", line 2", "not an amount"),
        ("customer_id,date,amount\n1,2026-01-01,1000000000\n", ", line 2", "largest amount"),
        ("customer_id,date,amount\n1,2026-01-01,12.345\n", ", line 2", "unclear"),
        ("customer_id,date,amount\n1,2026-01-01,12.3456\n", ", line 2", "two decimals"),
        ("customer_id;date;amount\n1;2026-01-01;1,234\n", ", line 2", "unclear"),
        ("customer_id,date,amount\n1,2026-01-01,12,50\n", ", line 2", "expected 3 cells"),
        ("customer_id,date\n1,2026-01-01\n2,2026-01-01,extra\n", ", line 3", "expected 2 cells"),
        ("", ", line 1", "empty"),
    ],
)
def test_bad_file_names_the_line_and_writes_nothing(
    backend: Backend, tmp_path: Path, content: str, where: str, words: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    refusal = _refusal(backend, path)
    assert refusal.startswith(f"{path}{where}")
    assert words in refusal
    assert _count(backend, Customer) == 0
    assert _count(backend, Interaction) == 0
    assert _count(backend, Outbox) == 0


def test_a_missing_file_is_clear(backend: Backend, tmp_path: Path) -> None:
    """(Binary and mis-encoded files: the reader's own tests.)"""
    with pytest.raises(InvalidInputError, match="no such file"):
        _importer(backend).transactions(tmp_path / "nope.csv")


def test_cdnow_through_import_and_store_matches_published_fit(
    backend: Backend, tmp_path: Path
) -> None:
    """Fader, Hardie & Lee (2005) table 1, via the app's own import and visit-day code."""
    path = tmp_path / "cdnow.csv"
    shutil.copy(DATA / "cdnow_sample_transactions.csv", path)
    result = _importer(backend).transactions(path)
    assert result.customers_new == 2357
    fit = backend.standing.refit(date(1997, 9, 30))
    p = fit.params
    assert p is not None
    assert p.converged
    assert p.n_customers == 2357
    assert f"{p.r:.3g}" == "0.243"
    assert f"{p.alpha:.4g}" == "4.414"
    assert f"{p.a:.3g}" == "0.793"
    assert f"{p.b:.4g}" == "2.426"
    assert p.log_likelihood == pytest.approx(-9582.4, abs=0.05)
    assert fit.method == "model"


def _days(backend: Backend) -> list[date]:
    with backend.db.read() as s:
        return sorted(s.scalars(select(Interaction.local_day)))


def _amounts(backend: Backend) -> list[int | None]:
    with backend.db.read() as s:
        return sorted(s.scalars(select(Interaction.basket_minor)), key=lambda m: m or 0)


def test_decimal_comma_in_a_semicolon_file(backend: Backend, tmp_path: Path) -> None:
    path = tmp_path / "kasse.csv"
    path.write_text(
        "customer_id;date;amount\n"
        "1;05.01.2026;12,50\n"
        "2;06.01.2026;1.234,56\n"
        "3;07.01.2026;3,00 €\n"
        "4;28.01.2026;1 234,5\n"
        "5;09.01.2026;7\n"
        "6;10.01.2026;\n",
        encoding="utf-8",
    )
    result = _importer(backend).transactions(path)
    assert result.interactions == 6
    assert _amounts(backend) == [None, 300, 700, 1250, 123450, 123456]


def test_quoted_decimal_comma_in_a_comma_file(backend: Backend, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('customer_id,date,amount\n1,2026-01-05,"12,50"\n', encoding="utf-8")
    _importer(backend).transactions(path)
    assert _amounts(backend) == [1250]


def test_one_date_format_per_file(backend: Backend, tmp_path: Path) -> None:
    """03/04 reads as 4 March here because 04/26 further down shows month-first dates."""
    path = tmp_path / "us.csv"
    path.write_text("id,date\n1,03/04/2024\n1,04/26/2024\n", encoding="utf-8")
    _importer(backend).transactions(path)
    assert _days(backend) == [date(2024, 3, 4), date(2024, 4, 26)]


def test_consistent_day_first_file(backend: Backend, tmp_path: Path) -> None:
    path = tmp_path / "eu.csv"
    path.write_text(
        "id;date\n1;03/04/2024\n2;01/02/2024\n3;26.04.2024\n4;05-06-2024 10:15\n5;12/12/2024\n",
        encoding="utf-8",
    )
    result = _importer(backend).transactions(path)
    assert result.interactions == 5
    assert _days(backend) == [
        date(2024, 2, 1),
        date(2024, 4, 3),
        date(2024, 4, 26),
        date(2024, 6, 5),
        date(2024, 12, 12),
    ]


def test_iso_forms_mix_freely(backend: Backend, tmp_path: Path) -> None:
    path = tmp_path / "iso.csv"
    path.write_text(
        "id,timestamp\n1,2024-04-03\n1,2024-04-04T10:15:00\n1,20240405\n", encoding="utf-8"
    )
    _importer(backend).transactions(path)
    assert _days(backend) == [date(2024, 4, 3), date(2024, 4, 4), date(2024, 4, 5)]


def test_dates_equal_both_ways_are_not_ambiguous(backend: Backend, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id,date\n1,01/01/2024\n1,02/02/2024\n", encoding="utf-8")
    _importer(backend).transactions(path)
    assert _days(backend) == [date(2024, 1, 1), date(2024, 2, 2)]


@pytest.mark.parametrize(
    ("rows", "where", "words"),
    [
        (
            ["01/01/2024", "03/04/2024", "05/06/2024"],
            ", line 3, column “date”: ",
            "dates like “03/04/2024” could be 3 April or 4 March, and no date in the file "
            "settles which; write them as YYYY-MM-DD",
        ),
        (
            ["03/04/2024", "26/04/2024", "04/26/2024"],
            ", line 4, column “date”: ",
            "“04/26/2024” is not written like the dates above it (DD/MM/YYYY, "
            "as “26/04/2024” on line 3)",
        ),
        (
            ["2024-01-01", "2024-01-02", "26/04/2024"],
            ", line 4, column “date”: ",
            "“26/04/2024” is not written like the dates above it (YYYY-MM-DD",
        ),
        (
            ["2026-11-21", "2026-11-22"],
            ", line 3, column “date”: ",
            "“2026-11-22” is in the future",
        ),
        (
            ["21/11/2026", "22/11/2026"],
            ", line 3, column “date”: ",
            "the store's date is 2026-11-20",
        ),
        (["2024-01-01", "32/01/2024"], ", line 3, column “date”: ", "not a date"),
        (["2024-01-01", "03/04/24"], ", line 3, column “date”: ", "not a date"),
    ],
)
def test_bad_dates_name_the_line_and_write_nothing(
    backend: Backend, tmp_path: Path, rows: list[str], where: str, words: str
) -> None:
    path = tmp_path / "dates.csv"
    path.write_text(
        "id,date\n" + "".join(f"{i},{d}\n" for i, d in enumerate(rows)), encoding="utf-8"
    )
    refusal = _refusal(backend, path)
    assert refusal.startswith(f"{path}{where}")
    assert words in refusal
    assert _count(backend, Customer) == 0
    assert _count(backend, Interaction) == 0
    assert _count(backend, Outbox) == 0


def test_tomorrow_is_accepted(backend: Backend, tmp_path: Path) -> None:
    """The store's date is 2026-11-20 (tests/conftest.py); a till a few hours ahead is fine."""
    path = tmp_path / "t.csv"
    path.write_text("id,date\n1,2026-11-21\n", encoding="utf-8")
    assert _importer(backend).transactions(path).interactions == 1
