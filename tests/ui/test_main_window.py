"""Drive the real register window offscreen, the way a cashier would."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit
from pytestqt.qtbot import QtBot

from posassist.app import Backend
from posassist.services.customers import NewCustomer
from posassist.ui.main_window import MainWindow
from posassist.ui.models.customers import CustomerHitsModel, TimelineModel
from tests.qt_helpers import when_dialog
from tests.ui.windows import register_window


@pytest.fixture
def window(qtbot: QtBot, backend: Backend) -> Iterator[MainWindow]:
    backend.customers.create(
        NewCustomer(
            "Maria Garcia", phone="(212) 555-0199", consent_contact=True, card_code="PA00000042"
        )
    )
    backend.customers.create(NewCustomer("Mario Gardner"))
    w = register_window(qtbot, backend)
    yield w
    w.worker.wait_idle()


def test_search_open_log_help_and_timeline_updates(qtbot: QtBot, window: MainWindow) -> None:
    assert window.connection_label.text() == "Standalone"
    assert window.focusWidget() is window.search.box
    qtbot.keyClicks(window.search.box, "marai garcia")
    qtbot.waitUntil(lambda: window.search.model.rowCount() > 0)
    assert window.search.model.hit(0).display_name == "Maria Garcia"
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    assert window.card.name.text() == "Maria Garcia"
    assert window.card.tiles["total"].value.text() == "0"
    assert window.card.timeline_model.rowCount() == 0

    def log_help(dialog: QDialog) -> None:
        note = dialog.findChildren(QLineEdit)[-1]
        qtbot.keyClicks(note, "Helped find a birthday card")
        qtbot.keyClick(note, Qt.Key.Key_Return)

    when_dialog(log_help)
    qtbot.keyClick(window, Qt.Key.Key_F6)  # keystroke 1 of 2 (Enter in the dialog is 2)
    assert window.card.timeline_model.rowCount() == 1
    index = window.card.timeline_model.index(0, 1)
    assert window.card.timeline_model.data(index) == "Help, no sale"
    assert "birthday card" in window.card.timeline_model.data(
        window.card.timeline_model.index(0, 5)
    )
    assert window.card.tiles["total"].value.text() == "1"
    assert window.card.tiles["recent"].value.text() == "1"
    assert window.focusWidget() is window.search.box


def test_scanned_card_opens_customer(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClicks(window.search.box, "PA00000042", delay=5)  # a scanner's burst of keys
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    assert window.card.name.text() == "Maria Garcia"


def test_purchase_with_bad_amount_keeps_dialog_open(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClicks(window.search.box, "(212) 555-0199")
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    seen: list[str] = []

    def bad_then_good(dialog: QDialog) -> None:
        basket = dialog.findChildren(QLineEdit)[0]
        qtbot.keyClicks(basket, "twelve")
        qtbot.keyClick(basket, Qt.Key.Key_Return)
        error = dialog.findChild(object, "error")
        seen.append(error.text())  # type: ignore[union-attr]
        assert dialog.isVisible()
        basket.setText("12.50")
        qtbot.keyClick(basket, Qt.Key.Key_Return)

    when_dialog(bad_then_good)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert seen
    assert "not an amount" in seen[0]
    assert window.card.timeline_model.data(window.card.timeline_model.index(0, 4)) == "12.50"


def test_new_customer_from_search_box(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClicks(window.search.box, "Nobody Yet")
    qtbot.wait(200)

    def fill(dialog: QDialog) -> None:
        name = dialog.findChildren(QLineEdit)[0]
        assert name.text() == "Nobody Yet"
        qtbot.keyClick(name, Qt.Key.Key_Return)  # the dialog's default button: OK

    when_dialog(fill)
    qtbot.keyClick(window, Qt.Key.Key_F3)
    assert window.card.name.text() == "Nobody Yet"


def test_models_pass_qt_model_tester(qtmodeltester: object, backend: Backend) -> None:
    hits = CustomerHitsModel()
    backend.customers.create(NewCustomer("Ann Lee"))
    hits.set_hits(backend.customers.search("ann lee"))
    qtmodeltester.check(hits)  # type: ignore[attr-defined]
    timeline = TimelineModel(backend.ctx.tz)
    cid = backend.customers.search("ann lee")[0].id
    backend.interactions.log(cid, "question", note="hours?")
    timeline.set_entries(backend.customers.card(cid).timeline)
    qtmodeltester.check(timeline)  # type: ignore[attr-defined]


def test_next_scan_after_opening_replaces_the_search(qtbot: QtBot, window: MainWindow) -> None:
    """After Enter opens a customer, a scan for the next one must not be appended."""
    qtbot.keyClicks(window.search.box, "mario gardner")
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    assert window.card.name.text() == "Mario Gardner"
    qtbot.keyClicks(window.search.box, "PA00000042")  # typed into the same box
    qtbot.waitUntil(lambda: window.search.box.text() == "PA00000042")  # held ≤ HOLD_MS
    assert window.search.box.text() == "PA00000042"
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    assert window.card.name.text() == "Maria Garcia"


def test_purchase_amount_with_decimal_comma_and_nan(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    """'nan' is refused next to the field (no crash dialog); '12,50' is 12.50, not 1,250.00."""
    qtbot.keyClicks(window.search.box, "(212) 555-0199")
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    seen: list[str] = []

    def nan_then_comma(dialog: QDialog) -> None:
        basket = dialog.findChildren(QLineEdit)[0]
        qtbot.keyClicks(basket, "nan")
        qtbot.keyClick(basket, Qt.Key.Key_Return)
        error = dialog.findChild(object, "error")
        seen.append(error.text())  # type: ignore[union-attr]
        assert dialog.isVisible()
        assert dialog.focusWidget() is basket
        basket.setText("12,50")
        qtbot.keyClick(basket, Qt.Key.Key_Return)

    when_dialog(nan_then_comma)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert seen
    assert "“nan” is not an amount" in seen[0]
    cid = backend.customers.search("(212) 555-0199")[0].id
    assert [e.basket_minor for e in backend.customers.card(cid).timeline] == [1250]
    assert window.card.timeline_model.data(window.card.timeline_model.index(0, 4)) == "12.50"


def test_erase_on_request_asks_first_then_forgets_the_customer(
    qtbot: QtBot, backend: Backend
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from posassist.storage.orm import Customer

    cid = backend.customers.create(
        NewCustomer("Erin Erase", phone="(212) 555-0142", consent_contact=True)
    )
    backend.interactions.log(cid, "question")
    w = register_window(qtbot, backend, privacy=True)
    w.open_customer(cid)

    def answer(button: QMessageBox.StandardButton) -> None:
        def press(dialog: object) -> None:
            assert isinstance(dialog, QMessageBox)
            assert "cannot be undone" in dialog.text()
            dialog.button(button).click()

        when_dialog(press)  # type: ignore[arg-type]

    answer(QMessageBox.StandardButton.No)
    w.manager.erase_customer()
    assert w.card.card is not None  # "No" keeps everything
    answer(QMessageBox.StandardButton.Yes)
    w.manager.erase_customer()
    qtbot.waitUntil(lambda: w.card.card is None)  # erased on the worker
    assert w.card.card is None
    assert backend.customers.search("erin erase") == []
    assert backend.customers.search("(212) 555-0142") == []
    with backend.db.read() as s:
        row = s.get(Customer, cid)
        assert row is not None
        assert row.erased_at is not None
        assert "Erin" not in row.display_name
        assert row.phone_e164 is None
    w.worker.wait_idle()
