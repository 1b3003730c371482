"""Walk-ins, Ctrl+Z, void, edit and merge through the real window (offscreen)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QDialog, QLineEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from posassist.app import Backend
from posassist.services.customers import NewCustomer
from posassist.storage.orm import Interaction
from posassist.ui.main_window import MainWindow
from posassist.ui.views.corrections import EditCustomerDialog, MergeDialog, VoidDialog
from tests.conftest import NOW, MovableClock
from tests.qt_helpers import when_dialog
from tests.ui.windows import register_window


@pytest.fixture
def window(qtbot: QtBot, backend: Backend) -> Iterator[MainWindow]:
    w = register_window(qtbot, backend)
    yield w
    w.worker.wait_idle()


def _enter(qtbot: QtBot) -> None:
    def press(dialog: QDialog) -> None:
        qtbot.keyClick(dialog.findChildren(QLineEdit)[-1], Qt.Key.Key_Return)

    when_dialog(press)


def test_f6_enter_on_the_empty_card_logs_a_walk_in(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    assert window.card.card is None
    # Their buttons look usable on the empty card; the others do not.
    enabled = {k: b.isEnabled() for k, b in window.card.action_buttons.items()}
    assert enabled == {"purchase": False, "service": True, "question": True, "feedback": False}
    assert not window.card.notes_button.isEnabled()
    _enter(qtbot)
    qtbot.keyClick(window, Qt.Key.Key_F6)  # keystroke 1; Enter in the dialog is 2
    _enter(qtbot)
    window.log_interaction("question")  # F7 (offscreen, a second F-key may miss the window)
    with backend.db.read() as s:
        rows = s.execute(select(Interaction.customer_id, Interaction.kind)).all()
    assert sorted(rows, key=lambda r: r[1]) == [(None, "question"), (None, "service")]
    assert "walk-in" in window.message_label.text()
    assert window.focusWidget() is window.search.box
    # F5 (a purchase) still needs a customer.
    window.log_interaction("purchase")
    assert "Open a customer first" in window.message_label.text()


def test_ctrl_z_in_the_search_box_undoes_the_last_log_then_says_why_not(
    qtbot: QtBot, window: MainWindow, backend: Backend, clock: MovableClock
) -> None:
    cid = backend.customers.create(NewCustomer("Una Undo"))
    backend.interactions.log(cid, "service")
    window.open_customer(cid)
    assert window.card.tiles["total"].value.text() == "1"
    window.search.box.setFocus()
    qtbot.keyClick(window.search.box, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.message_label.text().startswith("Undone"))
    assert window.card.tiles["total"].value.text() == "0"
    model = window.card.timeline_model
    font = model.data(model.index(0, 1), Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont)
    assert font.strikeOut()
    assert model.data(model.index(0, 1), Qt.ItemDataRole.ToolTipRole) == (
        "Voided: undone at the register"
    )
    backend.interactions.log(cid, "question")
    clock.at = NOW + timedelta(minutes=11)
    qtbot.keyClick(window.search.box, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Too late to undo" in window.message_label.text())
    assert "manager" in window.message_label.text().lower()


def test_void_needs_a_reason_then_strikes_the_entry(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    cid = backend.customers.create(NewCustomer("Vera Void"))
    backend.interactions.log(cid, "purchase", basket_minor=700)
    window.open_customer(cid)
    window.corrections.void_selected()
    assert "select the entry" in window.message_label.text()
    window.card.timeline.selectRow(0)

    def void(dialog: QDialog) -> None:
        assert isinstance(dialog, VoidDialog)
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)  # no reason: refused, stays open
        qtbot.waitUntil(lambda: "Say why" in dialog.error.text())
        assert dialog.isVisible()
        qtbot.keyClicks(dialog.reason, "rang up twice")
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)

    when_dialog(void)
    window.corrections.void_selected()
    assert window.card.tiles["total"].value.text() == "0"
    entry = window.card.timeline_model.row_at(0)
    assert entry.void_reason == "rang up twice"


def test_edit_dialog_saves_and_refuses_next_to_the_field(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    cid = backend.customers.create(NewCustomer("Ed Itor"))
    window.open_customer(cid)

    def edit(dialog: QDialog) -> None:
        assert isinstance(dialog, EditCustomerDialog)
        assert dialog.name.text() == "Ed Itor"
        dialog.phone.setText("(212) 555-0123")  # without consent: refused at the service
        dialog.ok_button.click()
        qtbot.waitUntil(lambda: "consent" in dialog.error.text())
        dialog.consent.setChecked(True)
        dialog.name.setText("Edward Itor")
        dialog.ok_button.click()

    when_dialog(edit)
    window.corrections.edit_customer()
    qtbot.waitUntil(lambda: window.card.name.text() == "Edward Itor")
    assert backend.customers.contact_details(cid).phone == "+12125550123"


def test_merge_dialog_moves_the_duplicate_into_the_kept_record(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    keep = backend.customers.create(NewCustomer("Maria Keep"))
    dup = backend.customers.create(NewCustomer("Mary Dup"))
    backend.interactions.log(dup, "service")
    window.open_customer(dup)

    def merge(dialog: QDialog) -> None:
        assert isinstance(dialog, MergeDialog)
        dialog.ok_button.click()  # nothing picked yet
        qtbot.waitUntil(lambda: "pick" in dialog.error.text())
        qtbot.keyClicks(dialog.query, "Maria Keep", delay=5)
        qtbot.waitUntil(lambda: dialog.hits.count() == 1)
        dialog.ok_button.click()

    when_dialog(merge)
    window.corrections.merge_customer()
    qtbot.waitUntil(lambda: window.card.card is not None and window.card.card.id == keep)
    assert window.card.tiles["total"].value.text() == "1"
    assert [h.id for h in backend.customers.search("Mary Dup")] == [keep]


def test_walk_in_report_lists_help_per_day_and_branch(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    backend.interactions.log_walk_in("service")
    backend.interactions.log_walk_in("question")

    def look(dialog: QDialog) -> None:
        model = dialog.model  # type: ignore[attr-defined]
        qtbot.waitUntil(lambda: model.rowCount() == 1)
        assert model.data(model.index(0, 2)) == "1"
        assert model.data(model.index(0, 3)) == "1"
        dialog.reject()

    when_dialog(look)
    window.corrections.show_walk_ins()
