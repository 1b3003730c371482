"""A register meets a central database that was restored from a backup (or replaced).

The rule (README, "Central restored from a backup"):

1. **Resend** every op of this register that central no longer has: each ``acked``
   outbox row whose op id is missing from central's ``applied_ops`` becomes
   ``pending`` again. Op ids make this idempotent (an op central still has is left
   alone; one sent twice is answered "duplicate").
2. **Pull again** from the restored high-water mark (or from 0 when central is another
   database altogether): changes other registers made after the dump are resent by
   those registers and reach everyone under new, higher sequence numbers.
3. **Tell IT**: a warning in the log, and a record in ``sync_state``
   (``central_restore``) that ``posassist sync --status`` and ``posassist doctor`` show,
   with the number of changes resent.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import asdict, dataclass
from typing import Any

import psycopg
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from posassist.storage.database import Database
from posassist.storage.orm import Outbox
from posassist.sync import central
from posassist.sync.central import Probe
from posassist.sync.outbox import chunks, get_state, set_state

log = logging.getLogger(__name__)

RESTORE_KEY = "central_restore"
CENTRAL_ID_KEY = "central_id"


@dataclass(frozen=True, slots=True)
class RestoreRecord:
    """What this register found and did when central came back from a backup."""

    detected_at: str  # ISO time, by this register's clock
    old_id: str
    new_id: str
    restore_point: int | None  # None: an unknown database, pulled from the start
    cursor_before: int
    cursor_after: int
    resent: int


def read_record(s: Session) -> RestoreRecord | None:
    raw = get_state(s, RESTORE_KEY)
    if not raw:
        return None
    try:
        return RestoreRecord(**json.loads(raw))
    except (TypeError, ValueError):
        return None


def _missing_ops(db: Database, conn: psycopg.Connection[Any]) -> list[uuid.UUID]:
    with db.read() as s:
        acked = [str(i) for i in s.scalars(select(Outbox.op_id).where(Outbox.state == "acked"))]
    missing: list[uuid.UUID] = []
    for part in chunks(acked):
        have = central.applied_among(conn, list(part))
        missing.extend(uuid.UUID(i) for i in part if uuid.UUID(i) not in have)
    return missing


def rejoin(
    db: Database,
    conn: psycopg.Connection[Any],
    known_id: str,
    found: Probe,
    cursor_key: str,
    detected_at: str,
) -> RestoreRecord:
    """Resend what central lost, move the cursor back, record it (one local transaction)."""
    missing = _missing_ops(db, conn)
    point = found.restore_point
    with db.write() as s:
        cursor = int(get_state(s, cursor_key) or 0)
        after = 0 if point is None else min(cursor, point)
        for part in chunks(missing):
            s.execute(
                update(Outbox)
                .where(Outbox.op_id.in_(part), Outbox.state == "acked")
                .values(state="pending", last_error="resent: central was restored")
            )
        record = RestoreRecord(
            detected_at, known_id, found.central_id, point, cursor, after, len(missing)
        )
        set_state(s, cursor_key, str(after))
        set_state(s, CENTRAL_ID_KEY, found.central_id)
        set_state(s, RESTORE_KEY, json.dumps(asdict(record)))
    if point is None:
        log.warning(
            "central database changed (%s → %s): pulling everything again, resending %d changes",
            known_id,
            found.central_id,
            len(missing),
        )
    else:
        log.warning(
            "central database was restored from a backup (its change log ends at %d, this "
            "register had pulled up to %d): pulling again from %d, resending %d changes",
            point,
            cursor,
            after,
            len(missing),
        )
    return record
