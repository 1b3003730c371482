"""A scan finds its customer wherever the focus is, and never leaves text in a field.

Real key events at scanner speed (5 ms a key, then Enter), as the scanner sends them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from posassist.app import Backend
from posassist.services.customers import NewCustomer
from posassist.ui.main_window import MainWindow
from posassist.ui.views.dialogs import InteractionDialog
from tests.qt_helpers import when_dialog
from tests.ui.windows import register_window

CARD = "PA00000042"
PHONE_DIGITS = "2125550177"


@pytest.fixture
def window(qtbot: QtBot, backend: Backend) -> Iterator[MainWindow]:
    backend.customers.create(NewCustomer("Maria Garcia", card_code=CARD))
    backend.customers.create(
        NewCustomer("Pete Phone", phone="(212) 555-0177", consent_contact=True)
    )
    backend.customers.create(NewCustomer("Mario Gardner"))
    w = register_window(qtbot, backend)
    yield w
    w.worker.wait_idle()


def scan(qtbot: QtBot, widget: QWidget, code: str) -> None:
    qtbot.keyClicks(widget, code, delay=5)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def open_by_name(qtbot: QtBot, window: MainWindow, name: str) -> None:
    qtbot.keyClicks(window.search.box, name)
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    assert window.card.name.text() == name.title()


def answer_next_box(button: QMessageBox.StandardButton, asked: list[str]) -> None:
    """Press ``button`` on the next message box (its exec() would block the test)."""

    def poll() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            asked.append(box.text())
            box.button(button).click()
        else:
            QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)


def timeline_count(backend: Backend, name: str) -> int:
    cid = backend.customers.search(name)[0].id
    return len(backend.customers.card(cid).timeline)


def test_scan_in_the_search_box_opens_the_card(qtbot: QtBot, window: MainWindow) -> None:
    scan(qtbot, window.search.box, CARD)
    assert window.card.name.text() == "Maria Garcia"
    assert window.search.box.text() == CARD


def test_ten_digit_phone_at_scanner_speed_is_tried_as_a_phone(
    qtbot: QtBot, window: MainWindow
) -> None:
    scan(qtbot, window.search.box, PHONE_DIGITS)
    assert window.card.name.text() == "Pete Phone"


def test_human_speed_digits_are_typed_not_scanned(qtbot: QtBot, window: MainWindow) -> None:
    seen: list[bool] = []
    window.search.search_requested.connect(lambda _t, scanned: seen.append(scanned))
    qtbot.keyClicks(window.search.box, PHONE_DIGITS, delay=80)
    assert window.search.box.text() == PHONE_DIGITS  # every key reached the box
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    assert seen
    assert not any(seen)
    assert window.card.name.text() == "Pete Phone"  # typed digits still find the phone


def test_scan_while_f5_dialog_is_open_closes_it_unsaved(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    open_by_name(qtbot, window, "mario gardner")
    titles: list[str] = []

    def scan_in_dialog(dialog: QDialog) -> None:
        assert isinstance(dialog, InteractionDialog)
        titles.append(dialog.windowTitle())
        titles.append(dialog.heading.text())
        scan(qtbot, dialog.focusWidget() or dialog, CARD)

    when_dialog(scan_in_dialog)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.card.name.text() == "Maria Garcia")
    assert titles == ["Log a purchase — Mario Gardner"] * 2
    assert QApplication.activeModalWidget() is None
    assert timeline_count(backend, "mario gardner") == 0
    assert window.focusWidget() is window.search.box


def test_scan_after_typing_a_note_asks_and_discard_logs_nothing(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    open_by_name(qtbot, window, "mario gardner")
    asked: list[str] = []

    def type_then_scan(dialog: QDialog) -> None:
        note = dialog.findChildren(QLineEdit)[-1]
        note.setFocus()
        qtbot.keyClicks(note, "wants red", delay=80)  # a person typing
        answer_next_box(QMessageBox.StandardButton.Discard, asked)
        scan(qtbot, note, CARD)
        assert note.text() == "wants red"  # the scanned characters are gone again

    when_dialog(type_then_scan)
    qtbot.keyClick(window, Qt.Key.Key_F7)
    qtbot.waitUntil(lambda: window.card.name.text() == "Maria Garcia")
    assert asked == ["Keep what you typed for Mario Gardner?"]
    assert timeline_count(backend, "mario gardner") == 0


def test_scan_after_typing_a_note_save_keeps_it(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    open_by_name(qtbot, window, "mario gardner")

    def type_then_scan(dialog: QDialog) -> None:
        note = dialog.findChildren(QLineEdit)[-1]
        note.setFocus()
        qtbot.keyClicks(note, "wants red", delay=80)
        answer_next_box(QMessageBox.StandardButton.Save, [])
        scan(qtbot, note, CARD)

    when_dialog(type_then_scan)
    qtbot.keyClick(window, Qt.Key.Key_F7)
    qtbot.waitUntil(lambda: window.card.name.text() == "Maria Garcia")
    window.worker.wait_idle()
    cid = backend.customers.search("mario gardner")[0].id
    assert [e.note for e in backend.customers.card(cid).timeline] == ["wants red"]


def test_scan_after_a_click_in_the_timeline(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    open_by_name(qtbot, window, "mario gardner")
    cid = backend.customers.search("mario gardner")[0].id
    backend.interactions.log(cid, "question", note="hours?")
    window.reload_card()
    table = window.card.timeline
    qtbot.mouseClick(
        table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=table.visualRect(table.model().index(0, 0)).center(),
    )
    table.setFocus()
    scan(qtbot, table, CARD)
    assert window.card.name.text() == "Maria Garcia"


def test_new_search_text_closes_the_card(qtbot: QtBot, window: MainWindow) -> None:
    open_by_name(qtbot, window, "mario gardner")
    qtbot.keyClicks(window.search.box, "x")  # replaces the selected search
    assert window.card.card is None
    assert window.card.name.text() == "No customer selected"
    qtbot.keyClick(window, Qt.Key.Key_F5)  # no customer: no dialog, nothing logged
    assert "Open a customer first" in window.message_label.text()
    open_by_name(qtbot, window, "mario gardner")
    window.search.box.setText("nobody at all zzz")
    window.search.search_requested.emit("nobody at all zzz", False)
    assert window.card.card is None


def test_search_that_matches_nobody_closes_the_card(qtbot: QtBot, window: MainWindow) -> None:
    open_by_name(qtbot, window, "mario gardner")
    qtbot.keyClicks(window.search.box, "qqqqqq zzzzzz")
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    assert window.card.card is None
    assert "No customer matches" in window.search.hint.text()


def test_capped_name_search_says_so(qtbot: QtBot, window: MainWindow, backend: Backend) -> None:
    for i in range(25):
        backend.customers.create(NewCustomer(f"Kim Lee{chr(97 + i)}"))
    backend.customers.names.invalidate()
    qtbot.keyClicks(window.search.box, "kim")
    qtbot.waitUntil(lambda: window.search.model.rowCount() == 20)
    assert "20 of 25 matches shown — type more" in window.search.hint.text()
