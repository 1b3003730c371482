"""A register restored from a backup continues its audit chain from central's copy.

The restored store's chain ends at the backup's newest entry (seq ``k``); the entries it
made and sent after the backup (``k+1 … m``) are held centrally only. Numbering on from
``k`` would give the next entries numbers central already holds with other content:
every one refused, a dead letter. So the first sync after a restore (the store is marked
``AUDIT_REJOIN_KEY`` by ``services/backup.py``), before it pushes anything, takes back
this register's entries ``k+1 … m`` from central, exactly as held (hash and all), into
the local trail. The chain is then one unbroken chain again, on both sides, and the next
entry is ``m+1``, linked to central's entry ``m``: no marker, no exception in
``audit verify``, nothing for the central keeper to accept that it would not anyway.

It is sound because it only ever adds entries central has and that link on to the last
one held here (checked: the same hash at ``k``, then each one's ``prev_hash``); anything
else is left alone and logged:

- central does not hold entry ``k`` as this store does (entries were written here after
  the restore but before this sync, while central was out of reach, or a copy was
  changed): nothing is taken; those entries stay refused as before and ``posassist audit
  verify --central`` names them. The mark is cleared: the sync does not try again.
- central holds nothing beyond ``k``: nothing to take.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import psycopg
from sqlalchemy import select

from posassist.domain.audit_chain import FIELDS, Entry
from posassist.storage.audit import newest
from posassist.storage.backup import AUDIT_REJOIN_KEY
from posassist.storage.database import Database
from posassist.storage.orm import AuditLog
from posassist.sync.central.audit import chain_from
from posassist.sync.outbox import get_state, set_state

log = logging.getLogger(__name__)


def rejoin_pending(db: Database) -> bool:
    with db.read() as s:
        return bool(get_state(s, AUDIT_REJOIN_KEY))


def _newest_here(db: Database, register_id: uuid.UUID) -> tuple[int, str]:
    with db.read() as s:
        return newest(s, register_id)


def _linked(entries: list[Entry], seq: int, last_hash: str) -> list[Entry]:
    """The entries after ``seq`` that continue, one by one, from ``last_hash``."""
    out: list[Entry] = []
    for entry in entries:
        if entry.seq != seq + 1 or entry.prev_hash != last_hash:
            break
        out.append(entry)
        seq, last_hash = entry.seq, entry.entry_hash
    return out


def continue_chain(db: Database, conn: psycopg.Connection[Any], register_id: uuid.UUID) -> int:
    """Take back the entries central holds beyond this store's newest; how many."""
    seq, last_hash = _newest_here(db, register_id)
    held = chain_from(conn, register_id, max(seq, 1))
    if seq > 0 and (not held or held[0].seq != seq or held[0].entry_hash != last_hash):
        taken: list[Entry] = []
        if held:
            log.warning(
                "after the restore, audit entry %d here is not the one central holds: "
                "nothing taken back; run posassist audit verify --central",
                seq,
            )
    else:
        taken = _linked(held[1:] if seq > 0 else held, seq, last_hash)
    with db.write() as s:
        newest = select(AuditLog.seq).where(AuditLog.register_id == register_id)
        if (s.scalar(newest.order_by(AuditLog.seq.desc()).limit(1)) or 0) != seq:
            return 0  # an entry was written meanwhile: the next sync looks again
        for entry in taken:
            s.add(AuditLog(**{name: getattr(entry, name) for name in FIELDS}))
        set_state(s, AUDIT_REJOIN_KEY, "")
    if taken:
        log.warning(
            "store restored from a backup: took back audit entries %d-%d from central",
            taken[0].seq,
            taken[-1].seq,
        )
    return len(taken)
