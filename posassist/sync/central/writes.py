"""The writes of one push batch: queued op by op, then sent table by table.

Each accepted op adds rows to a :class:`Batch`; nothing reaches the database until the
whole batch is decided. Then the rows go in the dependency order of the central
schema's tables (``metadata.sorted_tables``: reference rows and customers before the
facts that point at them, interactions before their lines), consecutive rows of the
same compiled statement as one ``executemany``, all in one pipeline.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import Table, Text, any_, bindparam, case, cast, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert

from posassist.domain.catalog import keeps_out
from posassist.domain.fields import (
    CUSTOMER_DERIVED,
    CUSTOMER_FIELDS,
    ERASED_VALUES,
    SHARED_ENTITIES,
)
from posassist.domain.staff import LEGACY_ROW_HLC
from posassist.sync import schema
from posassist.sync.central import load
from posassist.sync.central.sql import (
    ROW_ID,
    Query,
    insert_ignore,
    run,
    run_many,
    table_order,
    update_by_id,
    upsert,
)
from posassist.sync.protocol import (
    CustomerState,
    Op,
    Outcome,
    RejectedError,
    as_uuid,
)
from posassist.sync.rows import payload_row

Fault = Callable[[str], None]

_CUSTOMER_UPDATED = (*CUSTOMER_FIELDS, *CUSTOMER_DERIVED, "field_clocks", "erased_at", "updated_at")
_CUSTOMER_INSERT = insert_ignore("customer", (*_CUSTOMER_UPDATED, "id", "created_at"))
_CUSTOMER_UPDATE = update_by_id("customer", _CUSTOMER_UPDATED)

_applied = schema.applied_ops
_unnest = (
    func.unnest(
        cast(bindparam("op_ids"), ARRAY(UUID)),
        cast(bindparam("origins"), ARRAY(UUID)),
        cast(bindparam("entities"), ARRAY(Text)),
        cast(bindparam("outcomes"), ARRAY(Text)),
    )
    .table_valued("op_id", "origin", "entity", "outcome")
    .render_derived()
)
# Every op id of the batch in one statement (one array per column).
_APPLIED_OPS = Query(
    pg_insert(_applied)
    .from_select(
        ["op_id", "origin", "entity", "outcome"],
        select(_unnest.c.op_id, _unnest.c.origin, _unnest.c.entity, _unnest.c.outcome),
    )
    .on_conflict_do_nothing()
)
_log = schema.change_log
_LOG_COLUMNS = ("op_id", "entity", "entity_id", "op", "payload", "hlc", "origin")
_CHANGE_LOG = Query(pg_insert(_log).inline(), _LOG_COLUMNS)  # no RETURNING of server_seq
# An erased customer's insert keeps only what is not personal; its updates keep nothing.
_SCRUB_LOG = Query(
    update(_log)
    .where(
        _log.c.entity == "customer",
        _log.c.entity_id == any_(cast(bindparam("ids"), ARRAY(Text))),
        or_(_log.c.op == "insert", _log.c.op == "update"),
    )
    .values(
        payload=case(
            (
                _log.c.op == "insert",
                _log.c.payload.op("||", return_type=JSONB)(cast(bindparam("erased"), JSONB)),
            ),
            else_=cast(literal("{}"), JSONB),
        )
    )
)


@dataclass(frozen=True, slots=True)
class Write:
    """One row to write: the table (for the order), the compiled statement, its values."""

    table: Table
    query: Query
    row: Mapping[str, Any]


def _insert(table: Table, row: dict[str, Any]) -> Write:
    return Write(table, insert_ignore(table.name, tuple(row)), row)


@dataclass
class Batch:
    """The writes one batch makes, and what it records about its ops."""

    writes: list[Write] = field(default_factory=list)
    log_rows: list[tuple[Any, ...]] = field(default_factory=list)
    accepted: list[tuple[uuid.UUID, uuid.UUID, str, str]] = field(default_factory=list)
    erased: list[str] = field(default_factory=list)

    def log(
        self, op: Op, payload: dict[str, Any], stamp: str, origin: uuid.UUID, entity_id: str
    ) -> None:
        """Queue the change-log row other registers will pull."""
        self.log_rows.append((op.op_id, op.entity, entity_id, op.op, Jsonb(payload), stamp, origin))

    def flush(self, conn: psycopg.Connection[Any], fault: Fault | None) -> None:
        """Everything the batch decided, in the tables' dependency order.

        Runs of many rows of one plain insert go by COPY (``central/load.py``); the rest
        (updates, upserts, short runs) go as ``executemany``, pipelined between them.
        """
        pipelined: list[tuple[Query, list[Mapping[str, Any]]]] = []
        for query, rows in _runs(sorted(self.writes, key=lambda w: table_order(w.table))):
            if _by_copy(query, rows):
                self._send(conn, pipelined)
                pipelined = []
                load.insert_by_copy(conn, query, rows)
            else:
                pipelined.append((query, rows))
        self._send(conn, pipelined)
        if fault is not None:
            fault("applied")

    def write_log(self, conn: psycopg.Connection[Any]) -> None:
        """The change-log rows, then the scrub of erased customers' logged payloads.

        The last writes of a push, made under the change-log lock (``central/push.py``),
        so ``server_seq`` is handed out in commit order.
        """
        if len(self.log_rows) >= load.COPY_MIN_ROWS:
            load.copy_log(conn, self.log_rows)
        elif self.log_rows:
            with conn.cursor() as cur:
                rows = [dict(zip(_LOG_COLUMNS, r, strict=True)) for r in self.log_rows]
                run_many(cur, _CHANGE_LOG, rows)
        if self.erased:  # after the log: an insert erased in this same batch is scrubbed too
            run(conn, _SCRUB_LOG, erased=Jsonb(ERASED_VALUES), ids=self.erased)

    def absorb(self, other: Batch) -> None:
        """Take ``other``'s log rows and erasures (a savepoint of the replay that held)."""
        self.log_rows.extend(other.log_rows)
        self.erased.extend(other.erased)

    def _send(
        self, conn: psycopg.Connection[Any], runs: Sequence[tuple[Query, list[Mapping[str, Any]]]]
    ) -> None:
        """The applied op ids (the first time only), then ``runs``, in one pipeline."""
        if not runs and not self.accepted:
            return
        with conn.pipeline(), conn.cursor() as cur:
            if self.accepted:
                op_ids, origins, entities, outcomes = (
                    list(c) for c in zip(*self.accepted, strict=True)
                )
                run(
                    cur,
                    _APPLIED_OPS,
                    op_ids=op_ids,
                    origins=origins,
                    entities=entities,
                    outcomes=outcomes,
                )
                self.accepted = []
            for query, rows in runs:
                run_many(cur, query, rows)


