"""Holds and relays between branches against a real PostgreSQL.

Branch A (Downtown, one register) asks branch B (Northside, Till 1 and Till 2) to hold an
item. Every step is a fact that syncs; two registers acting at once are decided by the
central database (first in server order wins) and the other is told in plain words.
Each test ends with the convergence check.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from posassist.errors import InvalidInputError, SyncError
from posassist.services.context import branch_id_for
from posassist.storage.orm import Branch, HoldStep, Outbox, SyncState
from posassist.sync.pull import CURSOR_KEY
from tests.sync.helpers import (
    Central,
    MakeReg,
    Reg,
    add_customer,
    assert_converged,
    assert_exactly_once,
    central_state,
    converge,
)

NORTHSIDE = branch_id_for("B02")


def _set_up(reg: Reg, branch_name: str) -> None:
    """What an install and the catalog sync would have given the register."""
    with reg.db.write() as s:
        branch = s.get(Branch, reg.backend.ctx.branch_id)
        assert branch is not None
        branch.name = branch_name
        branch.address = f"1 {branch_name} Road"
        branch.phone = "+1 212 555 0100"
        branch.hours = "Mo-Sa 09:00-18:00"
    # The catalogue as store IT imports it (a shared row: one row however many import it).
    products = reg.backend.settings.data_dir / "products.csv"
    products.write_text("sku,name,category\nP2,Wireless headphones,Audio\n", encoding="utf-8")
    reg.backend.catalog.import_products(products)
    reg.backend.interactions.log_walk_in("question")  # so the first push announces it


def _chain(registers: MakeReg, *tills: str, clock: object = None) -> tuple[Reg, list[Reg]]:
    a = registers("Register A", branch="B01")
    _set_up(a, "Downtown")
    kwargs = {"clock": clock} if clock is not None else {}
    bs = [registers(name, branch="B02", **kwargs) for name in tills]
    for b in bs:
        _set_up(b, "Northside")
    converge([a, *bs], rounds=2)
    return a, bs


def _state(reg: Reg, code: str) -> str:
    return reg.backend.holds.hold(code).state


def test_b_accepts_and_readies_a_hold_that_a_sees_also_after_being_offline(
    registers: MakeReg, central: Central
) -> None:
    a, (b,) = _chain(registers, "Till 1")
    maria = add_customer(a, "Maria Lopez", card_code="C1000042")
    hold = a.backend.holds.request(NORTHSIDE, "P2", maria)
    assert (hold.state, hold.direction, hold.holding_branch) == (
        "requested",
        "outgoing",
        "Northside",
    )
    converge([a, b], rounds=1)

    incoming = b.backend.holds.queue().incoming
    assert [(h.code, h.state, h.customer_name, h.waiting_here) for h in incoming] == [
        (hold.code, "requested", "Maria Lopez", True)
    ]
    assert b.backend.holds.waiting_count() == 1
    b.backend.holds.mark(hold.code, "accepted")
    b.sync.sync_once()
    b.backend.holds.mark(hold.code, "ready")
    b.sync.sync_once()

    # A was not syncing while B acted, and then the central database is down: A shows
    # the last state it knew, and nothing is lost.
    assert _state(a, hold.code) == "requested"
    central.server.stop("immediate")
    with pytest.raises(SyncError):
        a.sync.sync_once()
    assert _state(a, hold.code) == "requested"
    central.ensure_running()
    report = a.sync.sync_once()
    assert _state(a, hold.code) == "ready"
    assert maria in report.customers_touched  # so an open card of hers reloads
    view = a.backend.holds.hold(hold.code)
    assert [(st.to_state, st.by) for st in view.steps] == [
        ("accepted", "Till 1 at Northside"),
        ("ready", "Till 1 at Northside"),
    ]
    assert not view.waiting_here  # the customer collects at Northside
    # The customer's card shows the hold and each of its steps, at both branches.
    for reg in (a, b):
        held = [e for e in reg.backend.customers.card(maria).timeline if e.kind[:5] == "hold_"]
        assert len(held) == 3
        assert all(f"Hold {hold.code} at Northside" in e.note for e in held)
        assert [e.kind for e in held] == ["hold_ready", "hold_accepted", "hold_requested"]
    converge([a, b])
    assert_converged(central, [a, b])
    assert_exactly_once(central, [a, b])


def test_two_tills_accept_the_same_hold_at_once_one_wins_and_the_other_is_told(
    registers: MakeReg, central: Central
) -> None:
    a, (b1, b2) = _chain(registers, "Till 1", "Till 2")
    maria = add_customer(a, "Maria Lopez", card_code="C1000042")
    hold = a.backend.holds.request(NORTHSIDE, "P2", maria)
    converge([a, b1, b2], rounds=1)
    for till in (b1, b2):
        assert till.backend.holds.mark(hold.code, "accepted").state == "accepted"  # optimistic

    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def push(reg: Reg) -> None:
        start.wait()
        try:
            reg.sync.sync_once()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=push, args=(r,)) for r in (b1, b2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    converge([a, b1, b2])

    rows = central.query("SELECT register_id, at FROM hold_step WHERE to_state = 'accepted'")
    assert len(rows) == 1  # one accept was applied centrally
    winner = b1 if rows[0][0] == b1.backend.ctx.register_id else b2
    loser = b2 if winner is b1 else b1
    at = rows[0][1].astimezone(winner.backend.ctx.tz)
    told = f"{winner.name} at Northside accepted this hold first ({at:%H:%M})"
    view = loser.backend.holds.hold(hold.code)
    assert (view.state, view.told) == ("accepted", told)
    assert [n[1] for n in loser.backend.holds.notices_since(None)] == [f"Hold {hold.code}: {told}."]
    assert winner.backend.holds.hold(hold.code).told == ""
    assert winner.backend.holds.notices_since(None) == []
    with loser.db.read() as s:
        outcomes = sorted(st.outcome for st in s.query(HoldStep).all())
    assert outcomes == ["applied", "ignored"]  # its own step is kept, as told
    assert all(_state(r, hold.code) == "accepted" for r in (a, b1, b2))
    # Told, not refused: no dead letter anywhere.
    assert loser.sync.status().queue.dead == 0
    # The loser goes on from the state the server has.
    assert loser.backend.holds.mark(hold.code, "ready").state == "ready"
    converge([a, b1, b2])
    assert all(_state(r, hold.code) == "ready" for r in (a, b1, b2))
    assert_converged(central, [a, b1, b2])
    assert_exactly_once(central, [a, b1, b2])


def test_a_relay_goes_on_its_way_and_is_collected_at_the_requesting_branch(
    registers: MakeReg, central: Central
) -> None:
    a, (b,) = _chain(registers, "Till 1")
    maria = add_customer(a, "Maria Lopez", card_code="C1000042")
    hold = a.backend.holds.request(NORTHSIDE, "P2", maria, relay=True)
    converge([a, b], rounds=1)
    with pytest.raises(InvalidInputError, match="relay"):
        b.backend.holds.mark(hold.code, "ready")
    b.backend.holds.mark(hold.code, "on_its_way")
    converge([b, a], rounds=1)
    view = a.backend.holds.hold(hold.code)
    assert (view.state, view.waiting_here) == ("on_its_way", True)  # A receives it
    assert a.backend.holds.waiting_count() == 1
    with pytest.raises(InvalidInputError, match="brought to"):
        b.backend.holds.mark(hold.code, "collected")
    a.backend.holds.mark(hold.code, "collected")
    converge([a, b])
    assert _state(b, hold.code) == "collected"
    with pytest.raises(InvalidInputError, match="collected already"):
        a.backend.holds.mark(hold.code, "cancelled")
    steps = {r[2:4] for r in central_state(central)["hold_step"]}
    assert steps == {("requested", "on_its_way"), ("on_its_way", "collected")}
    assert_converged(central, [a, b])
    assert_exactly_once(central, [a, b])


class _Clock:
    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead


def test_expiry_recorded_by_two_tills_of_the_holding_branch_is_quietly_one_step(
    registers: MakeReg, central: Central
) -> None:
    clock = _Clock()
    a, (b1, b2) = _chain(registers, "Till 1", "Till 2", clock=clock)
    maria = add_customer(a, "Maria Lopez", card_code="C1000042")
    hold = a.backend.holds.request(NORTHSIDE, "P2", maria)
    converge([a, b1, b2], rounds=1)
    assert a.backend.holds.expire_due() == 0  # A does not hold it; and it is not due
    clock.ahead = timedelta(days=4)
    assert b1.backend.holds.hold(hold.code).state == "expired"  # shown at once, when due
    assert b1.backend.holds.expire_due() == 1
    assert b2.backend.holds.expire_due() == 1
    converge([a, b1, b2])
    assert central.query("SELECT count(*) FROM hold_step")[0][0] == 1
    assert all(_state(r, hold.code) == "expired" for r in (a, b1, b2))
    assert b1.backend.holds.notices_since(None) == []  # a lost expiry is not news
    assert b2.backend.holds.notices_since(None) == []
    assert b2.sync.status().queue.dead == 0
    assert b1.sync.status().queue.dead == 0
    assert_converged(central, [a, b1, b2])
    assert_exactly_once(central, [a, b1, b2])


def test_a_step_resent_after_a_lost_answer_is_learned_from_the_pull(
    registers: MakeReg, central: Central
) -> None:
    a, (b,) = _chain(registers, "Till 1")
    maria = add_customer(a, "Maria Lopez", card_code="C1000042")
    hold = a.backend.holds.request(NORTHSIDE, "P2", maria)
    converge([a, b], rounds=1)
    assert b.backend.holds.mark(hold.code, "accepted").state == "accepted"
    b.sync.sync_once()
    with b.db.write() as s:  # as if the push's answer had been lost after the commit
        s.execute(update(HoldStep).values(outcome="pending", decided_at=None))
        s.execute(update(Outbox).where(Outbox.entity == "hold_step").values(state="pending"))
        s.execute(update(SyncState).where(SyncState.key == CURSOR_KEY).values(value="0"))
    b.sync.sync_once()  # the resend is a duplicate; the pull tells it was applied
    with b.db.read() as s:
        assert s.scalars(select(HoldStep.outcome)).all() == ["applied"]
    assert _state(b, hold.code) == "accepted"
    converge([a, b])
    assert_converged(central, [a, b])
    assert_exactly_once(central, [a, b])


def test_days_offline_show_honest_ages_and_the_last_known_state_and_an_expiry_syncs_once(
    registers: MakeReg, central: Central
) -> None:
    """Till 1 is cut off for four days: its stock of Downtown shows its true age, the
    hold its last known state (until due, then expired here), and the expiry it records
    offline reaches central once when it is back, beside Till 2's."""
    clock = _Clock()
    a, (b1, b2) = _chain(registers, "Till 1", "Till 2", clock=clock)
    maria = add_customer(a, "Maria Lopez", card_code="C1000042")
    hold = a.backend.holds.request(NORTHSIDE, "P2", maria)
    a.backend.catalog.set_stock("P2", 5)
    converge([a, b1, b2], rounds=1)
    b1.backend.holds.mark(hold.code, "accepted")
    converge([b1, a, b2], rounds=1)

    central.server.stop("immediate")
    clock.ahead = timedelta(days=1)
    with pytest.raises(SyncError):
        b1.sync.sync_once()
    (downtown,) = b1.backend.catalog.stock("B01")
    assert b1.backend.catalog.age(downtown.items[0].as_of) == "as of 24 h ago"
    assert _state(b1, hold.code) == "accepted"  # the last state it knew
    clock.ahead = timedelta(days=4)
    assert b1.backend.holds.expire_due() == 1  # recorded offline, pending
    assert _state(b1, hold.code) == "expired"
    assert "4 days ago" in b1.backend.catalog.age(downtown.items[0].as_of)
    with pytest.raises(SyncError):
        b1.sync.sync_once()

    central.ensure_running()
    assert b2.backend.holds.expire_due() == 1  # Till 2 records it too, online
    converge([b2, b1, a])
    assert central.query("SELECT to_state FROM hold_step ORDER BY at") == [
        ("accepted",),
        ("expired",),
    ]
    assert all(_state(r, hold.code) == "expired" for r in (a, b1, b2))
    assert b1.backend.holds.notices_since(None) == []  # the other till's expiry: no news
    assert all(r.sync.status().queue.dead == 0 for r in (a, b1, b2))
    assert_converged(central, [a, b1, b2])
    assert_exactly_once(central, [a, b1, b2])


