"""The reference kinds as an ImportReport: dry runs that write nothing, bad files as problems."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from posassist.app import Backend
from posassist.errors import InvalidInputError
from posassist.services.reference_import import REFERENCE_KINDS, ImportReport, run_reference
from posassist.storage.base import Base
from tests.small_store import fill

FILES = {
    "products": "sku,name,category\nK1,Blue kettle,Kitchen\nP1,Classic notebook,Stationery\n",
    "stock": "branch_code,sku,on_hand\nMAIN,K1,4\nB02,P1,0\n",
    "vendors": "name,phone,categories\nTea Corner,+1 212 555 0199,Tea\n",
    "picks": "category,rank,sku,staff,why\nStationery,1,P1,Ana K.,Lies flat\n",
}
EXPECTED = {  # (rows, skipped, summary) of the first import of each file
    "products": (2, 1, "products.csv: 1 product added, 0 updated, 1 unchanged."),
    "stock": (2, 0, "stock.csv: 2 stock counts for MAIN, B02."),
    "vendors": (1, 0, "vendors.csv: 1 vendor added, 0 updated."),
    "picks": (1, 0, "picks.csv: 1 pick set, 0 unchanged."),
}


def _everything(backend: Backend) -> dict[str, list[str]]:
    """Every row of every table: what "nothing written" is compared on."""
    with backend.db.read() as s:
        return {
            t.name: sorted(repr(tuple(r)) for r in s.execute(select(t)))
            for t in Base.metadata.sorted_tables
        }


def _run(backend: Backend, kind: str, path: Path, *, dry_run: bool = False) -> ImportReport:
    return run_reference(
        backend.catalog, backend.picks, backend.vendors, kind, path, dry_run=dry_run
    )


def test_every_reference_kind_dry_runs_exactly_then_imports(
    backend: Backend, tmp_path: Path
) -> None:
    fill(backend)  # the branches MAIN and B02 and the product P1
    # products first: the stock and the picks name their SKUs.
    assert REFERENCE_KINDS == ("products", "stock", "vendors", "picks")
    for kind in REFERENCE_KINDS:
        path = tmp_path / f"{kind}.csv"
        path.write_text(FILES[kind], encoding="utf-8")
        before = _everything(backend)
        dry = _run(backend, kind, path, dry_run=True)
        assert _everything(backend) == before, kind  # rolled back, outbox included
        assert (dry.dry_run, dry.imported, dry.problems) == (True, False, 0)
        done = _run(backend, kind, path)
        assert _everything(backend) != before, kind
        rows, skipped, summary = EXPECTED[kind]
        for report in (dry, done):  # the dry run's counts are the import's
            assert (report.kind, report.rows, report.skipped) == (kind, rows, skipped)
            assert report.summary == summary
            assert report.customers_new == report.interactions == 0
        assert (done.dry_run, done.imported) == (False, True)


def test_a_bad_file_is_one_problem_with_its_line_and_nothing_written(
    backend: Backend, tmp_path: Path
) -> None:
    fill(backend)
    bad = tmp_path / "stock.csv"
    bad.write_text("branch_code,sku,on_hand\nMAIN,P1,4\nB02,P1,-1\n", encoding="utf-8")
    before = _everything(backend)
    for dry_run in (True, False):
        report = _run(backend, "stock", bad, dry_run=dry_run)
        assert (report.problems, report.imported, report.rows) == (1, False, 0)
        assert report.first_problems == [f"{bad}, line 3: on_hand cannot be negative (-1)."]
        assert report.as_json()["first_problems"] == report.first_problems
    assert _everything(backend) == before


def test_a_streaming_kind_is_not_a_reference_kind(backend: Backend, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="not one of products, stock, vendors, picks"):
        _run(backend, "transactions", tmp_path / "x.csv")
