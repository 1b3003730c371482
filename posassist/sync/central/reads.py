"""Reads on the central database: its identity and schema, the change log, and the rows
a push must see before it decides (customers and shared rows locked, card and branch-code
owners).

Every read takes its ids as one array parameter (``= ANY(...)``): one round trip per
table and batch, however many ops the batch holds.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import errors as pgerrors
from sqlalchemy import Text, any_, bindparam, cast, func, null, or_, select
from sqlalchemy.dialects.postgresql import ARRAY

from posassist.domain.fields import CUSTOMER_FIELDS, SHARED_ENTITIES
from posassist.errors import SyncError
from posassist.sync import schema
from posassist.sync.central.sql import Query, run
from posassist.sync.protocol import (
    MUTABLE_ENTITIES,
    Change,
    CustomerState,
    Op,
    as_uuid,
)

_info = schema.central_info
_log = schema.change_log
_customer = schema.customer


def among(column: Any, item_type: Any = None) -> Any:
    """``column = ANY(:ids)``, the parameter a list cast to an array of ``item_type``.

    Text for text columns: a cast to ``varchar(n)[]`` would cut a longer value short
    and let it match another.
    """
    return column == any_(cast(bindparam("ids"), ARRAY(item_type or column.type)))


_CENTRAL_ID = Query(select(_info.c.value).where(_info.c.key == "central_id"))
_REVISION = Query(select(schema.alembic_version.c.version_num))
_CHANGES = Query(
    select(
        _log.c.server_seq,
        _log.c.op_id,
        _log.c.entity,
        _log.c.entity_id,
        _log.c.op,
        _log.c.payload,
        _log.c.hlc,
        _log.c.origin,
    )
    .where(_log.c.server_seq > bindparam("after"))
    .order_by(_log.c.server_seq)
    .limit(bindparam("limit"))
)
_CUSTOMER_COLUMNS = [
    _customer.c.id,
    *(_customer.c[f] for f in CUSTOMER_FIELDS),
    _customer.c.field_clocks,
    _customer.c.created_at,
    _customer.c.erased_at,
]
_CUSTOMERS = Query(select(*_CUSTOMER_COLUMNS).where(among(_customer.c.id)))
_CUSTOMERS_LOCKED = Query(select(*_CUSTOMER_COLUMNS).where(among(_customer.c.id)).with_for_update())
_CARD_OWNERS = Query(
    select(_customer.c.card_code, _customer.c.id).where(
        among(_customer.c.card_code, Text), _customer.c.erased_at.is_(None)
    )
)
_BRANCH_CODES = Query(
    select(schema.branch.c.code, schema.branch.c.id).where(among(schema.branch.c.code, Text))
)


_BRANCH_LIST = Query(
    select(
        schema.branch.c.id,
        schema.branch.c.code,
        schema.branch.c.name,
        schema.branch.c.address,
        schema.branch.c.phone,
        schema.branch.c.timezone,
        schema.branch.c.hours,
    ).order_by(schema.branch.c.code)
)
_MANAGERS = Query(
    select(func.count())
    .select_from(schema.staff)
    .where(
        schema.staff.c.active.is_(True),
        or_(schema.staff.c.role == "manager", schema.staff.c.role == "admin"),
    )
)


def branches(conn: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
    """Every branch of the chain (id, code, name, address, phone, timezone, hours), by
    code: what a new register chooses from when it joins."""
    return [tuple(row) for row in run(conn, _BRANCH_LIST).fetchall()]


def active_managers(conn: psycopg.Connection[Any]) -> int:
    """How many active manager accounts the chain has (a joining register then needs no
    first manager of its own)."""
    row = run(conn, _MANAGERS).fetchone()
    return int(row[0]) if row else 0


def _guard(name: str, t: Any) -> Any:
    """The row's ``not_older`` time (stock: ``as_of``), or NULL for kinds without one."""
    guard = SHARED_ENTITIES[name].not_older
    return t.c[guard] if guard is not None else null()


