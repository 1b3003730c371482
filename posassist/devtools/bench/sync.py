"""``posassist bench`` rows for central sync, against a throwaway local PostgreSQL.

Push and pull are shown as ops per second, each beside its raw limit measured in the
same run, on the same server, on the same rows:

- push: the register's whole push of one round (the probe, then batches until its queue
  is empty) beside a ``COPY`` of exactly the rows that round wrote centrally (customers,
  interactions, the change log and ``applied_ops``), as bytes, into scratch copies of
  those tables (same columns, defaults and indexes; no foreign keys) in one transaction;
- pull: another register's sync cycle that brings the round in (as a cashier's register
  runs it: probe, pull, name index) beside a fetch of the same change-log rows by the
  pull's own query (payloads decoded, as the pull must have them) and one
  ``executemany`` INSERT of them into a single SQLite table set up like the store (WAL,
  ``synchronous=FULL``; ids and payload stored as text), in one transaction.

The ratio rows are sync time ÷ raw time, paired round by round, so a noisy moment
slows both sides of one ratio alike. The last row is what a register does after an
outage: the sync loop (with its real backoff) runs while the server is down and 10,000
ops queue up; the clock starts when the server is back and stops when the queue is
empty, so it includes the wait for the next retry.

The server comes from the same helper the tests use (:mod:`posassist.devtools.pgserver`);
without PostgreSQL binaries the rows are printed as unavailable, with the reason.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from posassist.devtools.bench.report import Row, row

ROUNDS = 5
OPS_PER_ROUND = 5_000
OUTAGE_OPS = 10_000
PUSH_TARGET_OPS = 15_000
PUSH = "sync push (one round, probe + batches), ops/s"
COPY = "  raw limit: COPY of the same rows (4 tables), ops/s"
PUSH_RATIO = "  sync push ÷ COPY, × slower"
PULL = "sync pull (other register's cycle), ops/s"
FETCH = "  raw limit: fetch + SQLite executemany, ops/s"
PULL_RATIO = "  sync pull ÷ fetch + insert, × slower"
DRAIN = "sync: server back → queue empty, 10,000 ops (incl. retry wait)"
NAMES = (PUSH, COPY, PUSH_RATIO, PULL, FETCH, PULL_RATIO, DRAIN)
SCRATCH = "bench_raw"
# The central tables a round of the bench's ops writes, and the round's rows in each.
_ROUND_ROWS = {
    "change_log": sql.SQL("server_seq > {after}"),
    "applied_ops": sql.SQL(
        "op_id IN (SELECT op_id FROM public.change_log WHERE server_seq > {after})"
    ),
    "customer": sql.SQL(
        "id IN (SELECT entity_id::uuid FROM public.change_log"
        " WHERE server_seq > {after} AND entity = 'customer')"
    ),
    "interaction": sql.SQL(
        "id IN (SELECT entity_id::uuid FROM public.change_log"
        " WHERE server_seq > {after} AND entity = 'interaction')"
    ),
}


@dataclass
class _Samples:
    push: list[float] = field(default_factory=list)  # ops/s
    copy: list[float] = field(default_factory=list)
    pull: list[float] = field(default_factory=list)
    fetch: list[float] = field(default_factory=list)


def sync_rows() -> list[Row]:
    from posassist.devtools.pgserver import missing_reason, start_test_server

    try:
        server = start_test_server()
    except RuntimeError as exc:
        reason = str(exc) if "PostgreSQL" in str(exc) else missing_reason()
        return [row(f"{name.strip()} — unavailable: {reason}", []) for name in NAMES]
    work = Path(tempfile.mkdtemp(prefix="posassist-bench-sync-"))
    try:
        return _measure(server, work)
    finally:
        server.cleanup()
        shutil.rmtree(work, ignore_errors=True)


def _register(server: Any, dbname: str, data_dir: Path, name: str) -> Any:
    from posassist.app import build_backend
    from posassist.config import load_settings
    from posassist.secrets import SessionSecretStore
    from posassist.services.context import open_context
    from posassist.services.sync import SyncService
    from posassist.storage.database import open_database

    env = {
        "POSASSIST_STORE_BRANCH_CODE": "B01",
        "POSASSIST_STORE_REGISTER_NAME": name,
        "POSASSIST_CENTRAL_HOST": server.host,
        "POSASSIST_CENTRAL_PORT": str(server.port),
        "POSASSIST_CENTRAL_DATABASE": dbname,
        "POSASSIST_CENTRAL_USER": "postgres",
    }
    settings = load_settings(data_dir=data_dir, env=env)
    db = open_database(data_dir)
    ctx = open_context(db, settings)
    backend = build_backend(settings, db, ctx)
    sync = SyncService(ctx, SessionSecretStore(), names=backend.customers.names)
    return backend, sync


def _queue(backend: Any, ops: int) -> None:
    """``ops`` changes as the services write them: one new customer per 10, then visits."""
    from posassist.services.customers import add_customer, new_customer
    from posassist.services.interactions import add_interaction, new_interaction

    ctx = backend.ctx
    with backend.db.write() as s:
        for i in range(ops // 10):
            name = f"Bench Customer {uuid.uuid4().hex[:8]} {i}"
            c = new_customer(ctx.now(), display_name=name)
            add_customer(s, ctx, c)
            s.flush()
            for _ in range(9):
                add_interaction(s, ctx, new_interaction(ctx, c.id, "purchase", "bench"))


def _high(conn: psycopg.Connection[Any]) -> int:
    found = conn.execute("SELECT coalesce(max(server_seq), 0) FROM public.change_log").fetchone()
    return int(found[0]) if found else 0


def _make_scratch(conn: psycopg.Connection[Any]) -> None:
    """Scratch copies of the tables a round writes: same columns, defaults and indexes
    (a sequence of their own for ``server_seq``), no foreign keys, logged like the real."""
    conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(SCRATCH)))
    for name in _ROUND_ROWS:
        conn.execute(
            sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL EXCLUDING IDENTITY)").format(
                sql.Identifier(SCRATCH, name), sql.Identifier("public", name)
            )
        )
    seq = sql.Identifier(SCRATCH, "change_log_seq")
    conn.execute(sql.SQL("CREATE SEQUENCE {}").format(seq))
    conn.execute(
        sql.SQL("ALTER TABLE {} ALTER server_seq SET DEFAULT nextval({})").format(
            sql.Identifier(SCRATCH, "change_log"), sql.Literal(f"{SCRATCH}.change_log_seq")
        )
    )


def _columns(conn: psycopg.Connection[Any], table: str) -> list[str]:
    """The columns a push writes itself (``server_seq`` and the commit times are defaults)."""
    found = conn.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
        [table],
    ).fetchall()
    defaults = {"server_seq", "committed_at", "applied_at"}
    return [str(r[0]) for r in found if r[0] not in defaults]


def _copy_round(conn: psycopg.Connection[Any], after: int) -> tuple[int, float]:
    """The round's rows read out as COPY bytes, then timed: COPY into the scratch tables."""
    data: dict[str, tuple[list[str], bytes]] = {}
    for name, where in _ROUND_ROWS.items():
        cols = _columns(conn, name)
        listed = sql.SQL(", ").join(map(sql.Identifier, cols))
        query = sql.SQL("COPY (SELECT {} FROM {} WHERE {}) TO STDOUT").format(
            listed, sql.Identifier("public", name), where.format(after=sql.Literal(after))
        )
        with conn.cursor() as cur, cur.copy(query) as copy:
            data[name] = (cols, b"".join(bytes(chunk) for chunk in copy))
    with conn.cursor() as cur:
        for name in _ROUND_ROWS:
            cur.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(SCRATCH, name)))
    ops = data["change_log"][1].count(b"\n")
    t0 = time.perf_counter()
    with conn.transaction(), conn.cursor() as cur:
        for name, (cols, raw) in data.items():
            query = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(SCRATCH, name), sql.SQL(", ").join(map(sql.Identifier, cols))
            )
            with cur.copy(query) as copy:
                copy.write(raw)
    return ops, time.perf_counter() - t0


