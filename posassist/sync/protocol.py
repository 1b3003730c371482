"""What travels between a register and the central database, and the merge rules.

Shared by both ends so they cannot disagree: the register applies a pulled customer
change with the same :func:`merge_customer` the server used when it accepted it, and
the same clamp decides what a clock "too far ahead" is.

An *op* is one outbox row: ``(op_id, entity, entity_id, op, payload, hlc)``. Facts
(interactions with their lines, referrals, unmet demand, the corrections: voids and
customer aliases, holds between branches, imported customers' external ids: the first
synced wins) are inserted once; a hold's step (``hold_step`` / ``step``) is *decided*:
applied only if it starts from the hold's central state, else acknowledged "ignored"
with the words its register shows; customer ops are ``insert`` / ``update``
(last-writer-wins per field) / ``erase`` (tombstone); shared rows (``domain/fields.py
SHARED_ENTITIES``: vendors, products, stock, staff picks, staff accounts) are
``insert`` / ``update`` / ``delete``, last writer wins per row and a deletion is a
tombstone (a staff pick is never deleted: its id is its slot, so it is emptied with
``removed``; a staff account is disabled, never deleted); reference rows (branch,
register) are ``upsert`` and describe the register that sends them. Older registers
announced their staff that way too: such a ``staff`` ``upsert`` is still read, as
"insert if missing" (``domain/staff.py LEGACY_UPSERT``), never over a shared row.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Literal

from posassist.domain.fields import (
    CUSTOMER_BY_NAME,
    CUSTOMER_DEFAULTS,
    CUSTOMER_DERIVED,
    CUSTOMER_FIELDS,
    ERASED_VALUES,
    SHARED_ENTITIES,
    customer_derived,
)
from posassist.domain.hlc import Timestamp
from posassist.domain.holds import STATES
from posassist.domain.identifiers import find_control
from posassist.domain.lww import stamp_fields, wins

# A register clock this far ahead of the server's is clamped (DESIGN.md: the server
# clamps clocks too far in the future), so one PC with a wrong date cannot win every
# edit for days.
MAX_CLOCK_AHEAD_MS = 60_000
# The largest op (its payload as JSON, UTF-8) either end accepts: far above any real
# change (a note is at most 20,000 characters), far below what would slow a batch.
MAX_OP_BYTES = 256 * 1024
# How the server words a refusal for a row the change refers to that central lacks (a
# visit for a customer it never received). After a central restore that row may simply
# not be resent yet, so a register puts such refusals back in the queue when a pull brings
# new rows, a bounded number of times (``sync/outbox.py requeue_missing_references``).
MISSING_REFERENCE = "refused by the central database: it lacks a row this change refers to"
MISSING_REFERENCE_RETRIES = 10

FACT_ENTITIES = (
    "interaction",
    "referral",
    "unmet_demand",
    "interaction_void",  # corrections are facts too: a void (or an undo) ...
    "customer_alias",  # ... and a merge
    "customer_external_id",  # an imported customer's id in its source (sync/external_ids.py)
    "hold",  # a hold between branches, as it was asked for
)
# Ops decided against the current state of the row they move: a hold's step is applied
# only if it starts where the hold is centrally (first in server order wins), else it
# is acknowledged as "ignored" with the words its register shows: not a dead letter.
DECIDED_ENTITIES = ("hold_step",)
STEP_OP = "step"
REF_ENTITIES = ("branch", "register")
# The audit trail's entries: facts kept centrally as received, never pulled by other
# registers (``sync/audit_checks.py``, ``sync/central/audit.py``).
AUDIT_ENTITIES = ("audit_entry",)

# Shared rows, each kind declared once in ``domain/fields.py`` (one line per kind).
MUTABLE_ENTITIES = tuple(SHARED_ENTITIES)
MUTABLE_OPS = ("insert", "update", "delete")
CUSTOMER_OPS = ("insert", "update", "erase")

Outcome = Literal["applied", "duplicate", "ignored", "rejected"]

# Op ids of reference rows are derived from their content: announcing the same row
# twice is one op, a changed row is a new one.
_REF_NAMESPACE = uuid.UUID("1b3f0a8c-92f4-5d37-8f0e-4b1d2a7c6e95")


class RejectedError(Exception):
    """An op the server (or a register) cannot apply as it is: goes to the dead letters."""


@dataclass(frozen=True, slots=True, weakref_slot=True)
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


def clamp(stamp: str, limit_ms: int, counter: int, pin_ms: int | None = None) -> str:
    """``stamp`` unless its physical time is beyond ``limit_ms``; then pinned to ``pin_ms``.

    ``pin_ms`` (default ``limit_ms``) is the server's own time: a stamp pinned into the
    future would outrank, for that long, edits other registers make truly later.
    ``counter`` keeps several clamped stamps of one push in their original order.
    """
    ts = Timestamp.decode(stamp)
    if ts.millis <= limit_ms:
        return stamp
    return Timestamp(limit_ms if pin_ms is None else pin_ms, counter, ts.node).encode()


# -- payload values ---------------------------------------------------------------
@lru_cache(maxsize=8192)
def _parsed_uuid(text: str) -> uuid.UUID:
    """Ids repeat across a batch (its branch, register, staff, customers): parsed once.
    A UUID is immutable, so a cached one is as good as a new one; a bad text raises and
    is not cached."""
    return uuid.UUID(text)


def as_uuid(value: Any, name: str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return _parsed_uuid(value if type(value) is str else str(value))
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


def check_customer_value(name: str, value: Any) -> Any:
    """Type-check one customer field from a payload; raise :class:`RejectedError`."""
    declared = CUSTOMER_BY_NAME.get(name)
    if declared is None:
        raise RejectedError(f"unknown customer field {name!r}")
    kind = declared.kind
    if kind == "name":
        if not isinstance(value, str) or not value.strip():
            raise RejectedError(f"{name} must be a non-empty text")
        return value
    if kind == "text":
        if not isinstance(value, str):
            raise RejectedError(f"{name} must be text")
        return value
    if kind == "optional_text":
        if value is not None and not isinstance(value, str):
            raise RejectedError(f"{name} must be text or empty")
        return value or None
    if kind == "flag":
        if not isinstance(value, bool):
            raise RejectedError(f"{name} must be true or false")
        return value
    return None if value is None else str(as_uuid(value, name))


# -- customers: last-writer-wins per field, erasure as a tombstone -------------------
@dataclass
class CustomerState:
    """A customer as both ends hold it: field values (JSON-ready) and per-field clocks."""

    id: uuid.UUID
    fields: dict[str, Any]
    clocks: dict[str, str]
    created_at: datetime
    erased_at: datetime | None = None

    @classmethod
    def stored(
        cls,
        cid: uuid.UUID,
        values: Mapping[str, Any],
        clocks: Mapping[str, str] | None,
        created_at: datetime,
        erased_at: datetime | None,
    ) -> CustomerState:
        """From a stored row, at either end: the synced fields made JSON-ready."""
        fields = {f: values[f] for f in CUSTOMER_FIELDS}
        if fields["referred_by_id"] is not None:
            fields["referred_by_id"] = str(fields["referred_by_id"])
        return cls(cid, fields, dict(clocks or {}), created_at, erased_at)

    def derived(self) -> dict[str, Any]:
        """Columns computed from fields, identical on every register and centrally."""
        return customer_derived(self.fields, erased=self.erased_at is not None)

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
        return _erase(state, payload, stamp, now)
    if op == "insert" and state is None:
        return _insert(cid, payload, stamp, now, card_taken)
    if op not in ("insert", "update"):
        raise RejectedError(f"unknown customer operation {op!r}")
    if state is None:
        raise RejectedError("update of a customer this side has never seen")
    if state.erased_at is not None:
        return Merge("ignored", state, {}, "customer was erased")
    return _update(state, payload, stamp, card_taken)


def _erase(state: CustomerState, payload: Mapping[str, Any], stamp: str, now: datetime) -> Merge:
    """The tombstone: personal fields wiped, every clock moved to the erasure's."""
    if state.erased_at is not None:
        return Merge("ignored", state, {}, "already erased")
    erased_at = as_datetime(payload.get("erased_at", now.isoformat()), "erased_at")
    fields = {**state.fields, **ERASED_VALUES}
    clocks = stamp_fields(state.clocks, CUSTOMER_FIELDS, stamp)
    new = CustomerState(state.id, fields, clocks, state.created_at, erased_at)
    return Merge("applied", new, {"erased_at": erased_at.isoformat()})


