"""Manager → Import a file…: the dialog on a real store, real files, real widgets (offscreen).

Every step that reads the file or writes the store runs on the worker (the conftest's
check fails a test that writes on the GUI thread); the test only answers the file dialog.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from posassist.app import Backend
from posassist.app.gui import import_desk
from posassist.services.staff import StaffView
from posassist.storage.orm import Customer, Interaction, Product
from posassist.ui.main_window import MainWindow
from posassist.ui.views.import_dialog import CANCELLED, ImportDialog
from posassist.ui.workers import Worker
from tests.ui.test_approval import approval_dialog
from tests.ui.test_sign_in import sign_in, staff, type_pin
from tests.ui.windows import register_window

__all__ = ["staff"]
MENU_TEXT = "&Import a file…"
WAIT = 10_000


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _transactions(tmp_path: Path) -> Path:
    return _write(
        tmp_path / "till.csv",
        "customer_id,date,amount\nC1,2024-03-01,12.50\nC2,2024-03-02,4.00\nC1,2024-03-09,7.25\n",
    )


def _count(backend: Backend, table: type) -> int:
    with backend.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def _dialog(qtbot: QtBot, backend: Backend) -> ImportDialog:
    dialog = ImportDialog(import_desk(backend), Worker(), None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _open(qtbot: QtBot, dialog: ImportDialog, path: Path) -> None:
    """Choose ``path`` as the manager would (the file dialog answered) and wait for its
    header to be read on the worker."""
    dialog.choose_open_path = lambda *_a: path
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.look is not None and dialog.look.path == path, timeout=WAIT)


def _enter(qtbot: QtBot, dialog: ImportDialog) -> None:
    """Enter presses the next step's button (the default)."""
    qtbot.keyClick(dialog, Qt.Key.Key_Return)


def _previewed(qtbot: QtBot, dialog: ImportDialog) -> None:
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.running(), timeout=WAIT)


def _manager_menu_action(window: MainWindow) -> object:
    manager = next(m for m in window.menuBar().findChildren(QMenu) if m.title() == "&Manager")
    return next(a for a in manager.actions() if a.text().startswith(MENU_TEXT))


def when_import_dialog(act: Callable[[ImportDialog], None]) -> None:
    """``act`` on the import dialog once it is open (its ``exec`` blocks the test), even
    when another modal dialog (the manager's PIN) comes first."""

    tries = [WAIT // 20]

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, ImportDialog) and dialog.isVisible():
            act(dialog)
        elif tries[0] > 0:  # never forever: the test then fails on what it waited for
            tries[0] -= 1
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)


def test_a_transactions_file_from_the_menu_detect_preview_import(
    qtbot: QtBot, backend: Backend, tmp_path: Path
) -> None:
    window = register_window(qtbot, backend, imports=import_desk(backend))
    path, seen = _transactions(tmp_path), {}

    def steps(dialog: ImportDialog) -> None:
        _open(qtbot, dialog, path)
        seen["kind"] = dialog.kind_name()  # recognised from the header
        assert not dialog.import_button.isEnabled()  # not before a preview
        _enter(qtbot, dialog)  # Preview
        _previewed(qtbot, dialog)
        seen["preview"] = {k: v.text() for k, v in dialog.run_panel.counts.items()}
        seen["written during the preview"] = _count(backend, Interaction)
        assert dialog.import_button.isEnabled()
        assert dialog.import_button.isDefault()
        _enter(qtbot, dialog)  # Import
        qtbot.waitUntil(lambda: dialog.committed is not None, timeout=WAIT)
        seen["final"] = {k: v.text() for k, v in dialog.run_panel.counts.items()}
        assert dialog.close_button.isDefault()
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    when_import_dialog(steps)
    _manager_menu_action(window).trigger()  # type: ignore[attr-defined]
    window.worker.wait_idle()
    assert seen["kind"] == "transactions"
    assert seen["preview"]["rows"] == "3"
    assert seen["preview"]["interactions"] == "3"
    assert seen["preview"]["customers_new"] == "2"
    assert seen["preview"]["problems"] == "0"
    assert seen["written during the preview"] == 0
    assert seen["final"]["interactions"] == "3"
    assert _count(backend, Interaction) == 3
    assert _count(backend, Customer) == 2
    assert window.message_label.text() == "Imported till.csv."
    assert window.focusWidget() is window.search.box  # ready for the next customer


