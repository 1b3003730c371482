"""The first-run set-up, driven with real widgets on a real data folder with no settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWizard
from pytestqt.qtbot import QtBot

from posassist.app import build_backend
from posassist.app.first_start import NOT_FINISHED, first_start
from posassist.config import load_settings
from posassist.services.context import open_context
from posassist.services.first_run import store_has_managers
from posassist.ui.views.setup import BRANCH_PAGE, FINISH_PAGE, MANAGER_PAGE, STORE_PAGE
from tests.ui.setup_helpers import LEFT, next_page, pdf_text, setup_wizard, type_into


def _store_page(qtbot: QtBot, wizard: QWizard) -> None:
    """Bad values first (each gets its message and the page stays), then good ones."""
    inputs = wizard.store.form.inputs  # type: ignore[attr-defined]
    type_into(qtbot, inputs["store.name"], "Corner Books")
    type_into(qtbot, inputs["store.region"], "XX")
    type_into(qtbot, inputs["store.timezone"], "Mars/Olympus")
    next_page(qtbot, wizard)
    assert wizard.currentId() == STORE_PAGE
    form = wizard.store.form  # type: ignore[attr-defined]
    assert "two-letter country code" in form.message("store.region")
    assert "not a known time zone" in form.message("store.timezone")
    assert form.message("store.name") == ""
    type_into(qtbot, inputs["store.region"], "GB")
    type_into(qtbot, inputs["store.timezone"], "Europe/London")
    next_page(qtbot, wizard)
    assert wizard.currentId() == BRANCH_PAGE


def _manager_page(qtbot: QtBot, wizard: QWizard, pin: str) -> None:
    page = wizard.manager  # type: ignore[attr-defined]
    type_into(qtbot, page.name, "Alice Archer")
    type_into(qtbot, page.pin, "12")
    type_into(qtbot, page.confirm, "12")
    next_page(qtbot, wizard)
    assert wizard.currentId() == MANAGER_PAGE
    assert "4 to 8 digits" in page.line.text()
    type_into(qtbot, page.pin, pin)
    type_into(qtbot, page.confirm, pin[::-1])
    next_page(qtbot, wizard)
    assert wizard.currentId() == MANAGER_PAGE
    assert "differ" in page.line.text()
    type_into(qtbot, page.confirm, pin)
    next_page(qtbot, wizard)
    assert wizard.currentId() == FINISH_PAGE


def test_the_whole_setup_saves_settings_and_a_manager_who_signs_in(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with setup_wizard(qtbot, tmp_path) as (wizard, db, path):
        _store_page(qtbot, wizard)
        branch = wizard.branch
        type_into(qtbot, branch.new_form.inputs["store.branch_code"], "bad code!")
        next_page(qtbot, wizard)
        assert wizard.currentId() == BRANCH_PAGE
        assert "short code" in branch.new_form.message("store.branch_code")
        type_into(qtbot, branch.new_form.inputs["store.branch_code"], "B01")
        type_into(qtbot, branch.branch_name, "High Street")
        next_page(qtbot, wizard)
        _manager_page(qtbot, wizard, "4321")

        finish = wizard.finish
        type_into(qtbot, finish.form.inputs["printing.layout"], "napkin")
        qtbot.mouseClick(finish.test, LEFT)
        assert "not one of" in finish.form.message("printing.layout")
        type_into(qtbot, finish.form.inputs["printing.layout"], "58mm")
        qtbot.mouseClick(finish.test, LEFT)
        qtbot.waitUntil(lambda: "Test slip sent" in finish.line.text(), timeout=20_000)
        slip = pdf_text(tmp_path / "test-slip.pdf")
        for words in ("Corner Books", "Test slip", "58mm"):
            assert words in slip
        assert not path.exists()  # a test print saves nothing

        qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), LEFT)
        qtbot.waitUntil(lambda: wizard.saved, timeout=30_000)

        settings = load_settings(tmp_path / "store", path, env={})
        assert (settings.store.name, settings.store.region) == ("Corner Books", "GB")
        assert settings.store.timezone == "Europe/London"
        assert (settings.store.branch_code, settings.printing.layout) == ("B01", "58mm")
        backend = build_backend(settings, db, open_context(db, settings))
        assert backend.ctx.branch_name == "High Street"
        alice = backend.staff.find("Alice Archer")
        assert alice.is_manager
        assert backend.staff.sign_in(alice.id, "4321").name == "Alice Archer"
        assert not wizard.first_run.needed()  # a second set-up is refused


def test_cancel_exits_2_and_leaves_no_settings_file(
    qtbot: QtBot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "settings.toml"

    def cancel() -> None:
        modal = QApplication.activeModalWidget()
        if modal is None:
            QTimer.singleShot(50, cancel)
            return
        assert isinstance(modal, QWizard)
        modal.reject()

    QTimer.singleShot(50, cancel)
    assert first_start(tmp_path / "store", path) == 2
    assert NOT_FINISHED in capsys.readouterr().err
    assert not path.exists()
    from posassist.storage.database import open_database

    db = open_database(tmp_path / "store")
    try:
        assert not store_has_managers(db)
    finally:
        db.close()


def test_no_setup_when_the_settings_file_exists(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('[store]\nname = "Kept"\n', encoding="utf-8")
    assert first_start(tmp_path / "store", path) is None  # returns at once, no window
    assert path.read_text(encoding="utf-8") == '[store]\nname = "Kept"\n'


def test_keyboard_only_enter_goes_on_and_escape_cancels(qtbot: QtBot, tmp_path: Path) -> None:
    from PySide6.QtCore import Qt

    with setup_wizard(qtbot, tmp_path) as (wizard, _db, path):
        name = wizard.store.form.inputs["store.name"]
        name.setFocus()
        qtbot.keyClicks(name, "Key Shop")
        qtbot.keyClick(name, Qt.Key.Key_Return)
        assert wizard.currentId() == BRANCH_PAGE
        qtbot.keyClick(wizard.focusWidget() or wizard, Qt.Key.Key_Escape)
        assert not wizard.isVisible()
        assert not wizard.saved
        assert not path.exists()
