"""The set-up's layout and keys: titles that stay readable, one mnemonic a key, focus
after a test print, red messages that go once the value is fixed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWizard
from pytestqt.qtbot import QtBot

from posassist.ui.theme import stylesheet
from posassist.ui.views.setup import BRANCH_PAGE, FINISH_PAGE, MANAGER_PAGE, STORE_PAGE
from tests.ui.setup_helpers import LEFT, next_page, setup_wizard, type_into


def _title_height(qtbot: QtBot, wizard: QWizard, title: str) -> int:
    qtbot.wait(20)  # the layout settles
    labels = [
        label
        for label in wizard.findChildren(QLabel)
        if label.isVisible() and label.text() == title
    ]
    assert len(labels) == 1
    return labels[0].height()


def _to_branch_page(qtbot: QtBot, wizard: QWizard) -> None:
    type_into(qtbot, wizard.store.form.inputs["store.name"], "Corner Books")  # type: ignore[attr-defined]
    next_page(qtbot, wizard)
    assert wizard.currentId() == BRANCH_PAGE


def test_the_branch_title_keeps_its_height_after_back_and_next(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path
) -> None:
    before = qapp.styleSheet()
    qapp.setStyleSheet(stylesheet())  # the register's type, as the app sets it: in pixels
    try:
        with setup_wizard(qtbot, tmp_path) as (wizard, _db, _path):
            _to_branch_page(qtbot, wizard)
            first = _title_height(qtbot, wizard, "Your branch")
            assert first >= 20
            for _ in range(2):
                wizard.back()
                assert wizard.currentId() == STORE_PAGE
                assert _title_height(qtbot, wizard, "Your store") == first
                next_page(qtbot, wizard)
                assert _title_height(qtbot, wizard, "Your branch") == first
    finally:
        qapp.setStyleSheet(before)


def test_each_mnemonic_on_the_branch_page_is_one_key(qtbot: QtBot, tmp_path: Path) -> None:
    with setup_wizard(qtbot, tmp_path) as (wizard, _db, _path):
        _to_branch_page(qtbot, wizard)
        keys = [
            QKeySequence.mnemonic(b.text()).toString()
            for b in wizard.findChildren(QAbstractButton)
            if b.isVisible() and "&" in b.text()
        ]
        assert "Alt+N" in keys  # "New store or branch"
        assert len(keys) == len(set(keys)), keys
        assert wizard.button(QWizard.WizardButton.NextButton).text() == "Ne&xt >"


def test_after_a_test_print_enter_finishes(qtbot: QtBot, tmp_path: Path) -> None:
    with setup_wizard(qtbot, tmp_path) as (wizard, _db, _path):
        _to_branch_page(qtbot, wizard)
        next_page(qtbot, wizard)
        manager = wizard.manager  # type: ignore[attr-defined]
        type_into(qtbot, manager.name, "Alice Archer")
        type_into(qtbot, manager.pin, "4321")
        type_into(qtbot, manager.confirm, "4321")
        next_page(qtbot, wizard)
        assert wizard.currentId() == FINISH_PAGE
        finish = wizard.finish  # type: ignore[attr-defined]
        type_into(qtbot, finish.form.inputs["printing.layout"], "58mm")
        qtbot.mouseClick(finish.test, LEFT)
        qtbot.waitUntil(lambda: "Test slip sent" in finish.line.text(), timeout=20_000)
        finish_button = wizard.button(QWizard.WizardButton.FinishButton)
        assert wizard.focusWidget() is finish_button
        qtbot.keyClick(finish_button, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: wizard.saved, timeout=30_000)


def test_a_red_message_goes_once_the_value_is_valid(qtbot: QtBot, tmp_path: Path) -> None:
    with setup_wizard(qtbot, tmp_path) as (wizard, _db, _path):
        form = wizard.store.form  # type: ignore[attr-defined]
        type_into(qtbot, form.inputs["store.name"], "Corner Books")
        type_into(qtbot, form.inputs["store.region"], "XX")
        next_page(qtbot, wizard)
        assert "two-letter country code" in form.message("store.region")
        type_into(qtbot, form.inputs["store.region"], "G")
        assert "two-letter country code" in form.message("store.region")  # still wrong
        qtbot.keyClicks(form.inputs["store.region"], "B")
        assert form.message("store.region") == ""  # valid now: gone, before Next
        next_page(qtbot, wizard)
        branch = wizard.branch  # type: ignore[attr-defined]
        code = branch.new_form.inputs["store.branch_code"]
        type_into(qtbot, code, "bad code!")
        next_page(qtbot, wizard)
        assert "short code" in branch.new_form.message("store.branch_code")
        type_into(qtbot, code, "B01")
        assert branch.new_form.message("store.branch_code") == ""
        next_page(qtbot, wizard)
        assert wizard.currentId() == MANAGER_PAGE
        manager = wizard.manager  # type: ignore[attr-defined]
        type_into(qtbot, manager.name, "Alice Archer")
        type_into(qtbot, manager.pin, "12")
        next_page(qtbot, wizard)
        assert "4 to 8 digits" in manager.line.text()
        qtbot.keyClicks(manager.pin, "34")
        assert manager.line.text() == ""
