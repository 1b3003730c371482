"""Pull: bring other registers' changes from the central change log into this store.

A batch is applied in slices, each with the cursor advanced in the same local
transaction, so a crash leaves either both or neither of any slice. A slice holds the
store's write lock, and a cashier's write waits behind it (for at most SQLite's busy
timeout, then "store busy"): slices are sized to take about ``SLICE_SECONDS``, and between
two the pull lets any write already asked for go first (``Database.yield_to_writers``).

Applying writes the tables directly and never the outbox (a pulled change is not this
register's news to tell). This register's own ops are skipped: they are already here,
except in a store just restored from a backup (``REPLAY_OWN_KEY``), which lacks the
changes it made after the backup: there they are applied like any other (every apply is
idempotent) until the pull has caught up with the change log. A row that cannot be
applied (it points at something this register never received, or it is poison: no
object, an id or clock stamp that is none, a wrong type, an unknown kind, a control
character, too large; see :func:`~posassist.sync.protocol.check_op`) is recorded in
``sync_problem`` with its reason instead of stopping every later row behind it; the
cursor moves on.
"""

from __future__ import annotations

import logging
import sqlite3
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from posassist.domain.fields import CUSTOMER_FIELDS
from posassist.domain.hlc import HybridClock, Timestamp
from posassist.errors import KnownError, StoreError
from posassist.storage.backup import REPLAY_OWN_KEY
from posassist.storage.base import Base, utcnow
from posassist.storage.database import Database
from posassist.storage.orm import (
    Branch,
    Customer,
    CustomerAlias,
    CustomerExternalId,
    HoldRequest,
    Interaction,
    InteractionVoid,
    PurchaseLine,
    Referral,
    Register,
    SyncProblem,
    UnmetDemand,
)
from posassist.storage.outbox import jsonable, scrub_outbox
from posassist.sync import central
from posassist.sync.central import CentralLink
from posassist.sync.central.snapshot import log_floor
from posassist.sync.external_ids import PULL_UPSERT
from posassist.sync.holds import apply_step, requeue_waiting
from posassist.sync.outbox import get_state, set_state
from posassist.sync.protocol import (
    DECIDED_ENTITIES,
    Change,
    CustomerState,
    Op,
    RejectedError,
    as_uuid,
    check_op,
    merge_customer,
)
from posassist.sync.rows import payload_row
from posassist.sync.shared_rows import SHARED_TABLES, apply_shared

log = logging.getLogger(__name__)
CURSOR_KEY = "pull_cursor"
# Change-log rows per batch (one fetch, one local transaction). A change is at most a
# note of 20,000 characters or so in practice, so a batch stays some tens of MB at worst.
PULL_LIMIT = 2_000
# A slice of a batch is one local transaction, holding the store's write lock: sized to
# take about this long (a 2,000-change page in one transaction held it past the 5 s busy
# timeout under load, and the cashier's writes failed "store busy"). Each slice commits
# (one fsync, some 9 ms on this bench machine): too small a slice is throughput lost to
# commits. The first slice of a page is about SLICE_SECONDS of applying on a register
# that is not busy (5,000 changes/s in the bench's pull row); a slower one shrinks the
# next slice at once.
SLICE_SECONDS = 0.2
_FIRST_SLICE = 1_000
_MIN_SLICE = 20
# SQLite's bound-parameter limit: ids are read this many at a time.
_CHUNK = 500
# What a change that cannot be applied raises. Beyond the database's and the protocol's
# refusals, a malformed payload can surface as a plain TypeError or the like; caught
# per row only, so one such row is a recorded problem and never a stuck cursor.
_UNAPPLIABLE = (
    IntegrityError,
    StatementError,
    RejectedError,
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
)

