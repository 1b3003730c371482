"""A manager updates this branch's stock from the Manager menu (real widgets, offscreen)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMenu
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from posassist.app import Backend
from posassist.domain.catalog import stock_id
from posassist.storage.orm import BranchStock
from posassist.ui.views.stock import StockDialog
from posassist.ui.workers import Worker
from tests.conftest import NOW, MovableClock
from tests.qt_helpers import when_dialog
from tests.ui.windows import register_window


def _catalog(backend: Backend, tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    path.write_text("sku,name,category\nK1,Blue kettle,Kitchen\n", encoding="utf-8")
    backend.catalog.import_products(path)


def _stock_rows(backend: Backend) -> int:
    with backend.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(BranchStock)) or 0)


def _dialog(qtbot: QtBot, backend: Backend) -> StockDialog:
    dialog = StockDialog(backend.catalog, Worker(), None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_bad_input_is_refused_next_to_its_field_and_writes_nothing(
    qtbot: QtBot, backend: Backend, tmp_path: Path
) -> None:
    _catalog(backend, tmp_path)
    dialog = _dialog(qtbot, backend)
    qtbot.keyClicks(dialog.sku, "Z9")
    qtbot.keyClick(dialog.sku, Qt.Key.Key_Return)  # on to the count
    assert dialog.focusWidget() is dialog.on_hand
    qtbot.keyClicks(dialog.on_hand, "3")
    qtbot.keyClick(dialog.on_hand, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    assert "SKU Z9 is not in the catalogue" in dialog.error.text()
    qtbot.waitUntil(lambda: dialog.focusWidget() is dialog.sku)
    dialog.sku.setText("K1")
    dialog.on_hand.setText("-3")
    dialog.save()
    qtbot.waitUntil(lambda: "cannot be negative" in dialog.error.text())
    qtbot.waitUntil(lambda: dialog.focusWidget() is dialog.on_hand)
    assert dialog.isVisible()
    assert _stock_rows(backend) == 0


def test_a_count_saves_on_the_worker_and_closes(
    qtbot: QtBot, backend: Backend, tmp_path: Path
) -> None:
    _catalog(backend, tmp_path)
    dialog = _dialog(qtbot, backend)
    dialog.sku.setText("K1")
    dialog.on_hand.setText("12")
    qtbot.keyClick(dialog.on_hand, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.saved == "Blue kettle: 12 on hand here, as of now."
    with backend.db.read() as s:
        row = s.get(BranchStock, stock_id(backend.ctx.branch_id, "K1"))
        assert row is not None
        assert row.on_hand == 12


def test_a_stock_file_from_the_file_dialog_all_or_nothing(
    qtbot: QtBot, backend: Backend, tmp_path: Path
) -> None:
    _catalog(backend, tmp_path)
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text("branch_code,sku,on_hand\nMAIN,K1,5\nMAIN,Z9,1\n", encoding="utf-8")
    good.write_text("branch_code,sku,on_hand\nMAIN,K1,5\n", encoding="utf-8")
    dialog = _dialog(qtbot, backend)
    chosen = [bad]
    dialog.choose_open_path = lambda *_a: chosen[0]
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    assert dialog.error.text().startswith(f"Nothing was imported. {bad}, line 3: SKU Z9")
    assert _stock_rows(backend) == 0
    chosen[0] = good
    dialog.sku.setText("K1")  # a count half entered before the file was chosen
    dialog.on_hand.setText("7")
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.imported.isVisible())
    assert dialog.imported.text() == "good.csv: 1 stock count for MAIN."
    assert not dialog.error.isVisible()
    assert dialog.isVisible()  # the form stays, with what was typed
    assert (dialog.sku.text(), dialog.on_hand.text()) == ("K1", "7")
    assert _stock_rows(backend) == 1


def test_a_long_import_result_shows_whole_in_the_dialog(
    qtbot: QtBot, backend: Backend, tmp_path: Path
) -> None:
    _catalog(backend, tmp_path)
    name = "stock-count-from-the-back-room-after-the-december-inventory-weekend.csv"
    good = tmp_path / name
    good.write_text("branch_code,sku,on_hand\nMAIN,K1,5\n", encoding="utf-8")
    dialog = _dialog(qtbot, backend)
    dialog.choose_open_path = lambda *_a: good
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.imported.isVisible())
    qtbot.wait(20)
    line = dialog.imported
    assert line.text().startswith(name)
    assert line.wordWrap()
    needed = line.fontMetrics().boundingRect(
        0, 0, line.width(), 10_000, Qt.TextFlag.TextWordWrap, line.text()
    )
    assert line.height() >= needed.height()  # every wrapped line has its room
    assert line.geometry().right() <= dialog.width()


def test_the_manager_menu_opens_it_and_the_status_bar_says_what_was_saved(
    qtbot: QtBot, backend: Backend, tmp_path: Path
) -> None:
    _catalog(backend, tmp_path)
    window = register_window(qtbot, backend)
    manager = next(m for m in window.menuBar().findChildren(QMenu) if m.title() == "&Manager")
    (action,) = [a for a in manager.actions() if a.text() == "Update this branch's &stock…"]

    def count(dialog: QDialog) -> None:
        assert isinstance(dialog, StockDialog)
        dialog.sku.setText("K1")
        dialog.on_hand.setText("2")
        dialog.save()

    when_dialog(count)
    action.trigger()
    assert window.message_label.text() == "Blue kettle: 2 on hand here, as of now."


def test_a_count_over_one_dated_in_the_future_is_written_and_says_so(
    qtbot: QtBot, backend: Backend, tmp_path: Path, clock: MovableClock
) -> None:
    """The trial's blocker: the status bar said "4 on hand" while the store kept 9."""
    _catalog(backend, tmp_path)
    clock.at = NOW + timedelta(hours=20)
    backend.catalog.set_stock("K1", 9)
    clock.at = NOW
    window = register_window(qtbot, backend)
    manager = next(m for m in window.menuBar().findChildren(QMenu) if m.title() == "&Manager")
    (action,) = [a for a in manager.actions() if a.text() == "Update this branch's &stock…"]

    def count(dialog: QDialog) -> None:
        assert isinstance(dialog, StockDialog)
        qtbot.keyClicks(dialog.sku, "K1")
        qtbot.keyClick(dialog.sku, Qt.Key.Key_Return)
        qtbot.keyClicks(dialog.on_hand, "4")
        qtbot.keyClick(dialog.on_hand, Qt.Key.Key_Return)

    when_dialog(count)
    action.trigger()
    assert window.message_label.text() == (
        "Blue kettle: 4 on hand here, as of now. It replaces a count dated 21 Nov 06:30,"
        " ahead of this register's clock."
    )
    with backend.db.read() as s:
        row = s.get(BranchStock, stock_id(backend.ctx.branch_id, "K1"))
        assert row is not None
        assert (row.on_hand, row.as_of) == (4, NOW)
