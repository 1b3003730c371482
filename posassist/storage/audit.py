"""Writing and reading the hash-chained audit trail (``domain/audit_chain.py``).

:func:`append` numbers the entry after this register's last one and links it to that
entry's hash, inside the caller's write session: the store has one writer at a time
(``db.write()`` is ``BEGIN IMMEDIATE``), so two entries can never take the same number.
The entry's outbox row (entity ``audit_entry``) is added in the same transaction.

Every service writes through :func:`append` (``services/audit_trail.py record``). A row
added some other way (``s.add(AuditLog(...))`` without a number, say by a future caller or
a script) is still chained the same way when the session flushes
(:func:`_chain_unnumbered`), so no path can write an entry outside the chain.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from posassist.domain.audit_chain import GENESIS, Entry, chained, check_action, entry_id
from posassist.domain.hlc import Timestamp
from posassist.storage.base import utcnow
from posassist.storage.orm import AuditLog, SyncState
from posassist.storage.outbox import append_change

AUDIT_ENTITY = "audit_entry"  # the outbox entity of an entry (sync/protocol.py)
_REGISTER_KEY = "register_id"  # where a store remembers its register (services/context.py)


def append(
    s: Session,
    *,
    register_id: uuid.UUID,
    at: datetime,
    staff_id: uuid.UUID | None,
    action: str,
    entity: str,
    entity_id: str,
    detail: str,
    hlc: str,
) -> AuditLog:
    """Add the next entry of ``register_id``'s chain and queue it for central."""
    row = AuditLog(
        at=at,
        staff_id=staff_id,
        action=check_action(action),
        entity=entity,
        entity_id=entity_id,
        detail=detail,
        register_id=register_id,
    )
    _chain(s, row, hlc, newest(s, register_id))  # autoflush: an earlier append is seen
    s.add(row)
    return row


def newest(s: Session, register_id: uuid.UUID) -> tuple[int, str]:
    """The number and hash of ``register_id``'s newest stored entry ((0, GENESIS): none)."""
    last = s.execute(
        select(AuditLog.seq, AuditLog.entry_hash)
        .where(AuditLog.register_id == register_id)
        .order_by(AuditLog.seq.desc())
        .limit(1)
    ).first()
    return (last[0], last[1]) if last else (0, GENESIS)


def _chain(s: Session, row: AuditLog, hlc: str, last: tuple[int, str]) -> tuple[int, str]:
    """Number and link ``row`` after ``last``, queue its outbox row; its (seq, hash)."""
    seq, prev_hash = last[0] + 1, last[1]
    entry = chained(
        row.register_id, seq, row.at, row.staff_id, row.action, row.entity,
        row.entity_id, row.detail or "", prev_hash,
    )  # fmt: skip
    row.seq, row.prev_hash, row.entry_hash = seq, prev_hash, entry.entry_hash
    append_change(
        s,
        entity=AUDIT_ENTITY,
        entity_id=entry_id(row.register_id, seq),
        op="insert",
        payload=entry.payload(),
        hlc=hlc,
    )
    return seq, entry.entry_hash


@event.listens_for(Session, "before_flush")
def _chain_unnumbered(s: Session, _context: Any, _instances: Any) -> None:
    """Chain an entry added without :func:`append` (its action is checked the same)."""
    new = [o for o in s.new if isinstance(o, AuditLog)]
    rows = [o for o in new if o.seq is None]
    if not rows:
        return
    with s.no_autoflush:
        remembered = s.get(SyncState, _REGISTER_KEY)
        if remembered is None:
            raise RuntimeError("an audit entry was written before the store knew its register")
        register_id = uuid.UUID(remembered.value)
        numbered = [o for o in new if o.seq is not None and o.register_id == register_id]
        last = max([newest(s, register_id), *((o.seq, o.entry_hash) for o in numbered)])
        for row in sorted(rows, key=lambda r: (r.at, r.entity_id)):
            check_action(row.action)
            row.register_id = register_id
            if row.at is None:
                row.at = utcnow()
            if row.detail is None:
                row.detail = ""
            # Such a caller has no clock stamp to give: one from the entry's time.
            stamp = Timestamp(int(row.at.timestamp() * 1000), 0, register_id.hex[:12])
            last = _chain(s, row, stamp.encode(), last)


def as_entry(row: AuditLog) -> Entry:
    return Entry(
        row.register_id, row.seq, row.at, row.staff_id, row.action, row.entity,
        row.entity_id, row.detail, row.prev_hash, row.entry_hash,
    )  # fmt: skip


def chain_of(s: Session, register_id: uuid.UUID) -> list[Entry]:
    """One register's entries in storage order (row id), as ``verify`` wants them."""
    rows = s.scalars(
        select(AuditLog).where(AuditLog.register_id == register_id).order_by(AuditLog.id)
    )
    return [as_entry(r) for r in rows]


def chains(s: Session) -> dict[uuid.UUID, list[Entry]]:
    """Every register's chain held here (normally only this register's own)."""
    out: dict[uuid.UUID, list[Entry]] = {}
    for row in s.scalars(select(AuditLog).order_by(AuditLog.id)):
        out.setdefault(row.register_id, []).append(as_entry(row))
    return out


def listed(s: Session, since: datetime | None = None) -> list[AuditLog]:
    """Entries for ``posassist audit``, oldest first; from ``since`` on when given."""
    query = select(AuditLog).order_by(AuditLog.id)
    if since is not None:
        query = query.where(AuditLog.at >= since)
    return list(s.scalars(query))
