"""A PIN's answer that arrives after the dialog closed (Esc, Cancel, a lock) does nothing."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from posassist.app import Backend
from posassist.services.staff import StaffView
from posassist.ui.main_window import MainWindow
from posassist.ui.views.approval import run_gated
from posassist.ui.views.sign_in import PinDialog
from tests.ui.test_approval import approval_dialog
from tests.ui.test_sign_in import lock_of, open_dialog, sign_in, staff, staffed_window, type_pin

__all__ = ["staff"]


@pytest.fixture
def window(qtbot: QtBot, backend: Backend, staff: dict[str, StaffView]) -> Iterator[MainWindow]:
    w = staffed_window(qtbot, backend)
    yield w
    w.worker.wait_idle()


def held(dialog: PinDialog, gate: threading.Event) -> list[bool]:
    """The dialog's real check, held until ``gate`` opens; ``answered`` says it ran."""
    check, answered = dialog._check, []

    def slow(staff_id: uuid.UUID, pin: str) -> StaffView:
        gate.wait(10)
        try:
            return check(staff_id, pin)
        finally:
            answered.append(True)

    dialog._check = slow
    return answered


def settle(qtbot: QtBot, window: MainWindow, answered: list[bool]) -> None:
    qtbot.waitUntil(lambda: bool(answered), timeout=5000)
    window.worker.wait_idle()
    qtbot.wait(50)  # the queued answer is delivered


def test_esc_during_the_check_then_a_right_pin_signs_nobody_in(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    lock = lock_of(window)
    lock.ask_sign_in()
    dialog = open_dialog(qtbot, window)
    gate = threading.Event()
    answered = held(dialog, gate)
    type_pin(qtbot, dialog, "casey", "2222")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Esc still works while checking
    assert not dialog.isVisible()
    gate.set()
    settle(qtbot, window, answered)
    assert lock.locked
    assert dialog.signed is None
    assert backend.ctx.staff_id is None  # nobody was signed in on the worker either


def cashier_asks_erase(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> tuple[list[str], PinDialog]:
    """Casey signed in asks to erase: what ran (as whom), and the manager's PIN dialog."""
    sign_in(qtbot, window, "casey", "2222")
    ran: list[str] = []
    run_gated(window, "erase", lambda: ran.append(backend.ctx.staff_role))
    return ran, approval_dialog(qtbot, window)


def test_a_lock_during_an_approval_check_runs_nothing(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    ran, dialog = cashier_asks_erase(qtbot, window, backend)
    gate = threading.Event()
    answered = held(dialog, gate)
    type_pin(qtbot, dialog, "", "1111")
    lock_of(window).lock()  # Ctrl+L or the idle lock while the PIN is being checked
    assert not dialog.isVisible()
    gate.set()
    settle(qtbot, window, answered)
    assert ran == []
    assert lock_of(window).locked
    assert backend.ctx.staff_id is None


def test_an_approval_accepted_as_the_register_locks_runs_nothing(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    """The answer and the lock in one turn of the event loop: ``then`` sees the lock."""
    ran, dialog = cashier_asks_erase(qtbot, window, backend)
    lock_of(window)._hide_everything()  # locked, the dialog not yet closed by it
    dialog._on_signed(backend.staff.find("Morgan Lee"))
    assert ran == []


def test_the_window_signs_in_on_the_gui_thread_once_accepted(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    seen: list[object] = []
    lock = lock_of(window)
    lock.ask_sign_in()
    dialog = open_dialog(qtbot, window)
    check: Callable[[uuid.UUID, str], StaffView] = dialog._check

    def watching(staff_id: uuid.UUID, pin: str) -> StaffView:
        view = check(staff_id, pin)
        seen.append(backend.ctx.staff_id)  # still nobody, on the worker
        return view

    dialog._check = watching
    type_pin(qtbot, dialog, "morgan", "1111")
    qtbot.waitUntil(lambda: not lock.locked, timeout=5000)
    assert seen == [None]
    assert backend.ctx.staff_name == "Morgan Lee"
