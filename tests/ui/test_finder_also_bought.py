"""F4: a product we have here, selected, shows what customers who bought it also bought."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from posassist.app import Backend
from posassist.services.customers import NewCustomer
from posassist.services.interactions import LineItem
from tests.small_store import fill
from tests.ui.windows import register_window


def _basket(backend: Backend, name: str, *skus: str) -> None:
    cid = backend.customers.create(NewCustomer(name))
    backend.interactions.log(cid, "purchase", items=[LineItem(s.lower(), sku=s) for s in skus])


def test_selecting_a_product_here_shows_its_also_bought_with_counts(
    qtbot: QtBot, backend: Backend
) -> None:
    fill(backend)
    _basket(backend, "Ann Lee", "P1", "P3")
    _basket(backend, "Bob Lee", "P1", "P3")
    _basket(backend, "Cy Lee", "P1", "P2")
    backend.also_bought.rebuild()
    window = register_window(qtbot, backend, desk=True)
    window.open_finder()  # F4
    finder = window.finder
    assert finder is not None
    qtbot.waitUntil(finder.isActiveWindow)
    qtbot.keyClicks(finder.box, "notebook")
    finder.search_now()
    assert not finder.also_bought.isVisible()  # nothing selected yet
    qtbot.keyClick(finder.box, Qt.Key.Key_Down)  # the first answer: ours, in Aisle 2
    entry = finder.selected_entry()
    assert entry is not None
    assert entry.tier == "here"
    assert finder.also_bought.isVisible()
    assert finder.also_bought.texts() == [
        "Customers who bought Classic notebook also bought:",
        "Vinyl record sleeve — 2 customers",
        "Wireless headphones — 1 customer",
    ]
    qtbot.keyClicks(finder.box, "x")  # a new ask: the suggestions were for the last one
    finder.search_now()
    assert not finder.also_bought.isVisible()
    finder.close()
    window.worker.wait_idle()


def test_a_branch_row_shows_no_also_bought(qtbot: QtBot, backend: Backend) -> None:
    fill(backend)
    _basket(backend, "Ann Lee", "P2", "P1")
    backend.also_bought.rebuild()
    window = register_window(qtbot, backend, desk=True)
    window.open_finder()  # F4
    finder = window.finder
    assert finder is not None
    qtbot.waitUntil(finder.isActiveWindow)
    qtbot.keyClicks(finder.box, "headphones")
    qtbot.keyClick(finder.box, Qt.Key.Key_Return)  # Enter: the best place to send them
    entry = finder.selected_entry()
    assert entry is not None
    assert entry.tier == "branch"
    assert not finder.also_bought.isVisible()
    finder.close()
    window.worker.wait_idle()
