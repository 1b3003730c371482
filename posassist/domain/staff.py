"""What a synced staff row must be, at both ends (``sync/shared_checks.py`` asks).

A staff row from another register decides who may sign in here, so it is checked as
strictly as the register that wrote it checked its input: a known role, a name of at
most :data:`~posassist.domain.fields.STAFF_NAME_MAX` characters, a PIN hash that is a
scrypt string of bounded cost (or none: an account without a PIN cannot sign in), and
``active`` true or false. A row failing this is refused with the reason (a dead letter
at the sender, a sync problem at a receiver): it never crashes a sync and never signs
anyone in.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from posassist.domain.fields import STAFF_NAME_MAX, STAFF_ROLES
from posassist.domain.pins import is_pin_hash

# Older registers announced their branch's staff as reference rows (op "upsert", no PIN
# hash); central and newer registers still read those, as "insert if missing".
LEGACY_UPSERT = "upsert"
# The row clock of an account known only from such an announcement (the oldest there is:
# any real edit wins over it).
LEGACY_ROW_HLC = "000000000000000-000000-000000000000"


def row_problem(op: str, payload: Mapping[str, Any]) -> str | None:
    """Why a staff op cannot be applied as it is (None: it can)."""
    if op == "delete":
        return "a staff account is disabled, never deleted"
    if "name" in payload:
        name = payload["name"]
        if not isinstance(name, str) or not name.strip():
            return "a staff account's name must be a non-empty text"
        if len(name) > STAFF_NAME_MAX:
            return f"a staff account's name has at most {STAFF_NAME_MAX} characters"
    if "role" in payload and payload["role"] not in STAFF_ROLES:
        return f"a staff account's role is one of {', '.join(STAFF_ROLES)}, not {payload['role']!r}"
    if "active" in payload and not isinstance(payload["active"], bool):
        return "a staff account's active must be true or false"
    if payload.get("pin_hash") is not None and not is_pin_hash(payload["pin_hash"]):
        return "a staff account's PIN hash is not a scrypt hash"
    branch = payload.get("branch_id")
    if branch is not None:
        try:
            uuid.UUID(str(branch))
        except ValueError:
            return f"a staff account's branch_id is not a valid id: {branch!r}"
    return None
