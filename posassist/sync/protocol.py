"""What travels between a register and the central database, and the merge rules.

Shared by both ends so they cannot disagree: the register applies a pulled customer
change with the same :func:`merge_customer` the server used when it accepted it, and
the same clamp decides what a clock "too far ahead" is.

An *op* is one outbox row: ``(op_id, entity, entity_id, op, payload, hlc)``. Facts
(interactions with their lines, referrals, unmet demand) are inserted once; customer
ops are ``insert`` / ``update`` (last-writer-wins per field) / ``erase`` (tombstone);
shared directory rows (vendors) are ``insert`` / ``update`` / ``delete``, last writer
wins per row and a deletion is a tombstone; reference rows (branch, register, staff)
are ``upsert`` and describe the register that sends them.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from posassist.domain import identifiers as ids
from posassist.domain.hlc import Timestamp
from posassist.domain.lww import CUSTOMER_FIELDS, ERASED_VALUES, stamp_fields, wins

# A register clock this far ahead of the server's is clamped (DESIGN.md: the server
# clamps clocks too far in the future), so one PC with a wrong date cannot win every
# edit for days.
MAX_CLOCK_AHEAD_MS = 60_000

FACT_ENTITIES = ("interaction", "referral", "unmet_demand")
REF_ENTITIES = ("branch", "register", "staff")
MUTABLE_ENTITIES = ("vendor",)
MUTABLE_OPS = ("insert", "update", "delete")
CUSTOMER_OPS = ("insert", "update", "erase")

# Fields of an insert payload that are personal data (scrubbed everywhere on erasure).
PERSONAL_FIELDS = tuple(ERASED_VALUES)

Outcome = Literal["applied", "duplicate", "ignored", "rejected"]

# Op ids of reference rows are derived from their content: announcing the same row
# twice is one op, a changed row is a new one.
_REF_NAMESPACE = uuid.UUID("1b3f0a8c-92f4-5d37-8f0e-4b1d2a7c6e95")


class RejectedError(Exception):
    """An op the server (or a register) cannot apply as it is: goes to the dead letters."""


@dataclass(frozen=True, slots=True)
class Op:
    seq: int
    op_id: uuid.UUID
    entity: str
    entity_id: str
    op: str
    payload: dict[str, Any]
    hlc: str


@dataclass(frozen=True, slots=True)
class OpResult:
    outcome: Outcome
    reason: str = ""
    hlc: str = ""  # the clock the server recorded (clamped if it was too far ahead)


@dataclass(frozen=True, slots=True)
class CustomerView:
    """The server's resulting fields and clocks of a customer a push touched."""

    fields: dict[str, Any]
    clocks: dict[str, str]
    erased: bool


