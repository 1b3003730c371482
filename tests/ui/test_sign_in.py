"""Signing in, Ctrl+L, the idle lock and a lock after a disabling, in the real window."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from posassist.app import Backend
from posassist.services import access
from posassist.services.customers import NewCustomer
from posassist.services.staff import StaffView
from posassist.storage.orm import AuditLog
from posassist.ui.main_window import MainWindow
from posassist.ui.views.lock import LOCKED_PLACEHOLDER, RegisterLock
from posassist.ui.views.sign_in import CHECKING, PinDialog, StaffDesk
from tests.ui.windows import register_window

CARD = "PA00000042"


@pytest.fixture
def staff(backend: Backend) -> dict[str, StaffView]:
    """A manager and a cashier with PINs (set up as the store's first manager would)."""
    add = backend.staff.add
    backend.customers.create(NewCustomer("Maria Garcia", card_code=CARD))
    backend.customers.create(NewCustomer("Mario Gardner"))
    return {
        "manager": add("Morgan Lee", "manager", "1111"),
        "cashier": add("Casey Park", "cashier", "2222"),
    }


def staffed_window(
    qtbot: QtBot, backend: Backend, idle_ms: int = 0, *, privacy: bool = False
) -> MainWindow:
    desk = StaffDesk(backend.staff, backend.ctx, idle_ms)
    return register_window(qtbot, backend, staff_desk=desk, privacy=privacy)


@pytest.fixture
def window(qtbot: QtBot, backend: Backend, staff: dict[str, StaffView]) -> Iterator[MainWindow]:
    w = staffed_window(qtbot, backend)
    yield w
    w.worker.wait_idle()


def lock_of(window: MainWindow) -> RegisterLock:
    assert window.register_lock is not None
    return window.register_lock


def open_dialog(qtbot: QtBot, window: MainWindow) -> PinDialog:
    lock = lock_of(window)
    qtbot.waitUntil(lambda: lock.dialog is not None and lock.dialog.isVisible(), timeout=2000)
    assert lock.dialog is not None
    return lock.dialog


def type_pin(qtbot: QtBot, dialog: PinDialog, who: str, pin: str) -> None:
    """Keyboard only: part of the name, Enter, the PIN, Enter."""
    if who:
        dialog.who.clear()
        qtbot.keyClicks(dialog.who, who)
        qtbot.keyClick(dialog.who, Qt.Key.Key_Return)
        assert dialog.pin.hasFocus() or dialog.focusWidget() is dialog.pin
    qtbot.keyClicks(dialog.pin, pin)
    qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)


def sign_in(qtbot: QtBot, window: MainWindow, who: str, pin: str) -> None:
    lock = lock_of(window)
    lock.ask_sign_in()
    type_pin(qtbot, open_dialog(qtbot, window), who, pin)
    qtbot.waitUntil(lambda: not lock.locked, timeout=5000)


def customer_widgets(window: MainWindow) -> list[QWidget]:
    s = window.search
    return [window.card, s.results, s.hint, s.new_button, s.find_button, window.menuBar()]


def test_the_window_starts_locked_with_only_the_search_box(
    window: MainWindow, backend: Backend
) -> None:
    assert lock_of(window).locked
    assert window.search.box.isVisible()
    assert window.search.box.placeholderText() == LOCKED_PLACEHOLDER
    assert [w for w in customer_widgets(window) if w.isVisible()] == []
    assert window.store_label.text().endswith("Locked")
    assert backend.ctx.staff_id is None
    assert backend.ctx.staff_role == access.CASHIER
    # Nothing that acts answers: every menu item is off, and a search finds nobody.
    assert all(not a.isEnabled() for m in window.menuBar().actions() for a in m.menu().actions())
    window.search.search_requested.emit("Maria", False)
    assert window.search.model.rowCount() == 0


