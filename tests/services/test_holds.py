"""Holds as use cases on one register's store: asking, marking, expiry, the queue, the slip."""

from __future__ import annotations

import dataclasses
import io
import uuid
from datetime import timedelta

import pypdf
import pytest
from sqlalchemy import select

from posassist.app import Backend
from posassist.domain.referral_codes import is_valid
from posassist.errors import InvalidInputError
from posassist.printing.hold_slip import HoldSlipData
from posassist.services.customers import NewCustomer
from posassist.storage.orm import Branch, BranchStock, HoldRequest, Outbox
from tests.conftest import NOW, MovableClock
from tests.small_store import SmallStore, fill


@pytest.fixture
def store(backend: Backend) -> SmallStore:
    return fill(backend)


@pytest.fixture
def maria(backend: Backend) -> uuid.UUID:
    return backend.customers.create(
        NewCustomer(
            "Maria Secret", phone="(212) 555-0142", card_code="C9990001", consent_contact=True
        )
    )


def _incoming(backend: Backend, store: SmallStore, customer: uuid.UUID, relay: bool) -> str:
    """A hold Riverside asked of this branch, as the central sync brings it."""
    with backend.db.write() as s:
        hold = HoldRequest(
            code="K7Q2-M9XD", requesting_branch_id=store.riverside,
            holding_branch_id=backend.ctx.branch_id, sku="P1", product_name="Classic notebook",
            customer_id=customer, relay=relay, created_at=NOW, expires_at=NOW + timedelta(days=3),
        )  # fmt: skip
        s.add(hold)
    return "K7Q2-M9XD"


def _ops(backend: Backend, entity: str) -> list[dict[str, object]]:
    with backend.db.read() as s:
        return [o.payload for o in s.scalars(select(Outbox).where(Outbox.entity == entity))]


def test_asking_another_branch_records_the_hold_and_its_op(
    backend: Backend, store: SmallStore, maria: uuid.UUID
) -> None:
    hold = backend.holds.request(store.riverside, "P2", maria, relay=True)
    assert is_valid(hold.code)
    assert (hold.state, hold.direction, hold.relay) == ("requested", "outgoing", True)
    assert (hold.product_name, hold.holding_branch) == (
        "Wireless headphones",
        "Corner & Co. Riverside",
    )
    assert hold.expires_at == NOW + timedelta(days=3)
    assert not hold.waiting_here  # Riverside acts next
    (payload,) = _ops(backend, "hold")
    assert (payload["code"], payload["state"], payload["relay"]) == (hold.code, "requested", True)
    card = backend.customers.card(maria)
    assert [(e.kind, e.note) for e in card.timeline if e.kind.startswith("hold_")] == [
        (
            "hold_requested",
            f"Hold {hold.code} at Corner & Co. Riverside: Wireless headphones "
            f"(bring it to {backend.ctx.branch_name})",
        )
    ]
    assert card.visits.visit_days_total == 0  # asking for a hold is no visit
    assert backend.holds.for_customer(maria)[0].code == hold.code


@pytest.mark.parametrize(
    ("branch", "sku", "field", "words"),
    [
        ("here", "P2", "branch", "That is this branch"),
        ("nowhere", "P2", "branch", "not known"),
        ("riverside", "NOPE", "sku", "No product with SKU 'NOPE'"),
    ],
)
def test_a_hold_that_cannot_be_asked_is_refused_and_nothing_is_written(
    backend: Backend, store: SmallStore, maria: uuid.UUID, branch: str, sku: str, field: str,
    words: str,
) -> None:  # fmt: skip
    target = {"here": backend.ctx.branch_id, "nowhere": uuid.uuid4(), "riverside": store.riverside}
    with pytest.raises(InvalidInputError, match=words) as exc:
        backend.holds.request(target[branch], sku, maria)
    assert exc.value.field == field
    assert _ops(backend, "hold") == []


