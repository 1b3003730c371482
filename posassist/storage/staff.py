"""A staff row's outbox change: the one payload every writer of a staff row queues.

Staff accounts are shared rows (``domain/fields.py STAFF_FIELDS``): each change carries
the whole row (its PIN *hash*, never a PIN), so whichever version wins centrally is a
complete account on every register. Used by ``services/staff.py`` and by the store's
first start (``services/context.py``), in the caller's transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from posassist.domain.fields import STAFF_FIELDS
from posassist.domain.hlc import Timestamp
from posassist.storage.orm import Staff
from posassist.storage.outbox import append_change


def staff_payload(staff: Staff) -> dict[str, Any]:
    """The synced fields of ``staff`` (the local wrong-PIN counters are not among them)."""
    return {"id": staff.id, **{f: getattr(staff, f) for f in STAFF_FIELDS}}


def oldest_stamp(node: str, counter: int = 0) -> str:
    """The oldest clock there is for ``node``: any real edit, anywhere, wins over it.

    For rows a register had before they were synced (a placeholder account, an upgraded
    store), which must reach central without overriding what others decided since.
    """
    return Timestamp(0, counter, node).encode()


def queue_staff(s: Session, staff: Staff, op: str, hlc: str) -> None:
    """Queue ``staff`` as it is now (``op`` "insert" or "update"), with its row clock."""
    s.flush()
    staff.row_hlc = hlc
    append_change(
        s, entity="staff", entity_id=staff.id, op=op, payload=staff_payload(staff), hlc=hlc
    )
