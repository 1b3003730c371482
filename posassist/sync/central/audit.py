"""The registers' audit trails, centrally: kept as received, read back to verify.

An entry arrives as a fact (``audit_entry`` / ``insert``). Central keeps it exactly as
sent, hash and all: it is the copy that shows an entry later removed or changed on the
register. The same entry sent again (a lost answer, a store restored from a backup)
is a duplicate; *different* content for a (register, seq) central already holds is
refused, naming the entry, and becomes a dead letter on the register: one of the two
copies was changed. Entries never go into the change log: no register pulls another
register's trail.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy import BigInteger, any_, bindparam, cast, insert, select
from sqlalchemy.dialects.postgresql import ARRAY

from posassist.domain.audit_chain import FIELDS, Entry
from posassist.sync import schema
from posassist.sync.central.reads import among
from posassist.sync.central.sql import Query, run
from posassist.sync.central.writes import Write
from posassist.sync.protocol import AUDIT_ENTITIES, Op, OpResult, RejectedError, as_datetime

_audit = schema.audit_entry
_COLUMNS = [_audit.c[name] for name in FIELDS]
_INSERT = Query(insert(_audit), FIELDS)
# The stored entries at the numbers a batch sends (a superset: pairs sorted out in Python).
_HELD = Query(
    select(*_COLUMNS).where(
        among(_audit.c.register_id),
        _audit.c.seq == any_(cast(bindparam("seqs"), ARRAY(BigInteger))),
    )
)
_ALL = Query(select(*_COLUMNS).order_by(_audit.c.register_id, _audit.c.seq))
_FROM = Query(
    select(*_COLUMNS)
    .where(_audit.c.register_id == bindparam("register_id"), _audit.c.seq >= bindparam("seq"))
    .order_by(_audit.c.seq)
)
_NAMES = Query(select(schema.register.c.id, schema.register.c.name))


def _entry(row: Sequence[Any]) -> Entry:
    return Entry(*row)


def _from_payload(data: dict[str, Any]) -> Entry:
    return Entry(
        register_id=uuid.UUID(str(data["register_id"])),
        seq=int(data["seq"]),
        at=as_datetime(data["at"], "at"),
        staff_id=None if data.get("staff_id") is None else uuid.UUID(str(data["staff_id"])),
        action=data["action"],
        entity=data["entity"],
        entity_id=data["entity_id"],
        detail=data["detail"],
        prev_hash=data["prev_hash"],
        entry_hash=data["entry_hash"],
    )


class AuditKeeper:
    """The entries one push batch brings, judged against what central already holds."""

    def __init__(self, conn: psycopg.Connection[Any], ops: Sequence[Op]) -> None:
        mine = [o for o in ops if o.entity in AUDIT_ENTITIES]
        self.held: dict[tuple[uuid.UUID, int], Entry] = {}
        if mine:
            wanted = {(str(o.payload["register_id"]), o.payload["seq"]) for o in mine}
            registers = sorted({r for r, _ in wanted})
            seqs = sorted({n for _, n in wanted})
            for row in run(conn, _HELD, ids=registers, seqs=seqs):
                entry = _entry(row)
                if (str(entry.register_id), entry.seq) in wanted:
                    self.held[(entry.register_id, entry.seq)] = entry

    def entry(self, op: Op, origin: uuid.UUID) -> tuple[OpResult, Write | None]:
        """Keep a new entry; a re-sent one is a duplicate; a changed one is refused."""
        got = _from_payload(op.payload)
        if got.register_id != origin:
            raise RejectedError("an audit entry of another register: each sends only its own")
        held = self.held.get((got.register_id, got.seq))
        if held is not None:
            if _same(held, got):
                return OpResult("duplicate"), None
            raise RejectedError(
                f"audit entry {got.seq} of this register is held centrally with other "
                f"content (hash {held.entry_hash[:12]}…, sent {got.entry_hash[:12]}…): one "
                "of the two copies was changed; run posassist audit verify --central"
            )
        self.held[(got.register_id, got.seq)] = got
        row = {name: getattr(got, name) for name in FIELDS}
        return OpResult("applied"), Write(_audit, _INSERT, row)


def _same(a: Entry, b: Entry) -> bool:
    return all(_comparable(getattr(a, name)) == _comparable(getattr(b, name)) for name in FIELDS)


def _comparable(value: Any) -> Any:
    return value.timestamp() if isinstance(value, datetime) else value


def read_chains(conn: psycopg.Connection[Any]) -> dict[uuid.UUID, list[Entry]]:
    """Every register's entries held centrally, by seq (for ``audit verify --central``)."""
    out: dict[uuid.UUID, list[Entry]] = {}
    for row in run(conn, _ALL):
        entry = _entry(row)
        out.setdefault(entry.register_id, []).append(entry)
    return out


def register_names(conn: psycopg.Connection[Any]) -> dict[uuid.UUID, str]:
    return {rid: name for rid, name in run(conn, _NAMES)}


def chain_from(conn: psycopg.Connection[Any], register_id: uuid.UUID, seq: int) -> list[Entry]:
    """``register_id``'s entries held centrally from number ``seq`` on, in order (a
    register restored from a backup takes back the ones it sent after the backup)."""
    return [_entry(row) for row in run(conn, _FROM, register_id=register_id, seq=seq)]