def test_a_file_with_a_problem_shows_its_line_and_column_and_cannot_import(
    qtbot: QtBot, backend: Backend, tmp_path: Path
) -> None:
    path = _write(
        tmp_path / "bad.csv",
        "customer_id,date,amount\nC1,2024-03-01,12.50\nC2,2024-03-02,twelve\n",
    )
    dialog = _dialog(qtbot, backend)
    _open(qtbot, dialog, path)
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    _previewed(qtbot, dialog)
    problems = dialog.run_panel.problems
    assert problems.isVisible()
    assert problems.count() >= 1
    first = problems.item(0).text()
    assert "bad.csv" in first
    assert "line 3" in first
    assert "amount" in first
    assert dialog.run_panel.counts["problems"].text() != "0"
    assert not dialog.import_button.isEnabled()
    assert _count(backend, Interaction) == 0


def _store_bytes(backend: Backend) -> str:
    folder = backend.settings.data_dir
    files = sorted(p for p in folder.rglob("*") if p.is_file() and "store" in p.name)
    return hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()


def test_cancel_during_the_preview_stops_it_and_writes_nothing(
    qtbot: QtBot, backend: Backend, tmp_path: Path
) -> None:
    rows = "".join(
        f"C{i % 997},2024-0{1 + i % 9}-{1 + i % 28:02},{i % 50}.25\n" for i in range(150_000)
    )
    path = _write(tmp_path / "big.csv", "customer_id,date,amount\n" + rows)
    before = _store_bytes(backend)
    dialog = _dialog(qtbot, backend)
    _open(qtbot, dialog, path)
    _enter(qtbot, dialog)  # Preview
    qtbot.waitUntil(lambda: "rows/s" in dialog.run_panel.pace.text(), timeout=WAIT)
    assert dialog.run_panel.bar.value() < 1000
    qtbot.mouseClick(dialog.run_panel.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running(), timeout=3000)  # within a second or so
    assert dialog.message.text() == CANCELLED
    assert not dialog.import_button.isEnabled()
    assert _count(backend, Interaction) == 0
    assert _store_bytes(backend) == before


def test_a_mapping_saved_once_is_reused_by_name_for_the_next_file(
    qtbot: QtBot, backend: Backend, tmp_path: Path
) -> None:
    header = "When,Client,Spent\n"
    first = _write(tmp_path / "june.csv", header + "2024-06-01,K7,3.50\n2024-06-02,K8,1.00\n")
    second = _write(tmp_path / "july.csv", header + "2024-07-01,K7,2.00\n")
    dialog = _dialog(qtbot, backend)
    _open(qtbot, dialog, first)
    assert dialog.kind_name() == "mapped"  # nothing recognised its header
    step = dialog.mapping
    assert step.isVisible()
    step.columns["date"].setCurrentText("When")
    step.columns["customer_id"].setCurrentText("Client")
    step.columns["amount"].setCurrentText("Spent")
    step.name.setFocus()
    qtbot.keyClicks(step.name, "old till")
    assert dialog.focusWidget() is step.name  # typing the name keeps the cursor there
    _enter(qtbot, dialog)  # Preview: the dry run reads through the mapping, saves nothing
    _previewed(qtbot, dialog)
    assert dialog.run_panel.counts["interactions"].text() == "2"
    assert import_desk(backend).service.mapping("old till") is None
    _enter(qtbot, dialog)  # Import: the mapping is saved in the import's transaction
    qtbot.waitUntil(lambda: dialog.committed is not None, timeout=WAIT)
    assert import_desk(backend).service.mapping("old till") == {
        "date": "When",
        "customer_id": "Client",
        "amount": "Spent",
    }

    again = _dialog(qtbot, backend)
    _open(qtbot, again, second)
    chooser = again.mapping.chooser
    assert "old till" in [chooser.itemText(i) for i in range(chooser.count())]
    chooser.setCurrentText("old till")
    assert again.mapping.columns["customer_id"].currentText() == "Client"
    assert again.mapping.name.text() == "old till"
    _enter(qtbot, again)
    _previewed(qtbot, again)
    assert again.run_panel.counts["customers_matched"].text() == "1"  # K7, from June
    assert again.import_button.isEnabled()