_FACT_TABLES: dict[str, Table] = {
    "interaction": Interaction.__table__,  # type: ignore[dict-item]
    "referral": Referral.__table__,  # type: ignore[dict-item]
    "unmet_demand": UnmetDemand.__table__,  # type: ignore[dict-item]
    "interaction_void": InteractionVoid.__table__,  # type: ignore[dict-item]
    "customer_alias": CustomerAlias.__table__,  # type: ignore[dict-item]
    "customer_external_id": CustomerExternalId.__table__,  # type: ignore[dict-item]
    "hold": HoldRequest.__table__,  # type: ignore[dict-item]
}
# Payload keys of a fact naming a customer whose card shows something new (a void's
# payload names the voided interaction's customer for this; it is no column).
_CUSTOMER_KEYS = ("customer_id", "merged_id", "survivor_id")
_REF_TABLES: dict[str, Table] = {
    "branch": Branch.__table__,  # type: ignore[dict-item]
    "register": Register.__table__,  # type: ignore[dict-item]
}
_LINES: Table = PurchaseLine.__table__  # type: ignore[assignment]
_FACT_INSERTS: dict[str, Any] = {  # by table name (a hold's entity is "hold": hold_request)
    table.name: sqlite_insert(table).on_conflict_do_nothing(index_elements=["id"])
    for table in [*_FACT_TABLES.values(), _LINES]
}
# An external id is central's word on its (source, external id): it replaces this
# register's own row for the pair if that one lost (``central/external_ids.py``).
_FACT_INSERTS["customer_external_id"] = PULL_UPSERT


@dataclass
class SliceSize:
    """The slice size a pull last adapted to, kept by its engine from page to page: a
    page on a slow register then starts small instead of at ``_FIRST_SLICE`` again."""

    next: int = 0  # 0: nothing learned yet

    def first(self) -> int:
        return min(_FIRST_SLICE, self.next) if self.next else _FIRST_SLICE


@dataclass
class Applied:
    """What applying a batch changed here; begun afresh if the batch is replayed row by row."""

    count: int = 0
    own_skipped: int = 0  # this register's own changes: already here
    erased: bool = False
    changed_customers: set[uuid.UUID] = field(default_factory=set)
    # Customers whose card shows something new (a visit, a referral) without a field change.
    touched_customers: set[uuid.UUID] = field(default_factory=set)
    holds: set[uuid.UUID] = field(default_factory=set)  # holds received (see requeue_waiting)
    # Staff accounts a change arrived for: the window checks whoever is signed in.
    staff: set[uuid.UUID] = field(default_factory=set)

    def add(self, other: Applied) -> None:
        """Fold in what a later slice of the same batch applied."""
        self.count += other.count
        self.own_skipped += other.own_skipped
        self.erased = self.erased or other.erased
        self.changed_customers |= other.changed_customers
        self.touched_customers |= other.touched_customers
        self.holds |= other.holds
        self.staff |= other.staff


@dataclass
class PullResult:
    """One batch from the change log: how much came, what it did, what could not be applied."""

    fetched: int = 0
    more: bool = False
    problems: int = 0
    newest_stamp: str = ""
    applied: Applied = field(default_factory=Applied)


class LogPrunedError(Exception):
    """The change log no longer holds what comes after this register's cursor (pruned
    while it was away): the engine re-bootstraps (``sync/bootstrap.py``)."""

    def __init__(self, cursor: int, floor: int) -> None:
        super().__init__(f"cursor {cursor} is below the change log's floor {floor}")
        self.cursor = cursor
        self.floor = floor


def read_cursor(db: Database) -> int:
    with db.read() as s:
        return int(get_state(s, CURSOR_KEY) or 0)


def pull_once(
    db: Database,
    link: CentralLink,
    register_id: uuid.UUID,
    hlc: HybridClock,
    *,
    limit: int = PULL_LIMIT,
    sizes: SliceSize | None = None,
) -> PullResult:
    """Fetch and apply one batch of changes after the cursor. Raises SyncError on link trouble."""
    cursor = read_cursor(db)
    with link.use() as conn:
        changes = central.fetch_changes(conn, cursor, limit)
        if not changes or changes[0].server_seq != cursor + 1:
            # A gap (or nothing): numbers can be skipped, or a prune took what we lack.
            # Read after the fetch: a prune deletes its rows and moves the floor at once.
            floor = log_floor(conn)
            if floor > cursor:
                raise LogPrunedError(cursor, floor)
    result = PullResult(fetched=len(changes), more=len(changes) == limit)
    if not changes:
        _end_replay(db)
        return result
    apply_changes(db, changes, register_id, result, sizes=sizes)
    if result.newest_stamp:
        hlc.observe(Timestamp.decode(result.newest_stamp))
    if result.applied.erased:
        try:
            db.checkpoint()
        except (StoreError, sqlite3.Error) as exc:  # the next checkpoint finishes the job
            log.warning("pull: the checkpoint after an erasure did not finish: %s", exc)
    return result


