"""The central PostgreSQL side: connecting to it, and what runs inside it.

Connection (DESIGN.md "Connection"): psycopg 3 with ``connect_timeout``,
``tcp_user_timeout`` and keepalives, so a dead server or a cut cable is noticed in
seconds rather than at the kernel's two-hour default. Those do not help when the
link *hangs* with the TCP connection still acknowledged (a stuck proxy or VPN), so
every use of the connection also runs under a hard deadline: a watchdog shuts the
socket down and the blocked call returns with an error. The caller then treats the
outcome as unknown and resends the same op ids later.

Push (server side) runs in one transaction: the advisory lock first, so pushes are
serialised and ``change_log.server_seq`` is assigned and committed in one order (a
pull cursor can then never skip a row that committed late); the op ids already in
``applied_ops`` are answered "duplicate" without touching anything; the new ops are
applied and logged. A database error from one bad op rolls the batch back and the
batch is replayed op by op in savepoints, so that op alone is rejected.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg import errors as pgerrors
from psycopg.types.json import Jsonb

from posassist.config import CentralSettings
from posassist.domain.lww import CUSTOMER_FIELDS, ERASED_VALUES
from posassist.errors import SyncError
from posassist.sync import schema
from posassist.sync.protocol import (
    FACT_ENTITIES,
    MAX_CLOCK_AHEAD_MS,
    MUTABLE_ENTITIES,
    REF_ENTITIES,
    Change,
    CustomerState,
    Op,
    OpResult,
    Outcome,
    PushReply,
    RejectedError,
    as_date,
    as_datetime,
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
Fault = Callable[[str], None]


@dataclass(frozen=True)
class CentralTarget:
    """Everything needed to open a connection; built fresh so a new password applies."""

    host: str
    port: int
    dbname: str
    user: str
    password: str | None = None
    sslmode: str = "prefer"
    connect_timeout: int = 5
    tcp_user_timeout_ms: int = 15_000
    statement_timeout_ms: int = 60_000

    @classmethod
    def from_settings(cls, central: CentralSettings, password: str | None) -> CentralTarget:
        return cls(
            host=central.host,
            port=central.port,
            dbname=central.database,
            user=central.user,
            password=password,
            sslmode=central.sslmode,
            connect_timeout=central.connect_timeout,
        )

    def describe(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.dbname}"

    def conninfo(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "dbname": self.dbname,
            "user": self.user,
            "sslmode": self.sslmode,
            "connect_timeout": self.connect_timeout,
            "tcp_user_timeout": self.tcp_user_timeout_ms,
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 5,
            "keepalives_count": 3,
            "application_name": "posassist",
            # A register whose link dies mid-push must not hold the change-log lock (and so
            # every other register's push) until the server's TCP keepalive gives up.
            "options": (
                f"-c statement_timeout={self.statement_timeout_ms} "
                f"-c idle_in_transaction_session_timeout={self.statement_timeout_ms // 2} "
                "-c timezone=UTC"
            ),
        }
        if self.password:
            info["password"] = self.password
        return info


def explain(exc: BaseException, target: CentralTarget | None = None) -> SyncError:
    """Turn a psycopg error into a message store IT can act on."""
    where = f" at {target.describe()}" if target else ""
    if isinstance(exc, pgerrors.InvalidPassword | pgerrors.InvalidAuthorizationSpecification):
        return SyncError(
            f"The central database{where} refused the user name or password.",
            hint="Check [central] user in the settings, then store the password with "
            "`posassist central password`.",
        )
    if isinstance(exc, pgerrors.InvalidCatalogName):
        return SyncError(
            f"The central database{where} does not exist.",
            hint="Create it on the server (createdb), then run `posassist central init`.",
        )
    if isinstance(exc, pgerrors.UndefinedTable):
        return SyncError(
            f"The central database{where} has no posassist tables.",
            hint="Run `posassist central init` once to create them.",
        )
    text = " ".join(str(exc).split()) or type(exc).__name__
    return SyncError(f"Cannot reach the central database{where}: {text}")


def _transient(exc: BaseException) -> bool:
    return isinstance(
        exc,
        psycopg.OperationalError
        | psycopg.InterfaceError
        | pgerrors.InvalidPassword
        | pgerrors.InvalidAuthorizationSpecification
        | pgerrors.UndefinedTable
        | pgerrors.InvalidCatalogName,
    )


class CentralLink:
    """One reused connection to the central database, every use under a deadline.

    Not thread-safe by design: one sync worker owns it. ``abort()`` alone may be
    called from another thread (to stop a hanging call at shutdown).
    """

    IDLE_PING_SECONDS = 10.0

    def __init__(self, target: Callable[[], CentralTarget], *, op_timeout: float = 30.0) -> None:
        self._target = target
        self.op_timeout = op_timeout
        self._conn: psycopg.Connection[Any] | None = None
        self._last_used = 0.0
        self._guard = threading.Lock()
        self._armed: psycopg.Connection[Any] | None = None
        self._fired = False
        self.connected_target: CentralTarget | None = None

    # -- the watchdog ----------------------------------------------------------------
    def _cut(self) -> None:
        """Shut the armed connection's socket down so a blocked call returns at once."""
        with self._guard:
            conn = self._armed
            if conn is None:
                return
            self._fired = True
            try:
                fd = conn.fileno()
                dup = socket.socket(fileno=os.dup(fd))
            except (OSError, psycopg.Error) as exc:
                log.info("watchdog found no socket to cut: %s", exc)
                return
            try:
                dup.shutdown(socket.SHUT_RDWR)
            except OSError as exc:
                log.info("watchdog could not shut the socket down: %s", exc)
            finally:
                dup.close()

    def abort(self) -> None:
        """From any thread: end the current call now (used when the app quits)."""
        self._cut()

    # -- connecting ------------------------------------------------------------------
    def _connect(self) -> psycopg.Connection[Any]:
        target = self._target()
        try:
            conn = psycopg.connect(**target.conninfo(), autocommit=True)
        except psycopg.Error as exc:
            raise explain(exc, target) from exc
        self.connected_target = target
        return conn

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.closed:
            try:
                conn.close()
            except psycopg.Error as exc:
                log.info("closing the central connection: %s", exc)

    @contextmanager
    def use(self) -> Iterator[psycopg.Connection[Any]]:
        """The connection, for one unit of work that must finish within ``op_timeout``."""
        timer = threading.Timer(self.op_timeout, self._cut)
        timer.daemon = True
        with self._guard:
            self._fired = False
        timer.start()
        try:
            conn = self._conn
            if conn is not None and (conn.closed or conn.broken):
                self.close()
                conn = None
            if conn is not None and time.monotonic() - self._last_used > self.IDLE_PING_SECONDS:
                conn = self._ping(conn)
            if conn is None:
                conn = self._conn = self._connect()
            with self._guard:
                self._armed = conn
            yield conn
            self._last_used = time.monotonic()
        except (psycopg.Error, OSError) as exc:
            self.close()
            if self._fired:
                raise SyncError(
                    f"The central database did not answer within {self.op_timeout:.0f} s "
                    "(the network may be hanging)."
                ) from exc
            if isinstance(exc, OSError) or _transient(exc):
                raise explain(exc, self.connected_target) from exc
            raise
        finally:
            timer.cancel()
            with self._guard:
                self._armed = None

    def _ping(self, conn: psycopg.Connection[Any]) -> psycopg.Connection[Any] | None:
        """pool_pre_ping, by hand: an idle connection may have died quietly."""
        with self._guard:
            self._armed = conn
        try:
            conn.execute("SELECT 1")
            return conn
        except psycopg.Error as exc:
            log.info("idle central connection was dead (%s); reconnecting", exc)
            self.close()
            return None


