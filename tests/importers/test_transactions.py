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
    assert (result.rows, result.customers_new, result.interactions_new) == (3, 2, 3)
    hits = backend.customers.search("customer 42")
    card = backend.customers.card(hits[0].id)
    assert card.visits.visit_days_total == 1  # two purchases on one day: one visit
    assert sorted(e.basket_minor or 0 for e in card.timeline) == [300, 1250]
    assert _count(backend, Outbox) == 5  # 2 customers + 3 purchases, ready to sync


def test_reimport_adds_nothing(backend: Backend, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id;date\n1;2026-01-01\n1;2026-01-01\n2;2026-01-02\n", encoding="utf-8")
    first = _importer(backend).transactions(path)
    again = _importer(backend).transactions(path)
    assert first.interactions_new == 3
    assert (again.customers_new, again.interactions_new, again.duplicates_skipped) == (0, 0, 3)
    assert _count(backend, Interaction) == 3


@pytest.mark.parametrize(
    ("content", "where", "words"),
    [
        ("customer_id,amount\n1,2\n", ":1", "date column"),
        ("customer_id,date\n1,2026-01-01\n2,yesterday\n", ":3", "not a date"),
        ("customer_id,date,amount\n1,2026-01-01,ten\n", ":2", "not an amount"),
        ("customer_id,date,amount\n1,2026-01-01,-4\n", ":2", "zero or more"),
        ("customer_id,date\n,2026-01-01\n", ":2", "customer id is empty"),
        ("", ":1", "empty"),
    ],
)
def test_bad_file_names_the_line_and_writes_nothing(
    backend: Backend, tmp_path: Path, content: str, where: str, words: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInputError) as err:
        _importer(backend).transactions(path)
    assert f"{path}{where}" in str(err.value)
    assert words in str(err.value)
    assert _count(backend, Customer) == 0
    assert _count(backend, Interaction) == 0
    assert _count(backend, Outbox) == 0


def test_missing_and_binary_files_are_clear(backend: Backend, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="Cannot open"):
        _importer(backend).transactions(tmp_path / "nope.csv")
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage\x81")
    with pytest.raises(InvalidInputError, match="not UTF-8"):
        _importer(backend).transactions(binary)


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