def test_a_step_the_central_database_refuses_is_a_dead_letter_and_the_hold_shows_its_state(
    registers: MakeReg, central: Central
) -> None:
    """A step no rule allows (written by an older version, say: requested → collected)
    is refused with its reason; the register shows the hold as central has it, its
    own step kept as refused (not pending for ever), and the steps after it flow."""
    from posassist.storage.holds import find_hold, take_step

    a, (b,) = _chain(registers, "Till 1")
    maria = add_customer(a, "Maria Lopez", card_code="C1000042")
    hold = a.backend.holds.request(NORTHSIDE, "P2", maria)
    converge([a, b], rounds=1)
    ctx = b.backend.ctx
    with b.db.write() as s:
        row = find_hold(s, hold.code)
        assert row is not None
        take_step(
            s,
            row,
            "collected",
            at=ctx.now(),
            register_id=ctx.register_id,
            branch_id=ctx.branch_id,
            stamp=ctx.stamp(),
        )
    b.sync.sync_once()
    (letter,) = b.sync.dead_letters()
    assert letter.entity == "hold_step"
    assert "collected" in letter.reason, letter.reason
    assert _state(b, hold.code) == "requested"
    with b.db.read() as s:
        assert s.scalars(select(HoldStep.outcome)).all() == ["ignored"]
    b.backend.holds.mark(hold.code, "accepted")  # the next step flows
    converge([a, b])
    assert _state(a, hold.code) == _state(b, hold.code) == "accepted"
    with b.db.read() as s:
        dead = s.scalars(select(Outbox.seq).where(Outbox.state == "dead")).all()
    assert_converged(central, [a, b])
    assert_exactly_once(central, [a, b], dead={b.name: set(dead)})