def test_typing_opens_sign_in_a_wrong_pin_is_refused_the_right_one_searches(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    qtbot.keyClicks(window.search.box, "Maria")
    dialog = open_dialog(qtbot, window)
    assert window.search.box.text() == "Maria"  # kept for after the sign-in
    names = [dialog.people.item(r).text() for r in range(dialog.people.count())]
    assert names == ["Casey Park · cashier", "Morgan Lee · manager"]
    type_pin(qtbot, dialog, "case", "9999")
    assert dialog.message.text() == CHECKING
    assert dialog.pin.text() == ""  # cleared at once
    qtbot.waitUntil(lambda: "Wrong PIN" in dialog.message.text(), timeout=5000)
    assert "4 tries left" in dialog.message.text()
    assert lock_of(window).locked
    assert dialog.isVisible()
    type_pin(qtbot, dialog, "", "2222")
    qtbot.waitUntil(lambda: not lock_of(window).locked, timeout=5000)
    assert not dialog.isVisible()
    assert backend.ctx.staff_name == "Casey Park"
    assert "Casey Park · cashier" in window.store_label.text()
    assert window.search.box.text() == "Maria"
    assert window.search.model.rowCount() >= 1
    assert window.search.model.hit(0).display_name == "Maria Garcia"
    assert window.card.isVisible()
    assert window.search.results.isVisible()
    assert window.menuBar().isVisible()


def test_a_card_scanned_while_locked_opens_after_the_sign_in(
    qtbot: QtBot, window: MainWindow
) -> None:
    qtbot.keyClicks(window.search.box, CARD, delay=5)  # scanner speed, then Enter
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    dialog = open_dialog(qtbot, window)
    assert window.card.card is None
    type_pin(qtbot, dialog, "morgan", "1111")
    qtbot.waitUntil(lambda: window.card.card is not None, timeout=5000)
    assert window.card.card is not None
    assert window.card.card.display_name == "Maria Garcia"


def test_enter_opens_the_sign_in_and_esc_leaves_it_locked(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    dialog = open_dialog(qtbot, window)
    qtbot.keyClicks(dialog.who, "mor")
    assert [dialog.people.item(r).isHidden() for r in range(2)] == [True, False]
    assert dialog.chosen() is not None
    assert dialog.chosen().name == "Morgan Lee"
    dialog.reject()
    assert lock_of(window).locked
    assert window.search.box.hasFocus()
    window.search.clear()  # Esc in the box after a cancelled sign-in: still only the box
    assert [w for w in customer_widgets(window) if w.isVisible()] == []


def test_ctrl_l_locks_closes_the_card_and_signs_out(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    sign_in(qtbot, window, "casey", "2222")
    qtbot.keyClicks(window.search.box, "Mario")
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.card.card is not None, timeout=2000)
    assert window.card.isVisible()
    lock_of(window).shortcut.activated.emit()  # Ctrl+L
    assert lock_of(window).locked
    assert window.card.card is None
    assert not window.card.isVisible()
    assert window.search.box.text() == ""  # the last customer's search is gone
    window.worker.wait_idle()
    assert backend.ctx.staff_id is None
    with backend.db.read() as s:
        actions = list(s.scalars(select(AuditLog.action).order_by(AuditLog.id)))
    assert actions[-2:] == ["sign_in", "sign_out"]


def test_no_input_for_the_idle_time_locks_the_register(
    qtbot: QtBot, backend: Backend, staff: dict[str, StaffView]
) -> None:
    window = staffed_window(qtbot, backend, idle_ms=300)
    sign_in(qtbot, window, "casey", "2222")
    window.search.scan(CARD)
    assert window.card.card is not None
    qtbot.waitUntil(lambda: lock_of(window).locked, timeout=3000)
    assert window.card.card is None
    assert not window.card.isVisible()
    window.worker.wait_idle()


def test_a_register_without_pins_is_not_locked(qtbot: QtBot, backend: Backend) -> None:
    window = staffed_window(qtbot, backend, idle_ms=0)
    assert not lock_of(window).locked
    assert window.card.isVisible()


def test_a_disabled_account_locks_the_register_after_a_sync_round(
    qtbot: QtBot, window: MainWindow, backend: Backend, staff: dict[str, StaffView]
) -> None:
    sign_in(qtbot, window, "casey", "2222")
    lock_of(window).check_still_active()
    window.worker.wait_idle()
    qtbot.wait(50)
    assert not lock_of(window).locked  # still active: nothing happens
    m = staff["manager"]
    with backend.ctx.acting_as(m.id, m.name, m.effective_role):  # as a sync would bring it
        backend.staff.disable("Casey Park")
    lock_of(window).check_still_active()
    qtbot.waitUntil(lambda: lock_of(window).locked, timeout=3000)
    window.worker.wait_idle()
