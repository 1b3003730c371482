"""Appending changes to the outbox inside the caller's transaction.

The outbox row and the change it describes commit together or not at all; that is
what lets a register be killed at any instant and still lose nothing.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from posassist.domain.fields import ERASED_VALUES
from posassist.storage.orm import Outbox


def jsonable(value: Any) -> Any:
    """``value`` as JSON can hold it: ids as text, times and days in ISO 8601.

    The one conversion for every payload, whether a service queues it here or sync
    records or announces it (``posassist.sync``).
    """
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def append_change(
    session: Session,
    *,
    entity: str,
    entity_id: uuid.UUID,
    op: str,
    payload: dict[str, Any],
    hlc: str,
) -> Outbox:
    """Record one change for the sync worker to push later."""
    row = Outbox(
        op_id=uuid.uuid4(),
        entity=entity,
        entity_id=str(entity_id),
        op=op,
        payload=jsonable(payload),
        hlc=hlc,
        state="pending",
        attempts=0,
    )
    session.add(row)
    return row


def scrub_outbox(session: Session, customer_id: uuid.UUID) -> None:
    """Remove an erased customer's personal data from this register's outbox rows.

    Acked rows are history nobody needs; pending ones still go out (other rows point
    at the customer) but carry nothing personal.
    """
    rows = session.scalars(
        select(Outbox).where(Outbox.entity == "customer", Outbox.entity_id == str(customer_id))
    ).all()
    for row in rows:
        if row.op == "insert":
            row.payload = {**row.payload, **ERASED_VALUES}
        elif row.op == "update":
            row.payload = {k: v for k, v in row.payload.items() if k not in ERASED_VALUES}
