"""The window rows of ``posassist bench`` measure in a real offscreen window."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from posassist.app import Backend
from posassist.devtools.bench.gui import TARGETS, gui_rows
from posassist.devtools.demo.words import DEMO_CASHIER_PIN
from posassist.services.customers import NewCustomer


def test_window_rows_are_measured(qtbot: QtBot, qapp: QApplication, backend: Backend) -> None:
    for name in ("Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra"):
        backend.customers.create(NewCustomer(display_name=name))
    # The demo store's staff sign in with PINs: the window starts locked, and the bench
    # measures it signed in (searches on a locked window would never paint a result).
    backend.staff.add("Casey Park", "cashier", DEMO_CASHIER_PIN)
    # The bench themes the application as posassist does; the tests' shared one is put back.
    style, sheet = qapp.style().name(), qapp.styleSheet()
    try:
        rows = gui_rows(backend, repeat=8)
    finally:
        qapp.setStyleSheet(sheet)
        qapp.setStyle(style)
    assert [r.target for r in rows] == list(TARGETS.values())
    for r in rows:
        assert r.n > 0, r.name
        assert r.median_ms > 0
    assert backend.ctx.staff_name == "Casey Park"