def _fetch_round(conn: psycopg.Connection[Any], after: int, lite_path: Path) -> tuple[int, float]:
    """Timed: the round's change-log rows fetched by the pull's own query (payloads decoded
    as the pull receives them), then one executemany INSERT into SQLite (ids as text, the
    payload as JSON text) and one commit."""
    from posassist.sync.central import fetch_changes

    lite_path.unlink(missing_ok=True)
    lite = sqlite3.connect(lite_path, isolation_level=None)
    try:
        lite.execute("PRAGMA journal_mode = WAL")
        lite.execute("PRAGMA synchronous = FULL")
        lite.execute(
            "CREATE TABLE change (server_seq INTEGER PRIMARY KEY, op_id TEXT, entity TEXT,"
            " entity_id TEXT, op TEXT, payload TEXT, hlc TEXT, origin TEXT)"
        )
        t0 = time.perf_counter()
        changes = fetch_changes(conn, after, OPS_PER_ROUND * 2)
        lite.execute("BEGIN")
        lite.executemany(
            "INSERT INTO change VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    c.server_seq,
                    str(c.op_id),
                    c.entity,
                    c.entity_id,
                    c.op,
                    json.dumps(c.payload),
                    c.hlc,
                    str(c.origin),
                )
                for c in changes
            ],
        )
        lite.execute("COMMIT")
        return len(changes), time.perf_counter() - t0
    finally:
        lite.close()


