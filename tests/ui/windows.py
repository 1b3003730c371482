"""The register window on a test store, shown offscreen (one way for every UI test)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from posassist.app import Backend
from posassist.ui.main_window import MainWindow, Services
from posassist.ui.workers import Worker


def register_window(qtbot: QtBot, backend: Backend) -> MainWindow:
    w = MainWindow(
        Services(backend.customers, backend.interactions, "Test Store", "Test staff"),
        Worker(),
        backend.ctx.tz,
    )
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w
