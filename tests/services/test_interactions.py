"""Logging interactions: a visit without a purchase is a real record."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from posassist.app import Backend
from posassist.errors import InvalidInputError
from posassist.services.customers import NewCustomer
from posassist.services.interactions import LineItem
from posassist.storage.orm import Interaction, Outbox
from tests.conftest import NOW, MovableClock


@pytest.fixture
def cid(backend: Backend) -> uuid.UUID:
    return backend.customers.create(NewCustomer(display_name="Sam Regular"))


def test_visits_count_days_of_any_kind(
    backend: Backend, cid: uuid.UUID, clock: MovableClock
) -> None:
    for days_ago, kind in ((21, "service"), (14, "question"), (7, "purchase"), (7, "feedback")):
        clock.at = NOW - timedelta(days=days_ago)
        backend.interactions.log(cid, kind)
    clock.at = NOW
    card = backend.customers.card(cid)
    assert card.visits.visit_days_total == 3  # two interactions on one day are one visit
    assert card.visits.visit_days_90d == 3
    assert card.visits.usual_interval_days == 7.0
    assert card.greeting == "Welcome back — 4th visit, usually every 7 days"
    backend.interactions.log(cid, "service", note="helped choose a card")
    card = backend.customers.card(cid)
    assert card.visits.visit_days_total == 4
    assert card.timeline[0].kind == "service"
    assert card.timeline[0].note == "helped choose a card"


def test_purchase_with_basket_and_items(backend: Backend, cid: uuid.UUID) -> None:
    backend.interactions.log(
        cid, "purchase", basket_minor=1250, items=[LineItem("Coffee"), LineItem("Cake", 2)]
    )
    entry = backend.customers.card(cid).timeline[0]
    assert entry.basket_minor == 1250
    assert entry.items == ("Coffee", "2 × Cake")
    assert entry.staff_name == "Manager"


@pytest.mark.parametrize(
    ("kind", "kwargs", "field"),
    [
        ("dance", {}, "kind"),
        ("purchase", {"basket_minor": -5}, "basket"),
        ("service", {"basket_minor": 100}, "basket"),
        ("purchase", {"items": [LineItem("x", 0)]}, "items"),
        ("feedback", {"note": "n" * 30_000}, "note"),
    ],
)
def test_bad_interactions_write_nothing(
    backend: Backend, cid: uuid.UUID, kind: str, kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInputError) as err:
        backend.interactions.log(cid, kind, **kwargs)  # type: ignore[arg-type]
    assert err.value.field == field
    with backend.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Interaction)) == 0
        assert s.scalar(select(func.count()).where(Outbox.entity == "interaction")) == 0


def test_unknown_customer_is_refused(backend: Backend) -> None:
    with pytest.raises(InvalidInputError, match="no longer exists"):
        backend.interactions.log(uuid.uuid4(), "service")