# -- reading ---------------------------------------------------------------------------
def central_id(conn: psycopg.Connection[Any]) -> str:
    row = conn.execute("SELECT value FROM central_info WHERE key = 'central_id'").fetchone()
    if row is None:
        raise SyncError(
            "The central database was not set up by posassist.",
            hint="Run `posassist central init` once.",
        )
    return str(row[0])


def schema_revision(conn: psycopg.Connection[Any]) -> str | None:
    try:  # autocommit: a failed SELECT leaves no aborted transaction behind
        row = conn.execute("SELECT version_num FROM central_alembic_version").fetchone()
    except pgerrors.UndefinedTable:
        return None
    return None if row is None else str(row[0])


def fetch_changes(conn: psycopg.Connection[Any], after: int, limit: int) -> list[Change]:
    rows = conn.execute(
        "SELECT server_seq, op_id, entity, entity_id, op, payload, hlc, origin "
        "FROM change_log WHERE server_seq > %s ORDER BY server_seq LIMIT %s",
        (after, limit),
    ).fetchall()
    return [Change(*row) for row in rows]


def _load_customers(
    conn: psycopg.Connection[Any], ids: Sequence[str], *, lock: bool
) -> dict[uuid.UUID, CustomerState]:
    if not ids:
        return {}
    cols = ", ".join(CUSTOMER_FIELDS)
    rows = conn.execute(
        f"SELECT id, {cols}, field_clocks, created_at, erased_at FROM customer "
        f"WHERE id = ANY(%s::uuid[]){' FOR UPDATE' if lock else ''}",
        (list(ids),),
    ).fetchall()
    out: dict[uuid.UUID, CustomerState] = {}
    for row in rows:
        fields = dict(zip(CUSTOMER_FIELDS, row[1 : 1 + len(CUSTOMER_FIELDS)], strict=True))
        if fields["referred_by_id"] is not None:
            fields["referred_by_id"] = str(fields["referred_by_id"])
        clocks, created, erased = row[1 + len(CUSTOMER_FIELDS) :]
        out[row[0]] = CustomerState(row[0], fields, dict(clocks or {}), created, erased)
    return out


