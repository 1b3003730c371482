"""Manager → Staff…: add, disable, change a role, reset a PIN, in the real window."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from posassist.app import Backend
from posassist.services.staff import SignInError, StaffView
from posassist.ui.main_window import MainWindow
from posassist.ui.views.approval import HINT
from posassist.ui.views.staff import AccountForm, StaffDialog
from posassist.ui.workers import BackgroundOp
from tests.ui.test_approval import approval_dialog
from tests.ui.test_sign_in import sign_in, staff, staffed_window

__all__ = ["staff"]


@pytest.fixture
def manager_window(
    qtbot: QtBot, backend: Backend, staff: dict[str, StaffView]
) -> Iterator[MainWindow]:
    w = staffed_window(qtbot, backend)
    sign_in(qtbot, w, "morgan", "1111")
    yield w
    w.worker.wait_idle()


def open_dialog(qtbot: QtBot, window: MainWindow) -> StaffDialog:
    dialog = StaffDialog(window.services.staff_desk.staff, window.worker, window)  # type: ignore[union-attr]
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: "Casey Park" in names(dialog), timeout=3000)
    return dialog


def names(dialog: StaffDialog) -> list[str]:
    return [dialog.model.index(r, 0).data() for r in range(dialog.model.rowCount())]


def row_of(dialog: StaffDialog, name: str) -> list[str]:
    r = names(dialog).index(name)
    return [dialog.model.index(r, c).data() for c in range(dialog.model.columnCount())]


def choose(dialog: StaffDialog, name: str) -> None:
    dialog.table.selectRow(names(dialog).index(name))


def fill(qtbot: QtBot, form: AccountForm, pin: str, again: str, name: str = "") -> None:
    if name:
        form.name.clear()
        qtbot.keyClicks(form.name, name)
    form.pin.clear()
    form.confirm.clear()
    qtbot.keyClicks(form.pin, pin)
    qtbot.keyClick(form.pin, Qt.Key.Key_Return)  # on to the second PIN
    assert form.focusWidget() is form.confirm
    qtbot.keyClicks(form.confirm, again)
    qtbot.keyClick(form.confirm, Qt.Key.Key_Return)


def test_a_manager_adds_a_cashier_and_a_short_pin_is_told_under_its_field(
    qtbot: QtBot, qtmodeltester: object, manager_window: MainWindow, backend: Backend
) -> None:
    dialog = open_dialog(qtbot, manager_window)
    qtmodeltester.check(dialog.model)  # type: ignore[attr-defined]
    branch = backend.staff.branch_codes()[backend.ctx.branch_id]
    assert row_of(dialog, "Casey Park") == ["Casey Park", "cashier", "yes", branch, "set"]
    dialog.add_button.click()
    form = dialog.form
    assert form is not None
    assert form.pin.echoMode() == form.pin.EchoMode.Password
    assert form.confirm.echoMode() == form.confirm.EchoMode.Password
    fill(qtbot, form, "12", "12", name="Dana New")
    qtbot.waitUntil(lambda: bool(form.message("pin")), timeout=3000)
    assert form.message("pin") == "A PIN has 4 to 8 digits."
    assert form.isVisible()
    assert form.pin.text() == ""
    qtbot.keyClicks(form.pin, "5")
    assert form.message("pin") == ""  # typing again clears the message
    fill(qtbot, form, "5555", "5556")
    assert form.message("pin_confirm").startswith("The two PINs differ")
    fill(qtbot, form, "5555", "5555")
    qtbot.waitUntil(lambda: dialog.form is None, timeout=5000)
    qtbot.waitUntil(lambda: "Dana New" in names(dialog), timeout=3000)
    assert row_of(dialog, "Dana New")[:3] == ["Dana New", "cashier", "yes"]
    assert row_of(dialog, "Dana New")[4] == "set"
    assert dialog.message.text() == "Dana New added."
    assert backend.staff.find("Dana New").role == "cashier"
    qtmodeltester.check(dialog.model)  # type: ignore[attr-defined]


def test_disable_asks_first_and_the_role_changes_both_ways(
    qtbot: QtBot, manager_window: MainWindow, backend: Backend
) -> None:
    dialog = open_dialog(qtbot, manager_window)
    choose(dialog, "Casey Park")
    assert dialog.role_button.text() == "Make &manager"
    dialog.role_button.click()
    qtbot.waitUntil(lambda: row_of(dialog, "Casey Park")[1] == "manager", timeout=3000)
    assert backend.staff.find("Casey Park").role == "manager"
    assert dialog.role_button.text() == "Make &cashier"
    dialog.role_button.click()
    qtbot.waitUntil(lambda: row_of(dialog, "Casey Park")[1] == "cashier", timeout=3000)
    asked: list[str] = []
    dialog.confirm = lambda _p, _t, text: bool(asked.append(text))  # "No"
    dialog.disable_button.click()
    assert len(asked) == 1
    assert "Casey Park" in asked[0]
    manager_window.worker.wait_idle()
    assert backend.staff.find("Casey Park").active
    dialog.confirm = lambda *_a: True
    dialog.disable_button.click()
    qtbot.waitUntil(lambda: row_of(dialog, "Casey Park")[2] == "disabled", timeout=3000)
    assert not backend.staff.find("Casey Park").active
    assert not dialog.disable_button.isEnabled()


def test_a_reset_pin_signs_in_and_the_old_one_no_longer_does(
    qtbot: QtBot, manager_window: MainWindow, backend: Backend
) -> None:
    dialog = open_dialog(qtbot, manager_window)
    choose(dialog, "Casey Park")
    dialog.pin_button.click()
    form = dialog.form
    assert form is not None
    assert not form.name.isVisibleTo(form)  # a reset asks only the PIN
    fill(qtbot, form, "8642", "8642")
    qtbot.waitUntil(lambda: dialog.form is None, timeout=5000)
    qtbot.waitUntil(lambda: dialog.message.text() == "Casey Park has a new PIN.", timeout=3000)
    casey = backend.staff.find("Casey Park").id
    answers: list[object] = []
    for pin in ("2222", "8642"):  # the old PIN, then the new one, checked on the worker
        asked = len(answers)
        BackgroundOp(manager_window.worker, partial(backend.staff.sign_in, casey, pin)).success(
            answers.append
        ).failure(answers.append).run_in_background()
        qtbot.waitUntil(lambda asked=asked: len(answers) > asked, timeout=5000)  # type: ignore[misc]
    assert isinstance(answers[0], SignInError)
    assert isinstance(answers[1], StaffView)
    assert answers[1].name == "Casey Park"
    assert backend.ctx.staff_name == "Casey Park"


def test_a_cashier_opening_staff_is_asked_for_a_manager_pin(
    qtbot: QtBot, backend: Backend, staff: dict[str, StaffView]
) -> None:
    w = staffed_window(qtbot, backend)
    sign_in(qtbot, w, "casey", "2222")
    item = next(a for a in w.manager.menu.actions() if a.text().startswith("St&aff"))
    assert item.text() == "St&aff…" + HINT
    item.trigger()
    dialog = approval_dialog(qtbot, w)
    assert dialog.windowTitle() == "Manager PIN to manage staff accounts"
    dialog.reject()
    w.worker.wait_idle()


def test_staff_has_its_own_key_in_the_manager_menu(manager_window: MainWindow) -> None:
    from PySide6.QtGui import QKeySequence

    keys = [
        QKeySequence.mnemonic(a.text()).toString()
        for a in manager_window.manager.menu.actions()
        if "&" in a.text()
    ]
    assert keys.count("Alt+A") == 1, keys  # St&aff… (Alt+S is taken twice already)
