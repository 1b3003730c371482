"""A push, server side: one register's batch applied in one transaction.

Two kinds of lock, always in this order, so two pushes never deadlock:

1. **Per-key advisory locks**, first: the register's own (its retry waits for a first
   attempt still running), then, in one sorted statement, every row the batch's new ops
   decide against that another push could decide against too: a customer, a shared row,
   a hold, a branch and its code, a card code, an external id's pair. Pushes about other
   keys run side by side; two about the same key take turns, as whole pushes used to.
   (No other push takes a register's own key, so the two statements keep one order.)
2. **The change-log lock**, last, for the log rows alone: ``change_log.server_seq`` is
   handed out and committed in one order (a pull cursor can then never skip a row that
   committed late), and the lock is held for the log rows and the commit, not for the
   whole push (``docs/scaling.md``, step 0: it used to be held from the first statement,
   and 50 registers queued behind it).

The op ids already in ``applied_ops`` are answered "duplicate" without touching
anything; the new ops are applied and logged. A database error from one bad op rolls
the batch back and the batch is replayed in savepoints, halved around the refusal until
that op alone is rejected (``_replay``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import psycopg
from psycopg import errors as pgerrors
from sqlalchemy import BigInteger, bindparam, cast, extract, func, select
from sqlalchemy.dialects.postgresql import ARRAY

from posassist.domain.staff import LEGACY_ROW_HLC, LEGACY_UPSERT
from posassist.sync import schema
from posassist.sync.central import reads
from posassist.sync.central.audit import AuditKeeper
from posassist.sync.central.external_ids import ExternalIdKeeper
from posassist.sync.central.holds import HoldDecider
from posassist.sync.central.sql import Query, run
from posassist.sync.central.writes import (
    Batch,
    Fault,
    customer_write,
    fact_writes,
    legacy_staff_write,
    ref_write,
    shared_write,
)
from posassist.sync.external_ids import ENTITY as EXTERNAL_ID
from posassist.sync.protocol import (
    AUDIT_ENTITIES,
    DECIDED_ENTITIES,
    FACT_ENTITIES,
    MAX_CLOCK_AHEAD_MS,
    MISSING_REFERENCE,
    MUTABLE_ENTITIES,
    CustomerState,
    Op,
    OpResult,
    PushReply,
    RejectedError,
    as_uuid,
    check_op,
    clamp,
    merge_customer,
)

log = logging.getLogger(__name__)

# pg_advisory_xact_lock key serialising appends to change_log ("posa" in ASCII).
CHANGE_LOG_LOCK = 0x706F7361
# Errors that mean "this op cannot be applied", as opposed to "the link broke".
REJECTABLE = (pgerrors.IntegrityError, pgerrors.DataError)

_now = func.clock_timestamp()
# The server's clock (in ms for the clamp, and as a time for the rows).
_CLOCK = Query(select(cast(extract("epoch", _now) * 1000, BigInteger), _now))
_LOG_LOCK = Query(select(func.pg_advisory_xact_lock(bindparam("key"))))
# Each lock wait of the push's transaction ends after this long with lock_not_available
# (55P03), which the register reports as "central busy" and retries: see ``apply_push``.
_LOCK_TIMEOUT = Query(select(func.set_config("lock_timeout", bindparam("ms"), True)))
_keys = func.unnest(cast(bindparam("keys"), ARRAY(BigInteger))).table_valued("k").render_derived()
# One lock per key, in the order given (sorted): unnest keeps an array's order.
_KEY_LOCKS = Query(select(func.pg_advisory_xact_lock(_keys.c.k)).select_from(_keys))
_applied = schema.applied_ops
_KNOWN_OPS = Query(select(_applied.c.op_id).where(reads.among(_applied.c.op_id)))


def apply_push(
    conn: psycopg.Connection[Any],
    origin: uuid.UUID,
    refs: Sequence[Op],
    ops: Sequence[Op],
    *,
    max_ahead_ms: int = MAX_CLOCK_AHEAD_MS,
    fault: Fault | None = None,
    lock_wait_ms: int | None = None,
    alive: Callable[[], None] | None = None,
) -> PushReply:
    """Apply a batch from register ``origin`` in one transaction; say what became of each op.

    A push queued behind other registers' pushes waits on their locks, and the server
    says nothing meanwhile: to the register's watchdog that looked like a hanging network
    (it cut the link after its deadline, and the status bar said so). With
    ``lock_wait_ms``, each lock wait ends with PostgreSQL's lock_not_available instead,
    which is reported as the central being busy; ``alive`` is called after each lock is
    granted (the server answered, so the register's deadline starts again).

    ``fault`` is a test hook called at named points inside the transaction.
    """
    waits = _Waits(lock_wait_ms, alive)
    for attempt in range(DEADLOCK_RETRIES + 1):
        try:
            return _push_or_replay(conn, origin, refs, ops, max_ahead_ms, fault, waits)
        except pgerrors.DeadlockDetected:
            # Rows another push locked in another order: a visit's foreign key share-locks
            # its customer's row, which a push editing that customer holds for update, and
            # facts take no keys (keying them by customer cost the load test four fifths of
            # its throughput). All of this attempt was rolled back; it is tried again.
            if attempt == DEADLOCK_RETRIES:
                raise
            log.info("batch from %s met a deadlock; trying it again", origin)
    raise AssertionError("unreachable")


# How often a push that PostgreSQL chose as a deadlock's victim is tried again at once.
DEADLOCK_RETRIES = 2


@dataclasses.dataclass(frozen=True, slots=True)
class _Waits:
    """How the push's transaction waits for locks (``apply_push``)."""

    lock_wait_ms: int | None
    alive: Callable[[], None] | None

    def start(self, conn: psycopg.Connection[Any]) -> None:
        if self.lock_wait_ms is not None:
            run(conn, _LOCK_TIMEOUT, ms=str(self.lock_wait_ms)).fetchall()

    def granted(self) -> None:
        if self.alive is not None:
            self.alive()


def _push_or_replay(
    conn: psycopg.Connection[Any],
    origin: uuid.UUID,
    refs: Sequence[Op],
    ops: Sequence[Op],
    max_ahead_ms: int,
    fault: Fault | None,
    waits: _Waits,
) -> PushReply:
    try:
        with conn.transaction():
            return _push_tx(conn, origin, refs, ops, max_ahead_ms, fault, waits, careful=False)
    except REJECTABLE as exc:
        log.info("batch from %s hit %s; replaying it in savepoints", origin, type(exc).__name__)
    with conn.transaction():
        return _push_tx(conn, origin, refs, ops, max_ahead_ms, fault, waits, careful=True)


def _push_tx(
    conn: psycopg.Connection[Any],
    origin: uuid.UUID,
    refs: Sequence[Op],
    ops: Sequence[Op],
    max_ahead_ms: int,
    fault: Fault | None,
    waits: _Waits,
    *,
    careful: bool,
) -> PushReply:
    waits.start(conn)
    row = run(conn, _CLOCK).fetchone()
    assert row is not None
    now_ms, now = int(row[0]), row[1]
    # The register first (its retry waits for a first attempt still running, then finds
    # its op ids applied), then the keys of what is new: the branch and staff announced
    # with every push are nearly always known already, and keyed each time they would make
    # the registers of one branch take turns.
    run(conn, _KEY_LOCKS, keys=[_key(f"origin:{origin}")]).fetchall()
    waits.granted()
    reply = PushReply()
    fresh = _fresh_ops(conn, [*refs, *ops], reply)
    run(conn, _KEY_LOCKS, keys=lock_keys(origin, fresh)).fetchall()
    waits.granted()
    fresh = _known_meanwhile(conn, fresh, {r.op_id for r in refs}, reply)
    stamps: dict[uuid.UUID, str] = {}
    clamped = 0
    for op in fresh:
        stamp = clamp(op.hlc, now_ms + max_ahead_ms, clamped, now_ms)
        clamped += stamp != op.hlc
        stamps[op.op_id] = stamp
    logged = Batch()
    if careful:
        _replay(conn, origin, fresh, stamps, now, reply, fault, logged)
    else:
        logged.absorb(_apply_ops(conn, origin, fresh, stamps, now, reply, fault))
    # What the register adopts, for the ops not refused (a refused op's id may be no id).
    kept = [o for o in ops if _outcome(reply, o) not in (None, "rejected")]
    customer_ids = sorted({str(as_uuid(o.entity_id, "id")) for o in kept if o.entity == "customer"})
    for cid, state in reads.load_customers(conn, customer_ids, lock=False).items():
        reply.customers[str(cid)] = state.view()
    reply.rows = reads.shared_rows(conn, [o for o in kept if o.entity in MUTABLE_ENTITIES])
    if logged.log_rows or logged.erased:
        run(conn, _LOG_LOCK, key=CHANGE_LOG_LOCK).fetchall()
        waits.granted()
        logged.write_log(conn)
    if fault is not None:
        fault("before_commit")
    return reply


def _key(text: str) -> int:
    """A signed 64-bit advisory-lock key for ``text`` (a collision only makes two pushes
    take turns that need not)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), signed=True)


def _customer_key(value: object) -> str:
    """One spelling of a customer's key, however the id was written."""
    try:
        return f"customer:{uuid.UUID(str(value))}"
    except ValueError:
        return f"customer:{value}"


def lock_keys(origin: uuid.UUID, ops: Sequence[Op]) -> list[int]:
    """The sorted advisory-lock keys of a batch: what it decides against (module doc).

    Read from the ops as sent, before they are checked: a malformed payload adds no key
    and is refused later. Facts (visits, lines, referrals…) need none: each has its own
    id and is inserted once.
    """
    names = {f"origin:{origin}"}
    for op in ops:
        payload = op.payload if isinstance(op.payload, dict) else {}
        if op.entity == "customer":
            names.add(_customer_key(op.entity_id))
        elif op.entity not in FACT_ENTITIES or op.entity == EXTERNAL_ID:
            names.add(f"{op.entity}:{op.entity_id}")
        for other in ("referred_by_id", "merged_id", "survivor_id"):  # rare: few keys
            if payload.get(other):
                names.add(_customer_key(payload[other]))
        if op.entity == "customer" and payload.get("card_code"):
            names.add(f"card:{payload['card_code']}")
        elif op.entity == "branch" and payload.get("code"):
            names.add(f"branch-code:{payload['code']}")
        elif op.entity in DECIDED_ENTITIES and payload.get("hold_id"):
            names.add(f"hold:{payload['hold_id']}")
        elif op.entity == EXTERNAL_ID:
            names.add(f"external:{payload.get('source')}:{payload.get('external_id')}")
    return sorted({_key(name) for name in names} - {CHANGE_LOG_LOCK})


def _replay(
    conn: psycopg.Connection[Any],
    origin: uuid.UUID,
    ops: Sequence[Op],
    stamps: dict[uuid.UUID, str],
    now: datetime,
    reply: PushReply,
    fault: Fault | None,
    logged: Batch,
) -> None:
    """Apply ``ops`` in a savepoint; if the database refuses, each half again, in order,
    down to the one op it refuses, which alone is rejected. The log rows of what held
    go to ``logged``, written at the end under the change-log lock.

    A batch of thousands with one bad op costs about two savepoints per halving (some
    thirty for 5,000 ops) instead of one savepoint and its statements per op, which over
    a slow link would outlast the link's deadline. The ops before a refused one are
    applied before it is tried, as one by one, so what each op meets is the same.
    """
    try:
        with conn.transaction():  # a savepoint: what fails here rolls back alone
            held = _apply_ops(conn, origin, ops, stamps, now, reply, fault)
    except REJECTABLE as exc:
        if len(ops) == 1:
            reply.results[ops[0].op_id] = OpResult("rejected", _db_reason(exc))
            return
        half = len(ops) // 2
        _replay(conn, origin, ops[:half], stamps, now, reply, fault, logged)
        _replay(conn, origin, ops[half:], stamps, now, reply, fault, logged)
        return
    logged.absorb(held)


def _known_meanwhile(
    conn: psycopg.Connection[Any], fresh: list[Op], ref_ids: set[uuid.UUID], reply: PushReply
) -> list[Op]:
    """Announcements another register of this branch applied while this push waited for
    their keys (the same content, so the same op id): duplicates after all."""
    asked = [str(o.op_id) for o in fresh if o.op_id in ref_ids]
    if not asked:
        return fresh
    known = {r[0] for r in run(conn, _KNOWN_OPS, ids=asked)}
    for op_id in known:
        reply.results[op_id] = OpResult("duplicate")
    return [o for o in fresh if o.op_id not in known]


def _outcome(reply: PushReply, op: Op) -> str | None:
    result = reply.results.get(op.op_id)
    return None if result is None else result.outcome


def _fresh_ops(conn: psycopg.Connection[Any], ops: Sequence[Op], reply: PushReply) -> list[Op]:
    """The ops to apply: not applied before (else "duplicate") and well formed."""
    known = {r[0] for r in run(conn, _KNOWN_OPS, ids=[str(o.op_id) for o in ops])}
    fresh: list[Op] = []
    for op in ops:
        if op.op_id in known:
            reply.results[op.op_id] = OpResult("duplicate")
            continue
        try:
            check_op(op)
        except RejectedError as exc:
            reply.results[op.op_id] = OpResult("rejected", str(exc))
            continue
        fresh.append(op)
    return fresh


FOREIGN_KEY_VIOLATION = "23503"  # PostgreSQL's SQLSTATE


def _db_reason(exc: BaseException) -> str:
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    if getattr(exc, "sqlstate", None) == FOREIGN_KEY_VIOLATION:
        return f"{MISSING_REFERENCE} ({primary or exc})"
    return f"refused by the central database: {primary or exc}"


def _apply_ops(
    conn: psycopg.Connection[Any],
    origin: uuid.UUID,
    ops: Sequence[Op],
    stamps: dict[uuid.UUID, str],
    now: datetime,
    reply: PushReply,
    fault: Fault | None,
) -> Batch:
    """Decide every op against the rows the batch touches (locked), then write it all
    but the change-log rows, which the returned batch holds for the end of the push."""
    applier = _Applier(conn, origin, ops, now)
    for op in ops:
        try:
            result = applier.apply(op, stamps[op.op_id])
        except RejectedError as exc:
            reply.results[op.op_id] = OpResult("rejected", str(exc))
            continue
        reply.results[op.op_id] = result
        applier.batch.accepted.append((op.op_id, origin, op.entity, result.outcome))
    applier.finish(now)
    applier.batch.flush(conn, fault)
    return applier.batch


class _Applier:
    """One batch decided in memory, against what the central database holds for it."""

    def __init__(
        self, conn: psycopg.Connection[Any], origin: uuid.UUID, ops: Sequence[Op], now: datetime
    ) -> None:
        self.origin = origin
        self.now = now
        self.batch = Batch()
        customer_ops = [o for o in ops if o.entity == "customer"]
        ids = sorted({str(as_uuid(o.entity_id, "id")) for o in customer_ops})
        self.states = reads.load_customers(conn, ids, lock=True)
        self.existing = set(self.states)
        self.touched: dict[uuid.UUID, CustomerState] = {}
        cards = {str(o.payload["card_code"]) for o in customer_ops if o.payload.get("card_code")}
        self.cards = reads.card_owners(conn, sorted(cards))
        for state in self.states.values():
            if state.fields.get("card_code") and state.erased_at is None:
                self.cards[state.fields["card_code"]] = state.id
        self.branch_codes = reads.branch_codes(conn, [o for o in ops if o.entity == "branch"])
        self.shared = reads.load_shared(conn, [o for o in ops if o.entity in MUTABLE_ENTITIES])
        self.holds = HoldDecider(conn, ops)
        self.audit = AuditKeeper(conn, ops)
        self.external_ids = ExternalIdKeeper(conn, ops)

    def card_taken(self, card: str, cid: uuid.UUID) -> bool:
        owner = self.cards.get(card)
        return owner is not None and owner != cid

    def apply(self, op: Op, stamp: str) -> OpResult:
        """What becomes of ``op``; raises RejectedError (then nothing of it is kept)."""
        if op.entity == "customer":
            return self._customer(op, stamp)
        if op.entity == "staff" and op.op == LEGACY_UPSERT:
            outcome, reason, write, logged = legacy_staff_write(op, self.shared)
            if write is not None:
                self.batch.writes.append(write)
                as_insert = dataclasses.replace(op, op="insert")
                self.batch.log(as_insert, logged, LEGACY_ROW_HLC, self.origin, op.entity_id)
            return OpResult(outcome, reason, stamp)
        if op.entity in MUTABLE_ENTITIES:
            outcome, reason, write = shared_write(op, stamp, self.now, self.shared)
            if write is not None:
                self.batch.writes.append(write)
                self.batch.log(op, op.payload, stamp, self.origin, op.entity_id)
            return OpResult(outcome, reason, stamp)
        if op.entity in AUDIT_ENTITIES:  # kept as received, never logged for others
            result, write = self.audit.entry(op, self.origin)
            if write is not None:
                self.batch.writes.append(write)
            return result
        if op.entity in DECIDED_ENTITIES:
            result, writes = self.holds.step(op)
            if result.outcome == "applied":
                self.batch.writes.extend(writes)
                self.batch.log(op, op.payload, stamp, self.origin, op.entity_id)
            return OpResult(result.outcome, result.reason, stamp)
        if op.entity == EXTERNAL_ID:  # a fact, but one per (source, external id)
            result, write = self.external_ids.decide(op)
            if write is not None:
                self.batch.writes.append(write)
                self.batch.log(op, op.payload, stamp, self.origin, op.entity_id)
            return OpResult(result.outcome, result.reason, stamp)
        if op.entity in FACT_ENTITIES:
            if op.entity == "hold":
                self.holds.inserted(op)
            self.batch.writes.extend(fact_writes(op))
            self.batch.log(op, op.payload, stamp, self.origin, op.entity_id)
        else:
            write, payload = ref_write(op, self.branch_codes)
            self.batch.writes.append(write)
            self.batch.log(op, payload, stamp, self.origin, op.entity_id)
        return OpResult("applied", "", stamp)

    def _customer(self, op: Op, stamp: str) -> OpResult:
        cid = as_uuid(op.entity_id, "customer id")
        old = self.states.get(cid)
        merge = merge_customer(
            old, op.op, op.entity_id, op.payload, stamp, now=self.now, card_taken=self.card_taken
        )
        assert merge.state is not None
        if merge.outcome == "applied":
            if old is not None and old.fields.get("card_code"):
                self.cards.pop(old.fields["card_code"], None)
            if merge.state.fields.get("card_code") and merge.state.erased_at is None:
                self.cards[merge.state.fields["card_code"]] = cid
            self.states[cid] = self.touched[cid] = merge.state
            if op.op == "erase":
                self.batch.erased.append(str(cid))
            self.batch.log(op, merge.won, stamp, self.origin, str(cid))
        return OpResult(merge.outcome, merge.reason, stamp)

    def finish(self, now: datetime) -> None:
        """Queue the customers as the batch left them, one write each."""
        for state in self.touched.values():
            self.batch.writes.append(customer_write(state, now, state.id in self.existing))