# -- pushing ---------------------------------------------------------------------------
def apply_push(
    conn: psycopg.Connection[Any],
    origin: uuid.UUID,
    refs: Sequence[Op],
    ops: Sequence[Op],
    *,
    max_ahead_ms: int = MAX_CLOCK_AHEAD_MS,
    fault: Fault | None = None,
) -> PushReply:
    """Apply a batch from register ``origin`` in one transaction; say what became of each op.

    ``fault`` is a test hook called at named points inside the transaction.
    """
    try:
        with conn.transaction():
            return _push_tx(conn, origin, refs, ops, max_ahead_ms, fault, careful=False)
    except REJECTABLE as exc:
        log.info("batch from %s hit %s; replaying op by op", origin, type(exc).__name__)
    with conn.transaction():
        return _push_tx(conn, origin, refs, ops, max_ahead_ms, fault, careful=True)


def _push_tx(
    conn: psycopg.Connection[Any],
    origin: uuid.UUID,
    refs: Sequence[Op],
    ops: Sequence[Op],
    max_ahead_ms: int,
    fault: Fault | None,
    *,
    careful: bool,
) -> PushReply:
    row = conn.execute(
        "SELECT pg_advisory_xact_lock(%s), "
        "(extract(epoch FROM clock_timestamp()) * 1000)::bigint, clock_timestamp()",
        (CHANGE_LOG_LOCK,),
    ).fetchone()
    assert row is not None
    now_ms, now = int(row[1]), row[2]
    reply = PushReply()
    everything = [*refs, *ops]
    known = {
        r[0]
        for r in conn.execute(
            "SELECT op_id FROM applied_ops WHERE op_id = ANY(%s::uuid[])",
            ([str(o.op_id) for o in everything],),
        )
    }
    fresh: list[Op] = []
    for op in everything:
        if op.op_id in known:
            reply.results[op.op_id] = OpResult("duplicate")
            continue
        try:
            check_op(op)
        except RejectedError as exc:
            reply.results[op.op_id] = OpResult("rejected", str(exc))
            continue
        fresh.append(op)
    stamps: dict[uuid.UUID, str] = {}
    clamped = 0
    for op in fresh:
        stamp = clamp(op.hlc, now_ms + max_ahead_ms, clamped)
        clamped += stamp != op.hlc
        stamps[op.op_id] = stamp
    if careful:
        for op in fresh:
            try:
                with conn.transaction():  # a savepoint: one bad op rolls back alone
                    _apply_ops(conn, origin, [op], stamps, now, reply, fault)
            except REJECTABLE as exc:
                reply.results[op.op_id] = OpResult("rejected", _db_reason(exc))
    else:
        _apply_ops(conn, origin, fresh, stamps, now, reply, fault)
    customer_ids = sorted({str(as_uuid(o.entity_id, "id")) for o in ops if o.entity == "customer"})
    for cid, state in _load_customers(conn, customer_ids, lock=False).items():
        reply.customers[str(cid)] = state.view()
    reply.rows = _shared_rows(conn, [o for o in ops if o.entity in MUTABLE_ENTITIES])
    if fault is not None:
        fault("before_commit")
    return reply


