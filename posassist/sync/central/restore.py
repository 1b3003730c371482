"""The central database's identity, clock and high-water mark; adopting a restore.

A register keeps a pull cursor (the last ``change_log.server_seq`` it applied) and the
central database's id. Restoring central from a ``pg_dump`` brings back an older change
log *and* the old id and sequence value, so the id alone cannot tell. Two signs can:

- ``pg_restore`` recreates the tables, so ``change_log`` gets a new table OID, which no
  longer matches the OID recorded in ``central_info`` (``change_log_oid``);
- the change log ends below a register's cursor (``max(server_seq) < cursor``).

The first register (or ``posassist central init``) that sees either *adopts* the
restore, once, under the change-log lock that every push takes too: it records the
restored high-water mark under ``restored:<old id>``, gives central a new id, and moves
the ``server_seq`` sequence :data:`RESTORE_GAP` past both the restored mark and the
cursor it reported, so no new change can get a number some register already passed.
Every other register then sees the new id, finds its old id's restore point, and
re-pulls from there (see ``sync/engine.py``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import BigInteger, Text, bindparam, cast, extract, func, select
from sqlalchemy.dialects.postgresql import OID
from sqlalchemy.dialects.postgresql import insert as pg_insert

from posassist.sync import schema
from posassist.sync.central.push import CHANGE_LOG_LOCK
from posassist.sync.central.reads import among
from posassist.sync.central.snapshot import FLOOR
from posassist.sync.central.sql import Query, run

# New server_seq values after a restore start this far past anything a register saw:
# room for a billion changes made between the dump and the restore.
RESTORE_GAP = 1_000_000_000
CENTRAL_ID = "central_id"
OID_KEY = "change_log_oid"
RESTORED_PREFIX = "restored:"

_info = schema.central_info
_log = schema.change_log
_now = func.clock_timestamp()


def _value(key: Any) -> Any:
    return select(_info.c.value).where(_info.c.key == key).scalar_subquery()


_LIVE_OID = cast(cast(func.to_regclass("change_log"), OID), Text)
# A pruned log (``snapshot.prune``) may hold no rows at all: its mark is then the floor,
# or every register's cursor would look like one a restore took away.
_HIGH = func.greatest(
    select(func.coalesce(func.max(_log.c.server_seq), 0)).scalar_subquery(), FLOOR
)
_PROBE = Query(
    select(
        cast(extract("epoch", _now) * 1000, BigInteger),
        _value(CENTRAL_ID),
        _value(OID_KEY),
        _LIVE_OID,
        _HIGH,
        _value(cast(bindparam("restored_key"), Text)),
        FLOOR,
    )
)
_LOCK = Query(select(func.pg_advisory_xact_lock(bindparam("key"))))
_SET = pg_insert(_info).values(key=bindparam("k"), value=bindparam("v"))
_PUT = Query(
    _SET.on_conflict_do_update(index_elements=[_info.c.key], set_={"value": _SET.excluded.value})
)
_PUT_NEW = Query(_SET.on_conflict_do_nothing(index_elements=[_info.c.key]))
_SETVAL = Query(
    select(
        func.setval(
            func.pg_get_serial_sequence("change_log", "server_seq"),
            cast(bindparam("n"), BigInteger),
        )
    )
)

_applied = schema.applied_ops
_APPLIED_AMONG = Query(select(_applied.c.op_id).where(among(_applied.c.op_id)))


@dataclass(frozen=True, slots=True)
class Probe:
    """One round trip's answer: the server's clock, who central is, how far its log goes."""

    server_ms: int
    central_id: str
    recorded_oid: str | None
    live_oid: str
    high: int  # the change log's high-water mark (max server_seq; 0 when empty)
    restore_point: int | None  # where central restarted, if the id we knew was restored
    floor: int = 0  # the highest seq pruned from the log: a cursor below it re-bootstraps

    @property
    def restored_by_tables(self) -> bool:
        return self.recorded_oid is not None and self.recorded_oid != self.live_oid


def probe(conn: psycopg.Connection[Any], known_id: str | None) -> Probe:
    row = run(conn, _PROBE, restored_key=RESTORED_PREFIX + (known_id or "")).fetchone()
    assert row is not None
    point = None if row[5] is None else int(row[5])
    return Probe(
        int(row[0]), str(row[1] or ""), row[2], str(row[3]), int(row[4]), point, int(row[6])
    )


@dataclass(frozen=True, slots=True)
class Adoption:
    old_id: str
    new_id: str
    restore_point: int
    next_seq: int


def adopt_restore(conn: psycopg.Connection[Any], cursor: int) -> Adoption | None:
    """If central was restored and nobody adopted it yet, adopt it; None if not restored.

    ``cursor``: the caller's pull cursor (0 for ``central init``). Also records the table
    OID on a database that has none yet (set up before this check existed).
    """
    with conn.transaction():
        run(conn, _LOCK, key=CHANGE_LOG_LOCK)
        now = probe(conn, None)
        if now.recorded_oid is None:
            run(conn, _PUT_NEW, k=OID_KEY, v=now.live_oid)
        if not now.restored_by_tables and now.high >= cursor:
            return None
        new_id = str(uuid.uuid4())
        next_seq = max(now.high, cursor) + RESTORE_GAP
        run(conn, _SETVAL, n=next_seq)
        run(conn, _PUT, k=RESTORED_PREFIX + now.central_id, v=str(now.high))
        run(conn, _PUT, k=CENTRAL_ID, v=new_id)
        run(conn, _PUT, k=OID_KEY, v=now.live_oid)
        return Adoption(now.central_id, new_id, now.high, next_seq)


def applied_among(conn: psycopg.Connection[Any], op_ids: list[str]) -> set[uuid.UUID]:
    """Which of ``op_ids`` central has applied (what a restore did not take away)."""
    if not op_ids:
        return set()
    return {r[0] for r in run(conn, _APPLIED_AMONG, ids=op_ids)}
