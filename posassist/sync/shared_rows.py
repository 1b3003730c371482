"""Shared rows (vendors, products, branch stock, staff picks, staff accounts) as a pull
applies them, and as a push's answer sets them: last writer wins per row by the central
clock (``row_hlc``), stock counts by their time first, a tombstone for a delete.

Apart from ``pull.py`` because the rules are their own: an unsent edit here waits for the
server's verdict, this register's own changes are replayed in server order, and an older
edit of a row deleted here is old news, not a sync problem.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Table, null, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from posassist.domain.catalog import keeps_out
from posassist.domain.fields import SHARED_ENTITIES
from posassist.domain.staff import LEGACY_UPSERT
from posassist.storage.base import as_utc, utcnow
from posassist.storage.catalog import bump_catalog_version
from posassist.storage.orm import (
    BranchStock,
    Outbox,
    Product,
    Referral,
    Staff,
    StaffPick,
    Vendor,
)
from posassist.sync.protocol import Change, RejectedError, as_datetime, as_uuid
from posassist.sync.rows import payload_row

# The local tables of the shared rows (``protocol.SHARED_ENTITIES``), one line each.
SHARED_TABLES: dict[str, Table] = {
    "vendor": Vendor.__table__,  # type: ignore[dict-item]
    "product": Product.__table__,  # type: ignore[dict-item]
    "branch_stock": BranchStock.__table__,  # type: ignore[dict-item]
    "staff_pick": StaffPick.__table__,  # type: ignore[dict-item]
    "staff": Staff.__table__,  # type: ignore[dict-item]
}
# Kinds the finder does not read: a change of them leaves its catalogue version alone.
_NOT_CATALOGUE = frozenset(("staff",))


def has_pending(s: Session, entity: str, entity_id: str) -> bool:
    """Does this register still have an unsent edit of that row?"""
    return (
        s.scalar(
            select(Outbox.seq)
            .where(
                Outbox.entity == entity,
                Outbox.entity_id == str(uuid.UUID(entity_id)),
                Outbox.state == "pending",
            )
            .limit(1)
        )
        is not None
    )


def _deleted_here(s: Session, change: Change) -> bool:
    """Did this register delete that row? (Asked only of an edit of a row not here:
    the outbox has no index for it, and a bulk pull must not scan it per row.)

    Central applies nothing to a row after its tombstone, so every logged change of it
    is older than the delete; only this register can have learned of the delete before
    them (it made it and adopted the tombstone from its push's answer). They are old
    news here, not changes "never received". (A delete central ignored brought the
    row back with the answer, so the row is here and this is not asked.)
    """
    rid = str(as_uuid(change.entity_id, f"{change.entity} id"))
    found = s.scalar(
        select(Outbox.seq)
        .where(
            Outbox.entity == change.entity,
            Outbox.entity_id == rid,
            Outbox.op == "delete",
            Outbox.state != "dead",
        )
        .limit(1)
    )
    return found is not None


def _delete_shared(s: Session, entity: str, rid: uuid.UUID) -> None:
    """Delete, or (a vendor) only deactivate if referrals here still point at it."""
    table = SHARED_TABLES[entity]
    used = (
        s.scalar(select(Referral.id).where(Referral.vendor_id == rid).limit(1))
        if entity == "vendor"
        else None
    )
    if used is not None:
        s.execute(update(table).where(table.c.id == rid).values(active=False))
    else:
        s.execute(table.delete().where(table.c.id == rid))


def _upsert_shared(
    s: Session, entity: str, rid: uuid.UUID, values: dict[str, Any], row_hlc: str | None
) -> None:
    table = SHARED_TABLES[entity]
    row = payload_row(table, values, skip=("id", "row_hlc"))
    if row_hlc is not None and "row_hlc" in table.c:
        row["row_hlc"] = row_hlc
    stmt = sqlite_insert(table).values(id=rid, **row)
    s.execute(
        stmt.on_conflict_do_update(index_elements=["id"], set_=row)
        if row
        else stmt.on_conflict_do_nothing(index_elements=["id"])
    )


def _is_older(s: Session, change: Change, table: Table, rid: uuid.UUID) -> bool:
    """Older news than the row here, by the rule the server applied (``shared_write``):
    a kind with a ``not_older`` time (stock: ``as_of``) orders by that time first, so a
    later count whose clock is older still wins; otherwise, and between counts of one
    time, a clock no later than the version held (the push's answer may have brought a
    later one first) is older. A held count dated in the future is a clock error and keeps
    nothing out (``domain.catalog.keeps_out``)."""
    guard = SHARED_ENTITIES[change.entity].not_older
    held_hlc, held = s.execute(
        select(table.c.row_hlc, table.c[guard] if guard is not None else null()).where(
            table.c.id == rid
        )
    ).one_or_none() or (None, None)
    if guard is not None and guard in change.payload and held is not None:
        incoming = as_datetime(change.payload[guard], guard)
        if as_utc(held) != incoming:  # a held count dated in the future keeps nothing out
            return keeps_out(as_utc(held), incoming, utcnow())
    return held_hlc is not None and change.hlc <= held_hlc


def apply_shared(s: Session, change: Change, *, own: bool = False) -> None:
    """A shared row's change, in the server's order; an unsent edit here waits for the
    server's verdict (the push's answer then sets the row, see ``push.py``).

    This register's own changes are applied too (``own``): the log holds a row's
    accepted changes in the order the server judged them (the clock; stock: its count
    time first), so replaying all of them ends at the server's row.
    Skipping our own would let an older edit from elsewhere, logged before ours but
    pulled after our push, overwrite the newer row here for ever.
    """
    table = SHARED_TABLES[change.entity]
    rid = as_uuid(change.entity_id, f"{change.entity} id")
    if change.op == LEGACY_UPSERT:  # an older register's staff announcement
        _insert_missing(s, table, rid, change.payload)
        return
    if has_pending(s, change.entity, change.entity_id):
        return
    if _is_older(s, change, table, rid):
        return
    if change.op == "delete":
        _delete_shared(s, change.entity, rid)
    elif change.op == "insert":
        _upsert_shared(s, change.entity, rid, change.payload, change.hlc)
    else:
        exists = s.scalar(select(table.c.id).where(table.c.id == rid)) is not None
        if not exists and (own or _deleted_here(s, change)):
            return  # our own edit, or old news, of a row deleted here since
        if not exists:
            raise RejectedError(f"an edit of a {change.entity} never received here")
        row = payload_row(table, change.payload, skip=("id", "row_hlc"))
        row["row_hlc"] = change.hlc
        s.execute(update(table).where(table.c.id == rid).values(**row))
    _changed(s, change.entity)


def _changed(s: Session, entity: str) -> None:
    if entity not in _NOT_CATALOGUE:
        bump_catalog_version(s)


def _insert_missing(s: Session, table: Table, rid: uuid.UUID, values: dict[str, Any]) -> None:
    """An account an older register announced (no clock, no PIN hash): kept only if it
    is not here, never over a shared row (it would re-enable a disabled account)."""
    row = payload_row(table, values, skip=("id", "row_hlc", "pin_hash"))
    s.execute(
        sqlite_insert(table).values(id=rid, **row).on_conflict_do_nothing(index_elements=["id"])
    )


def adopt_shared_row(
    s: Session, entity: str, entity_id: str, server: dict[str, Any] | None
) -> bool:
    """After a push: the row becomes what the server decided, unless edited here since."""
    if server is None or has_pending(s, entity, entity_id):
        return False
    rid = as_uuid(entity_id, f"{entity} id")
    if server.get("deleted_at") is not None:
        _delete_shared(s, entity, rid)
    else:
        values = {k: v for k, v in server.items() if k not in ("deleted_at", "row_hlc")}
        _upsert_shared(s, entity, rid, values, server.get("row_hlc"))
    _changed(s, entity)
    return True
