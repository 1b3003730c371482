"""Push: send the oldest pending outbox rows, then record the server's answer.

Nothing is marked sent before the server has answered. If the connection breaks at
any point (before the server committed or after), the rows stay ``pending`` and the
next attempt sends the same op ids; the server recognises the ones it already
applied. When the server answers, in one local transaction, each row becomes
``acked`` or ``dead`` (with the server's reason), and customer fields this register
wrote take the server's merged value, so a write that lost centrally (to a later
edit elsewhere, or because its clock was clamped) is not kept here as the winner.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from posassist.domain.fields import CUSTOMER_FIELDS, customer_derived
from posassist.domain.staff import LEGACY_ROW_HLC
from posassist.errors import SyncError
from posassist.storage.database import Database
from posassist.storage.orm import Branch, Customer, Register, Staff
from posassist.storage.outbox import jsonable
from posassist.sync import central
from posassist.sync.central import CentralLink, Fault
from posassist.sync.external_ids import ENTITY as EXTERNAL_ID
from posassist.sync.holds import settle_steps
from posassist.sync.outbox import mark, note_failure, pending_batch
from posassist.sync.protocol import (
    DECIDED_ENTITIES,
    MAX_CLOCK_AHEAD_MS,
    MUTABLE_ENTITIES,
    Op,
    PushReply,
    ref_op_id,
)
from posassist.sync.shared_rows import adopt_shared_row

# One batch, one round trip of each statement: up to this many ops (the per-batch cost:
# a dozen round trips and a local commit, paid once per 2,000 ops rather than per 500) ...
BATCH_OPS = 2_000
# ... and about this many bytes of payload, so a batch of long notes still crosses a slow
# shop uplink (1 Mbit/s: some 16 s) well inside the link's deadline (30 s).
BATCH_BYTES = 2 * 1024 * 1024

# What an announcement of a never-synced account carries (no PIN hash: that travels only
# as a shared row).
_ANNOUNCED_STAFF = ("id", "branch_id", "name", "role", "active")


@dataclass
class PushResult:
    sent: int = 0
    acked: int = 0
    dead: int = 0
    customers_changed: set[uuid.UUID] = field(default_factory=set)
    staff_changed: set[uuid.UUID] = field(default_factory=set)  # took the server's row


def collect_refs(s: Session, register_id: uuid.UUID, stamp: str) -> list[Op]:
    """This register and its branch, announced with every push.

    Interactions point at them, so the central database (and every other register)
    must have them first; content-derived op ids make the announcement free after the
    first time.

    Staff accounts are shared rows, queued in the outbox by every change
    (``storage/staff.py``). Only an account never queued (no ``row_hlc``, or the oldest
    clock an announcement gets: the placeholder "Manager" a new store starts with, which
    visits name) is still announced, without its PIN hash, every time (a central restored
    from a backup may lack it again); central keeps such an announcement only if it lacks
    the row (``central/writes.py legacy_staff_write``): it can never undo a disable.
    """
    register = s.get(Register, register_id)
    if register is None:
        return []
    branch = s.get(Branch, register.branch_id)
    rows: list[tuple[str, dict[str, object]]] = []
    if branch is not None:
        rows.append(
            (
                "branch",
                {
                    "id": branch.id,
                    "code": branch.code,
                    "name": branch.name,
                    "address": branch.address,
                    "phone": branch.phone,
                    "timezone": branch.timezone,
                    "hours": branch.hours,
                },
            )
        )
    rows.append(
        ("register", {"id": register.id, "branch_id": register.branch_id, "name": register.name})
    )
    only_announced = select(Staff).where(
        Staff.branch_id == register.branch_id,
        or_(Staff.row_hlc.is_(None), Staff.row_hlc == LEGACY_ROW_HLC),
    )
    for staff in s.scalars(only_announced):
        rows.append(("staff", {f: getattr(staff, f) for f in _ANNOUNCED_STAFF}))
    ops = []
    for entity, payload in rows:
        data = jsonable(payload)
        ops.append(Op(0, ref_op_id(entity, data), entity, str(data["id"]), "upsert", data, stamp))
    return ops


def push_once(
    db: Database,
    link: CentralLink,
    register_id: uuid.UUID,
    stamp: str,
    *,
    batch_size: int = BATCH_OPS,
    max_ahead_ms: int = MAX_CLOCK_AHEAD_MS,
    fault: Fault | None = None,
    through: int | None = None,
) -> PushResult | None:
    """Send one batch (of the ops queued up to ``through``, if given); None when nothing
    of that is pending. Raises SyncError if the link failed."""
    ops = pending_batch(db, batch_size, BATCH_BYTES, through=through)
    if not ops:
        return None
    with db.read() as s:
        refs = collect_refs(s, register_id, stamp)
    try:
        with link.use() as conn:
            reply = central.apply_push(
                conn,
                register_id,
                refs,
                ops,
                max_ahead_ms=max_ahead_ms,
                fault=fault,
                lock_wait_ms=link.lock_wait_ms(),
                alive=link.still_working,
            )
    except SyncError as exc:
        note_failure(db, [op.seq for op in ops], exc.message)
        raise
    return settle(db, ops, reply)


def settle(db: Database, ops: Sequence[Op], reply: PushReply) -> PushResult:
    """Record the server's answer for ``ops`` in one local transaction."""
    result = PushResult(sent=len(ops))
    acked: list[int] = []
    dead: dict[str, list[int]] = {}
    lost: dict[str, list[int]] = {}  # external ids another register linked first
    for op in ops:
        outcome = reply.results.get(op.op_id)
        if outcome is None:  # the server did not mention it: unknown, send again
            continue
        if outcome.outcome == "rejected":
            dead.setdefault(outcome.reason or "refused", []).append(op.seq)
        elif outcome.outcome == "ignored" and op.entity == EXTERNAL_ID:
            lost.setdefault(outcome.reason, []).append(op.seq)
        else:
            acked.append(op.seq)
    with db.write() as s:
        mark(s, acked, "acked")
        for reason, seqs in lost.items():  # acknowledged, with the server's why kept
            mark(s, seqs, "acked", reason[:2000])
        for reason, seqs in dead.items():
            mark(s, seqs, "dead", reason[:2000])
        customer_ids = {uuid.UUID(op.entity_id) for op in ops if op.entity == "customer"}
        loaded = {  # one query instead of one per op
            c.id: c for c in s.scalars(select(Customer).where(Customer.id.in_(customer_ids)))
        }
        shared: set[tuple[str, str]] = set()
        for op in ops:
            outcome = reply.results.get(op.op_id)
            accepted = outcome is not None and outcome.outcome != "rejected"
            if op.entity == "customer" and accepted and _adopt_server_fields(loaded, op, reply):
                result.customers_changed.add(uuid.UUID(op.entity_id))
            if op.entity in MUTABLE_ENTITIES and accepted:
                shared.add((op.entity, str(uuid.UUID(op.entity_id))))
        for entity, entity_id in sorted(shared):
            adopted = adopt_shared_row(s, entity, entity_id, reply.rows.get(entity_id))
            if adopted and entity == "staff":
                result.staff_changed.add(uuid.UUID(entity_id))
        settle_steps(s, [op for op in ops if op.entity in DECIDED_ENTITIES], reply.results)
    result.acked = len(acked) + sum(len(v) for v in lost.values())
    result.dead = sum(len(v) for v in dead.values())
    return result