def _by_copy(query: Query, rows: Sequence[Mapping[str, Any]]) -> bool:
    return (
        query.plain_insert is not None
        and len(rows) >= load.COPY_MIN_ROWS
        and load.copyable(query.plain_insert, rows)
    )


def _runs(writes: Sequence[Write]) -> Iterator[tuple[Query, list[Mapping[str, Any]]]]:
    """Consecutive writes of the same statement, as one executemany each (order kept)."""
    query: Query | None = None
    rows: list[Mapping[str, Any]] = []
    for write in writes:
        if write.query is not query and rows:
            assert query is not None
            yield query, rows
            rows = []
        query = write.query
        rows.append(write.row)
    if rows and query is not None:
        yield query, rows


def customer_write(state: CustomerState, now: datetime, exists: bool) -> Write:
    """The customer row as the merge left it: updated in place, or inserted."""
    values: dict[str, Any] = {**state.fields, **state.derived()}
    values["field_clocks"] = Jsonb(state.clocks)
    values["erased_at"] = state.erased_at
    values["updated_at"] = now
    if exists:
        values[ROW_ID] = state.id
        return Write(schema.customer, _CUSTOMER_UPDATE, values)
    values["id"] = state.id
    values["created_at"] = state.created_at
    return Write(schema.customer, _CUSTOMER_INSERT, values)


def fact_writes(op: Op) -> list[Write]:
    """The op's inserts; all or nothing (a bad line rejects its whole interaction)."""
    table = schema.FACT_TABLES[op.entity]
    row = payload_row(table, op.payload)
    if op.entity == "hold":
        row["state"] = "requested"  # a hold is born requested; only its steps move it
    writes = [_insert(table, row)]
    if op.entity == "interaction":
        lines_table = schema.purchase_line
        for line in op.payload.get("lines", []):
            values = payload_row(lines_table, line)
            values["interaction_id"] = as_uuid(op.entity_id, "interaction id")
            writes.append(_insert(lines_table, values))
    return writes