def test_the_requesting_branch_may_cancel_but_not_accept(
    backend: Backend, store: SmallStore, maria: uuid.UUID
) -> None:
    hold = backend.holds.request(store.riverside, "P2", maria)
    with pytest.raises(InvalidInputError, match="only the branch holding the item"):
        backend.holds.mark(hold.code, "accepted")
    with pytest.raises(InvalidInputError, match="not a hold state"):
        backend.holds.mark(hold.code, "lost")
    assert backend.holds.mark(hold.code.lower(), "cancelled").state == "cancelled"
    with pytest.raises(InvalidInputError, match="this hold is cancelled already"):
        backend.holds.mark(str(hold.id), "cancelled")
    (step,) = _ops(backend, "hold_step")
    assert (step["hold_id"], step["from_state"], step["to_state"]) == (
        str(hold.id),
        "requested",
        "cancelled",
    )


def test_an_incoming_hold_is_accepted_readied_and_collected_here(
    backend: Backend, store: SmallStore, maria: uuid.UUID
) -> None:
    code = _incoming(backend, store, maria, relay=False)
    queue = backend.holds.queue()
    assert [(h.code, h.direction, h.requesting_branch) for h in queue.incoming] == [
        (code, "incoming", "Corner & Co. Riverside")
    ]
    assert queue.waiting == backend.holds.waiting_count() == 1
    for state in ("accepted", "ready", "collected"):
        assert backend.holds.mark(code, state).state == state
    assert backend.holds.waiting_count() == 0
    with pytest.raises(InvalidInputError, match="this hold is collected already"):
        backend.holds.mark(code, "collected")
    assert [s["to_state"] for s in _ops(backend, "hold_step")] == ["accepted", "ready", "collected"]
    steps = backend.holds.hold(code).steps
    assert [(st.to_state, st.outcome) for st in steps] == [
        ("accepted", "pending"), ("ready", "pending"), ("collected", "pending")
    ]  # fmt: skip


def test_a_hold_shows_expired_when_due_and_expiry_is_recorded_once(
    backend: Backend, store: SmallStore, maria: uuid.UUID, clock: MovableClock
) -> None:
    code = _incoming(backend, store, maria, relay=False)
    backend.holds.mark(code, "accepted")
    assert backend.holds.expire_due() == 0
    clock.at = NOW + timedelta(days=3)
    assert backend.holds.hold(code).state == "expired"  # shown at once
    with pytest.raises(InvalidInputError, match="expired on 23 Nov"):
        backend.holds.mark(code, "ready")
    assert backend.holds.expire_due() == 1
    assert backend.holds.expire_due() == 0
    assert [s["to_state"] for s in _ops(backend, "hold_step")] == ["accepted", "expired"]


def test_store_it_asks_by_branch_code_and_card_or_phone(
    backend: Backend, store: SmallStore, maria: uuid.UUID
) -> None:
    by_card = backend.holds.request_at("B02", "P2", "c9990001")
    by_phone = backend.holds.request_at("B02", "P1", "212 555 0142", relay=True)
    assert {by_card.customer_id, by_phone.customer_id} == {maria}
    with pytest.raises(InvalidInputError, match=r"No branch 'B9' \(known: B02, MAIN\)"):
        backend.holds.request_at("B9", "P2", "C9990001")
    with pytest.raises(InvalidInputError, match="No customer has that card or phone"):
        backend.holds.request_at("B02", "P2", "C0000000")


def test_the_held_for_you_slip_names_the_branch_and_never_the_customer(
    backend: Backend, store: SmallStore, maria: uuid.UUID
) -> None:
    with backend.db.write() as s:
        riverside = s.get(Branch, store.riverside)
        assert riverside is not None
        riverside.hours = "Mo-Fr 09:00-18:00; Sa 10:00-16:00"
    hold = backend.holds.request(store.riverside, "P2", maria)
    slip = backend.holds.slip(hold.code)
    text = " ".join(str(p.extract_text()) for p in pypdf.PdfReader(io.BytesIO(slip.pdf)).pages)
    flat = " ".join(text.split())
    for expected in (
        hold.code, "HELD FOR YOU AT", "Corner & Co. Riverside", "7 River Rd, Springfield",
        "+1 212 555 0102", "Mo-Fr 09:00-18:00", "Sa 10:00-16:00", "Wireless headphones",
        "Held until Monday 23 November 2026",
    ):  # fmt: skip
        assert expected in flat, expected
    for private in ("Maria", "Secret", "555-0142", "555 0142", "C9990001"):
        assert private not in flat
    fields = {f.name for f in dataclasses.fields(HoldSlipData)}
    assert fields == {
        "store_name", "logo_png", "item", "branch_name", "branch_address", "branch_phone",
        "branch_hours", "qr_url", "hold_code", "until", "relay", "issued_on",
    }  # fmt: skip