def _db_reason(exc: BaseException) -> str:
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    return f"refused by the central database: {primary or exc}"


@dataclass
class _Batch:
    """The writes one batch makes, in the order they must reach the database."""

    refs: dict[str, list[tuple[str, Sequence[Any]]]]
    facts: list[tuple[str, Sequence[Any]]]
    log_rows: list[tuple[Any, ...]]
    accepted: list[tuple[str, str, str, str]]
    erased: list[str]


def _apply_ops(
    conn: psycopg.Connection[Any],
    origin: uuid.UUID,
    ops: Sequence[Op],
    stamps: dict[uuid.UUID, str],
    now: datetime,
    reply: PushReply,
    fault: Fault | None,
) -> None:
    customer_ops = [o for o in ops if o.entity == "customer"]
    states = _load_customers(
        conn, sorted({str(as_uuid(o.entity_id, "id")) for o in customer_ops}), lock=True
    )
    existing = set(states)
    cards: dict[str, uuid.UUID] = {}
    wanted_cards = sorted(
        {str(o.payload["card_code"]) for o in customer_ops if o.payload.get("card_code")}
    )
    if wanted_cards:
        for card, cid in conn.execute(
            "SELECT card_code, id FROM customer "
            "WHERE card_code = ANY(%s::text[]) AND erased_at IS NULL",
            (wanted_cards,),
        ):
            cards[card] = cid
    for state in states.values():
        if state.fields.get("card_code") and state.erased_at is None:
            cards[state.fields["card_code"]] = state.id
    branch_codes = _branch_codes(conn, [o for o in ops if o.entity == "branch"])
    shared = _load_shared(conn, [o for o in ops if o.entity in MUTABLE_ENTITIES])

    def card_taken(card: str, cid: uuid.UUID) -> bool:
        owner = cards.get(card)
        return owner is not None and owner != cid

    batch = _Batch({name: [] for name in REF_ENTITIES}, [], [], [], [])
    touched: dict[uuid.UUID, CustomerState] = {}
    for op in ops:
        stamp = stamps[op.op_id]
        try:
            if op.entity == "customer":
                cid = as_uuid(op.entity_id, "customer id")
                merge = merge_customer(
                    states.get(cid), op.op, op.entity_id, op.payload, stamp,
                    now=now, card_taken=card_taken,
                )  # fmt: skip
                assert merge.state is not None
                if merge.outcome == "applied":
                    old = states.get(cid)
                    if old is not None and old.fields.get("card_code"):
                        cards.pop(old.fields["card_code"], None)
                    if merge.state.fields.get("card_code") and merge.state.erased_at is None:
                        cards[merge.state.fields["card_code"]] = cid
                    states[cid] = touched[cid] = merge.state
                    if op.op == "erase":
                        batch.erased.append(str(cid))
                    batch.log_rows.append(_log_row(op, merge.won, stamp, origin, cid))
                reply.results[op.op_id] = OpResult(merge.outcome, merge.reason, stamp)
            elif op.entity in MUTABLE_ENTITIES:
                outcome, reason = _shared_statement(op, stamp, now, shared, batch)
                if outcome == "applied":
                    batch.log_rows.append(_log_row(op, op.payload, stamp, origin, None))
                reply.results[op.op_id] = OpResult(outcome, reason, stamp)
            elif op.entity in FACT_ENTITIES:
                _fact_statements(op, batch)
                batch.log_rows.append(_log_row(op, op.payload, stamp, origin, None))
                reply.results[op.op_id] = OpResult("applied", "", stamp)
            else:
                payload = _ref_statement(op, batch, branch_codes)
                batch.log_rows.append(_log_row(op, payload, stamp, origin, None))
                reply.results[op.op_id] = OpResult("applied", "", stamp)
        except RejectedError as exc:
            reply.results[op.op_id] = OpResult("rejected", str(exc))
            continue
        result = reply.results[op.op_id]
        batch.accepted.append((str(op.op_id), str(origin), op.entity, result.outcome))

    customer_writes = [
        _customer_statement(state, now, state.id in existing) for state in touched.values()
    ]
    # Reference rows first (facts point at them), then customers, facts, the log.
    refs_first = [s for name in REF_ENTITIES for s in batch.refs[name]]
    with conn.pipeline(), conn.cursor() as cur:
        if batch.accepted:
            cur.execute(
                "INSERT INTO applied_ops (op_id, origin, entity, outcome) "
                "SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::text[], %s::text[]) "
                "ON CONFLICT DO NOTHING",
                [list(col) for col in zip(*batch.accepted, strict=True)],
            )
        # Facts point only at reference rows, customers and (lines) interactions, all
        # written before them: so they can go table by table, many rows per call.
        facts = sorted(batch.facts, key=lambda st: _FACT_ORDER.get(st[0].split()[2], 99))
        for sql, rows in _runs([*refs_first, *customer_writes, *facts]):
            cur.executemany(sql, rows)
    if fault is not None:
        fault("applied")
    if batch.log_rows:
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO change_log (op_id, entity, entity_id, op, payload, hlc, origin) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                batch.log_rows,
            )
    if batch.erased:  # after the log: an insert erased in this same batch is scrubbed too
        conn.execute(
            "UPDATE change_log SET payload = CASE WHEN op = 'insert' "
            "THEN payload || %s::jsonb ELSE '{}'::jsonb END "
            "WHERE entity = 'customer' AND entity_id = ANY(%s::text[]) "
            "AND op IN ('insert', 'update')",
            (Jsonb(ERASED_VALUES), batch.erased),
        )


