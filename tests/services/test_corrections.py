"""Corrections are facts: walk-ins, voids, Ctrl+Z, edits and merges on a real SQLite file."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from posassist.app import Backend
from posassist.errors import InvalidInputError
from posassist.services.corrections import UNDONE_REASON, CannotUndoError
from posassist.services.customers import ContactDetails, NewCustomer
from posassist.storage import queries as q
from posassist.storage.orm import Customer, CustomerAlias, Interaction, InteractionVoid, Outbox
from tests.conftest import NOW, MovableClock


def _new(backend: Backend, name: str, **kw: object) -> uuid.UUID:
    consent = bool(kw.get("phone") or kw.get("email"))
    return backend.customers.create(NewCustomer(display_name=name, consent_contact=consent, **kw))  # type: ignore[arg-type]


def _ops(backend: Backend, entity: str) -> list[Outbox]:
    with backend.db.read() as s:
        rows = list(s.scalars(select(Outbox).where(Outbox.entity == entity)))
        s.expunge_all()
        return rows


# -- walk-ins ---------------------------------------------------------------------------
def test_walk_ins_count_per_day_and_branch_never_on_a_customer(
    backend: Backend, clock: MovableClock
) -> None:
    cid = _new(backend, "Sam Regular")
    backend.interactions.log(cid, "service")  # a customer's help is no walk-in
    clock.at = NOW - timedelta(days=1)
    backend.interactions.log_walk_in("question")
    clock.at = NOW
    backend.interactions.log_walk_in("service", note="showed the way to the post office")
    backend.interactions.log_walk_in("service")
    voided = backend.interactions.log_walk_in("question")
    backend.interactions.void(voided, "typed twice")
    rows = backend.interactions.walk_ins(NOW.date() - timedelta(days=7), NOW.date())
    assert [(r.day, r.helped, r.questions) for r in rows] == [
        (NOW.date(), 2, 0),
        (NOW.date() - timedelta(days=1), 0, 1),
    ]
    assert len({r.branch_code for r in rows}) == 1  # one branch here
    with backend.db.read() as s:
        walk = s.scalars(select(Interaction).where(Interaction.customer_id.is_(None))).all()
    assert len(walk) == 4
    # It syncs like any visit: an interaction op with no customer.
    payloads = [o.payload for o in _ops(backend, "interaction")]
    assert sum(p["customer_id"] is None for p in payloads) == 4


def test_walk_in_refuses_other_kinds_and_bad_ranges(backend: Backend) -> None:
    with pytest.raises(InvalidInputError) as exc:
        backend.interactions.log_walk_in("purchase")
    assert exc.value.field == "kind"
    with pytest.raises(InvalidInputError) as exc:
        backend.interactions.walk_ins(date(2026, 2, 1), date(2026, 1, 1))
    assert exc.value.field == "since"


# -- voids and Ctrl+Z ---------------------------------------------------------------------
def test_void_strikes_the_entry_and_it_stops_counting(
    backend: Backend, clock: MovableClock
) -> None:
    cid = _new(backend, "Vera Void")
    clock.at = NOW - timedelta(days=7)
    first = backend.interactions.log(cid, "service")
    clock.at = NOW
    backend.interactions.log(cid, "purchase", basket_minor=500)
    assert backend.customers.card(cid).visits.visit_days_total == 2
    backend.interactions.void(first, "logged on the wrong customer")
    card = backend.customers.card(cid)
    assert card.visits.visit_days_total == 1
    assert card.greeting == backend.customers.card(cid).greeting
    assert "2nd visit" not in card.greeting
    entry = next(e for e in card.timeline if e.id == first)
    assert entry.void_reason == "logged on the wrong customer"  # still there, struck
    assert len(card.timeline) == 2
    with backend.db.read() as s:
        read = q.population_visit_days(s, NOW.date())
        (mine,) = (k for k, c in enumerate(read.ids) if c == cid.hex)
        assert (read.group == mine).sum() == 1  # the value model skips it too
        assert s.get(Interaction, first) is not None  # history not rewritten
    (op,) = _ops(backend, "interaction_void")
    assert op.op == "insert"
    assert op.payload["interaction_id"] == str(first)
    assert op.payload["reason"] == "logged on the wrong customer"


@pytest.mark.parametrize("reason", ["", "   ", "x" * 600])
def test_void_needs_a_reason(backend: Backend, reason: str) -> None:
    iid = backend.interactions.log_walk_in("service")
    with pytest.raises(InvalidInputError) as exc:
        backend.interactions.void(iid, reason)
    assert exc.value.field == "reason"
    with backend.db.read() as s:
        assert s.scalar(select(func.count()).select_from(InteractionVoid)) == 0


def test_void_twice_or_of_nothing_is_refused(backend: Backend) -> None:
    iid = backend.interactions.log_walk_in("service")
    backend.interactions.void(iid, "test")
    with pytest.raises(InvalidInputError, match="already voided"):
        backend.interactions.void(iid, "again")
    with pytest.raises(InvalidInputError, match="does not exist"):
        backend.interactions.void(uuid.uuid4(), "why")
    assert len(_ops(backend, "interaction_void")) == 1


def test_undo_takes_back_only_the_last_log_within_ten_minutes(
    backend: Backend, clock: MovableClock
) -> None:
    with pytest.raises(CannotUndoError, match="not logged anything"):
        backend.interactions.undo_last()
    cid = _new(backend, "Una Undo")
    backend.interactions.log(cid, "service")
    clock.at = NOW + timedelta(minutes=1)
    last = backend.interactions.log(cid, "question")
    clock.at = NOW + timedelta(minutes=9)
    undone = backend.interactions.undo_last()
    assert (undone.interaction_id, undone.kind, undone.customer_id) == (last, "question", cid)
    with backend.db.read() as s:
        (reason,) = s.scalars(select(InteractionVoid.reason)).all()
    assert reason == UNDONE_REASON
    # The one before is not "the last": Ctrl+Z again says so plainly.
    with pytest.raises(CannotUndoError, match="already undone"):
        backend.interactions.undo_last()
    backend.interactions.log_walk_in("service")
    clock.at = NOW + timedelta(minutes=20)
    with pytest.raises(CannotUndoError, match="more than 10 minutes ago") as exc:
        backend.interactions.undo_last()
    assert "manager" in str(exc.value).lower()


# -- edits ------------------------------------------------------------------------------
def test_edit_writes_only_changed_fields_with_the_same_rules_as_new(backend: Backend) -> None:
    cid = _new(backend, "Ed Itor", phone="(212) 555-0123")
    before = _ops(backend, "customer")
    changed = backend.customers.edit(
        cid, ContactDetails("Edward Itor", "(212) 555-0123", "ed@example.com", "PA777777", True)
    )
    assert changed
    ops = _ops(backend, "customer")[len(before) :]
    assert [o.op for o in ops] == ["update"]
    assert set(ops[0].payload) == {"display_name", "email", "card_code"}
    with backend.db.read() as s:
        c = s.get(Customer, cid)
        assert c is not None
        assert (c.display_name, c.name_key, c.email, c.card_code) == (
            "Edward Itor",
            "edward itor",
            "ed@example.com",
            "PA777777",
        )
        assert c.field_clocks["email"] == ops[0].hlc
    assert [h.id for h in backend.customers.search("Edward Itor")] == [cid]
    assert not backend.customers.edit(cid, backend.customers.contact_details(cid))


@pytest.mark.parametrize(
    ("details", "field"),
    [
        (ContactDetails(""), "name"),
        (ContactDetails("Ann", phone="12"), "phone"),
        (ContactDetails("Ann", email="not-an-email", consent_contact=True), "email"),
        (ContactDetails("Ann", phone="(212) 555-0199"), "consent"),
        (ContactDetails("Ann", card_code="PA00000001"), "card"),
    ],
)
def test_edit_refusals_name_their_field_and_change_nothing(
    backend: Backend, details: ContactDetails, field: str
) -> None:
    _new(backend, "Card Holder", card_code="PA00000001")
    cid = _new(backend, "Ann")
    before = len(_ops(backend, "customer"))
    with pytest.raises(InvalidInputError) as exc:
        backend.customers.edit(cid, details)
    assert exc.value.field == field
    assert len(_ops(backend, "customer")) == before


# -- merges -------------------------------------------------------------------------------
def test_merge_moves_history_to_the_survivor_without_rewriting_it(
    backend: Backend, clock: MovableClock
) -> None:
    keep = _new(backend, "Maria Keep", card_code="PA100100")
    dup = _new(backend, "Mary Duplicate", card_code="PA200200")
    clock.at = NOW - timedelta(days=3)
    old_visit = backend.interactions.log(dup, "service")
    clock.at = NOW
    backend.interactions.log(keep, "purchase")
    backend.customers.merge(dup, keep)
    card = backend.customers.card(keep)
    assert card.visits.visit_days_total == 2
    assert old_visit in {e.id for e in card.timeline}
    assert backend.customers.card(dup).id == keep  # the old id opens the survivor
    with backend.db.read() as s:
        moved = s.get(Interaction, old_visit)
        assert moved is not None
        assert moved.customer_id == dup  # not rewritten
        assert q.population_visit_days(s, NOW.date()).ids == [keep.hex]
    # Search never shows the merged customer as a separate person.
    for query in ("Mary Duplicate", "PA200200", "Maria Keep"):
        assert [h.id for h in backend.customers.search(query)] == [keep], query
    # A log on the old id lands on the survivor.
    later = backend.interactions.log(dup, "question")
    with backend.db.read() as s:
        row = s.get(Interaction, later)
        assert row is not None
        assert row.customer_id == keep
    (op,) = _ops(backend, "customer_alias")
    assert (op.payload["merged_id"], op.payload["survivor_id"]) == (str(dup), str(keep))


def test_merge_into_a_merge_re_points_the_chain(backend: Backend) -> None:
    a, b, c = (_new(backend, n) for n in ("Ann One", "Ann Two", "Ann Three"))
    backend.interactions.log(a, "service")
    backend.customers.merge(a, b)
    backend.customers.merge(b, c)
    assert backend.customers.card(a).id == c
    assert backend.customers.card(c).visits.visit_days_total == 1
    with backend.db.read() as s:
        aliases = {(x.merged_id, x.survivor_id) for x in s.scalars(select(CustomerAlias))}
    assert {(a, c), (b, c)} <= aliases


def test_merge_refusals(backend: Backend) -> None:
    a, b, c = (_new(backend, n) for n in ("Pat A", "Pat B", "Pat C"))
    with pytest.raises(InvalidInputError, match="two different"):
        backend.customers.merge(a, a)
    backend.customers.merge(a, b)
    with pytest.raises(InvalidInputError, match="already merged"):
        backend.customers.merge(a, c)
    with pytest.raises(InvalidInputError, match="already merged"):
        backend.customers.merge(c, a)
    backend.privacy.erase_customer(c)
    with pytest.raises(InvalidInputError, match="no longer exists"):
        backend.customers.merge(b, c)
    assert len(_ops(backend, "customer_alias")) == 1


def test_erasing_a_merged_customer_erases_both(backend: Backend) -> None:
    keep = _new(backend, "Erin Keep", phone="(212) 555-0111")
    dup = _new(backend, "Erin Dup", email="erin@example.com")
    backend.customers.merge(dup, keep)
    assert backend.privacy.erase_customer(dup)
    with backend.db.read() as s:
        for cid in (keep, dup):
            c = s.get(Customer, cid)
            assert c is not None
            assert c.erased_at is not None
            assert c.phone_e164 is None
            assert c.email is None
    assert backend.customers.search("Erin") == []
    assert not backend.privacy.erase_customer(keep)