@pytest.fixture
def staffed(qtbot: QtBot, backend: Backend, staff: dict[str, StaffView]) -> Iterator[MainWindow]:
    from posassist.ui.views.sign_in import StaffDesk

    desk = StaffDesk(backend.staff, backend.ctx, 0)
    w = register_window(qtbot, backend, staff_desk=desk, imports=import_desk(backend))
    yield w
    w.worker.wait_idle()


def test_a_cashier_is_asked_for_a_managers_pin_and_the_import_runs_as_them(
    qtbot: QtBot, staffed: MainWindow, backend: Backend, tmp_path: Path
) -> None:
    window, path, seen = staffed, _transactions(tmp_path), {}
    sign_in(qtbot, window, "casey", "2222")
    action = _manager_menu_action(window)
    assert action.text() == MENU_TEXT + " (manager PIN)"  # type: ignore[attr-defined]
    action.trigger()  # type: ignore[attr-defined]
    pin = approval_dialog(qtbot, window)
    assert pin.windowTitle() == "Manager PIN to import files"

    def steps(dialog: ImportDialog) -> None:
        _open(qtbot, dialog, path)
        _enter(qtbot, dialog)
        _previewed(qtbot, dialog)
        _enter(qtbot, dialog)
        qtbot.waitUntil(lambda: dialog.committed is not None, timeout=WAIT)
        seen["imported"] = True
        dialog.reject()

    when_import_dialog(steps)
    type_pin(qtbot, pin, "morgan", "1111")
    qtbot.waitUntil(lambda: "imported" in seen, timeout=WAIT)
    assert _count(backend, Interaction) == 3
    assert backend.ctx.staff_name == "Casey Park"  # the cashier is back, as before


def test_a_reference_file_the_manager_names_previews_and_imports_through_its_service(
    qtbot: QtBot, backend: Backend, tmp_path: Path
) -> None:
    path = _write(tmp_path / "catalogue.csv", "sku,name,category\nK1,Blue kettle,Kitchen\n")
    dialog = _dialog(qtbot, backend)
    _open(qtbot, dialog, path)
    dialog.kind.setCurrentIndex(dialog.kind.findData("products"))  # the manager confirms
    assert not dialog.mapping.isVisible()
    _enter(qtbot, dialog)
    _previewed(qtbot, dialog)
    assert dialog.run_panel.counts["rows"].text() == "1"
    assert _count(backend, Product) == 0  # a dry run: nothing yet
    _enter(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.committed is not None, timeout=WAIT)
    assert _count(backend, Product) == 1
    assert dialog.message.text() == "Imported catalogue.csv."


def test_an_unreadable_file_is_said_and_nothing_can_be_previewed(
    qtbot: QtBot, backend: Backend, tmp_path: Path
) -> None:
    dialog = _dialog(qtbot, backend)
    empty = _write(tmp_path / "empty.csv", "")
    dialog.choose_open_path = lambda *_a: empty
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=WAIT)
    assert dialog.message.text().startswith("Cannot read this file.")
    assert "empty.csv" in dialog.message.text()
    assert dialog.look is None
    assert not dialog.preview_button.isEnabled()
    assert dialog.choose_button.isEnabled()


