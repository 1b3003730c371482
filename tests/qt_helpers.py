"""Helpers for driving real widgets in tests."""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog

GUARD_MS = 20_000


def when_dialog(act: Callable[[QDialog], None]) -> list[str]:
    """Act on the next modal dialog once it is open (exec() blocks the test otherwise).

    If the dialog is still open long after ``act`` ran, it is rejected, so a test whose
    dialog refuses to close fails on its assertions instead of hanging the whole run.
    The returned list says so ("forced closed") for tests that want to assert on it.
    """
    notes: list[str] = []

    def guard(dialog: QDialog) -> None:
        if shiboken6.isValid(dialog) and dialog.isVisible():  # deleted long ago: nothing to do
            notes.append("forced closed")
            dialog.reject()

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QDialog) and dialog.isVisible():
            QTimer.singleShot(GUARD_MS, lambda: guard(dialog))
            act(dialog)
        else:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    return notes
