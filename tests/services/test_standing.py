"""Standing from visits, never from money — on a real store, through the services."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from posassist.app import Backend
from posassist.devtools.demo import DemoSpec, ensure_demo_store
from posassist.domain.flags import Tier
from posassist.services.customers import NewCustomer
from posassist.services.interactions import LineItem
from posassist.services.standing import StandingService
from tests.conftest import NOW, MovableClock, make_backend


@pytest.fixture(scope="module")
def store(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Backend, dict[str, uuid.UUID]]]:
    clock = MovableClock(NOW)
    backend = make_backend(tmp_path_factory.mktemp("standing"), clock)
    ensure_demo_store(backend.db, DemoSpec(customers=400, products=60, vendors=4), NOW.date())
    people = {
        "helper_weekly": backend.customers.create(NewCustomer("Wendy Weekly-Help")),
        "big_once": backend.customers.create(NewCustomer("Bill Bigspender")),
    }
    for week in range(40, 0, -1):
        clock.at = NOW - timedelta(days=7 * week)
        backend.interactions.log(people["helper_weekly"], "service", note="advice")
    clock.at = NOW - timedelta(days=120)
    backend.interactions.log(
        people["big_once"], "purchase", basket_minor=500_000, items=[LineItem("Grand piano")]
    )
    clock.at = NOW
    backend.standing.refit()
    yield backend, people
    backend.close()


def _flags(backend: Backend) -> dict[str, tuple[str, str, str]]:
    population = backend.standing._population
    assert population is not None
    return {cid: (f.tier.value, f.reasons, f.method) for cid, f in population.flags.items()}


def test_the_model_is_used_on_a_store_with_history(
    store: tuple[Backend, dict[str, uuid.UUID]],
) -> None:
    backend, _ = store
    fit = backend.standing.fit
    assert fit is not None
    assert fit.method == "model"
    counts = backend.standing.tier_counts()
    assert counts[Tier.REGULAR] > 0
    assert counts[Tier.LAPSING] > 0


def test_weekly_help_only_customer_is_regular_big_spender_is_not(
    store: tuple[Backend, dict[str, uuid.UUID]],
) -> None:
    backend, people = store
    helper = backend.customers.card(people["helper_weekly"])
    assert helper.flag.tier is Tier.REGULAR
    assert "usually every 7 days" in helper.flag.reasons
    assert helper.flag.method == "model"
    assert "model" in helper.flag_method_note
    big = backend.customers.card(people["big_once"])
    assert big.flag.tier is not Tier.REGULAR
    assert backend.standing.tier_of(people["helper_weekly"]) is Tier.REGULAR
    hit = backend.customers.search("wendy weekly help")[0]
    assert hit.tier is Tier.REGULAR


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    transform=st.sampled_from(["scale", "zero", "random", "null"]),
    factor=st.integers(min_value=2, max_value=1000),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_flags_and_reasons_ignore_basket_amounts(
    store: tuple[Backend, dict[str, uuid.UUID]], transform: str, factor: int, seed: int
) -> None:
    backend, people = store
    backend.standing.refit(store=False)
    before = _flags(backend)
    card_before = backend.customers.card(people["helper_weekly"]).flag
    with backend.db.write() as s:
        original = s.execute(text("SELECT id, basket_minor FROM interaction")).all()
        rng = random.Random(seed)
        for iid, basket in original:
            if transform == "scale":
                new = None if basket is None else basket * factor
            elif transform == "zero":
                new = 0
            elif transform == "null":
                new = None
            else:
                new = rng.randint(0, 10_000_000)
            s.execute(
                text("UPDATE interaction SET basket_minor = :b WHERE id = :i"), {"b": new, "i": iid}
            )
    try:
        backend.standing.refit(store=False)
        assert _flags(backend) == before
        assert backend.customers.card(people["helper_weekly"]).flag == card_before
    finally:
        with backend.db.write() as s:
            for iid, basket in original:
                s.execute(
                    text("UPDATE interaction SET basket_minor = :b WHERE id = :i"),
                    {"b": basket, "i": iid},
                )


def test_fit_is_cached_and_refit_only_when_a_day_old(tmp_path: Path, clock: MovableClock) -> None:
    backend = make_backend(tmp_path / "s", clock)
    try:
        assert backend.standing.fit is None
        assert backend.standing.needs_refit()
        card_id = backend.customers.create(NewCustomer("Solo"))
        backend.interactions.log(card_id, "question")
        flag = backend.customers.card(card_id).flag
        assert flag.method == "rules"  # too little history for a model
        assert "not been fitted" in backend.customers.card(card_id).flag_method_note
        backend.standing.refit()
        again = StandingService(backend.ctx)  # a restart reads the cached fit
        assert again.fit is not None
        assert not again.needs_refit()
        clock.at = NOW + timedelta(days=1, minutes=1)
        assert again.needs_refit()
        assert "too little history" in backend.customers.card(card_id).flag_method_note
    finally:
        backend.close()


def test_regulars_export_is_csv_safe(
    store: tuple[Backend, dict[str, uuid.UUID]], tmp_path: Path
) -> None:
    backend, _ = store
    rows = backend.standing.regulars()
    assert rows
    assert {r.flag.tier for r in rows} <= {Tier.REGULAR, Tier.LAPSING}
    out = tmp_path / "regulars.csv"
    assert backend.standing.export_regulars(out, rows) == len(rows)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("name,tier,visits")
    assert len(lines) == len(rows) + 1
    assert not (tmp_path / "regulars.csv.part").exists()
