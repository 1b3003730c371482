"""The register's form dialogs save on the worker: one submit, the answer closes them."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from posassist.app import Backend
from posassist.errors import InvalidInputError
from posassist.ui.views.dialogs import NewCustomerDialog, NotesDialog
from posassist.ui.workers import Worker


def test_ok_is_disabled_while_saving_so_nothing_is_submitted_twice(qtbot: QtBot) -> None:
    release = threading.Event()
    saves: list[tuple[str, str]] = []

    def save(notes: str, prefs: str) -> None:
        saves.append((notes, prefs))
        release.wait(10)

    worker = Worker()
    dialog = NotesDialog(worker, "old", "tea", save, None)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.notes.setPlainText("new")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.ok_button.isEnabled()
    dialog.buttons.accepted.emit()  # Enter again
    dialog.reject()  # Esc waits for the answer
    assert dialog.isVisible()
    release.set()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert dialog.result() == NotesDialog.DialogCode.Accepted
    assert saves == [("new", "tea")]
    worker.wait_idle()


def test_a_refusal_from_the_service_comes_back_next_to_its_field(qtbot: QtBot) -> None:
    def save(notes: str, prefs: str) -> None:
        raise InvalidInputError("preferences", "Preferences are at most 2,000 characters.")

    dialog = NotesDialog(Worker(), "", "", save, None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    assert dialog.error.text() == "Preferences are at most 2,000 characters."
    assert dialog.isVisible()
    assert dialog.ok_button.isEnabled()  # fix it and try again
    qtbot.waitUntil(lambda: dialog.focusWidget() is dialog.preferences)


def test_tab_leaves_a_note_field_and_ctrl_enter_saves(qtbot: QtBot) -> None:
    saves: list[tuple[str, str]] = []
    worker = Worker()
    dialog = NotesDialog(worker, "", "", lambda n, p: saves.append((n, p)), None, "Maria Lopez")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.windowTitle() == "Notes and preferences — Maria Lopez"
    assert dialog.heading.text() == "Notes and preferences — Maria Lopez"
    dialog.notes.setFocus()
    qtbot.keyClicks(dialog.notes, "allergic to nuts")
    qtbot.keyClick(dialog.notes, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.preferences  # Tab moved on, typed no tab
    assert dialog.notes.toPlainText() == "allergic to nuts"
    qtbot.keyClicks(dialog.preferences, "green tea")
    qtbot.keyClick(dialog.preferences, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert saves == [("allergic to nuts", "green tea")]
    worker.wait_idle()


def test_a_bad_phone_in_the_new_customer_form_reads_plainly(qtbot: QtBot, backend: Backend) -> None:
    dialog = NewCustomerDialog(Worker(), backend.customers.create, "", None)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.name.setText("Cy New")
    dialog.phone.setText("twelve")
    dialog.consent.setChecked(True)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    assert dialog.error.text().startswith("“twelve” is not a phone number: type its digits")
    assert "string supplied" not in dialog.error.text()
    qtbot.waitUntil(lambda: dialog.focusWidget() is dialog.phone)
