"""Bench rows where the cashier feels it: key to pixels, in the real window.

The service rows time a search call; the cashier waits for more: the key event, the
search, the model reset and the paint of the list. Here the real main window (the same
wiring as ``posassist``, from :func:`posassist.app.gui.bench_window`) runs offscreen on
the bench store, keys arrive as ``QTest`` key events, and a sample ends when the widget
the cashier looks at has *painted* (an event filter counts its Paint events; the loop
processes events until the count moves). Timings are ``time.perf_counter`` wall time.

The search box waits :data:`~posassist.ui.views.search.SEARCH_DELAY_MS` after a key
before it searches (so a fast typist does not search five times); that pause is a
choice, not work, so the bench sets it to zero
(:meth:`~posassist.ui.views.search.SearchPanel.set_typing_delay`) and times the work that
follows a key.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from posassist.devtools.bench.report import Row, row
from posassist.storage.orm import Customer

if TYPE_CHECKING:
    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QWidget

    from posassist.app import Backend
    from posassist.ui.main_window import MainWindow

PAINT_TIMEOUT_S = 2.0
TARGETS = {
    "key": "p95 ≤ 16 ms",
    "enter": "p95 ≤ 50 ms",
    "f4": "p95 ≤ 100 ms",
}


def _paint_counter() -> QObject:
    """An event filter that counts the Paint events of the widgets it is installed on."""
    from PySide6.QtCore import QEvent, QObject

    class PaintCounter(QObject):
        count = 0

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.count += 1
            return False

    return PaintCounter()


def _until(done: Callable[[], bool]) -> bool:
    """Process events until ``done()``; False after :data:`PAINT_TIMEOUT_S`."""
    from PySide6.QtWidgets import QApplication

    deadline = time.perf_counter() + PAINT_TIMEOUT_S
    while not done():
        if time.perf_counter() > deadline:
            return False
        QApplication.processEvents()
    return True


def _names(backend: Backend, count: int) -> list[str]:
    with backend.db.read() as s:
        names = s.scalars(select(Customer.display_name).order_by(func.random()).limit(count)).all()
    rng = random.Random(11)
    return [n for n in rng.sample(list(names), len(names)) if len(n) >= 4]


def _sign_in(backend: Backend, window: MainWindow) -> None:
    """The window starts locked on a store whose staff have PINs (the bench store is the
    demo store, with the README's PINs): it is measured signed in, as a cashier works."""
    from posassist.devtools.demo.words import DEMO_CASHIER_PIN, DEMO_MANAGER_PIN

    lock = window.register_lock
    if lock is None or not lock.locked:
        return
    people = backend.staff.can_sign_in()
    person = next((v for v in people if not v.is_manager), people[0])
    pin = DEMO_MANAGER_PIN if person.is_manager else DEMO_CASHIER_PIN
    lock.unlock(backend.staff.sign_in(person.id, pin))


def gui_rows(backend: Backend, repeat: int) -> list[Row]:
    """The three rows, measured in one offscreen window on ``backend``'s store."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from posassist.app.gui import bench_window
    from posassist.ui.workers import Worker

    worker = Worker()
    _app, window = bench_window(backend, worker)
    painted = _paint_counter()
    try:
        window.resize(1280, 800)
        window.show()
        window.activateWindow()
        QApplication.processEvents()
        _sign_in(backend, window)
        window.warm_up()
        worker.wait_idle()
        QApplication.processEvents()
        window.search.set_typing_delay(0)
        names = _names(backend, max(20, repeat // 4))
        window.search.results.viewport().installEventFilter(painted)
        key = _key_samples(window, names, painted, repeat)
        window.search.results.viewport().removeEventFilter(painted)
        window.card.name.installEventFilter(painted)
        enter = _enter_samples(window, names, painted, max(20, repeat // 4))
        window.card.name.removeEventFilter(painted)
        f4 = _f4_samples(window, max(10, repeat // 10))
    finally:
        window.close()
        worker.wait_idle()
        window.deleteLater()
        QApplication.processEvents()
    return [
        row("window: key in search box → result list painted", key, TARGETS["key"]),
        row("window: Enter → customer card painted", enter, TARGETS["enter"]),
        row("window: F4 → finder shown and painted", f4, TARGETS["f4"]),
    ]


def _timed(press: Callable[[], None], painted: QObject) -> float | None:
    """Milliseconds from ``press`` to the next paint ``painted`` counts."""
    before = painted.count  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    press()
    if not _until(lambda: painted.count > before):  # type: ignore[attr-defined]
        return None
    return (time.perf_counter() - t0) * 1000


def _key_samples(window: QWidget, names: list[str], painted: QObject, n: int) -> list[float]:
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    box = window.search.box  # type: ignore[attr-defined]
    out: list[float] = []
    for name in names:
        box.clear()
        box.setFocus()
        QApplication.processEvents()  # the cleared list's paint is not the first key's
        for ch in name[:6]:
            ms = _timed(partial(QTest.keyClick, box, ch), painted)
            if ms is not None:
                out.append(ms)
        if len(out) >= n:
            break
    return out[:n]


def _enter_samples(window: QWidget, names: list[str], painted: QObject, n: int) -> list[float]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    search = window.search  # type: ignore[attr-defined]
    out: list[float] = []
    for name in names[:n]:
        search.clear()
        search.box.setText(name)
        search.search_requested.emit(name, False)  # the list is there before Enter
        _until(lambda: search.model.rowCount() > 0)
        QApplication.processEvents()  # its paint (and the closed card's) is not Enter's
        ms = _timed(lambda: QTest.keyClick(search.box, Qt.Key.Key_Return), painted)
        if ms is not None:
            out.append(ms)
    return out


def _f4_samples(window: QWidget, n: int) -> list[float]:
    """The finder is made by the F4 press itself, so no filter can wait for it: a sample
    ends when it is visible and a forced ``repaint()`` of it (and its children, done
    synchronously) has returned -- at worst one paint more than the cashier waits for."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    out: list[float] = []
    for _ in range(n):
        t0 = time.perf_counter()
        QTest.keyClick(window, Qt.Key.Key_F4)
        finder = getattr(window, "finder", None)
        if finder is None or not _until(finder.isVisible):
            continue
        finder.repaint()
        out.append((time.perf_counter() - t0) * 1000)
        finder.reject()
        _until(finder.isHidden)
    if not out:
        print("F4 never showed the finder (no partner data?)", file=sys.stderr)
    return out
