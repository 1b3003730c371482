"""The finder and the search box at the register's sizes: messages that no longer apply
go, a hold code never splits across lines, a scanned card joins the finder's ask, and the
search box's hint shows whole at 1024 pixels."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QTextLayout, QTextOption
from PySide6.QtWidgets import QLabel, QStyle, QStyleOptionFrame
from pytestqt.qtbot import QtBot

from posassist.app import Backend
from posassist.services.customers import NewCustomer
from posassist.ui.main_window import MainWindow
from posassist.ui.theme import stylesheet
from posassist.ui.views.finder import FinderDialog
from tests.small_store import fill
from tests.ui.windows import register_window

CARD = "PA00000042"


@pytest.fixture
def maria(backend: Backend) -> uuid.UUID:
    fill(backend)
    return backend.customers.create(NewCustomer("Maria Garcia", card_code=CARD))


@pytest.fixture
def window(qtbot: QtBot, backend: Backend, maria: uuid.UUID) -> Iterator[MainWindow]:
    w = register_window(qtbot, backend, desk=True, holds=True)
    yield w
    if w.finder is not None:
        w.finder.close()
    w.worker.wait_idle()


def _finder(qtbot: QtBot, window: MainWindow, ask: str) -> FinderDialog:
    qtbot.keyClick(window, Qt.Key.Key_F4)
    finder = window.finder
    assert finder is not None
    qtbot.waitUntil(finder.isActiveWindow)
    qtbot.keyClicks(finder.box, ask)
    qtbot.waitUntil(lambda: finder.model.first_printable_row() is not None)
    return finder


def _open_maria(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClicks(window.search.box, "maria garcia")
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    assert window.card.card is not None


def test_a_message_goes_once_it_no_longer_applies(qtbot: QtBot, window: MainWindow) -> None:
    _open_maria(qtbot, window)
    finder = _finder(qtbot, window, "wireless headphones")
    finder.say("Choose one of our other branches first (↓ then F6 or F7).", problem=True)
    qtbot.keyClick(finder.box, Qt.Key.Key_Down)  # a place chosen: the refusal is over
    assert finder.selected_entry() is not None
    assert not finder.message.isVisible()
    finder.focus_box()
    qtbot.keyClick(finder.box, Qt.Key.Key_Return)  # the best place, our other branch
    qtbot.keyClick(finder.results, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: "code " in finder.message.text(), timeout=10_000)
    window.worker.wait_idle()
    qtbot.keyClicks(finder.box, "x")  # a new ask: the hold note was about the last one
    assert finder.message.text() == ""
    finder.say("Printing on PDF file…")  # work under way stays, whatever is typed
    qtbot.keyClicks(finder.box, "y")
    assert finder.message.text() == "Printing on PDF file…"
    finder.say("The printer is off. F10 tries again.", problem=True, keep=True)
    qtbot.keyClick(finder.box, Qt.Key.Key_Down)  # still about this ask: stays
    assert finder.message.text() == "The printer is off. F10 tries again."
    qtbot.keyClicks(finder.box, "z")
    assert finder.message.text() == ""


def _lines(label: QLabel, text: str, width: int) -> list[str]:
    layout = QTextLayout(text, label.font())
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    layout.setTextOption(option)
    layout.beginLayout()
    lines = []
    while (line := layout.createLine()).isValid():
        line.setLineWidth(width)
        lines.append(text[line.textStart() : line.textStart() + line.textLength()])
    layout.endLayout()
    return lines


def test_a_hold_code_never_splits_across_lines(qtbot: QtBot, window: MainWindow) -> None:
    finder = _finder(qtbot, window, "wireless headphones")
    said = (
        "Asked Riverside to hold Wireless headphones (Maria Garcia collects it there): "
        "code 2FRH-QB46. Ctrl+H shows the holds."
    )
    finder.say(said)
    assert finder.message.text() == said  # what was said keeps the code's characters
    shown = QLabel.text(finder.message)  # what is painted
    splits = 0
    for width in range(240, 900, 4):
        lines = _lines(finder.message, said, width)
        splits += any(line.rstrip().endswith("2FRH-") for line in lines)
        shown_lines = _lines(finder.message, shown, width)
        assert not any(line.rstrip().endswith(("2FRH-", "2FRH\u2011")) for line in shown_lines)
        assert "".join(shown_lines).replace("\u2011", "-") == said
    assert splits  # plain text would have split it at some of these widths


def test_a_card_scanned_while_the_finder_waits_joins_its_ask(
    qtbot: QtBot, window: MainWindow, backend: Backend, maria: uuid.UUID
) -> None:
    finder = _finder(qtbot, window, "wireless headphones")
    qtbot.keyClick(finder.box, Qt.Key.Key_Return)
    qtbot.keyClick(finder.results, Qt.Key.Key_F6)
    assert "Open the customer's card first" in finder.message.text()
    qtbot.keyClicks(finder.results, CARD, delay=5)  # the card, scanned: same customer
    qtbot.keyClick(finder.results, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.card.card is not None)
    assert window.finder is finder
    assert finder.isVisible()
    assert finder.customer is not None
    assert finder.customer.id == maria
    assert finder.box.text() == "wireless headphones"  # the ask, and its answers, kept
    assert "Maria Garcia" in finder.message.text()
    qtbot.waitUntil(finder.isActiveWindow)
    qtbot.keyClick(finder.box, Qt.Key.Key_Return)
    qtbot.keyClick(finder.results, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: "code " in finder.message.text(), timeout=10_000)
    (hold,) = backend.holds.queue().outgoing
    assert hold.customer_id == maria


def test_a_card_scanned_for_a_finder_serving_someone_closes_it(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    backend.customers.create(NewCustomer("Ben Ode", card_code="PA00000043"))
    _open_maria(qtbot, window)
    finder = _finder(qtbot, window, "wireless headphones")
    qtbot.keyClicks(finder.box, "PA00000043", delay=5)  # the next customer
    qtbot.keyClick(finder.box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not finder.isVisible())
    qtbot.waitUntil(lambda: window.card.name.text() == "Ben Ode")


def test_the_search_box_hint_shows_whole_at_1024(qtbot: QtBot, window: MainWindow) -> None:
    window.setStyleSheet(stylesheet())  # the register's large type
    window.resize(1024, 740)
    window.show()
    qtbot.wait(20)
    box = window.search.box
    assert window.search.minimumWidth() == 260  # what the pane gets at 1024 pixels
    option = QStyleOptionFrame()
    box.initStyleOption(option)
    option.rect = QRect(0, 0, 256, box.height())  # the box in that pane
    room = box.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, box)
    margins = box.textMargins()
    width = room.width() - margins.left() - margins.right() - 8  # the line edit's own margin
    assert box.fontMetrics().horizontalAdvance(box.placeholderText()) <= width
    hint = window.search.hint.text()
    assert "last 4 digits" in hint  # the rest of the hint, under the box
    assert "F2" in hint