def _end_replay(db: Database) -> None:
    """Caught up with the change log: a restored store has its own changes back."""
    with db.read() as s:
        replaying = bool(get_state(s, REPLAY_OWN_KEY))
    if replaying:
        with db.write() as s:
            set_state(s, REPLAY_OWN_KEY, "")


def apply_changes(
    db: Database,
    changes: Sequence[Change],
    register_id: uuid.UUID,
    result: PullResult,
    *,
    slice_seconds: float | None = None,
    sizes: SliceSize | None = None,
) -> None:
    """Apply a batch in slices of about ``slice_seconds`` (default ``SLICE_SECONDS``)
    each, every slice its own transaction.

    The first slice is ``_FIRST_SLICE`` or what ``sizes`` learned on the pages before, if
    less; each next one is scaled by how long the last took (at most doubling), so a slow
    disk or a batch of heavy rows gets smaller slices. What the slices applied is added up
    in ``result``.
    """
    budget = SLICE_SECONDS if slice_seconds is None else slice_seconds
    sizes = sizes or SliceSize()
    size = sizes.first()
    start = 0
    while start < len(changes):
        if start:
            db.yield_to_writers()
        part = changes[start : start + size]
        try:
            took = _apply_slice(db, part, register_id, result, last=start + size >= len(changes))
        except Exception as exc:
            if not start:
                raise  # nothing of this batch is in: the caller hears of it
            # Earlier slices are committed, cursor and all: report them, and let the
            # engine fetch the rest again at once (a fault that lasts is raised then).
            why = exc if isinstance(exc, KnownError) else type(exc).__name__  # no row data
            log.warning("pull: a slice could not be saved (%s); fetching again", why)
            result.more = True
            return
        start += len(part)
        size = sizes.next = _next_slice(size, took, budget)


def _next_slice(size: int, took: float, budget: float) -> int:
    scaled = size * budget / took if took > 0 else 2 * size
    return max(_MIN_SLICE, min(2 * size, PULL_LIMIT, int(scaled)))


def _apply_slice(
    db: Database, changes: Sequence[Change], register_id: uuid.UUID, into: PullResult, *, last: bool
) -> float:
    """One slice in one transaction, cursor included; the seconds it held the write lock."""
    result = PullResult(fetched=len(changes), more=into.more or not last)
    with db.write() as s:
        # Re-read under the write lock: another sync of this store may have got here first.
        current = int(get_state(s, CURSOR_KEY) or 0)
        locked = time.monotonic()
        todo = [c for c in changes if c.server_seq > current]
        if not todo:
            return time.monotonic() - locked
        skip_origin: uuid.UUID | None = register_id
        if get_state(s, REPLAY_OWN_KEY):  # restored from a backup: own ops come back too
            skip_origin = None
            if not result.more:
                set_state(s, REPLAY_OWN_KEY, "")
        try:
            with s.begin_nested():
                facts = _FactBuffer(_loaded_customers(s, todo))
                for change in todo:
                    _apply_one(s, change, skip_origin, result, facts)
                facts.flush(s)
        except _UNAPPLIABLE:
            # One row cannot be applied: replay the slice row by row, keeping the rest;
            # a row counts only once it is in (a refused one is a problem, not applied).
            result.applied = Applied()
            result.newest_stamp = ""
            for change in todo:
                one = PullResult()
                try:
                    with s.begin_nested():
                        facts = _FactBuffer()
                        _apply_one(s, change, skip_origin, one, facts)
                        facts.flush(s)
                except _UNAPPLIABLE as exc:
                    _record_problem(s, change, exc)
                    result.problems += 1
                    continue
                result.applied.add(one.applied)
                result.newest_stamp = max(result.newest_stamp, one.newest_stamp)
        requeue_waiting(s, result.applied.holds)
        set_state(s, CURSOR_KEY, str(todo[-1].server_seq))
    # Committed: only now is it part of what the batch did.
    into.applied.add(result.applied)
    into.problems += result.problems
    into.newest_stamp = max(into.newest_stamp, result.newest_stamp)
    return time.monotonic() - locked