_FACT_ORDER = {"interaction": 0, "referral": 1, "unmet_demand": 2, "purchase_line": 3}


def _runs(
    statements: Sequence[tuple[str, Sequence[Any]]],
) -> Iterator[tuple[str, list[Sequence[Any]]]]:
    """Consecutive statements with the same SQL, as one executemany each (order kept)."""
    sql: str | None = None
    rows: list[Sequence[Any]] = []
    for this_sql, params in statements:
        if this_sql != sql and rows:
            assert sql is not None
            yield sql, rows
            rows = []
        sql = this_sql
        rows.append(params)
    if rows and sql is not None:
        yield sql, rows


def _log_row(
    op: Op, payload: dict[str, Any], stamp: str, origin: uuid.UUID, cid: uuid.UUID | None
) -> tuple[Any, ...]:
    entity_id = str(cid) if cid is not None else op.entity_id
    return (op.op_id, op.entity, entity_id, op.op, Jsonb(payload), stamp, origin)


def _customer_statement(
    state: CustomerState, now: datetime, exists: bool
) -> tuple[str, Sequence[Any]]:
    values: dict[str, Any] = {**state.fields, **state.derived()}
    values["field_clocks"] = Jsonb(state.clocks)
    values["erased_at"] = state.erased_at
    values["updated_at"] = now
    if exists:
        cols = list(values)
        sql = f"UPDATE customer SET {', '.join(f'{c} = %s' for c in cols)} WHERE id = %s"
        return sql, [*values.values(), state.id]
    values["id"] = state.id
    values["created_at"] = state.created_at
    cols = list(values)
    sql = (
        f"INSERT INTO customer ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))}) "
        "ON CONFLICT (id) DO NOTHING"
    )
    return sql, list(values.values())