@pytest.mark.parametrize("end", ["cancelled", "collected", "expired"])
def test_no_slip_is_made_for_a_hold_that_is_over(
    backend: Backend, store: SmallStore, maria: uuid.UUID, clock: MovableClock, end: str
) -> None:
    code = _incoming(backend, store, maria, relay=False)
    if end == "expired":
        clock.at = NOW + timedelta(days=3)
    else:
        if end == "collected":
            backend.holds.mark(code, "ready")
        backend.holds.mark(code, end)
    with pytest.raises(InvalidInputError) as exc:
        backend.holds.slip(code)
    assert str(exc.value) == f"Hold {code} is {end}: there is nothing to collect, so no slip."


def test_asking_twice_for_the_same_item_is_refused_while_the_first_hold_is_going(
    backend: Backend, store: SmallStore, maria: uuid.UUID
) -> None:
    first = backend.holds.request(store.riverside, "P2", maria)
    with pytest.raises(InvalidInputError) as exc:
        backend.holds.request(store.riverside, "P2", maria, relay=True)
    assert str(exc.value) == (
        f"There is already a hold for this: code {first.code} (requested, until Mon 23 Nov 10:30)."
    )
    assert len(_ops(backend, "hold")) == 1
    backend.holds.request(store.riverside, "P1", maria)  # another item is another hold
    backend.holds.mark(first.code, "cancelled")
    again = backend.holds.request(store.riverside, "P2", maria)  # the first one is over
    assert again.code != first.code


def test_asking_a_branch_without_a_count_is_allowed_with_a_warning(
    backend: Backend, store: SmallStore, maria: uuid.UUID
) -> None:
    counted = backend.holds.request(store.riverside, "P2", maria)
    assert counted.warning == ""
    uncounted = backend.holds.request(store.riverside, "P1", maria)
    assert (
        uncounted.warning == "Corner & Co. Riverside has no count of P1: ask them by phone first."
    )
    with backend.db.write() as s:
        s.add(BranchStock(branch_id=store.riverside, sku="P3", on_hand=0, as_of=NOW))
    empty = backend.holds.request(store.riverside, "P3", maria)
    assert empty.warning == "Corner & Co. Riverside counted 0 of P3: ask them by phone first."
    assert backend.holds.hold(empty.code).state == "requested"


def test_the_hold_slip_pdf_is_titled_by_its_code_not_as_a_referral(
    backend: Backend, store: SmallStore, maria: uuid.UUID
) -> None:
    hold = backend.holds.request(store.riverside, "P2", maria)
    slip = backend.holds.slip(hold.code)
    meta = pypdf.PdfReader(io.BytesIO(slip.pdf)).metadata
    assert meta is not None
    assert meta.title == f"Hold slip {hold.code}" == slip.title
    assert meta.subject == f"Hold {hold.code}"


def test_each_hold_step_on_the_timeline_is_named_by_what_happened(
    backend: Backend, store: SmallStore, maria: uuid.UUID
) -> None:
    from posassist.ui.formatting import kind_label

    code = _incoming(backend, store, maria, relay=True)
    for state in ("accepted", "on_its_way", "cancelled"):
        if state == "cancelled":
            other = backend.holds.request(store.riverside, "P2", maria)
            backend.holds.mark(other.code, state)
        else:
            backend.holds.mark(code, state)
    held = [e for e in backend.customers.card(maria).timeline if e.kind.startswith("hold_")]
    assert sorted(kind_label(e.kind) for e in held) == sorted(
        ["Hold requested", "Hold accepted", "On its way", "Hold requested", "Hold cancelled"]
    )
    for e in held:
        assert e.note.startswith("Hold "), e.note  # the code first: a cut note still has it
        assert " at " in e.note.split(":")[0]
    assert "Item held" not in {kind_label(e.kind) for e in held}