def _insert(
    cid: uuid.UUID,
    payload: Mapping[str, Any],
    stamp: str,
    now: datetime,
    card_taken: Callable[[str, uuid.UUID], bool],
) -> Merge:
    """A customer new to this side; a card someone else already holds is dropped."""
    fields = {
        f: check_customer_value(f, payload.get(f, default))
        for f, default in CUSTOMER_DEFAULTS.items()
    }
    card = fields["card_code"]
    if card and card_taken(card, cid):
        fields["card_code"] = None
    created = as_datetime(payload.get("created_at", now.isoformat()), "created_at")
    new = CustomerState(cid, fields, dict.fromkeys(CUSTOMER_FIELDS, stamp), created)
    return Merge("applied", new, {"id": str(cid), "created_at": created.isoformat(), **fields})


def _update(
    state: CustomerState,
    payload: Mapping[str, Any],
    stamp: str,
    card_taken: Callable[[str, uuid.UUID], bool],
) -> Merge:
    """Last writer wins per field: only the fields whose clock this write beats change."""
    incoming = {f: check_customer_value(f, v) for f, v in payload.items() if f not in _NOT_WRITTEN}
    won: dict[str, Any] = {}
    fields = dict(state.fields)
    clocks = dict(state.clocks)
    for name, value in incoming.items():
        if not wins(stamp, clocks.get(name)):
            continue
        if name == "card_code" and value and card_taken(value, state.id):
            continue
        fields[name] = value
        clocks[name] = stamp
        won[name] = value
    if not won:
        return Merge("ignored", state, {}, "older than what is already here")
    return Merge("applied", CustomerState(state.id, fields, clocks, state.created_at), won)


