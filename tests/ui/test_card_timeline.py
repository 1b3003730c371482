"""A long timeline opens fast and its columns read as before: When and Basket as wide as
their widest cell (what ``ResizeToContents`` gave), the rest sharing the width."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from posassist.app import Backend
from posassist.services.customers import NewCustomer
from posassist.ui.models.customers import TimelineModel
from posassist.ui.views.card import CONTENT_COLUMNS, SHARES
from tests.conftest import MovableClock
from tests.ui.windows import register_window

ENTRIES = 120


def _long_history(backend: Backend, clock: MovableClock) -> None:
    cid = backend.customers.create(NewCustomer("Ada Lovelace"))
    for i in range(ENTRIES):
        if i % 3 == 0:
            backend.interactions.log(cid, "purchase", basket_minor=(i + 1) * 104_321)
        else:
            backend.interactions.log(cid, "service", note=f"asked about item {i}")
        clock.at += timedelta(days=3, minutes=7 * i)


def _count_data_calls(model: TimelineModel) -> list[int]:
    calls = [0]
    original = model.data

    def counting(index, role=Qt.ItemDataRole.DisplayRole):  # type: ignore[no-untyped-def]
        calls[0] += 1
        return original(index, role)

    model.data = counting  # type: ignore[method-assign]
    return calls


def test_long_timeline_columns_fit_contents_without_a_pass_per_resize(
    qtbot: QtBot, backend: Backend, clock: MovableClock
) -> None:
    _long_history(backend, clock)
    window = register_window(qtbot, backend)
    window.resize(1280, 800)
    qtbot.keyClicks(window.search.box, "ada lovelace", delay=5)
    qtbot.waitUntil(lambda: window.search.model.rowCount() > 0)
    view, model = window.card.timeline, window.card.timeline_model
    calls = _count_data_calls(model)
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    assert model.rowCount() == ENTRIES
    # Sizing asks the delegate about one cell a column, not every row a resize.
    assert calls[0] < ENTRIES, calls[0]
    header = view.horizontalHeader()
    for column in CONTENT_COLUMNS:
        contents = max(header.sectionSizeHint(column), view.sizeHintForColumn(column))
        assert header.sectionSize(column) == max(contents, header.minimumSectionSize())
    for column in SHARES:
        assert header.sectionSize(column) >= header.sectionSizeHint(column)
    used = sum(header.sectionSize(c) for c in range(model.columnCount()))
    assert used <= view.viewport().width()  # never scrolls sideways
    # The widest basket, not the first row's, sets the column.
    widest = max(model.column_texts(4), key=view.fontMetrics().horizontalAdvance)
    assert view.fontMetrics().horizontalAdvance(widest) < header.sectionSize(4)
    window.worker.wait_idle()


def test_timeline_texts_and_void_font(qtbot: QtBot, backend: Backend) -> None:
    cid = backend.customers.create(NewCustomer("Grace Hopper"))
    backend.interactions.log(cid, "purchase", basket_minor=1250, note="x" * 300)
    window = register_window(qtbot, backend)
    window.open_customer(cid)
    model = window.card.timeline_model
    assert model.data(model.index(0, 4)) == "12.50"
    assert model.data(model.index(0, 5)) == "x" * 200
    assert model.data(model.index(0, 5), Qt.ItemDataRole.ToolTipRole) == "x" * 300
    assert model.data(model.index(0, 6)) is None
    assert model.data(model.index(0, 4), Qt.ItemDataRole.TextAlignmentRole) == int(
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    )
    window.worker.wait_idle()
