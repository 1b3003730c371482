"""A register's side of hold steps: a pulled step applied, a push's verdict recorded.

Both end in :func:`~posassist.storage.holds.refresh_state`, so the state a register
shows always follows the steps the central database accepted, in its order.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from posassist.storage.base import utcnow
from posassist.storage.holds import record_verdict, refresh_state
from posassist.storage.orm import HoldRequest, HoldStep, Outbox
from posassist.sync.central.holds import UNKNOWN_HOLD
from posassist.sync.outbox import mark
from posassist.sync.protocol import Op, OpResult, RejectedError, as_uuid
from posassist.sync.rows import payload_row

_STEPS: Table = HoldStep.__table__  # type: ignore[assignment]


def apply_step(s: Session, payload: dict[str, Any]) -> uuid.UUID | None:
    """A step the central database applied (another register's, or this one's own):
    kept as applied, and the hold's state follows. Returns the hold's customer."""
    row = payload_row(_STEPS, payload, skip=("outcome", "reason", "decided_at"))
    hold_id = as_uuid(payload.get("hold_id"), "hold id")
    customer = s.execute(
        select(HoldRequest.id, HoldRequest.customer_id).where(HoldRequest.id == hold_id)
    ).first()
    if customer is None:
        raise RejectedError("a step of a hold never received here")
    now = utcnow()
    stmt = sqlite_insert(_STEPS).values(**row, outcome="applied", reason="", decided_at=now)
    s.execute(
        stmt.on_conflict_do_update(
            index_elements=["id"], set_={"outcome": "applied", "reason": "", "decided_at": now}
        )
    )
    refresh_state(s, hold_id)
    return customer[1]


def settle_steps(s: Session, ops: list[Op], results: dict[uuid.UUID, OpResult]) -> None:
    """Record what the central database decided about this register's steps.

    "applied" and "ignored" are verdicts; "duplicate" (a resend after a lost answer)
    says nothing new: the step stays pending until its pulled copy says it was applied.
    A refused step (a dead letter) no longer moves the hold here: it is kept as ignored
    with the refusal, so the register shows the central state again. The one exception
    is a step of a hold central does not have yet (see ``UNKNOWN_HOLD``): it waits.
    """
    now = utcnow()
    for op in ops:
        result = results.get(op.op_id)
        if result is None or result.outcome == "duplicate":
            continue
        if result.outcome == "rejected":
            if result.reason == UNKNOWN_HOLD:
                continue
            reason = f"The central database refused this step: {result.reason}"
            record_verdict(s, uuid.UUID(op.entity_id), "ignored", reason, now)
            continue
        record_verdict(s, uuid.UUID(op.entity_id), result.outcome, result.reason, now)


def requeue_waiting(s: Session, hold_ids: set[uuid.UUID]) -> int:
    """Holds just pulled from central: this register's steps of them that were refused
    because central did not have the hold yet are sent again."""
    if not hold_ids:
        return 0
    wanted = {str(h) for h in hold_ids}
    rows = s.execute(
        select(Outbox.seq, Outbox.payload).where(
            Outbox.entity == "hold_step", Outbox.state == "dead", Outbox.last_error == UNKNOWN_HOLD
        )
    ).all()
    seqs = [seq for seq, data in rows if isinstance(data, dict) and data.get("hold_id") in wanted]
    mark(s, seqs, "pending")
    return len(seqs)