# Keys a payload may carry that are not field writes: identity, derived columns and
# bookkeeping (an importer sends whole rows). Anything else unknown is refused.
_NOT_WRITTEN = frozenset(
    ("id", "created_at", "updated_at", *CUSTOMER_DERIVED, "field_clocks", "erased_at")
)


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


def check_step(op: Op) -> None:
    """A hold step: its id, its hold, two known states and a time."""
    if op.op != STEP_OP:
        raise RejectedError(f"hold steps are only taken ({STEP_OP!r}), not {op.op!r}")
    if str(op.payload.get("id", "")).replace("-", "") != op.entity_id.replace("-", ""):
        raise RejectedError("the payload's id differs from the op's entity id")
    as_uuid(op.entity_id, "hold step id")
    as_uuid(op.payload.get("hold_id"), "hold id")
    for key in ("from_state", "to_state"):
        if op.payload.get(key) not in STATES:
            raise RejectedError(f"{key} is not a hold state: {op.payload.get(key)!r}")
    as_datetime(op.payload.get("at"), "at")


# -- poison: what makes an op unusable, at either end ---------------------------------
# In payload text the protocol allows tab, newline and carriage return (older notes);
# the services refuse more (see ``identifiers.check_text``).
_PAYLOAD_ALLOWED = "\t\n\r"


# How the JSON text of a payload (``ensure_ascii=False``) shows a control character it
# must not hold: C1 ones and DEL as they are, C0 ones escaped (tab, newline and carriage
# return, allowed, are escaped as ``\t``, ``\n``, ``\r``). One scan of that text clears
# almost every payload; only one where this matches (a backslash typed before a "b"
# matches too) is walked value by value, which decides and names the field.
# What ``json.dumps(payload, ensure_ascii=False, default=str)`` does, without building an
# encoder per call (``dumps`` does that whenever it is given options): a third of the cost.
_PAYLOAD_JSON = json.JSONEncoder(ensure_ascii=False, default=str)
_ESCAPED_CONTROL = re.compile(r"\\u00[01]|\\[bf]")


def parse_stamp(text: object) -> Timestamp:
    """A clock stamp in the one form every register writes, or :class:`RejectedError`.

    The canonical form matters: stamps are compared as text.
    """
    if not isinstance(text, str):
        raise RejectedError(f"not a hybrid logical clock timestamp: {text!r}")
    try:
        stamp = Timestamp.decode(text)
    except ValueError as exc:
        raise RejectedError(str(exc)) from exc
    if stamp.encode() != text:
        raise RejectedError(f"not a hybrid logical clock timestamp: {text!r}")
    return stamp


