"""Joining a chain in the set-up (real widgets), against a real PostgreSQL the tests start.

Here, beside the sync fixtures; the window tests' own checks (no store write on the GUI
thread, QSettings in a temporary folder) are brought in from ``tests/ui``."""

from __future__ import annotations

import uuid
from pathlib import Path

from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from posassist.config import load_settings
from posassist.services.first_run import store_has_managers
from posassist.storage.orm import Branch
from posassist.ui.views.setup import CHAIN_MANAGERS, FINISH_PAGE, MANAGER_PAGE, SetupWizard
from tests.sync.helpers import Central
from tests.ui.conftest import gui_thread_writes, settings_in_tmp  # noqa: F401  (autouse)
from tests.ui.setup_helpers import LEFT, next_page, setup_wizard, type_into

NORTH = uuid.uuid4()


def _chain(central: Central, *, manager: bool) -> None:
    with central.connect() as conn:
        conn.execute(
            "INSERT INTO branch (id, code, name, timezone, address) VALUES "
            "(%s, 'NORTH', 'Northside', 'Europe/Berlin', '1 North Rd'), "
            "(%s, 'SOUTH', 'Southgate', 'Europe/Berlin', '')",
            (NORTH, uuid.uuid4()),
        )
        if manager:
            conn.execute(
                "INSERT INTO staff (id, branch_id, name, role) VALUES (%s, %s, 'Mo', 'manager')",
                (uuid.uuid4(), NORTH),
            )


def _join(qtbot: QtBot, wizard: SetupWizard, central: Central) -> None:
    inputs = wizard.store.form.inputs
    type_into(qtbot, inputs["store.name"], "Chain Books")
    next_page(qtbot, wizard)
    page = wizard.branch
    page.join.setChecked(True)
    target = central.target()
    form = page.central_form.inputs
    type_into(qtbot, form["central.host"], target.host)
    type_into(qtbot, form["central.port"], "0")
    qtbot.mouseClick(page.find_button, LEFT)
    assert "1–65535" in page.central_form.message("central.port")
    type_into(qtbot, form["central.port"], str(target.port))
    type_into(qtbot, form["central.database"], target.dbname)
    type_into(qtbot, form["central.user"], target.user)
    qtbot.mouseClick(page.find_button, LEFT)
    qtbot.waitUntil(lambda: page.branches.count() == 2, timeout=20_000)
    assert [page.branches.item(i).text() for i in range(2)] == [
        "NORTH — Northside",
        "SOUTH — Southgate",
    ]
    page.branches.setCurrentRow(0)
    next_page(qtbot, wizard)


def test_join_lists_central_branches_and_asks_for_a_manager_when_it_has_none(
    qtbot: QtBot, tmp_path: Path, central: Central
) -> None:
    _chain(central, manager=False)
    with setup_wizard(qtbot, tmp_path) as (wizard, _db, _path):
        _join(qtbot, wizard, central)
        assert wizard.currentId() == MANAGER_PAGE


def test_join_skips_the_manager_page_when_central_has_managers(
    qtbot: QtBot, tmp_path: Path, central: Central
) -> None:
    _chain(central, manager=True)
    with setup_wizard(qtbot, tmp_path) as (wizard, db, path):
        _join(qtbot, wizard, central)
        assert wizard.currentId() == FINISH_PAGE
        assert CHAIN_MANAGERS in wizard.finish.line.text()
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), LEFT)
        qtbot.waitUntil(lambda: wizard.saved, timeout=30_000)
        settings = load_settings(tmp_path / "store", path, env={})
        assert settings.central.host == central.target().host
        assert settings.central.database == central.dbname
        assert settings.store.branch_code == "NORTH"
        with db.read() as s:
            assert s.scalar(select(Branch.id).where(Branch.code == "NORTH")) == NORTH
        assert not store_has_managers(db)  # the chain's managers sign in
        assert "password" not in path.read_text(encoding="utf-8")
