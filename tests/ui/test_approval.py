"""A manager's PIN at a cashier's register: asked, refused when wrong, run once when right."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from posassist.app import Backend
from posassist.errors import PermissionDeniedError
from posassist.services.staff import StaffView
from posassist.storage.orm import AuditLog
from posassist.ui.main_window import MainWindow
from posassist.ui.views.approval import HINT, run_gated
from posassist.ui.views.regulars import RegularsDialog
from posassist.ui.views.sign_in import PinDialog
from tests.ui.test_sign_in import sign_in, staff, staffed_window, type_pin

__all__ = ["staff"]  # the fixture, shared with the sign-in tests


@pytest.fixture
def cashier_window(
    qtbot: QtBot, backend: Backend, staff: dict[str, StaffView]
) -> Iterator[MainWindow]:
    w = staffed_window(qtbot, backend, privacy=True)
    sign_in(qtbot, w, "casey", "2222")
    yield w
    w.worker.wait_idle()


def approval_dialog(qtbot: QtBot, window: MainWindow) -> PinDialog:
    qtbot.waitUntil(lambda: window.gate.dialog is not None, timeout=2000)
    assert window.gate.dialog is not None
    return window.gate.dialog


def test_a_refused_service_call_asks_a_manager_and_runs_once_as_them(
    qtbot: QtBot, cashier_window: MainWindow, backend: Backend
) -> None:
    w, added, failed = cashier_window, [], []
    w.gate.run_op(
        lambda: backend.staff.add("Dana New", "cashier", "3333"),  # refused to a cashier
        added.append,
        failed.append,
    )
    dialog = approval_dialog(qtbot, w)
    assert dialog.windowTitle() == "Manager PIN to manage staff accounts"
    assert [dialog.people.item(r).text() for r in range(dialog.people.count())] == [
        "Morgan Lee · manager"  # managers only
    ]
    type_pin(qtbot, dialog, "", "1234")
    qtbot.waitUntil(lambda: "Wrong PIN" in dialog.message.text(), timeout=5000)
    assert added == []
    type_pin(qtbot, dialog, "", "1111")
    qtbot.waitUntil(lambda: bool(added), timeout=5000)
    w.worker.wait_idle()
    assert [v.name for v in added] == ["Dana New"]
    assert failed == []
    assert [v.name for v in backend.staff.accounts()].count("Dana New") == 1
    assert backend.ctx.staff_name == "Casey Park"  # the cashier is back
    assert backend.ctx.staff_role == "cashier"
    with backend.db.read() as s:
        rows = s.execute(
            select(AuditLog.action, AuditLog.staff_id, AuditLog.entity_id, AuditLog.detail)
        ).all()
    manager, cashier = backend.staff.find("Morgan Lee").id, backend.staff.find("Casey Park").id
    # Recorded at the cashier's session: the manager approved adding staff, then added.
    assert ("approve", cashier, str(manager), "staff") in rows
    assert [r for r in rows if r[0] == "staff_add"][-1][1::2] == (manager, "cashier")


def test_a_cashiers_manager_menu_item_asks_for_a_pin_first(
    qtbot: QtBot, cashier_window: MainWindow, backend: Backend
) -> None:
    w = cashier_window
    regulars = next(a for a in w.manager.menu.actions() if a.text().startswith("&Regulars"))
    assert regulars.text().endswith(HINT)
    assert w.manager.erase_action.text() == "&Erase this customer's personal data…" + HINT
    seen: list[str] = []

    def close_regulars() -> None:  # its exec() would block the test
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, RegularsDialog):
            seen.append(backend.ctx.staff_name)
            dialog.reject()
        else:
            QTimer.singleShot(20, close_regulars)

    regulars.trigger()  # Ctrl+R
    dialog = approval_dialog(qtbot, w)
    assert dialog.windowTitle() == "Manager PIN to open the regulars list"
    QTimer.singleShot(0, close_regulars)
    type_pin(qtbot, dialog, "", "1111")
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen == ["Morgan Lee"]  # opened once, as the manager
    qtbot.waitUntil(lambda: backend.ctx.staff_name == "Casey Park", timeout=2000)
    assert backend.ctx.staff_role == "cashier"


def test_a_cancelled_approval_runs_nothing_and_a_manager_is_not_asked(
    qtbot: QtBot, cashier_window: MainWindow, backend: Backend, staff: dict[str, StaffView]
) -> None:
    w, ran = cashier_window, []
    run_gated(w, "erase", lambda: ran.append(backend.ctx.staff_role))
    approval_dialog(qtbot, w).reject()
    assert ran == []
    m = staff["manager"]
    backend.ctx.sign_in(m.id, m.name, m.effective_role)
    w.gate.refresh_hints()
    assert not w.manager.erase_action.text().endswith(HINT)
    run_gated(w, "erase", lambda: ran.append(backend.ctx.staff_role))
    assert ran == ["manager"]  # straight through
    assert w.gate.dialog is None
    backend.ctx.sign_in(None, "", "cashier")
    with pytest.raises(PermissionDeniedError):
        backend.staff.add("Not Allowed", "cashier", "4444")
