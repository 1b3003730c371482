"""The CLI is authorised by the OS account, not a PIN: it acts as manager "command line".

Run on a store whose only staff account is a cashier's: without the CLI's own sign-in
the store's first account (a cashier) would be the one acting, and a manager's command
would be refused.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from sqlalchemy import select, update

from posassist.cli import main
from posassist.cli.common import COMMAND_LINE, opened_backend
from posassist.services.access import CASHIER, MANAGER
from posassist.storage.orm import Staff, Vendor
from tests.conftest import NOW, MovableClock, make_backend
from tests.small_store import fill


@pytest.fixture
def data_dir(tmp_path: Path, clock: MovableClock) -> Path:
    folder = tmp_path / "store"
    backend = make_backend(folder, clock)
    try:
        fill(backend)
        with backend.db.write() as s:
            s.execute(update(Staff).values(role=CASHIER))  # no manager account at all
    finally:
        backend.close()
    return folder


def test_the_cli_acts_as_a_manager_with_no_staff_id(data_dir: Path) -> None:
    args = argparse.Namespace(data_dir=data_dir, config=None)
    with opened_backend(args) as backend:
        ctx = backend.ctx
        assert (ctx.staff_id, ctx.staff_name, ctx.staff_role) == (None, COMMAND_LINE, MANAGER)


def test_a_managers_commands_run_on_a_store_with_no_manager_account(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "vendors.csv"
    csv.write_text("name,hours\nTea Corner,Mo-Fr 08:00-17:00\n", encoding="utf-8")
    assert main(["vendors", "import", str(csv), "--data-dir", str(data_dir)]) == 0
    out = tmp_path / "picks.csv"
    assert main(["picks", "export", str(out), "--data-dir", str(data_dir)]) == 0, (
        capsys.readouterr().err
    )
    assert out.read_text(encoding="utf-8-sig").startswith("category,rank,sku")
    backend = make_backend(data_dir, MovableClock(NOW))
    try:
        assert backend.ctx.staff_role == CASHIER  # what the CLI would be without its sign-in
        with backend.db.read() as s:
            assert s.scalar(select(Vendor.id).where(Vendor.name == "Tea Corner")) is not None
    finally:
        backend.close()
