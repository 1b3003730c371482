"""The refit's read of visit days equals a plain computation over the ORM rows.

``queries.population_visit_days`` reads a million rows in well under a second by gluing
days in SQL and doing the merge, the voids and the de-duplication on numpy arrays. That
is easy to get subtly wrong, so these tests build real SQLite stores with the tricky
cases (several visits a day, a visit just before local midnight, voids, a void made
twice, merges, two registers merging one record offline, erased customers, customers
with no visit, walk-ins, days after ``as_of``) and compare it with the obvious loop.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from posassist.app import Backend
from posassist.services.customers import NewCustomer
from posassist.storage import queries as q
from posassist.storage.orm import Branch, Customer, CustomerAlias, Interaction, InteractionVoid
from tests.conftest import NOW, MovableClock


def reference(s: Session, as_of: date) -> list[tuple[str, list[int]]]:
    """Each customer's sorted distinct visit-day ordinals, the slow obvious way."""
    current: dict[uuid.UUID, CustomerAlias] = {}
    for a in s.scalars(select(CustomerAlias)):
        held = current.get(a.merged_id)
        if held is None or (a.merged_at, a.id.hex) > (held.merged_at, held.id.hex):
            current[a.merged_id] = a  # the latest merge of an id wins; ties: larger id
    voided = set(s.scalars(select(InteractionVoid.interaction_id)))
    days: dict[str, set[int]] = {}
    for i in s.scalars(select(Interaction)):
        if i.customer_id is None or i.id in voided or i.local_day > as_of:
            continue
        alias = current.get(i.customer_id)
        owner = alias.survivor_id if alias else i.customer_id
        days.setdefault(owner.hex, set()).add(i.local_day.toordinal())
    return [(cid, sorted(d)) for cid, d in sorted(days.items())]


def as_lists(read: q.VisitDays) -> list[tuple[str, list[int]]]:
    """The read's arrays back as (id, days) pairs, checking their shape on the way."""
    assert read.group.dtype == np.int64
    assert read.day.dtype == np.int64
    assert read.group.shape == read.day.shape
    if read.group.size:
        assert read.group[0] == 0
        assert np.all(np.diff(read.group) >= 0)
        assert np.all(np.diff(read.group) <= 1)  # group numbers 0..n-1 in order
        assert read.group[-1] == len(read.ids) - 1
    return [(cid, read.day[read.group == k].tolist()) for k, cid in enumerate(read.ids)]


def _new(backend: Backend, name: str) -> uuid.UUID:
    return backend.customers.create(NewCustomer(display_name=name))


def test_matches_the_reference_on_the_cases_that_trip_a_fast_read(
    backend: Backend, clock: MovableClock
) -> None:
    """Made through the services, as the register makes them."""
    regular, quiet, merged, survivor, voided_only, erased, future_only = (
        _new(backend, n)
        for n in ("Rita Regular", "Quinn Quiet", "Max Merged", "Sue Survivor", "Val Void",
                  "Erin Erased", "Fred Future")
    )  # fmt: skip
    day = NOW - timedelta(days=30)
    for hours in (0, 1, 2):  # three visits on one day: one visit day
        clock.at = day + timedelta(hours=hours)
        backend.interactions.log(regular, "purchase", basket_minor=100)
    # 03:30 UTC is 22:30 the evening before in New York: that is the day it counts on.
    clock.at = datetime(2026, 11, 2, 3, 30, tzinfo=UTC)
    backend.interactions.log(regular, "service")
    clock.at = datetime(2026, 11, 2, 5, 30, tzinfo=UTC)  # 00:30 on the 2nd in New York
    backend.interactions.log(regular, "service")
    for back in (20, 10):
        clock.at = NOW - timedelta(days=back)
        backend.interactions.log(merged, "purchase")
        backend.interactions.log(survivor, "purchase")  # same day on both: one day
    clock.at = NOW - timedelta(days=5)
    backend.interactions.log(merged, "service")
    kept = backend.interactions.log(survivor, "service")
    dropped = backend.interactions.log(survivor, "question")  # same day as ``kept``
    clock.at = NOW - timedelta(days=4)
    lone = backend.interactions.log(survivor, "question")  # alone on its day
    backend.customers.merge(merged, survivor)
    clock.at = NOW - timedelta(days=3)
    only = backend.interactions.log(voided_only, "purchase")
    clock.at = NOW - timedelta(days=2)
    backend.interactions.log(erased, "purchase")
    backend.interactions.log_walk_in("question")  # no customer: no one's visit
    clock.at = NOW + timedelta(days=2)
    backend.interactions.log(future_only, "purchase")
    backend.interactions.log(regular, "purchase")
    clock.at = NOW
    for entry in (dropped, lone, only):
        backend.interactions.void(entry, "logged on the wrong customer")
    assert backend.privacy.erase_customer(erased)

    with backend.db.read() as s:
        got = as_lists(q.population_visit_days(s, NOW.date()))
        assert got == reference(s, NOW.date())
        later = as_lists(q.population_visit_days(s, NOW.date() + timedelta(days=7)))
        assert later == reference(s, NOW.date() + timedelta(days=7))
        empty = q.population_visit_days(s, date(2000, 1, 1))
    by_id = dict(got)
    assert len(by_id[regular.hex]) == 3  # the day of three visits, the 1st, the 2nd
    assert date(2026, 11, 1).toordinal() in by_id[regular.hex]
    assert date(2026, 11, 2).toordinal() in by_id[regular.hex]
    assert merged.hex not in by_id  # a merged id's days are the survivor's
    assert len(by_id[survivor.hex]) == 3  # 20 and 10 days back, and 5 (``kept``)
    assert (NOW - timedelta(days=5)).date().toordinal() in by_id[survivor.hex]
    assert (NOW - timedelta(days=4)).date().toordinal() not in by_id[survivor.hex]
    assert kept != dropped
    for absent in (quiet, voided_only, future_only):
        assert absent.hex not in by_id
    assert erased.hex in by_id  # erasure blanks the person, not the fact of a visit
    assert empty.ids == []
    assert empty.group.size == 0
    assert empty.day.size == 0


