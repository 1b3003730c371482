"""Enter opens the top hit the cashier sees; it searches first only when the list is not
yet the one for what was typed (typed faster than the search delay, or scanned)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from posassist.app import Backend
from posassist.services.customers import NewCustomer
from tests.ui.windows import register_window


def test_enter_searches_only_when_the_list_is_not_for_the_typed_text(
    qtbot: QtBot, backend: Backend
) -> None:
    backend.customers.create(NewCustomer("Ada Lovelace"))
    backend.customers.create(NewCustomer("Alan Turing"))
    window = register_window(qtbot, backend)
    searches: list[str] = []
    window.search.search_requested.connect(lambda text, _scanned: searches.append(text))
    qtbot.keyClicks(window.search.box, "ada love", delay=5)
    qtbot.waitUntil(lambda: searches == ["ada love"])  # the pause after typing
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    assert window.card.name.text() == "Ada Lovelace"
    assert searches == ["ada love"]  # the list was already for this text

    window.search.set_typing_delay(10_000)  # typed faster than the search delay
    qtbot.keyClicks(window.search.box, "alan tur", delay=5)
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    assert searches == ["ada love", "alan tur"]  # Enter searched what was typed
    assert window.card.name.text() == "Alan Turing"
    window.worker.wait_idle()
