"""The check an audit entry's op must pass, at both ends, before it reaches a table.

An entry (``domain/audit_chain.py``) travels as a fact: entity ``audit_entry``, op
``insert``, its id derived from (register, seq). Its shape is checked here; its
*content* is not judged: central keeps what it received, so an entry changed on the
register before it was sent arrives with a hash that does not fit, and ``posassist
audit verify --central`` names it. Nor is the action checked against this version's
list: a newer register may record kinds this one does not know.
"""

from __future__ import annotations

import re

from posassist.domain.audit_chain import FIELDS, entry_id
from posassist.sync.protocol import Op, RejectedError, as_datetime, as_uuid

_HASH = re.compile(r"[0-9a-f]{64}")
_TEXTS = ("action", "entity", "entity_id", "detail")


def check_audit(op: Op) -> None:
    """An audit entry's op as a register writes it, or :class:`RejectedError`."""
    if op.op != "insert":
        raise RejectedError(f"audit entries are only inserted, not {op.op!r}")
    data = op.payload
    unknown = sorted(set(data) - set(FIELDS))
    missing = [f for f in FIELDS if f not in data and f != "staff_id"]
    if unknown or missing:
        raise RejectedError(f"an audit entry with the wrong fields: {(unknown or missing)[0]}")
    register_id = as_uuid(data["register_id"], "register_id")
    seq = data["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise RejectedError(f"an audit entry's seq must be a number from 1: {seq!r}")
    if as_uuid(op.entity_id, "audit entry id") != entry_id(register_id, seq):
        raise RejectedError("the op's entity id is not the id of this register's entry")
    as_datetime(data["at"], "at")
    if data.get("staff_id") is not None:
        as_uuid(data["staff_id"], "staff_id")
    for name in _TEXTS:
        if not isinstance(data[name], str):
            raise RejectedError(f"an audit entry's {name} must be text")
    for name in ("prev_hash", "entry_hash"):
        if not isinstance(data[name], str) or not _HASH.fullmatch(data[name]):
            raise RejectedError(f"an audit entry's {name} is not a SHA-256 in hex")