# The ops :func:`parse_op` read from the outbox and checked, by identity. The central
# side of a push runs in the register's own process, on those very objects: checking them
# again would only repeat the work (an op is frozen, and nothing changes its payload after
# parsing). Any other op, built elsewhere (a pulled change, a test's), is checked in full.
_CHECKED: weakref.WeakValueDictionary[int, Op] = weakref.WeakValueDictionary()


def parse_op(
    seq: int,
    op_id: object,
    entity: object,
    entity_id: object,
    op: object,
    payload: object,
    hlc: object,
) -> Op:
    """An outbox row as stored (raw text, before any JSON decoding) as a checked :class:`Op`.

    Raises :class:`RejectedError` saying why the row cannot be sent: the caller makes
    it a dead letter, and the rows behind it keep flowing.
    """
    try:
        oid = uuid.UUID(str(op_id))
    except ValueError as exc:
        raise RejectedError(f"the op id is not a valid id: {op_id!r}") from exc
    if isinstance(payload, bytes):
        payload = payload.decode("utf-8", errors="replace")
    if not isinstance(payload, str):
        raise RejectedError("the payload is missing")
    _check_size(len(payload.encode("utf-8", errors="replace")))
    try:
        data = json.loads(payload)
    except ValueError as exc:
        raise RejectedError(f"the payload is not JSON ({exc})") from exc
    parsed = Op(seq, oid, str(entity), str(entity_id), str(op), data, str(hlc))
    _check_op(parsed)
    _CHECKED[id(parsed)] = parsed  # the push's central side, in this process, skips it
    return parsed


def _check_size(size: int) -> None:
    if size > MAX_OP_BYTES:
        raise RejectedError(
            f"the change is too large ({size:,} bytes; the limit is {MAX_OP_BYTES // 1024} KiB)"
        )


def _check_texts(value: Any, where: str) -> None:
    """Every text in a payload (keys too): no NUL or other control character."""
    if isinstance(value, str):
        bad = find_control(value, _PAYLOAD_ALLOWED)
        if bad is not None:
            raise RejectedError(f"{where} contains a control character (U+{ord(bad):04X})")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_texts(key, "a field name")
            _check_texts(item, str(key))
    elif isinstance(value, list):
        for item in value:
            _check_texts(item, where)


def check_op(op: Op) -> None:
    """Reject an op that is not usable as it is, before it reaches any table.

    The same check runs on the register before sending, on the server before applying
    and on a register before applying a pulled change (see the README's "A change that
    cannot be sent…"); an op ``parse_op`` made (and so checked) passes at once.
    """
    if _CHECKED.get(id(op)) is op:
        return
    _check_op(op)


def _check_op(op: Op) -> None:
    if not isinstance(op.payload, dict):
        raise RejectedError("the payload is not an object")
    parse_stamp(op.hlc)
    _check_texts(op.entity_id, "the entity id")
    text = _PAYLOAD_JSON.encode(op.payload)
    if find_control(text, _PAYLOAD_ALLOWED) is not None or _ESCAPED_CONTROL.search(text):
        _check_texts(op.payload, "the payload")  # the walk that names the field
    _check_size(len(text.encode()))
    if op.entity == "customer":
        if op.op not in CUSTOMER_OPS:
            raise RejectedError(f"unknown customer operation {op.op!r}")
        as_uuid(op.entity_id, "customer id")
        if op.op != "erase":
            for name, value in op.payload.items():
                if name in CUSTOMER_BY_NAME:
                    check_customer_value(name, value)
    elif op.entity in FACT_ENTITIES:
        check_fact(op)
        if op.entity == "customer_external_id":
            from posassist.sync.external_ids import check_external_id  # builds on this module

            check_external_id(op)
    elif op.entity in DECIDED_ENTITIES:
        check_step(op)
    elif op.entity in MUTABLE_ENTITIES:
        from posassist.sync.shared_checks import check_shared  # it builds on this module

        check_shared(op)
    elif op.entity in AUDIT_ENTITIES:
        from posassist.sync.audit_checks import check_audit  # it builds on this module

        check_audit(op)
    elif op.entity in REF_ENTITIES:
        if op.op != "upsert":
            raise RejectedError(f"{op.entity} rows are only announced (upsert), not {op.op!r}")
        as_uuid(op.entity_id, f"{op.entity} id")
    else:
        raise RejectedError(f"unknown kind of change {op.entity!r}")
