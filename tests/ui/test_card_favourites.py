"""The card shows the customer's favourites, and what others bought with the top one once
the background build is done; the build never runs on the GUI thread."""

from __future__ import annotations

import re
import threading

import pytest
from pytestqt.qtbot import QtBot

from posassist.app import Backend
from posassist.services.customers import NewCustomer
from posassist.services.interactions import LineItem
from posassist.storage.orm import Product
from posassist.ui.theme import stylesheet
from posassist.ui.views.favourites import ItemsLine
from tests.ui.windows import register_window


def _basket(backend: Backend, name: str, *skus: str) -> None:
    cid = backend.customers.create(NewCustomer(name))
    for _ in range(2):
        backend.interactions.log(cid, "purchase", items=[LineItem(s.lower(), sku=s) for s in skus])


def test_card_shows_favourites_then_also_bought_built_off_the_gui_thread(
    qtbot: QtBot, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    with backend.db.write() as s:
        s.add_all([Product(sku="COF", name="House coffee"), Product(sku="OAT", name="Oat milk")])
    _basket(backend, "Ann Lee", "COF", "OAT")
    _basket(backend, "Bob Lee", "COF", "OAT")
    backend.finder.log_unmet_demand(
        "Vinyl records", customer_id=backend.customers.search("ann lee")[0].id
    )
    window = register_window(qtbot, backend)
    window.resize(1024, 740)
    window.open_customer(backend.customers.search("ann lee")[0].id)
    panel = window.card.favourites
    assert panel.isVisible()
    assert panel.lines["often"].full_text() == "Buys most often: House coffee (2×) · Oat milk (2×)"
    assert panel.lines["last"].full_text().endswith(") House coffee, Oat milk")
    assert (
        panel.lines["asked"]
        .full_text()
        .startswith("Asked for before, we didn't have: Vinyl records")
    )
    assert not panel.also_bought.isVisible()  # nothing built yet
    hint = window.minimumSizeHint()  # the smallest register screen still fits the card
    assert hint.width() <= 1000
    assert hint.height() <= 700

    ran_on: list[threading.Thread] = []
    build = backend.also_bought.rebuild_if_stale

    def recording() -> object:
        ran_on.append(threading.current_thread())
        return build()

    monkeypatch.setattr(backend.also_bought, "rebuild_if_stale", recording)
    window.refresh_also_bought()
    qtbot.waitUntil(lambda: panel.also_bought.isVisible(), timeout=10_000)
    assert ran_on
    assert ran_on[0] is not threading.main_thread()
    assert panel.also_bought.texts() == [
        "Customers who bought House coffee also bought:",
        "Oat milk — 2 customers",
    ]
    window.worker.wait_idle()


def _shown_items(line: ItemsLine, prefix: str, sep: str = " · ") -> tuple[list[str], int]:
    """The whole items a line shows, and the "+N more" count; asserts each line fits."""
    metrics, width = line.fontMetrics(), line.width()
    text = line.text()
    for row in text.split("\n"):
        assert metrics.horizontalAdvance(row) <= width, row
    assert text.startswith((prefix + " ", prefix + "\n"))
    words = text[len(prefix) + 1 :].replace("\n", sep).split(sep)
    more = int(words.pop()[1:].split()[0]) if words[-1].endswith(" more") else 0
    return words, more


@pytest.mark.parametrize("width", [1024, 1366])
def test_long_favourites_show_whole_items_with_their_counts(
    qtbot: QtBot, backend: Backend, width: int
) -> None:
    names = [f"Collector's travel guide edition no. {n}" for n in range(5)]
    with backend.db.write() as s:
        s.add_all([Product(sku=f"G{n}", name=name) for n, name in enumerate(names)])
    for who in ("Ann Lee", "Bob Lee", "Cy Lee"):
        _basket(backend, who, *(f"G{n}" for n in range(5)))
    window = register_window(qtbot, backend)
    window.setStyleSheet(stylesheet())  # the register's large type
    window.resize(width, 740)
    window.open_customer(backend.customers.search("ann lee")[0].id)
    window.refresh_also_bought()
    panel = window.card.favourites
    qtbot.waitUntil(lambda: panel.also_bought.isVisible(), timeout=10_000)
    qtbot.wait(20)
    often, more = _shown_items(panel.lines["often"], "Buys most often:")
    everything = [f"{name} (2×)" for name in names]
    assert often
    assert set(often) <= set(everything)  # whole items, each with its count
    assert len(often) + more == panel.lines["often"].full_text().count("×)")
    also = panel.also_bought.title
    assert isinstance(also, ItemsLine)
    suggestions, more = _shown_items(also, panel.also_bought.texts()[0])
    assert suggestions
    assert all(re.search(r" — \d+ customers?$", s) for s in suggestions), suggestions
    assert len(suggestions) + more == len(panel.also_bought.texts()) - 1
    assert also.text().count("\n") <= 1  # at most two lines
    window.worker.wait_idle()
