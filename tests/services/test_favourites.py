"""This customer's favourites on the card, and "customers who bought this also bought"."""

from __future__ import annotations

import uuid
from datetime import timedelta

from posassist.app import Backend
from posassist.services.customers import NewCustomer
from posassist.services.favourites import Favourites
from posassist.services.interactions import LineItem
from posassist.storage.orm import Product
from tests.conftest import NOW, MovableClock


def _products(backend: Backend) -> None:
    with backend.db.write() as s:
        s.add_all(
            [
                Product(sku="OAT", name="Oat milk", category="Dairy"),
                Product(sku="COF", name="House coffee beans", category="Coffee"),
                Product(sku="MUG", name="Stoneware mug", category="Kitchen"),
            ]
        )


def _buy(backend: Backend, cid: uuid.UUID | None, *items: str | LineItem) -> uuid.UUID:
    lines = [i if isinstance(i, LineItem) else LineItem(i.lower(), sku=i) for i in items]
    return backend.interactions.log(cid, "purchase", items=lines)


def test_favourites_most_often_last_time_and_asks_voids_not_counted(
    backend: Backend, clock: MovableClock
) -> None:
    _products(backend)
    ann = backend.customers.create(NewCustomer("Ann Regular"))
    clock.at = NOW - timedelta(days=30)
    _buy(backend, ann, "COF", "OAT")
    clock.at = NOW - timedelta(days=20)
    _buy(backend, ann, "COF", LineItem("Croissant"))
    clock.at = NOW - timedelta(days=10)
    _buy(backend, ann, "MUG", LineItem("Croissant", quantity=2))
    clock.at = NOW - timedelta(days=6)
    backend.finder.log_unmet_demand("vinyl  RECORDS", customer_id=ann)
    clock.at = NOW - timedelta(days=5)
    backend.finder.log_unmet_demand("Vinyl records", customer_id=ann)  # the same ask again
    clock.at = NOW - timedelta(days=1)
    backend.finder.log_unmet_demand("Turntable", customer_id=ann)
    clock.at = NOW
    voided = _buy(backend, ann, "MUG", "MUG2")
    backend.interactions.void(voided, "wrong customer")

    fav = backend.customers.card(ann).favourites

    # Coffee in two baskets, croissant in two (newer): croissant first on the tie.
    assert [(f.name, f.times) for f in fav.most_often] == [
        ("Croissant", 2),
        ("House coffee beans", 2),
    ]
    assert fav.most_often[1].sku == "COF"
    # The voided basket is not "last time"; the one before it is, named from the catalog.
    assert fav.last_time == ("Stoneware mug", "2 × Croissant")
    assert fav.last_time_on == (NOW - timedelta(days=10)).date()
    assert [a.item for a in fav.asked_before] == ["Turntable", "Vinyl records"]


def test_a_customer_with_nothing_bought_has_empty_favourites(backend: Backend) -> None:
    cid = backend.customers.create(NewCustomer("Nobody Yet"))
    fav = backend.customers.card(cid).favourites
    assert fav == Favourites()


def test_also_bought_counts_customers_not_baskets_and_excludes_itself(
    backend: Backend, clock: MovableClock
) -> None:
    _products(backend)
    ann, bob, cat = (backend.customers.create(NewCustomer(n)) for n in ("Ann", "Bob", "Cat"))
    for _ in range(3):  # one customer's weekly habit counts once
        _buy(backend, ann, "COF", "OAT")
    _buy(backend, bob, "COF", "OAT", "MUG")
    _buy(backend, cat, "COF", "MUG")
    _buy(backend, None, "COF", "OAT")  # a walk-in's basket is one more buyer
    _buy(backend, cat, "COF")  # a basket of one pairs with nothing
    built = backend.also_bought.rebuild()
    assert built.built

    got = backend.also_bought.for_sku("COF")
    assert [(a.sku, a.name, a.customers) for a in got] == [
        ("OAT", "Oat milk", 3),
        ("MUG", "Stoneware mug", 2),
    ]
    assert got[0].label == "Oat milk — 3 customers"
    assert all(a.sku != "COF" for a in got)
    assert [(a.sku, a.customers) for a in backend.also_bought.for_sku("MUG")] == [
        ("COF", 2),
        ("OAT", 1),
    ]
    # The card offers them for the customer's top favourite.
    fav = backend.customers.card(ann).favourites
    assert fav.also_bought_for == "House coffee beans"
    assert [a.sku for a in fav.also_bought] == ["OAT", "MUG"]


def test_also_bought_window_voids_and_staleness(backend: Backend, clock: MovableClock) -> None:
    _products(backend)
    ann, bob = (backend.customers.create(NewCustomer(n)) for n in ("Ann", "Bob"))
    clock.at = NOW - timedelta(days=366)  # older than 12 months: not counted
    _buy(backend, ann, "COF", "MUG")
    clock.at = NOW - timedelta(days=364)
    _buy(backend, bob, "COF", "OAT")
    clock.at = NOW
    voided = _buy(backend, ann, "COF", "OAT")
    backend.interactions.void(voided, "typed on the wrong customer")
    assert backend.also_bought.rebuild_if_stale().built
    assert [(a.sku, a.customers) for a in backend.also_bought.for_sku("COF")] == [("OAT", 1)]
    # Nothing new: the table is kept as it is.
    assert not backend.also_bought.rebuild_if_stale().built
    _buy(backend, ann, "COF", "OAT")
    assert backend.also_bought.rebuild_if_stale().built
    assert [(a.sku, a.customers) for a in backend.also_bought.for_sku("COF")] == [("OAT", 2)]
    # A day later Bob's basket is out of the window: the window moving makes it stale.
    clock.at = NOW + timedelta(days=2)
    assert backend.also_bought.rebuild_if_stale().built
    assert [(a.sku, a.customers) for a in backend.also_bought.for_sku("COF")] == [("OAT", 1)]
