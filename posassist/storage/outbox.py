"""Appending changes to the outbox inside the caller's transaction, and pruning it.

The outbox row and the change it describes commit together or not at all; that is
what lets a register be killed at any instant and still lose nothing. Rows the central
database acknowledged are kept for :data:`ACKED_KEEP` (to look into a sync question
afterwards), then pruned, so a busy register's store does not grow without end.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from posassist.domain.fields import ERASED_VALUES
from posassist.errors import StoreError
from posassist.storage.orm import Outbox

if TYPE_CHECKING:
    from posassist.storage.database import Database

log = logging.getLogger(__name__)

ACKED_KEEP = timedelta(days=30)  # acked rows older than this are pruned (README: sync)
PRUNE_BATCH = 2000  # rows per write transaction: a cashier's save waits at most one batch


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


def prune_acked(
    db: Database, now: datetime, *, keep: timedelta = ACKED_KEEP, batch: int = PRUNE_BATCH
) -> int:
    """Delete acked outbox rows created before ``now - keep``; returns how many.

    Pending and dead rows are never touched (they are still to send, or for a manager
    to review). Each batch is its own short write transaction, so a cashier's save
    slips in between. The newest row of all is always kept: its HLC stamp is the
    register's high-water mark after a restart. Housekeeping must not fail a sync: a
    busy or full store is logged and tried again next time.
    """
    cutoff = now - keep
    newest = select(func.max(Outbox.seq)).scalar_subquery()
    doomed = (
        select(Outbox.seq)
        .where(Outbox.state == "acked", Outbox.created_at < cutoff, Outbox.seq < newest)
        .order_by(Outbox.seq)
        .limit(batch)
    )
    total = 0
    try:
        while True:
            with db.write() as s:
                result = s.execute(delete(Outbox).where(Outbox.seq.in_(doomed.scalar_subquery())))
                done = cast(CursorResult[Any], result).rowcount
            total += done
            if done < batch:
                break
    except (StoreError, OperationalError) as exc:
        log.warning("pruning acked outbox rows stopped after %d: %s", total, exc)
    if total:
        log.info("pruned %d acked outbox rows older than %s", total, cutoff.date())
    return total
