"""An upgraded store (a settings file, staff without PINs) sets its first manager's PIN
before the window opens; the window then starts locked."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from posassist.app import Backend
from posassist.app.first_start import NO_MANAGER, first_manager_start
from posassist.ui.views.setup import FirstManagerDialog
from tests.ui.setup_helpers import type_into
from tests.ui.test_sign_in import lock_of, staffed_window


def when_asked(act: Callable[[FirstManagerDialog], None]) -> None:
    def poll() -> None:
        modal = QApplication.activeModalWidget()
        if isinstance(modal, FirstManagerDialog):
            act(modal)
        else:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)


def test_an_upgraded_store_sets_its_first_manager_then_starts_locked(
    qtbot: QtBot, backend: Backend
) -> None:
    assert backend.staff.can_sign_in() == []  # the pre-PIN placeholder only
    before = len(backend.staff.accounts())
    messages: list[str] = []

    def answer(dialog: FirstManagerDialog) -> None:
        page, save = dialog.page, dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
        type_into(qtbot, page.name, "Alice Archer")
        type_into(qtbot, page.pin, "4321")
        type_into(qtbot, page.confirm, "1234")
        save.click()
        messages.append(page.line.text())  # refused here: nothing saved yet
        type_into(qtbot, page.confirm, "4321")
        save.click()

    when_asked(answer)
    assert first_manager_start(backend) is None
    assert "differ" in messages[0]
    people = backend.staff.can_sign_in()
    assert [(v.name, v.effective_role) for v in people] == [("Alice Archer", "manager")]
    assert len(backend.staff.accounts()) == before  # the placeholder was renamed, not added
    assert backend.staff.verify(people[0].id, "4321").name == "Alice Archer"
    window = staffed_window(qtbot, backend)
    assert lock_of(window).locked
    assert backend.ctx.staff_id is None


def test_cancel_exits_2_with_a_line_and_saves_nothing(
    backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    when_asked(lambda dialog: dialog.reject())
    assert first_manager_start(backend) == 2
    assert NO_MANAGER in capsys.readouterr().err
    assert backend.staff.can_sign_in() == []


def test_a_store_whose_staff_sign_in_is_not_asked(backend: Backend) -> None:
    backend.staff.first_manager("Alice Archer", "4321")
    assert first_manager_start(backend) is None  # at once: no dialog to answer
