"""Holds in the local store: asking, stepping, and the state both branches show.

A hold's ``state`` column is never written by hand: :func:`refresh_state` computes it
from the hold's steps with the domain's rule (the furthest step the central database
accepted, then this register's own steps still waiting for its verdict). So a pulled
step, a verdict from a push and a step taken here all end in the same call, and the
state cannot drift from the facts. Every write appends its outbox row in the caller's
transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from posassist.domain.fields import HOLD_FIELDS, HOLD_STEP_FIELDS
from posassist.domain.holds import ACTIVE, RANK, current_state
from posassist.storage.orm import Branch, Customer, HoldRequest, HoldStep, Register
from posassist.storage.outbox import append_change

HOLD_ENTITY = "hold"
STEP_ENTITY = "hold_step"
STEP_OP = "step"
# The hold's columns that travel (all of them: a hold is a fact), declared in domain/fields.py.
HOLD_COLUMNS = ("id", *HOLD_FIELDS)
STEP_COLUMNS = ("id", *HOLD_STEP_FIELDS)


def hold_payload(hold: HoldRequest) -> dict[str, Any]:
    return {c: getattr(hold, c) for c in HOLD_COLUMNS}


def step_payload(step: HoldStep) -> dict[str, Any]:
    return {c: getattr(step, c) for c in STEP_COLUMNS}


def add_hold(s: Session, hold: HoldRequest, stamp: str) -> None:
    """Store a new hold (requested) and its insert op."""
    hold.state = "requested"
    s.add(hold)
    s.flush()
    append_change(
        s, entity=HOLD_ENTITY, entity_id=hold.id, op="insert", payload=hold_payload(hold), hlc=stamp
    )


def take_step(
    s: Session,
    hold: HoldRequest,
    to_state: str,
    *,
    at: datetime,
    register_id: uuid.UUID,
    branch_id: uuid.UUID,
    stamp: str,
) -> HoldStep:
    """This register moves ``hold`` from the state it shows to ``to_state`` (checked by
    the caller); pending until the central database decides."""
    step = HoldStep(
        id=uuid.uuid4(),
        hold_id=hold.id,
        from_state=hold.state,
        to_state=to_state,
        at=at,
        register_id=register_id,
        branch_id=branch_id,
        outcome="pending",
        reason="",
    )
    s.add(step)
    s.flush()
    append_change(
        s, entity=STEP_ENTITY, entity_id=step.id, op=STEP_OP, payload=step_payload(step), hlc=stamp
    )
    refresh_state(s, hold.id)
    return step


def refresh_state(s: Session, hold_id: uuid.UUID) -> str:
    """Recompute the hold's state from its steps (see the module docstring)."""
    rows = s.execute(
        select(HoldStep.outcome, HoldStep.from_state, HoldStep.to_state)
        .where(HoldStep.hold_id == hold_id, HoldStep.outcome != "ignored")
        .order_by(HoldStep.at, HoldStep.id)
    ).all()
    applied = [to for outcome, _f, to in rows if outcome == "applied"]
    pending = [(f, to) for outcome, f, to in rows if outcome == "pending"]
    state = current_state(applied, pending)
    s.execute(
        update(HoldRequest)
        .where(HoldRequest.id == hold_id, HoldRequest.state != state)
        .values(state=state)
    )
    return state


def record_verdict(
    s: Session, step_id: uuid.UUID, outcome: str, reason: str, at: datetime
) -> uuid.UUID | None:
    """The central database's answer to one of this register's steps; the hold's id."""
    step = s.get(HoldStep, step_id)
    if step is None:
        return None
    step.outcome = outcome
    step.reason = reason[:500]
    step.decided_at = at
    s.flush()
    refresh_state(s, step.hold_id)
    return step.hold_id


def find_hold(s: Session, key: str) -> HoldRequest | None:
    """A hold by its id (or the id's first 8 characters) or by its code."""
    from posassist.domain.holds import normalise_code

    text = key.strip()
    try:
        hold = s.get(HoldRequest, uuid.UUID(text))
        if hold is not None:
            return hold
    except ValueError:
        pass
    hold = s.scalar(select(HoldRequest).where(HoldRequest.code == normalise_code(text)))
    if hold is None and len(text) >= 8:
        prefix = text.replace("-", "").lower()[:8]
        matches = [
            h
            for h in s.scalars(select(HoldRequest))
            if h.id.hex.startswith(prefix) and len(prefix) == 8
        ]
        hold = matches[0] if len(matches) == 1 else None
    return hold


@dataclass(frozen=True, slots=True)
class HoldRow:
    """One hold with the names a screen or a report shows."""

    id: uuid.UUID
    code: str
    state: str
    relay: bool
    sku: str
    product_name: str
    requesting_branch_id: uuid.UUID
    requesting_branch: str
    holding_branch_id: uuid.UUID
    holding_branch: str
    customer_id: uuid.UUID | None
    customer_name: str
    created_at: datetime
    expires_at: datetime