def _adopt_server_fields(loaded: dict[uuid.UUID, Customer], op: Op, reply: PushReply) -> bool:
    """Fields this op wrote, and nobody here wrote since, take the server's value and clock."""
    view = reply.customers.get(str(uuid.UUID(op.entity_id)))
    customer = loaded.get(uuid.UUID(op.entity_id))
    if view is None or customer is None or customer.erased_at is not None:
        return False
    if op.op == "insert":
        written: Sequence[str] = CUSTOMER_FIELDS
    elif op.op == "update":
        written = [f for f in op.payload if f in CUSTOMER_FIELDS]
    else:
        return False
    clocks = dict(customer.field_clocks or {})
    changed = False
    # A row inserted without clocks (an importer's bulk insert) counts as written by it.
    mine = (op.hlc, None) if op.op == "insert" else (op.hlc,)
    for name in written:
        if clocks.get(name) not in mine or name not in view.clocks:
            continue
        value = view.fields.get(name)
        if name == "referred_by_id" and value is not None:
            value = uuid.UUID(str(value))
        if getattr(customer, name) != value:
            setattr(customer, name, value)
            changed = True
        clocks[name] = view.clocks[name]
    if clocks != customer.field_clocks:
        customer.field_clocks = clocks
    if changed:
        current = {f: getattr(customer, f) for f in CUSTOMER_FIELDS}
        for name, value in customer_derived(current).items():
            setattr(customer, name, value)
    return changed