def test_matches_the_reference_on_a_random_store_with_offline_conflicts(
    backend: Backend,
) -> None:
    """Rows written directly, to reach what the services refuse on one register but a
    sync can bring: an interaction voided by two registers, one record merged into two
    survivors (the latest merge wins), equal merge instants, a survivor later merged on."""
    rng = random.Random(20261120)
    with backend.db.write() as s:
        branch = s.scalars(select(Branch)).first()
        assert branch is not None
        people = [Customer(display_name=f"C{k}", name_key=f"c{k}") for k in range(60)]
        s.add_all(people)
        s.flush()
        visits = []
        for _ in range(900):
            when = NOW - timedelta(days=rng.randrange(-10, 400), minutes=rng.randrange(1440))
            visits.append(
                Interaction(
                    customer_id=rng.choice(people).id if rng.random() > 0.05 else None,
                    branch_id=branch.id,
                    occurred_at=when,
                    local_day=when.date(),
                    kind="purchase",
                )
            )
        s.add_all(visits)
        s.flush()
        for v in rng.sample(visits, 120):
            for _ in range(rng.choice((1, 1, 2))):  # some voided twice
                s.add(InteractionVoid(interaction_id=v.id, reason="x", voided_at=NOW))
        for merged in rng.sample(people, 15):
            for _ in range(rng.choice((1, 2))):  # some merged twice, offline
                survivor = rng.choice([p for p in people if p is not merged])
                at = NOW - timedelta(days=rng.choice((1, 2, 2)))  # equal instants too
                s.add(CustomerAlias(merged_id=merged.id, survivor_id=survivor.id, merged_at=at))
    with backend.db.read() as s:
        for as_of in (NOW.date(), NOW.date() - timedelta(days=200), NOW.date() + timedelta(9)):
            want = reference(s, as_of)
            assert as_lists(q.population_visit_days(s, as_of)) == want
            assert len(want) > 10  # the store is not trivially empty at that day


def test_customer_runs_give_the_same_answer_in_any_row_order() -> None:
    """The scan gives rows in id order (the fast path); the fallback for any other order
    must agree with it and with the obvious computation."""
    rng = random.Random(7)
    ids = sorted({uuid.UUID(int=rng.getrandbits(128)).hex for _ in range(50)})
    rows = [rng.choice(ids) for _ in range(400)]
    for order in (sorted(rows), rows):  # the index's order, then shuffled
        logged, index = q.customer_runs("".join(order).encode("ascii"))
        names = [c.decode("ascii") for c in logged.tolist()]
        assert names == sorted(set(order))
        assert [names[k] for k in index.tolist()] == order
