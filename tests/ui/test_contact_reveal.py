"""Contact details masked on the card until Ctrl+I; a customer's data from the Manager menu;
a cashier told in plain words that erasing and exporting are a manager's."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from posassist.app import Backend
from posassist.services.customers import NewCustomer
from posassist.services.staff import StaffView
from posassist.storage.orm import AuditLog
from posassist.ui.main_window import MainWindow
from tests.qt_helpers import when_dialog
from tests.ui.test_approval import approval_dialog
from tests.ui.test_sign_in import sign_in, staff, staffed_window
from tests.ui.windows import register_window

__all__ = ["staff"]  # the fixture

FULL = ("+12125550142", "vesna@example.com", "PA00004711")


def _reveals(backend: Backend) -> int:
    with backend.db.read() as s:
        query = select(func.count()).select_from(AuditLog).where(AuditLog.action == "reveal")
        return int(s.scalar(query) or 0)


def _customers(backend: Backend) -> tuple[uuid.UUID, uuid.UUID]:
    vesna = backend.customers.create(
        NewCustomer(
            "Vesna Okonkwo",
            phone="(212) 555-0142",
            email="vesna@example.com",
            card_code="PA00004711",
            consent_contact=True,
        )
    )
    return vesna, backend.customers.create(NewCustomer("Other Person"))


def _press_ctrl_i(qtbot: QtBot, w: MainWindow) -> None:
    w.activateWindow()  # a window shortcut: the register window has the keyboard
    qtbot.waitUntil(w.isActiveWindow)
    w.search.box.setFocus()
    qtbot.keyClick(w.search.box, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)


def test_ctrl_i_shows_the_details_until_the_card_closes_and_is_audited(
    qtbot: QtBot, backend: Backend
) -> None:
    vesna, other = _customers(backend)
    w = register_window(qtbot, backend)
    qtbot.keyClicks(w.search.box, "vesna okonkwo")  # found as a cashier finds her
    qtbot.waitUntil(lambda: w.search.model.rowCount() == 1)
    hit = w.search.model.hit(0).phone_masked
    assert hit == "••• ••• 0142"  # the list shows only the last four digits too
    qtbot.keyClick(w.search.box, Qt.Key.Key_Return)
    assert w.card.card is not None
    masked = w.card.contact.text()
    assert "••• ••• 0142" in masked
    assert "v•••@example.com" in masked
    assert "•••4711" in masked
    assert not any(part in masked for part in FULL)
    assert _reveals(backend) == 0

    _press_ctrl_i(qtbot, w)
    qtbot.waitUntil(lambda: FULL[0] in w.card.contact.text())
    assert all(part in w.card.contact.text() for part in FULL)
    assert _reveals(backend) == 1
    w.reload_card()  # a visit logged: the same card, still revealed
    assert FULL[0] in w.card.contact.text()

    qtbot.keyClick(w.search.box, Qt.Key.Key_Escape)  # the card closes
    assert w.card.card is None
    w.open_customer(vesna)
    assert FULL[0] not in w.card.contact.text()  # masked again

    _press_ctrl_i(qtbot, w)
    qtbot.waitUntil(lambda: FULL[0] in w.card.contact.text())
    w.open_customer(other)  # another customer: nothing of Vesna's stays on screen
    w.open_customer(vesna)
    assert FULL[0] not in w.card.contact.text()
    assert _reveals(backend) == 2
    w.worker.wait_idle()


def test_opening_the_edit_dialog_is_an_audited_reveal(qtbot: QtBot, backend: Backend) -> None:
    vesna, _ = _customers(backend)
    w = register_window(qtbot, backend)
    w.open_customer(vesna)
    seen: list[str] = []

    def look(dialog: QDialog) -> None:
        seen.append(dialog.phone.text())  # type: ignore[attr-defined]
        dialog.reject()

    when_dialog(look)
    w.corrections.edit_customer()
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [FULL[0]]
    assert _reveals(backend) == 1
    assert FULL[0] not in w.card.contact.text()  # the card itself stays masked
    w.worker.wait_idle()


def test_a_manager_exports_the_open_customer_from_the_menu(
    qtbot: QtBot, backend: Backend, tmp_path: Path
) -> None:
    vesna, _ = _customers(backend)
    backend.interactions.log(vesna, "question", note="asked about lamps")
    w = register_window(qtbot, backend, privacy=True)
    w.open_customer(vesna)
    out = tmp_path / "vesna.json"
    w.manager.choose_save_path = lambda *_a: out
    assert w.manager.export_action.isEnabled()
    w.manager.export_customer()
    qtbot.waitUntil(lambda: "Exported" in w.message_label.text())
    assert "vesna.json and vesna.pdf" in w.message_label.text()
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["records"][0]["email"] == FULL[1]
    assert [i["note"] for i in doc["interactions"]] == ["asked about lamps"]
    assert (tmp_path / "vesna.pdf").read_bytes().startswith(b"%PDF")
    w.worker.wait_idle()


def test_a_cashier_is_asked_a_managers_pin_before_erasing_or_exporting(
    qtbot: QtBot, backend: Backend, tmp_path: Path, staff: dict[str, StaffView]
) -> None:
    vesna, _ = _customers(backend)
    w = staffed_window(qtbot, backend, privacy=True)
    sign_in(qtbot, w, "casey", "2222")
    w.open_customer(vesna)
    asked: list[object] = []
    w.manager.choose_save_path = lambda *_a: asked.append(_a) or tmp_path / "x.json"

    w.manager.erase_action.trigger()  # no "are you sure?" first: a manager's PIN
    dialog = approval_dialog(qtbot, w)
    assert dialog.windowTitle() == "Manager PIN to erase a customer"
    dialog.reject()
    qtbot.waitUntil(lambda: w.gate.dialog is None)
    w.manager.export_action.trigger()
    dialog = approval_dialog(qtbot, w)
    assert dialog.windowTitle() == "Manager PIN to export customer data"
    dialog.reject()
    assert asked == []  # no file name asked for
    assert backend.customers.card(vesna).display_name == "Vesna Okonkwo"
    assert list(tmp_path.glob("*.json")) == []
    w.worker.wait_idle()


def test_no_two_keys_of_the_window_are_the_same(qtbot: QtBot, backend: Backend) -> None:
    """An ambiguous shortcut fires neither action (Qt's rule): each key is bound once."""
    from PySide6.QtGui import QAction, QShortcut

    w = register_window(qtbot, backend, privacy=True, holds=True, desk=True)
    keys = [s.key().toString() for s in w.findChildren(QShortcut)]
    keys += [a.shortcut().toString() for a in w.findChildren(QAction) if not a.shortcut().isEmpty()]
    assert "Ctrl+I" in keys
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