def _rows(s: Session, where: Any) -> list[HoldRow]:
    requesting = select(Branch.id, Branch.name).subquery()
    holding = select(Branch.id, Branch.name).subquery()
    rows = s.execute(
        select(
            HoldRequest.id,
            HoldRequest.code,
            HoldRequest.state,
            HoldRequest.relay,
            HoldRequest.sku,
            HoldRequest.product_name,
            HoldRequest.requesting_branch_id,
            requesting.c.name,
            HoldRequest.holding_branch_id,
            holding.c.name,
            HoldRequest.customer_id,
            Customer.display_name,
            HoldRequest.created_at,
            HoldRequest.expires_at,
        )
        .outerjoin(requesting, requesting.c.id == HoldRequest.requesting_branch_id)
        .outerjoin(holding, holding.c.id == HoldRequest.holding_branch_id)
        .outerjoin(Customer, Customer.id == HoldRequest.customer_id)
        .where(where)
        .order_by(HoldRequest.created_at.desc())
    ).all()
    return [
        HoldRow(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            r[7] or "",
            r[8],
            r[9] or "",
            r[10],
            r[11] or "",
            r[12],
            r[13],
        )
        for r in rows
    ]


def branch_holds(s: Session, branch_id: uuid.UUID) -> list[HoldRow]:
    """Every hold this branch asked for or holds, newest first."""
    return _rows(
        s,
        or_(
            HoldRequest.holding_branch_id == branch_id,
            HoldRequest.requesting_branch_id == branch_id,
        ),
    )


def customer_holds(s: Session, customer_ids: Sequence[uuid.UUID]) -> list[HoldRow]:
    return _rows(s, HoldRequest.customer_id.in_(customer_ids))


def hold_row(s: Session, hold_id: uuid.UUID) -> HoldRow | None:
    rows = _rows(s, HoldRequest.id == hold_id)
    return rows[0] if rows else None


@dataclass(frozen=True, slots=True)
class StepRow:
    hold_id: uuid.UUID
    from_state: str
    to_state: str
    at: datetime
    outcome: str
    reason: str
    register_name: str
    branch_name: str
    decided_at: datetime | None


def steps_of(s: Session, hold_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[StepRow]]:
    """Each hold's steps, oldest first, with who took them."""
    rows = s.execute(
        select(
            HoldStep.hold_id,
            HoldStep.from_state,
            HoldStep.to_state,
            HoldStep.at,
            HoldStep.outcome,
            HoldStep.reason,
            Register.name,
            Branch.name,
            HoldStep.decided_at,
        )
        .outerjoin(Register, Register.id == HoldStep.register_id)
        .outerjoin(Branch, Branch.id == HoldStep.branch_id)
        .where(HoldStep.hold_id.in_(list(hold_ids)))
        .order_by(HoldStep.at, HoldStep.id)
    ).all()
    out: dict[uuid.UUID, list[StepRow]] = {}
    for r in rows:
        out.setdefault(r[0], []).append(StepRow(*r[:6], r[6] or "", r[7] or "", r[8]))
    for steps in out.values():  # steps of one instant in chain order (always forward)
        steps.sort(key=lambda st: (st.at, RANK.get(st.to_state, 0)))
    return out


def due_holds(s: Session, branch_id: uuid.UUID, now: datetime) -> list[HoldRequest]:
    """Holds this branch holds whose time is up but are not recorded as over yet."""
    return list(
        s.scalars(
            select(HoldRequest).where(
                HoldRequest.holding_branch_id == branch_id,
                HoldRequest.state.in_(ACTIVE),
                HoldRequest.expires_at <= now,
            )
        )
    )


def told_since(
    s: Session, register_id: uuid.UUID, after: datetime | None
) -> list[tuple[datetime, str, str]]:
    """(when decided, hold code, the words) of this register's steps another register
    beat, decided after ``after``: what the message line tells. A lost expiry is not
    news (the other register recorded the same), so it is left out."""
    query = (
        select(HoldStep.decided_at, HoldRequest.code, HoldStep.reason)
        .join(HoldRequest, HoldRequest.id == HoldStep.hold_id)
        .where(
            HoldStep.register_id == register_id,
            HoldStep.outcome == "ignored",
            HoldStep.to_state != "expired",
            HoldStep.decided_at.is_not(None),
        )
        .order_by(HoldStep.decided_at)
    )
    if after is not None:
        query = query.where(HoldStep.decided_at > after)
    return [(at, code, reason) for at, code, reason in s.execute(query).all() if at is not None]
