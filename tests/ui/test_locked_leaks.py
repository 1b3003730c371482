"""Nothing shows or writes after the register locked: a reveal answering late, a native
file dialog answered on a locked register, the refit behind the manager's gate."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from posassist.app import Backend
from posassist.errors import PermissionDeniedError
from posassist.services.customers import NewCustomer
from posassist.services.staff import StaffView
from posassist.ui.main_window import MainWindow
from posassist.ui.views.approval import HINT
from posassist.ui.views.regulars import RegularsDialog
from tests.ui.test_approval import approval_dialog
from tests.ui.test_sign_in import lock_of, sign_in, staff, staffed_window

__all__ = ["staff"]
PHONE = "+12125550142"


@pytest.fixture
def window(qtbot: QtBot, backend: Backend, staff: dict[str, StaffView]) -> Iterator[MainWindow]:
    w = staffed_window(qtbot, backend, privacy=True)
    yield w
    w.worker.wait_idle()


def vesna(backend: Backend) -> object:
    return backend.customers.create(
        NewCustomer("Vesna Okonkwo", phone="(212) 555-0142", consent_contact=True)
    )


def modal_dialogs_seen(window: MainWindow) -> list[str]:
    """Every modal dialog that opens in the next half second (closed at once, so a
    failing test does not hang in its exec()).

    The poll is a timer of the test's window, so it ends with the test: a chain of
    free single-shot timers outlived a test that ended sooner and rejected the next
    test's sign-in dialog (that test then waited for a sign-in that never came)."""
    seen: list[str] = []
    timer = QTimer(window, interval=20)
    ticks = [25]

    def poll() -> None:
        if not window.isVisible():  # the test is over (its window closed)
            timer.stop()
            return
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QDialog) and dialog.isVisible():
            seen.append(type(dialog).__name__)
            dialog.reject()
        ticks[0] -= 1
        if not ticks[0]:
            timer.stop()

    timer.timeout.connect(poll)
    poll()
    timer.start()
    return seen


def settle(qtbot: QtBot, window: MainWindow) -> None:
    window.worker.wait_idle()
    qtbot.wait(100)  # the queued answers are delivered


def test_the_edit_dialog_never_opens_on_a_register_that_locked_meanwhile(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    sign_in(qtbot, window, "morgan", "1111")
    window.open_customer(vesna(backend))
    seen = modal_dialogs_seen(window)
    window.corrections.edit_customer()  # the reveal runs on the worker…
    lock_of(window).lock()  # …and the register locks before it answers
    settle(qtbot, window)
    qtbot.wait(400)
    assert "EditCustomerDialog" not in seen, seen  # (an unrelated message box may show)
    assert lock_of(window).locked


def test_the_edit_dialog_never_opens_for_another_card(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    sign_in(qtbot, window, "morgan", "1111")
    window.open_customer(vesna(backend))
    other = backend.customers.create(NewCustomer("Other Person"))
    seen = modal_dialogs_seen(window)
    window.corrections.edit_customer()
    window.open_customer(other)  # the next customer, before the reveal answered
    settle(qtbot, window)
    qtbot.wait(400)
    assert "EditCustomerDialog" not in seen, seen  # (an unrelated message box may show)


def test_ctrl_i_answering_after_a_lock_and_a_new_sign_in_shows_nothing(
    qtbot: QtBot, window: MainWindow, backend: Backend, staff: dict[str, StaffView]
) -> None:
    sign_in(qtbot, window, "morgan", "1111")
    cid = vesna(backend)
    window.open_customer(cid)
    window.reveal_contact()
    lock = lock_of(window)
    lock.lock()  # all in one turn of the event loop: the reveal has not answered yet
    lock.unlock(staff["cashier"])  # someone else signs in and opens her again
    window.open_customer(cid)
    settle(qtbot, window)
    assert PHONE not in window.card.contact.text()
    assert window.card.revealed is None


def test_a_file_name_answered_after_a_lock_writes_nothing(
    qtbot: QtBot, window: MainWindow, backend: Backend, tmp_path: Path
) -> None:
    sign_in(qtbot, window, "morgan", "1111")
    window.open_customer(vesna(backend))
    out = tmp_path / "out" / "vesna.json"
    out.parent.mkdir()
    lock = lock_of(window)

    def answered_while_locked(*_a: object) -> Path:
        lock.lock()  # the idle lock fired while the native file dialog was open
        return out

    window.manager.choose_save_path = answered_while_locked
    window.manager.export_customer()
    settle(qtbot, window)
    assert list(out.parent.iterdir()) == []
    assert lock.locked


def test_a_regulars_export_answered_after_the_lock_closed_it_writes_nothing(
    qtbot: QtBot, window: MainWindow, backend: Backend, tmp_path: Path
) -> None:
    sign_in(qtbot, window, "morgan", "1111")
    dialog = RegularsDialog(backend.standing.export_regulars, window.worker, window)
    qtbot.addWidget(dialog)
    dialog.show()
    out = tmp_path / "regulars.csv"

    def answered_while_locked(*_a: object) -> Path:
        lock_of(window).lock()  # rejects the regulars dialog, not a native file dialog
        return out

    dialog.choose_save_path = answered_while_locked
    dialog._on_export_clicked()
    settle(qtbot, window)
    assert not dialog.isVisible()
    assert not out.exists()


def test_refitting_is_behind_the_managers_gate(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    sign_in(qtbot, window, "casey", "2222")
    refit = next(a for a in window.manager.menu.actions() if a.text().startswith("Re&fit"))
    assert refit.text().endswith(HINT)
    refit.trigger()
    dialog = approval_dialog(qtbot, window)
    assert dialog.windowTitle() == "Manager PIN to open the reports"
    dialog.reject()
    with pytest.raises(PermissionDeniedError):
        backend.standing.refit_now()  # the service refuses a cashier too
    assert backend.standing.refit_if_stale() is not None  # the register's own refit runs