@dataclass
class PushReply:
    results: dict[uuid.UUID, OpResult] = field(default_factory=dict)
    customers: dict[str, CustomerView] = field(default_factory=dict)
    # Shared rows (vendors) a push touched, as the server now has them; None = unknown.
    rows: dict[str, dict[str, Any] | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Change:
    """One row of the central change log."""

    server_seq: int
    op_id: uuid.UUID
    entity: str
    entity_id: str
    op: str
    payload: dict[str, Any]
    hlc: str
    origin: uuid.UUID


def ref_op_id(entity: str, payload: Mapping[str, Any]) -> uuid.UUID:
    canonical = json.dumps({"entity": entity, **payload}, sort_keys=True, default=str)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return uuid.uuid5(_REF_NAMESPACE, digest)


def clamp(stamp: str, limit_ms: int, counter: int) -> str:
    """``stamp`` unless its physical time is beyond ``limit_ms``; then pinned to the limit.

    ``counter`` keeps several clamped stamps of one push in their original order.
    """
    ts = Timestamp.decode(stamp)
    if ts.millis <= limit_ms:
        return stamp
    return Timestamp(limit_ms, counter, ts.node).encode()


# -- payload values ---------------------------------------------------------------
def as_uuid(value: Any, name: str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError as exc:
        raise RejectedError(f"{name} is not a valid id: {value!r}") from exc


def as_datetime(value: Any, name: str) -> datetime:
    if isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise RejectedError(f"{name} is not a valid time: {value!r}") from exc
    if parsed.tzinfo is None:
        raise RejectedError(f"{name} has no time zone: {value!r}")
    return parsed


def as_date(value: Any, name: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise RejectedError(f"{name} is not a valid date: {value!r}") from exc


def jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def check_customer_value(name: str, value: Any) -> Any:
    """Type-check one customer field from a payload; raise :class:`RejectedError`."""
    if name == "display_name":
        if not isinstance(value, str) or not value.strip():
            raise RejectedError("display_name must be a non-empty text")
        return value
    if name in ("notes", "preferences"):
        if not isinstance(value, str):
            raise RejectedError(f"{name} must be text")
        return value
    if name in ("phone_e164", "email", "card_code"):
        if value is not None and not isinstance(value, str):
            raise RejectedError(f"{name} must be text or empty")
        return value or None
    if name == "consent_contact":
        if not isinstance(value, bool):
            raise RejectedError("consent_contact must be true or false")
        return value
    if name == "referred_by_id":
        return None if value is None else str(as_uuid(value, name))
    raise RejectedError(f"unknown customer field {name!r}")


# -- customers: last-writer-wins per field, erasure as a tombstone -------------------
@dataclass
class CustomerState:
    """A customer as both ends hold it: field values (JSON-ready) and per-field clocks."""

    id: uuid.UUID
    fields: dict[str, Any]
    clocks: dict[str, str]
    created_at: datetime
    erased_at: datetime | None = None

    def derived(self) -> dict[str, Any]:
        """Columns computed from fields, identical on every register and centrally."""
        name = self.fields.get("display_name") or ""
        return {
            "name_key": "" if self.erased_at else ids.name_key(name),
            "phone_last4": ids.phone_last4(self.fields.get("phone_e164")),
        }

    def view(self) -> CustomerView:
        return CustomerView(dict(self.fields), dict(self.clocks), self.erased_at is not None)


@dataclass(frozen=True, slots=True)
class Merge:
    outcome: Outcome
    state: CustomerState | None
    won: dict[str, Any]  # what to log for others (the fields that won); empty = nothing
    reason: str = ""


def merge_customer(
    state: CustomerState | None,
    op: str,
    entity_id: str,
    payload: Mapping[str, Any],
    stamp: str,
    *,
    now: datetime,
    card_taken: Callable[[str, uuid.UUID], bool],
) -> Merge:
    """Apply one customer op to ``state`` (None = unknown here) by the rules of DESIGN.md.

    ``card_taken(card, id)`` says whether another live customer already holds a card:
    the server drops the later claim (first in the log wins); a register resolves it
    before calling (the pulled row wins, as it did on the server).
    """
    cid = as_uuid(entity_id, "customer id")
    if op == "erase":
        if state is None:
            raise RejectedError("erasure of a customer this side has never seen")
        if state.erased_at is not None:
            return Merge("ignored", state, {}, "already erased")
        erased_at = as_datetime(payload.get("erased_at", now.isoformat()), "erased_at")
        fields = dict(state.fields)
        fields.update(ERASED_VALUES)
        new = CustomerState(
            cid,
            fields,
            stamp_fields(state.clocks, CUSTOMER_FIELDS, stamp),
            state.created_at,
            erased_at,
        )
        return Merge("applied", new, {"erased_at": erased_at.isoformat()})
    if op == "insert" and state is None:
        fields = {f: check_customer_value(f, payload.get(f, _DEFAULTS[f])) for f in CUSTOMER_FIELDS}
        card = fields["card_code"]
        if card and card_taken(card, cid):
            fields["card_code"] = None
        created = as_datetime(payload.get("created_at", now.isoformat()), "created_at")
        new = CustomerState(cid, fields, dict.fromkeys(CUSTOMER_FIELDS, stamp), created)
        return Merge("applied", new, {"id": str(cid), "created_at": created.isoformat(), **fields})
    if op not in ("insert", "update"):
        raise RejectedError(f"unknown customer operation {op!r}")
    if state is None:
        raise RejectedError("update of a customer this side has never seen")
    if state.erased_at is not None:
        return Merge("ignored", state, {}, "customer was erased")
    incoming = {f: check_customer_value(f, v) for f, v in payload.items() if f not in _NOT_WRITTEN}
    won: dict[str, Any] = {}
    fields = dict(state.fields)
    clocks = dict(state.clocks)
    for name, value in incoming.items():
        if not wins(stamp, clocks.get(name)):
            continue
        if name == "card_code" and value and card_taken(value, cid):
            continue
        fields[name] = value
        clocks[name] = stamp
        won[name] = value
    if not won:
        return Merge("ignored", state, {}, "older than what is already here")
    return Merge("applied", CustomerState(cid, fields, clocks, state.created_at), won)


# Keys a payload may carry that are not field writes: identity, derived columns and
# bookkeeping (an importer sends whole rows). Anything else unknown is refused.
_NOT_WRITTEN = frozenset(
    ("id", "created_at", "updated_at", "name_key", "phone_last4", "field_clocks", "erased_at")
)

_DEFAULTS: dict[str, Any] = {
    "display_name": None,
    "phone_e164": None,
    "email": None,
    "card_code": None,
    "consent_contact": False,
    "notes": "",
    "preferences": "",
    "referred_by_id": None,
}


def scrub_insert_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """An insert payload with the personal fields replaced by their erased values."""
    out = dict(payload)
    out.update(ERASED_VALUES)
    return out


def check_fact(op: Op) -> None:
    """Reject a fact op whose shape is wrong before it reaches any table."""
    if op.op != "insert":
        raise RejectedError(f"facts are only inserted, not {op.op!r}")
    if str(op.payload.get("id", "")).replace("-", "") != op.entity_id.replace("-", ""):
        raise RejectedError("the payload's id differs from the op's entity id")
    as_uuid(op.entity_id, f"{op.entity} id")
    lines = op.payload.get("lines", [])
    if not isinstance(lines, list) or not all(isinstance(x, dict) for x in lines):
        raise RejectedError("lines must be a list of objects")


def check_op(op: Op) -> None:
    """Reject an op of an unknown kind or with an unusable clock."""
    try:
        Timestamp.decode(op.hlc)
    except ValueError as exc:
        raise RejectedError(str(exc)) from exc
    if not isinstance(op.payload, dict):
        raise RejectedError("the payload is not an object")
    if op.entity == "customer":
        if op.op not in CUSTOMER_OPS:
            raise RejectedError(f"unknown customer operation {op.op!r}")
        as_uuid(op.entity_id, "customer id")
    elif op.entity in FACT_ENTITIES:
        check_fact(op)
    elif op.entity in MUTABLE_ENTITIES:
        if op.op not in MUTABLE_OPS:
            raise RejectedError(f"unknown {op.entity} operation {op.op!r}")
        as_uuid(op.entity_id, f"{op.entity} id")
    elif op.entity in REF_ENTITIES:
        if op.op != "upsert":
            raise RejectedError(f"{op.entity} rows are only announced (upsert), not {op.op!r}")
        as_uuid(op.entity_id, f"{op.entity} id")
    else:
        raise RejectedError(f"unknown kind of change {op.entity!r}")