def test_a_mapping_without_a_name_is_refused_at_its_name(
    qtbot: QtBot, backend: Backend, tmp_path: Path
) -> None:
    path = _write(tmp_path / "x.csv", "When,Client\n2024-06-01,K7\n")
    dialog = _dialog(qtbot, backend)
    _open(qtbot, dialog, path)
    dialog.mapping.columns["date"].setCurrentText("When")
    _enter(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.message.isVisible() and not dialog.running(), timeout=WAIT)
    assert dialog.message.text().startswith("Nothing was imported.")
    assert dialog.focusWidget() is dialog.mapping.name
    assert import_desk(backend).service.mappings() == []


def test_cancel_during_the_import_keeps_the_preview_and_import_can_run_again(
    qtbot: QtBot, backend: Backend, tmp_path: Path
) -> None:
    rows = "".join(
        f"C{i % 997},2024-0{1 + i % 9}-{1 + i % 28:02},{i % 50}.25\n" for i in range(20_000)
    )
    path = _write(tmp_path / "big.csv", "customer_id,date,amount\n" + rows)
    before = _store_bytes(backend)
    dialog = _dialog(qtbot, backend)
    _open(qtbot, dialog, path)
    _enter(qtbot, dialog)  # Preview
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.running(), timeout=60_000)
    previewed = dialog.run_panel.counts["interactions"].text()
    assert previewed == "20,000"
    _enter(qtbot, dialog)  # Import
    qtbot.waitUntil(lambda: "rows/s" in dialog.run_panel.pace.text(), timeout=WAIT)
    qtbot.mouseClick(dialog.run_panel.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running(), timeout=3000)
    assert dialog.message.text().startswith(CANCELLED)
    assert dialog.run_panel.counts["interactions"].text() == previewed  # the preview stays
    assert dialog.import_button.isEnabled()
    assert dialog.import_button.isDefault()
    assert _count(backend, Interaction) == 0
    assert _store_bytes(backend) == before


def test_a_refused_kind_puts_the_kind_back_to_what_the_header_is(
    qtbot: QtBot, backend: Backend, tmp_path: Path
) -> None:
    dialog = _dialog(qtbot, backend)
    _open(qtbot, dialog, _transactions(tmp_path))
    assert dialog.kind_name() == "transactions"
    dialog.kind.setCurrentIndex(dialog.kind.findData("shopify-orders"))  # the wrong one
    _enter(qtbot, dialog)  # Preview: refused, the header is not a Shopify orders export
    qtbot.waitUntil(lambda: not dialog.running() and dialog.message.text() != "", timeout=WAIT)
    qtbot.waitUntil(lambda: "Nothing was imported" in dialog.message.text(), timeout=WAIT)
    assert dialog.kind_name() == "transactions"
    assert dialog.preview_button.isEnabled()
    _enter(qtbot, dialog)  # the next Preview is the right one
    _previewed(qtbot, dialog)
    assert dialog.run_panel.counts["interactions"].text() == "3"


def test_the_mapping_step_opens_with_the_cursor_on_the_first_field_to_choose(
    qtbot: QtBot, backend: Backend, tmp_path: Path
) -> None:
    dialog = _dialog(qtbot, backend)
    _open(qtbot, dialog, _write(tmp_path / "m.csv", "When,Client,Spent\n2024-06-01,K7,3.50\n"))
    assert dialog.kind_name() == "mapped"
    assert dialog.focusWidget() is dialog.mapping.columns["date"]  # needed, not mapped yet
    dialog2 = _dialog(qtbot, backend)
    _open(qtbot, dialog2, _write(tmp_path / "n.csv", "date,Client,Spent\n2024-06-01,K7,3.50\n"))
    assert dialog2.mapping.columns["date"].currentText() == "date"  # guessed by its name
    first_free = next(n for n, c in dialog2.mapping.columns.items() if c.currentIndex() <= 0)
    assert dialog2.focusWidget() is dialog2.mapping.columns[first_free]