def _convert(table: Any, name: str, value: Any) -> Any:
    """A payload value as the column wants it; bad values are the op's fault."""
    if value is None:
        return None
    col = table.c[name]
    type_name = type(col.type).__name__
    if type_name == "UUID":
        return as_uuid(value, name)
    if type_name == "TIMESTAMP":
        return as_datetime(value, name)
    if type_name == "Date":
        return as_date(value, name)
    return value


def _insert_sql(table: Any, cols: Sequence[str], conflict: str = "DO NOTHING") -> str:
    return (
        f"INSERT INTO {table.name} ({', '.join(cols)}) "
        f"VALUES ({', '.join(['%s'] * len(cols))}) ON CONFLICT (id) {conflict}"
    )


def _fact_statements(op: Op, batch: _Batch) -> None:
    """Queue the op's inserts; all or nothing (a bad line rejects its whole interaction)."""
    table = schema.FACT_TABLES[op.entity]
    row = {k: _convert(table, k, v) for k, v in op.payload.items() if k in table.c}
    statements = [(_insert_sql(table, list(row)), list(row.values()))]
    if op.entity == "interaction":
        lines_table = schema.purchase_line
        for line in op.payload.get("lines", []):
            values = {k: _convert(lines_table, k, v) for k, v in line.items() if k in lines_table.c}
            values["interaction_id"] = as_uuid(op.entity_id, "interaction id")
            statements.append((_insert_sql(lines_table, list(values)), list(values.values())))
    batch.facts.extend(statements)


def _load_shared(
    conn: psycopg.Connection[Any], ops: Sequence[Op]
) -> dict[tuple[str, uuid.UUID], dict[str, Any]]:
    """Row clock and tombstone of the shared rows (vendors) a batch touches, locked."""
    out: dict[tuple[str, uuid.UUID], dict[str, Any]] = {}
    for entity in MUTABLE_ENTITIES:
        ids = sorted({str(as_uuid(o.entity_id, "id")) for o in ops if o.entity == entity})
        if not ids:
            continue
        rows = conn.execute(
            f"SELECT id, row_hlc, deleted_at IS NOT NULL FROM {entity} "
            "WHERE id = ANY(%s::uuid[]) FOR UPDATE",
            (ids,),
        ).fetchall()
        for rid, row_hlc, deleted in rows:
            out[(entity, rid)] = {"row_hlc": row_hlc, "deleted": deleted}
    return out