def _record_problem(s: Session, change: Change, exc: BaseException) -> None:
    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:500]
    s.merge(
        SyncProblem(
            server_seq=change.server_seq,
            op_id=change.op_id,
            entity=change.entity,
            entity_id=change.entity_id,
            reason=reason,
            payload=jsonable(change.payload),
            at=utcnow(),
        )
    )


def _loaded_customers(s: Session, changes: Sequence[Change]) -> dict[uuid.UUID, Customer | None]:
    """The stored rows of the customers a batch changes, read in a few queries, not one
    per change (None: not here yet)."""
    ids: set[uuid.UUID] = set()
    for change in changes:
        if change.entity == "customer":
            try:
                ids.add(as_uuid(change.entity_id, "customer id"))
            except RejectedError:
                continue  # refused when its turn comes, with its reason
    found: dict[uuid.UUID, Customer | None] = dict.fromkeys(ids)
    ordered = sorted(ids)
    for i in range(0, len(ordered), _CHUNK):
        part = ordered[i : i + _CHUNK]
        found.update((c.id, c) for c in s.scalars(select(Customer).where(Customer.id.in_(part))))
    return found


class _FactBuffer:
    """Fact rows waiting to be inserted many at a time (the bulk of any pull), and the
    customers of the batch as this session holds them.

    Flushed before any reference or shared row (or hold step) is applied and at the end;
    the session's own pending writes (the customers applied meanwhile) go first, so every
    row a fact points at is already there; within the buffer, interactions go before
    their lines. A customer change needs no flush of its own: the facts before it in the
    log can point only at customers already known, and nothing it writes reads a fact.
    """

    # The store's dependency order (interactions before their lines), from the tables.
    ORDER = tuple(t.name for t in Base.metadata.sorted_tables if t.name in _FACT_INSERTS)

    def __init__(self, customers: dict[uuid.UUID, Customer | None] | None = None) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in self.ORDER}
        # Preloaded customers (None: read one at a time, as the row-by-row replay does).
        self.customers = customers

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.rows[table].append(row)

    def customer(self, s: Session, cid: uuid.UUID) -> Customer | None:
        if self.customers is not None and cid in self.customers:
            return self.customers[cid]
        return s.get(Customer, cid)

    def flush(self, s: Session) -> None:
        s.flush()  # customers applied since the last flush, before the facts naming them
        for name in self.ORDER:
            rows = self.rows[name]
            if not rows:
                continue
            by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for row in rows:
                by_shape.setdefault(tuple(sorted(row)), []).append(row)
            for shape_rows in by_shape.values():
                s.execute(_FACT_INSERTS[name], shape_rows)
            rows.clear()


def _apply_one(
    s: Session,
    change: Change,
    skip_origin: uuid.UUID | None,
    result: PullResult,
    facts: _FactBuffer,
) -> None:
    own = change.origin == skip_origin
    # Own shared rows are replayed in server order (see apply_shared), and own hold
    # steps are applied too: the one way a step whose acknowledgement was lost (answered
    # "duplicate" on the resend) learns that it was applied.
    if own and change.entity not in SHARED_TABLES and change.entity not in DECIDED_ENTITIES:
        result.applied.own_skipped += 1
        return
    check_op(Op(0, *astuple_change(change)))
    if change.entity in _FACT_TABLES:
        _apply_fact(change, facts)
        if change.entity == "hold":
            result.applied.holds.add(as_uuid(change.entity_id, "hold id"))
        for key in _CUSTOMER_KEYS:
            customer_id = change.payload.get(key)
            if customer_id:
                result.applied.touched_customers.add(as_uuid(customer_id, key))
    elif change.entity == "customer":
        _apply_customer(s, change, result, facts)
    else:
        facts.flush(s)
        if change.entity in SHARED_TABLES:
            apply_shared(s, change, own=own)
            if change.entity == "staff":
                result.applied.staff.add(as_uuid(change.entity_id, "staff id"))
        elif change.entity in DECIDED_ENTITIES:
            customer_id = apply_step(s, change.payload)
            if customer_id is not None:
                result.applied.touched_customers.add(customer_id)
        elif change.entity in _REF_TABLES:
            apply_ref(s, change)
        else:
            raise RejectedError(f"unknown kind of change {change.entity!r}")
    result.applied.count += 1
    if change.hlc > result.newest_stamp:
        result.newest_stamp = change.hlc


