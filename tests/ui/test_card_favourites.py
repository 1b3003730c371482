"""The card shows the customer's favourites, and what others bought with the top one once
the background build is done; the build never runs on the GUI thread."""

from __future__ import annotations

import threading

import pytest
from pytestqt.qtbot import QtBot

from posassist.app import Backend
from posassist.services.customers import NewCustomer
from posassist.services.interactions import LineItem
from posassist.storage.orm import Product
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
