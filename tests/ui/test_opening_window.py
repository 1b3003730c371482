"""What the cashier does while the store opens is not lost (``ui/opening.py``).

The window start-up paints the opening window first and opens settings, store and
services on the worker (``app/gui.py run_gui``). These run that very path
(``_paint_opening``, ``_open_store``, ``_main_window``, ``_show``) on a real store, with
the store's opening held back on the worker until the test has typed, so the keys are
sure to arrive before the store is open; then the register window must search them,
open the best match on an Enter, open a scanned card, and a locked register must ask
for the sign-in with the text kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

import posassist.app.backend
from posassist.app import Backend, gui
from posassist.errors import KnownError
from posassist.services.customers import NewCustomer
from posassist.storage.database import STORE_FILENAME
from posassist.ui.main_window import MainWindow
from posassist.ui.opening import OpeningWindow
from posassist.ui.views.sign_in import PinDialog
from posassist.ui.workers import Worker
from tests.conftest import NOW, MovableClock, make_backend

CARD = "PA00000042"


@dataclass
class Started:
    window: MainWindow
    backend: Backend
    opened_while_typing: bool  # the store was still opening when the keys were sent


@pytest.fixture
def store(tmp_path: Path, clock: MovableClock) -> Path:
    data_dir = tmp_path / "store"
    backend = make_backend(data_dir, clock)
    try:
        backend.customers.create(NewCustomer("Maria Garcia", card_code=CARD))
        backend.customers.create(NewCustomer("Pete Jones"))
    finally:
        backend.close()
    (tmp_path / "settings.toml").write_text('[store]\nname = "Test Store"\n', "utf-8")
    return data_dir


@pytest.fixture
def start(
    qtbot: QtBot, store: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[Callable[[OpeningWindow], None]], Started]]:
    """``start(keys)``: the window start-up, ``keys(opening)`` run while the store is
    still opening on the worker (its ``open_backend`` waits until they were sent)."""
    sent = threading.Event()
    real_open = posassist.app.backend.open_backend
    store_open = threading.Event()

    def held_open(*args: Any, **kwargs: Any) -> Backend:
        assert sent.wait(30), "the test's keys never came"
        backend = real_open(*args, **kwargs)
        store_open.set()
        return backend

    monkeypatch.setattr(posassist.app.backend, "open_backend", held_open)
    made: list[tuple[MainWindow, Backend, Worker]] = []
    app = QApplication.instance()
    assert isinstance(app, QApplication)

    def run(keys: Callable[[OpeningWindow], None]) -> Started:
        worker = Worker()
        opening, _shown_at = gui._paint_opening(app)
        qtbot.addWidget(opening)
        assert opening.isVisible()
        early: list[bool] = []

        def type_now() -> None:
            keys(opening)
            early.append(not store_open.is_set())
            sent.set()

        QTimer.singleShot(0, type_now)
        config = store.parent / "settings.toml"
        backend = gui._open_store(opening, worker, store, False, config)
        assert backend is not None
        window = gui._main_window(backend, worker)
        qtbot.addWidget(window)
        made.append((window, backend, worker))
        gui._show(app, window, opening, backend, worker, smoke_test=False)
        assert not opening.isVisible()  # the register window took its place
        return Started(window, backend, early == [True])

    yield run
    for window, backend, worker in made:
        window.close()
        worker.wait_idle()
        backend.close()
    app.setQuitOnLastWindowClosed(True)


def test_text_typed_before_the_store_opened_is_kept_and_searched(
    qtbot: QtBot, start: Callable[[Callable[[OpeningWindow], None]], Started]
) -> None:
    started = start(lambda opening: qtbot.keyClicks(opening.box, "Maria"))
    assert started.opened_while_typing
    window = started.window
    assert window.search.box.text() == "Maria"
    qtbot.waitUntil(lambda: window.search.model.rowCount() == 1)
    assert window.search.model.hit(0).display_name == "Maria Garcia"
    assert window.card.card is None  # no Enter: nothing opened


def test_enter_before_the_store_opened_opens_the_best_match(
    qtbot: QtBot, start: Callable[[Callable[[OpeningWindow], None]], Started]
) -> None:
    def type_and_enter(opening: OpeningWindow) -> None:
        qtbot.keyClicks(opening.box, "Pete")
        qtbot.keyClick(opening.box, Qt.Key.Key_Return)
        assert opening.box.text() == "Pete"  # Enter kept, nothing taken away

    window = start(type_and_enter).window
    qtbot.waitUntil(lambda: window.card.card is not None)
    assert window.card.card is not None
    assert window.card.card.display_name == "Pete Jones"


def test_typing_after_an_enter_is_a_new_search_not_an_open(
    qtbot: QtBot, start: Callable[[Callable[[OpeningWindow], None]], Started]
) -> None:
    def type_enter_type(opening: OpeningWindow) -> None:
        qtbot.keyClicks(opening.box, "Pe")
        qtbot.keyClick(opening.box, Qt.Key.Key_Return)
        qtbot.keyClicks(opening.box, "te")

    window = start(type_enter_type).window
    qtbot.waitUntil(lambda: window.search.model.rowCount() == 1)
    assert window.search.box.text() == "Pete"
    assert window.card.card is None


def test_a_card_scanned_before_the_store_opened_opens(
    qtbot: QtBot, start: Callable[[Callable[[OpeningWindow], None]], Started]
) -> None:
    def scan(opening: OpeningWindow) -> None:
        qtbot.keyClicks(opening.box, CARD, delay=5)  # scanner speed, then Enter
        qtbot.keyClick(opening.box, Qt.Key.Key_Return)
        assert opening.scanned == CARD
        assert opening.box.text() == ""  # the scan's characters do not stay as typing

    window = start(scan).window
    qtbot.waitUntil(lambda: window.card.card is not None)
    assert window.card.card is not None
    assert window.card.card.display_name == "Maria Garcia"


def test_a_locked_register_asks_for_the_sign_in_with_the_text_kept(
    qtbot: QtBot,
    store: Path,
    clock: MovableClock,
    start: Callable[[Callable[[OpeningWindow], None]], Started],
) -> None:
    backend = make_backend(store, clock)
    try:
        backend.staff.first_manager("Ana Manager", "4821")
    finally:
        backend.close()
    asked: list[str] = []

    def answer_sign_in() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, PinDialog):
            asked.append("sign-in")
            dialog.reject()
        else:
            QTimer.singleShot(10, answer_sign_in)

    boxes: list[tuple[int, int]] = []  # the opening box's centre x on screen, and width

    def type_then_watch(opening: OpeningWindow) -> None:
        qtbot.keyClicks(opening.box, "Maria")
        boxes.append(
            (opening.box.mapToGlobal(opening.box.rect().center()).x(), opening.box.width())
        )
        QTimer.singleShot(0, answer_sign_in)

    window = start(type_then_watch).window
    assert window.locked()
    # The box the cashier typed into does not jump sideways or change width at the swap.
    box = window.search.box
    qtbot.waitUntil(lambda: box.width() == boxes[0][1])
    assert abs(box.mapToGlobal(box.rect().center()).x() - boxes[0][0]) <= 2
    qtbot.waitUntil(lambda: asked == ["sign-in"])
    assert window.search.box.text() == "Maria"  # kept for after the sign-in
    assert window.search.model.rowCount() == 0  # locked: nothing of any customer


def test_closing_the_opening_window_gives_the_start_up_and_closes_the_store(
    qtbot: QtBot, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    worker = Worker()
    opening, _ = gui._paint_opening(app)
    qtbot.addWidget(opening)
    QTimer.singleShot(0, opening.close)
    try:
        backend = gui._open_store(opening, worker, store, False, store.parent / "settings.toml")
    finally:
        app.setQuitOnLastWindowClosed(True)
    assert backend is None
    # The store it opened meanwhile was closed: its instance lock is free again.
    make_backend(store, MovableClock(NOW)).close()


def test_a_damaged_store_is_refused_as_before(qtbot: QtBot, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / STORE_FILENAME).write_bytes(b"garbage" * 50)
    config = tmp_path / "settings.toml"
    config.write_text('[store]\nname = "Test Store"\n', "utf-8")
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    worker = Worker()
    opening, _ = gui._paint_opening(app)
    qtbot.addWidget(opening)
    try:
        with pytest.raises(KnownError, match="not a posassist database"):
            gui._open_store(opening, worker, damaged, False, config)
    finally:
        opening.dismiss()
        app.setQuitOnLastWindowClosed(True)