def _shared_rows(
    conn: psycopg.Connection[Any], ops: Sequence[Op]
) -> dict[str, dict[str, Any] | None]:
    out: dict[str, dict[str, Any] | None] = {}
    for entity in MUTABLE_ENTITIES:
        ids = sorted({str(as_uuid(o.entity_id, "id")) for o in ops if o.entity == entity})
        if not ids:
            continue
        out.update(dict.fromkeys(ids))
        cur = conn.execute(f"SELECT * FROM {entity} WHERE id = ANY(%s::uuid[])", (ids,))
        names = [d.name for d in cur.description or ()]
        for row in cur.fetchall():
            values = dict(zip(names, row, strict=True))
            out[str(values["id"])] = {
                k: (str(v) if isinstance(v, uuid.UUID) else v)
                for k, v in values.items()
                if k not in ("row_hlc",)
            }
    return out


def _shared_statement(
    op: Op,
    stamp: str,
    now: datetime,
    shared: dict[tuple[str, uuid.UUID], dict[str, Any]],
    batch: _Batch,
) -> tuple[Outcome, str]:
    """Last writer wins per row; a deletion is a tombstone nothing later undoes."""
    table = schema.MUTABLE_TABLES[op.entity]
    rid = as_uuid(op.entity_id, f"{op.entity} id")
    skip = ("id", "row_hlc", "deleted_at")
    row = {
        k: _convert(table, k, v) for k, v in op.payload.items() if k in table.c and k not in skip
    }
    current = shared.get((op.entity, rid))
    if op.op == "insert" and current is None:
        if not row.get("name"):
            raise RejectedError(f"a {op.entity} needs a name")
        values = {"id": rid, **row, "row_hlc": stamp}
        batch.facts.append((_insert_sql(table, list(values)), list(values.values())))
        shared[(op.entity, rid)] = {"row_hlc": stamp, "deleted": False}
        return "applied", ""
    if current is None:
        return "ignored", f"this {op.entity} is not known centrally"
    if current["deleted"]:
        return "ignored", f"the {op.entity} was deleted"
    if stamp <= current["row_hlc"]:
        return "ignored", "older than what is already here"
    if op.op == "delete":
        sets: dict[str, Any] = {"deleted_at": now}
        current["deleted"] = True
    else:
        sets = row
    sets["row_hlc"] = stamp
    current["row_hlc"] = stamp
    sql = f"UPDATE {table.name} SET {', '.join(f'{c} = %s' for c in sets)} WHERE id = %s"
    batch.facts.append((sql, [*sets.values(), rid]))
    return "applied", ""


def _branch_codes(conn: psycopg.Connection[Any], ops: Sequence[Op]) -> dict[str, uuid.UUID]:
    codes = sorted({str(o.payload.get("code", "")) for o in ops})
    if not codes:
        return {}
    rows = conn.execute(
        "SELECT code, id FROM branch WHERE code = ANY(%s::text[])", (codes,)
    ).fetchall()
    return {code: bid for code, bid in rows}


def branch_code_for(code: str, branch_id: uuid.UUID, taken_by: uuid.UUID | None) -> str:
    """Two branches set up separately with one code both keep working: the later is renamed."""
    if taken_by is None or taken_by == branch_id:
        return code
    return f"{code}~{branch_id.hex[:6]}"


def _ref_statement(op: Op, batch: _Batch, branch_codes: dict[str, uuid.UUID]) -> dict[str, Any]:
    table = schema.REF_TABLES[op.entity]
    row = {k: _convert(table, k, v) for k, v in op.payload.items() if k in table.c}
    row["id"] = as_uuid(op.entity_id, f"{op.entity} id")
    if op.entity == "branch":
        code = str(row.get("code") or "")
        if not code:
            raise RejectedError("a branch needs a code")
        row["code"] = branch_code_for(code, row["id"], branch_codes.get(code))
        branch_codes[row["code"]] = row["id"]
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in row if c != "id")
    conflict = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    batch.refs[op.entity].append((_insert_sql(table, list(row), conflict), list(row.values())))
    return {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in row.items()}


__all__ = [
    "CHANGE_LOG_LOCK",
    "REF_ENTITIES",
    "CentralLink",
    "CentralTarget",
    "apply_push",
    "central_id",
    "fetch_changes",
    "schema_revision",
]