_SHARED_CLOCKS = {
    name: Query(
        select(t.c.id, t.c.row_hlc, t.c.deleted_at.is_not(None), _guard(name, t))
        .where(among(t.c.id))
        .with_for_update()
    )
    for name, t in schema.MUTABLE_TABLES.items()
}
_SHARED_ROWS = {
    name: Query(select(t).where(among(t.c.id))) for name, t in schema.MUTABLE_TABLES.items()
}


def central_id(conn: psycopg.Connection[Any]) -> str:
    row = run(conn, _CENTRAL_ID).fetchone()
    if row is None:
        raise SyncError(
            "The central database was not set up by posassist.",
            hint="Run `posassist central init` once.",
        )
    return str(row[0])


def schema_revision(conn: psycopg.Connection[Any]) -> str | None:
    try:  # autocommit: a failed SELECT leaves no aborted transaction behind
        row = run(conn, _REVISION).fetchone()
    except pgerrors.UndefinedTable:
        return None
    return None if row is None else str(row[0])


def fetch_changes(conn: psycopg.Connection[Any], after: int, limit: int) -> list[Change]:
    rows = run(conn, _CHANGES, after=after, limit=limit).fetchall()
    return [Change(*row) for row in rows]


def load_customers(
    conn: psycopg.Connection[Any], ids: Sequence[str], *, lock: bool
) -> dict[uuid.UUID, CustomerState]:
    if not ids:
        return {}
    rows = run(conn, _CUSTOMERS_LOCKED if lock else _CUSTOMERS, ids=list(ids)).fetchall()
    out: dict[uuid.UUID, CustomerState] = {}
    width = len(CUSTOMER_FIELDS)
    for row in rows:
        values = dict(zip(CUSTOMER_FIELDS, row[1 : 1 + width], strict=True))
        clocks, created, erased = row[1 + width :]
        out[row[0]] = CustomerState.stored(row[0], values, clocks, created, erased)
    return out


def card_owners(conn: psycopg.Connection[Any], cards: Sequence[str]) -> dict[str, uuid.UUID]:
    """Which live customer holds each of ``cards`` (cards nobody holds are left out)."""
    if not cards:
        return {}
    return {card: cid for card, cid in run(conn, _CARD_OWNERS, ids=list(cards))}


def branch_codes(conn: psycopg.Connection[Any], ops: Sequence[Op]) -> dict[str, uuid.UUID]:
    codes = sorted({str(o.payload.get("code", "")) for o in ops})
    if not codes:
        return {}
    return {code: bid for code, bid in run(conn, _BRANCH_CODES, ids=codes).fetchall()}


def _ids_by_entity(ops: Sequence[Op]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for entity in MUTABLE_ENTITIES:
        ids = sorted({str(as_uuid(o.entity_id, "id")) for o in ops if o.entity == entity})
        if ids:
            out[entity] = ids
    return out


def load_shared(
    conn: psycopg.Connection[Any], ops: Sequence[Op]
) -> dict[tuple[str, uuid.UUID], dict[str, Any]]:
    """Row clock, tombstone and ``not_older`` time of the shared rows a batch touches, locked."""
    out: dict[tuple[str, uuid.UUID], dict[str, Any]] = {}
    for entity, ids in _ids_by_entity(ops).items():
        for rid, row_hlc, deleted, guard in run(conn, _SHARED_CLOCKS[entity], ids=ids):
            out[(entity, rid)] = {"row_hlc": row_hlc, "deleted": deleted, "guard": guard}
    return out


def shared_rows(
    conn: psycopg.Connection[Any], ops: Sequence[Op]
) -> dict[str, dict[str, Any] | None]:
    """The shared rows a push touched as the server now has them, with their row clock
    (None: not there)."""
    out: dict[str, dict[str, Any] | None] = {}
    for entity, ids in _ids_by_entity(ops).items():
        out.update(dict.fromkeys(ids))
        cur = run(conn, _SHARED_ROWS[entity], ids=ids)
        names = [d.name for d in cur.description or ()]
        for row in cur.fetchall():
            values = dict(zip(names, row, strict=True))
            out[str(values["id"])] = {
                k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in values.items()
            }
    return out
