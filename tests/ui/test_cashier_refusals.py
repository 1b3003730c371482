"""A cashier who reaches a manager's action in the window is told so, in plain words.

The services refuse (``services/access.py``); the window shows the PermissionDeniedError
where the action's answer would have gone, and nothing crashes or is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from posassist.app import Backend
from posassist.services.access import ACTIONS, CASHIER
from posassist.services.customers import NewCustomer
from posassist.ui.feedback import BUG_TEXT
from posassist.ui.main_window import MainWindow
from posassist.ui.views.corrections import VoidDialog
from posassist.ui.views.stock import StockDialog
from posassist.ui.workers import Worker
from tests.qt_helpers import when_dialog
from tests.ui.windows import register_window


def _refusal(action: str) -> str:
    return f"Only a manager can {ACTIONS[action]}."


@pytest.fixture
def window(qtbot: QtBot, backend: Backend) -> Iterator[MainWindow]:
    w = register_window(qtbot, backend, desk=True)
    backend.ctx.sign_in(None, "Cashier", CASHIER)
    yield w
    w.worker.wait_idle()


def _look(qtbot: QtBot, label: str, action: str) -> None:
    def look(dialog: QDialog) -> None:
        line = getattr(dialog, label)
        qtbot.waitUntil(lambda: _refusal(action) in line.text())
        assert BUG_TEXT not in line.text()
        dialog.reject()

    when_dialog(look)


def test_regulars_walk_ins_and_reports_say_a_manager_is_needed(
    qtbot: QtBot, window: MainWindow
) -> None:
    _look(qtbot, "count", "regulars")
    window.manager.show_regulars()
    _look(qtbot, "count", "reports")
    window.corrections.show_walk_ins()
    _look(qtbot, "message", "reports")
    window.show_reports()


def test_a_void_is_refused_in_its_dialog_and_the_entry_stays(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    cid = backend.customers.create(NewCustomer("Vera Void"))
    backend.interactions.log(cid, "purchase", basket_minor=700)
    window.open_customer(cid)
    window.card.timeline.selectRow(0)

    def void(dialog: QDialog) -> None:
        assert isinstance(dialog, VoidDialog)
        qtbot.keyClicks(dialog.reason, "rang up twice")
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: _refusal("void") in dialog.error.text())
        assert dialog.isVisible()  # the cashier can cancel or ask a manager
        dialog.reject()

    when_dialog(void)
    window.corrections.void_selected()
    assert window.card.timeline_model.row_at(0).void_reason is None


def test_a_stock_count_is_refused_next_to_the_form(
    qtbot: QtBot, backend: Backend, tmp_path: Path
) -> None:
    path = tmp_path / "products.csv"
    path.write_text("sku,name,category\nK1,Blue kettle,Kitchen\n", encoding="utf-8")
    backend.catalog.import_products(path)  # as the manager, before the cashier signs in
    backend.ctx.sign_in(None, "Cashier", CASHIER)
    dialog = StockDialog(backend.catalog, Worker(), None)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.sku.setText("K1")
    dialog.on_hand.setText("3")
    dialog.save()
    qtbot.waitUntil(lambda: _refusal("edit_stock") in dialog.error.text())
    assert dialog.isVisible()
    assert all(i.sku != "K1" for v in backend.catalog.stock() for i in v.items)