def _measure(server: Any, work: Path) -> list[Row]:
    from posassist.sync.central import CentralTarget
    from posassist.sync.engine import SyncStatus
    from posassist.sync.migrate import init_central

    server.create_database("bench")
    init_central(CentralTarget(server.host, server.port, "bench", "postgres"))
    a_backend, a_sync = _register(server, "bench", work / "a", "Bench A")
    b_backend, b_sync = _register(server, "bench", work / "b", "Bench B")
    raw = psycopg.connect(**server.conninfo("bench"), autocommit=True)
    got = _Samples()
    try:
        _make_scratch(raw)
        a_sync.sync_once()  # both registers announced and caught up before round one
        b_sync.sync_once()
        for _ in range(ROUNDS):
            _queue(a_backend, OPS_PER_ROUND)
            after = _high(raw)
            t0 = time.perf_counter()
            pushed = a_sync.engine.push_pending()
            got.push.append(pushed.acked / (time.perf_counter() - t0))
            ops, seconds = _copy_round(raw, after)
            got.copy.append(ops / seconds)
            t0 = time.perf_counter()
            pulled = b_sync.sync_once().pulled
            got.pull.append(pulled / (time.perf_counter() - t0))
            ops, seconds = _fetch_round(raw, after, work / "raw.sqlite")
            got.fetch.append(ops / seconds)
            a_sync.sync_once()  # A's own cursor past the round, untimed
        print(f"sync rounds: {ROUNDS} × {OPS_PER_ROUND:,} ops", file=sys.stderr)

        statuses: list[SyncStatus] = []
        loop = a_sync.new_loop(statuses.append)
        server.stop("immediate")
        runner = threading.Thread(target=loop.run, daemon=True)
        runner.start()
        _queue(a_backend, OUTAGE_OPS)
        time.sleep(3.0)  # a few failed retries, backing off as in a shop
        server.start()
        t0 = time.perf_counter()
        while a_sync.status().queue.pending:
            if time.perf_counter() - t0 > 300:
                break
            time.sleep(0.02)
        drain_ms = (time.perf_counter() - t0) * 1000
        loop.stop()
        runner.join(30)
    finally:
        raw.close()
        a_sync.link.close()
        b_sync.link.close()
        a_backend.close()
        b_backend.close()
    return [
        row(PUSH, got.push, f"median ≥ {PUSH_TARGET_OPS:,} ops/s", unit="ops/s"),
        row(COPY, got.copy, unit="ops/s"),
        row(PUSH_RATIO, _ratios(got.copy, got.push), "median ≤ 2.5×", unit="×"),
        row(PULL, got.pull, unit="ops/s"),
        row(FETCH, got.fetch, unit="ops/s"),
        row(PULL_RATIO, _ratios(got.fetch, got.pull), "median ≤ 2×", unit="×"),
        row(DRAIN, [drain_ms]),
    ]


def _ratios(raw_rates: list[float], sync_rates: list[float]) -> list[float]:
    """How many times slower sync was than its raw limit, round by round."""
    return [r / s for r, s in zip(raw_rates, sync_rates, strict=True) if s > 0]
