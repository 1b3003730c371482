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
from posassist.storage.orm import HoldRequest, HoldStep
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
    """
    now = utcnow()
    for op in ops:
        result = results.get(op.op_id)
        if result is None or result.outcome not in ("applied", "ignored"):
            continue
        record_verdict(s, uuid.UUID(op.entity_id), result.outcome, result.reason, now)
