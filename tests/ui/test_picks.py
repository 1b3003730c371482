"""F11 Picks view, the manager's pick editor and picks in the finder, driven offscreen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from posassist.app import Backend
from posassist.domain.picks import PickInput
from posassist.ui.main_window import MainWindow
from posassist.ui.theme import stylesheet
from posassist.ui.views.picks import PickEditorDialog, PicksDialog
from tests.qt_helpers import when_dialog
from tests.small_store import fill
from tests.ui.windows import register_window


@pytest.fixture
def window(qtbot: QtBot, backend: Backend) -> Iterator[MainWindow]:
    store = fill(backend)
    picks = backend.picks
    picks.set_pick(PickInput("Audio", 1, "P2", "Ana K.", "Best noise cancelling under $100"))
    picks.set_pick(PickInput("Audio", 2, "P1", "Ana K.", "Doubles as a travel journal"))
    picks.set_pick(PickInput("Stationery", 1, "P1", "Bo", "Lies flat, takes fountain pens"))
    picks.set_pick(PickInput("Audio", 2, "P3", "Cy", "Riverside's own", branch_id=store.riverside))
    w = register_window(qtbot, backend, desk=True)
    yield w
    if w.finder is not None:
        w.finder.close()
    w.worker.wait_idle()


def _rows(dialog: PicksDialog) -> list[tuple[str, ...]]:
    model = dialog.model
    return [
        tuple(model.index(r, c).data() for c in range(model.columnCount()))
        for r in range(model.rowCount())
    ]


def test_f11_shows_each_category_with_its_top_three(qtbot: QtBot, window: MainWindow) -> None:
    seen: list[list[tuple[str, ...]]] = []
    moves: list[int] = []

    def act(dialog: QDialog) -> None:
        assert isinstance(dialog, PicksDialog)
        qtbot.waitUntil(lambda: dialog.model.rowCount() == 3)
        seen.append(_rows(dialog))
        dialog.table.setFocus()
        moves.append(dialog.current_row())
        qtbot.keyClick(dialog.table, Qt.Key.Key_Return)  # next category
        moves.append(dialog.current_row())
        qtbot.keyClick(dialog.table, Qt.Key.Key_Left)  # back
        moves.append(dialog.current_row())
        qtbot.keyClicks(dialog.table, "stat")  # typing narrows, in the box
        seen.append(_rows(dialog))
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    when_dialog(act)
    qtbot.keyClick(window, Qt.Key.Key_F11)
    assert seen[0] == [
        ("Audio", "#1", "Wireless headphones", "Ana K.", "Best noise cancelling under $100"),
        ("", "#2", "Classic notebook", "Ana K.", "Doubles as a travel journal"),
        ("Stationery", "#1", "Classic notebook", "Bo", "Lies flat, takes fountain pens"),
    ]  # Riverside's own #2 shows at Riverside only
    assert moves == [0, 2, 0]
    assert [r[0] for r in seen[1]] == ["Stationery"]


LONG_WHY = (
    "Great sound for the price and it folds flat into any bag, which my customers love; "
    "the battery lasts a week of commutes, and it is comfy."
)


@pytest.mark.parametrize("width", [1000, 1340])
def test_product_rank_who_and_a_long_why_all_read_at_register_widths(
    qtbot: QtBot, window: MainWindow, backend: Backend, width: int
) -> None:
    backend.picks.set_pick(PickInput("Audio", 1, "P2", "Lena Wojciechowska", LONG_WHY))
    for n in range(3, 12):  # enough rows for the list to scroll: the scroll bar takes width
        why = f"Every recipe works on the first try, weeknights included, no. {n}"
        backend.picks.set_pick(PickInput(f"Cat {n:02}", 1, "P1", "Sam O.", why))
    window.setStyleSheet(stylesheet())  # the register's large type
    dialog = PicksDialog(backend.picks.shown, window.worker, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 12)
    dialog.resize(width, 640)  # as the window manager fits it to the screen, once shown
    qtbot.wait(20)
    table, metrics = dialog.table, dialog.table.fontMetrics()
    viewport = table.viewport().width()
    assert dialog.model.index(0, 4).data() == LONG_WHY
    for row in range(dialog.model.rowCount()):
        for column in range(4):  # category, rank, product, who: whole, on screen
            text = dialog.model.index(row, column).data()
            rect = table.visualRect(dialog.model.index(row, column))
            assert rect.right() <= viewport, (column, text)
            assert metrics.horizontalAdvance(text) + 6 <= rect.width(), (column, text)
        why = table.visualRect(dialog.model.index(row, 4))
        assert why.right() <= viewport + 1
        text = dialog.model.index(row, 4).data()
        needed = metrics.boundingRect(
            0, 0, why.width() - 12, 10_000, Qt.TextFlag.TextWordWrap, text
        )
        assert why.height() >= needed.height(), text  # tall enough for every line
        if row == 0:  # the long why wraps
            assert needed.height() > metrics.height()


def test_manager_sets_then_removes_a_branch_pick(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    def fill_in(dialog: QDialog) -> None:
        assert isinstance(dialog, PickEditorDialog)
        dialog.category.setCurrentText("Audio")
        dialog.rank.setCurrentIndex(0)
        dialog.scope.setCurrentIndex(1)  # this branch only
        dialog.sku.setText("P1")
        dialog.staff.setText("Dee")
        dialog.why.setText("x" * 141)
        dialog.save()
        qtbot.waitUntil(lambda: dialog.error.isVisible())
        assert "at most 140" in dialog.error.text()
        assert dialog.focusWidget() is dialog.why  # the refusal points at the field
        dialog.why.setText("Our own favourite for the commute")
        dialog.save()

    when_dialog(fill_in)
    window.manager.edit_picks()
    qtbot.waitUntil(lambda: window.message_label.text() == "Staff pick saved.")
    audio = backend.picks.shown()[0]
    assert [(p.rank, p.staff, p.branch_pick) for p in audio.picks] == [
        (1, "Dee", True),
        (2, "Ana K.", False),
    ]

    def remove(dialog: QDialog) -> None:
        assert isinstance(dialog, PickEditorDialog)
        dialog.category.setCurrentText("Audio")
        dialog.scope.setCurrentIndex(1)
        dialog.remove_button.click()

    when_dialog(remove)
    window.manager.edit_picks()
    qtbot.waitUntil(lambda: window.message_label.text() == "Staff pick removed.")
    assert backend.picks.shown()[0].picks[0].staff == "Ana K."  # the chain's #1 again


def test_the_finder_shows_the_picks_an_ask_is_about(qtbot: QtBot, window: MainWindow) -> None:
    window.open_finder()
    finder = window.finder
    assert finder is not None
    qtbot.keyClicks(finder.box, "headphones")
    finder.search_now()
    assert finder.picks_line.isVisible()
    assert finder.picks_line.text() == (
        "★ Staff picks in Audio: #1 Wireless headphones — Best noise cancelling under $100 "
        "(Ana K.)  ·  #2 Classic notebook — Doubles as a travel journal (Ana K.)"
    )
    finder.box.setText("notebook")  # in stock here, and picked: its row says so
    finder.search_now()
    rows = [finder.model.entry(r) for r in range(finder.model.rowCount())]
    [notebook] = [e.text for e in rows if e.tier == "here"]
    assert notebook.startswith("Classic notebook\n")
    assert notebook.endswith("\n★ Staff pick #1: Lies flat, takes fountain pens")
    finder.box.setText("kite")
    finder.search_now()
    assert not finder.picks_line.isVisible()