def shared_write(
    op: Op,
    stamp: str,
    now: datetime,
    shared: dict[tuple[str, uuid.UUID], dict[str, Any]],
) -> tuple[Outcome, str, Write | None]:
    """Last writer wins per row; a deletion is a tombstone nothing later undoes.

    What each kind must carry was checked with the op (``protocol.check_shared``); a
    kind with a ``not_older`` time (stock: ``as_of``) also keeps the later count.
    ``shared`` (row clock, tombstone and that time per row) is updated, so later ops of
    the same batch see this one. For such a kind the logged changes of a row are in
    the order of that time, not always of their clocks (see ``shared_rows._is_older``).
    """
    table = schema.MUTABLE_TABLES[op.entity]
    guard = SHARED_ENTITIES[op.entity].not_older
    rid = as_uuid(op.entity_id, f"{op.entity} id")
    row = payload_row(table, op.payload, skip=("id", "row_hlc", "deleted_at"))
    current = shared.get((op.entity, rid))
    if op.op == "insert" and current is None:
        held = row.get(guard) if guard is not None else None
        shared[(op.entity, rid)] = {"row_hlc": stamp, "deleted": False, "guard": held}
        return "applied", "", _insert(table, {"id": rid, **row, "row_hlc": stamp})
    if current is None:
        return "ignored", f"this {op.entity} is not known centrally", None
    if current["deleted"]:
        return "ignored", f"the {op.entity} was deleted", None
    if guard is not None and guard in row and current["guard"] is not None:
        # The later count wins, whatever the clocks (a count recorded offline first can
        # reach central last), unless the held one is dated in the future (a clock error,
        # ``keeps_out``); the clock decides only between counts of one time.
        if keeps_out(current["guard"], row[guard], now):
            return "ignored", f"the {guard} is older than the one already here", None
        if row[guard] == current["guard"] and stamp <= current["row_hlc"]:
            return "ignored", "older than what is already here", None
        current["guard"] = row[guard]
    elif stamp <= current["row_hlc"]:
        return "ignored", "older than what is already here", None
    if op.op == "delete":
        sets: dict[str, Any] = {"deleted_at": now}
        current["deleted"] = True
    else:
        sets = row
    sets["row_hlc"] = stamp
    current["row_hlc"] = stamp
    query = update_by_id(table.name, tuple(sets))
    return "applied", "", Write(table, query, {**sets, ROW_ID: rid})


def legacy_staff_write(
    op: Op, shared: dict[tuple[str, uuid.UUID], dict[str, Any]]
) -> tuple[Outcome, str, Write | None, dict[str, Any]]:
    """An older register's announcement of a staff account (``upsert``, no PIN hash):
    inserted only if central lacks the row, with the oldest clock there is, so it never
    overwrites a shared row (that would re-enable a disabled account) and any real edit
    wins over it. Logged as that insert, for every register to apply by the same rule."""
    table = schema.staff
    rid = as_uuid(op.entity_id, "staff id")
    if (op.entity, rid) in shared:
        return "ignored", "the staff account is already here (a newer version wins)", None, {}
    row = payload_row(table, op.payload, skip=("id", "row_hlc", "deleted_at", "pin_hash"))
    shared[(op.entity, rid)] = {"row_hlc": LEGACY_ROW_HLC, "deleted": False, "guard": None}
    write = _insert(table, {"id": rid, **row, "row_hlc": LEGACY_ROW_HLC})
    logged = {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in row.items()}
    return "applied", "", write, {"id": str(rid), **logged}


def branch_code_for(code: str, branch_id: uuid.UUID, taken_by: uuid.UUID | None) -> str:
    """Two branches set up separately with one code both keep working: the later is renamed."""
    if taken_by is None or taken_by == branch_id:
        return code
    return f"{code}~{branch_id.hex[:6]}"


def ref_write(op: Op, branch_codes: dict[str, uuid.UUID]) -> tuple[Write, dict[str, Any]]:
    """The register's announcement of itself (upserted), and what to log of it."""
    table = schema.REF_TABLES[op.entity]
    row = payload_row(table, op.payload)
    row["id"] = as_uuid(op.entity_id, f"{op.entity} id")
    if op.entity == "branch":
        code = str(row.get("code") or "")
        if not code:
            raise RejectedError("a branch needs a code")
        row["code"] = branch_code_for(code, row["id"], branch_codes.get(code))
        branch_codes[row["code"]] = row["id"]
    write = Write(table, upsert(table.name, tuple(row)), row)
    return write, {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in row.items()}