def astuple_change(change: Change) -> tuple[uuid.UUID, str, str, str, Any, str]:
    """The fields a change shares with an op, for the one check both ends run."""
    return (change.op_id, change.entity, change.entity_id, change.op, change.payload, change.hlc)


# -- customers -----------------------------------------------------------------------
def _state_of(c: Customer) -> CustomerState:
    values = {f: getattr(c, f) for f in CUSTOMER_FIELDS}
    return CustomerState.stored(c.id, values, c.field_clocks, c.created_at, c.erased_at)


def _apply_customer(s: Session, change: Change, result: PullResult, facts: _FactBuffer) -> None:
    cid = as_uuid(change.entity_id, "customer id")
    row = facts.customer(s, cid)
    merge = merge_customer(
        _state_of(row) if row is not None else None,
        change.op,
        change.entity_id,
        change.payload,
        change.hlc,
        now=utcnow(),
        card_taken=lambda _card, _cid: False,  # the server already decided; see below
    )
    if merge.outcome != "applied" or merge.state is None:
        return
    state = merge.state
    card = state.fields.get("card_code")
    if card and (row is None or row.card_code != card):
        # The central log says this customer holds the card. A customer here holding it
        # can only be one not yet pushed; the server will refuse its claim too.
        s.execute(
            update(Customer)
            .where(Customer.card_code == card, Customer.id != cid)
            .values(card_code=None)
        )
    values: dict[str, Any] = {**state.fields, **state.derived()}
    if values["referred_by_id"] is not None:
        values["referred_by_id"] = uuid.UUID(str(values["referred_by_id"]))
    if row is None:
        row = Customer(id=cid, created_at=state.created_at, updated_at=utcnow(), **values)
        row.field_clocks = state.clocks
        row.erased_at = state.erased_at
        s.add(row)
        if facts.customers is not None:
            facts.customers[cid] = row
    else:
        for name, value in values.items():
            setattr(row, name, value)
        row.field_clocks = state.clocks
        row.erased_at = state.erased_at
        row.updated_at = utcnow()
    result.applied.changed_customers.add(cid)
    if change.op == "erase":
        scrub_outbox(s, cid)
        result.applied.erased = True


# -- facts and reference rows --------------------------------------------------------
def _apply_fact(change: Change, facts: _FactBuffer) -> None:
    table = _FACT_TABLES[change.entity]
    row = payload_row(table, change.payload)
    row["id"] = as_uuid(change.entity_id, "id")
    if change.entity == "hold":
        row["state"] = "requested"  # a hold is born requested; only its steps move it
    facts.add(table.name, row)
    if change.entity == "interaction":
        for line in change.payload.get("lines", []):
            values = payload_row(_LINES, line)
            values["interaction_id"] = row["id"]
            facts.add("purchase_line", values)


def apply_ref(s: Session, change: Change) -> None:
    table = _REF_TABLES[change.entity]
    row = payload_row(table, change.payload)
    row["id"] = as_uuid(change.entity_id, "id")
    if change.entity == "branch":
        code = str(row.get("code") or "")
        taken = s.scalar(select(Branch.id).where(Branch.code == code))
        row["code"] = central.branch_code_for(code, row["id"], taken)
    updates = {k: v for k, v in row.items() if k != "id"}
    stmt = sqlite_insert(table).values(row)
    stmt = (
        stmt.on_conflict_do_update(index_elements=["id"], set_=updates)
        if updates
        else stmt.on_conflict_do_nothing(index_elements=["id"])
    )
    s.execute(stmt)


# -- shared rows (vendors, the catalogue, branch stock) --------------------------------
