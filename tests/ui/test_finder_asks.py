"""F4 records what was meant: the corrected wording, arrows over answers only, and the ask
that found nothing noted when the finder closes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from posassist.app import Backend
from posassist.storage.orm import UnmetDemand
from posassist.ui.main_window import MainWindow
from posassist.ui.views.finder import FinderDialog
from tests.small_store import fill
from tests.ui.windows import register_window


@pytest.fixture
def window(qtbot: QtBot, backend: Backend) -> Iterator[MainWindow]:
    fill(backend)
    w = register_window(qtbot, backend, desk=True)
    yield w
    w.worker.wait_idle()


def open_finder(qtbot: QtBot, window: MainWindow) -> FinderDialog:
    qtbot.keyClick(window, Qt.Key.Key_F4)
    finder = window.finder
    assert finder is not None
    qtbot.waitUntil(finder.isActiveWindow)
    return finder


def asks(backend: Backend) -> list[tuple[str, str]]:
    with backend.db.read() as s:
        return [tuple(r) for r in s.execute(select(UnmetDemand.item_asked, UnmetDemand.item_key))]


def test_arrow_keys_move_between_answers_only(qtbot: QtBot, window: MainWindow) -> None:
    finder = open_finder(qtbot, window)
    qtbot.keyClicks(finder.box, "comics", delay=5)
    finder.search_now()
    qtbot.keyClick(finder.box, Qt.Key.Key_Down)
    seen = []
    for _ in range(finder.model.rowCount() + 2):
        entry = finder.selected_entry()
        assert entry is not None
        assert entry.tier not in ("heading", "none")
        seen.append(entry.text)
        qtbot.keyClick(finder.results, Qt.Key.Key_Down)
    answers = [
        finder.model.entry(r).text
        for r in range(finder.model.rowCount())
        if finder.model.entry(r).tier not in ("heading", "none")
    ]
    assert seen[: len(answers)] == answers  # every answer in turn, no heading in between
    for _ in range(len(answers) - 1):
        qtbot.keyClick(finder.results, Qt.Key.Key_Up)
    assert finder.selected_entry() is not None
    assert finder.selected_entry().text == answers[0]  # type: ignore[union-attr]
    qtbot.keyClick(finder.results, Qt.Key.Key_Up)  # from the first answer: back to the box
    assert finder.focusWidget() is finder.box


def test_a_typo_is_shown_corrected_before_anything_is_written(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    finder = open_finder(qtbot, window)
    qtbot.keyClicks(finder.box, "wireles hedphones", delay=5)
    qtbot.waitUntil(finder.wording_line.isVisible)
    assert finder.wording_line.text() == (
        "Did you mean “wireless headphones”? Printing as: wireless headphones"
    )
    qtbot.keyClick(finder, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: "Noted" in finder.message.text())
    assert "wireless headphones" in finder.message.text()
    assert asks(backend) == [("wireles hedphones", "wireless headphones")]


def test_an_ask_that_found_nothing_is_noted_on_close_once(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    finder = open_finder(qtbot, window)
    qtbot.keyClicks(finder.box, "zebra saddle", delay=5)  # every keystroke a search
    with qtbot.waitSignal(finder.noted, timeout=10_000) as noted:
        qtbot.keyClick(finder, Qt.Key.Key_Escape)
    assert "zebra saddle" in noted.args[0]
    assert asks(backend) == [("zebra saddle", "zebra saddle")]  # the last ask, once


@pytest.mark.parametrize("how", ["f8", "cleared", "found", "f11"])
def test_closing_notes_nothing_when_the_cashier_chose_otherwise(
    qtbot: QtBot, window: MainWindow, backend: Backend, how: str
) -> None:
    finder = open_finder(qtbot, window)
    qtbot.keyClicks(finder.box, "zebra saddle" if how != "found" else "comics", delay=5)
    finder.search_now()
    if how == "f8":
        qtbot.keyClick(finder, Qt.Key.Key_F8)
        assert finder.dont_log.isChecked()
    elif how == "cleared":
        finder.box.clear()
        finder.box.textEdited.emit("")
    elif how == "f11":
        qtbot.keyClick(finder, Qt.Key.Key_F11)
        qtbot.waitUntil(lambda: "Noted" in finder.message.text())
    qtbot.keyClick(finder, Qt.Key.Key_Escape)
    window.worker.wait_idle()
    assert len(asks(backend)) == (1 if how == "f11" else 0)
