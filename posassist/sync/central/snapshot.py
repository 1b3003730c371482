"""A consistent snapshot of the central tables, and the change log's floor (pruning).

A register joins a chain (or comes back after longer than the log keeps) by loading a
snapshot instead of replaying the change log from its first row (``sync/bootstrap.py``).
The snapshot is one ``REPEATABLE READ READ ONLY`` transaction: every table is read as
of the same instant, and the change log's position read in it is where the register
then follows the log.

Why that position is safe: every append to the change log holds the advisory lock
:data:`~posassist.sync.central.push.CHANGE_LOG_LOCK` until its transaction commits, so
``server_seq`` values become visible in order: a transaction that sees seq *n* sees
every seq below it. The highest seq the snapshot sees is therefore exactly the set of
changes its table rows contain, no more and no less; anything after it is pulled.

Pruning: ``central prune`` deletes change-log rows older than a horizon and records the
highest seq deleted as the log's *floor* (``central_info`` key ``log_floor``), in the
same transaction. A register whose cursor is below the floor has missed changes the log
no longer holds, and re-bootstraps (it reads the floor with every pull batch, so a prune
that runs mid-pull is noticed too). Applied-op ids (``applied_ops``) are pruned with the
same horizon; why that is enough is in ``docs/sync.md`` ("How long central keeps things").
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import BigInteger, Integer, bindparam, cast, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from posassist.sync import schema
from posassist.sync.central.push import CHANGE_LOG_LOCK
from posassist.sync.central.sql import Query, run

FLOOR_KEY = "log_floor"
PRUNE_BATCH = 50_000

_info = schema.central_info
_log = schema.change_log
_applied = schema.applied_ops

_FLOOR_TEXT = select(_info.c.value).where(_info.c.key == FLOOR_KEY).scalar_subquery()
FLOOR = func.coalesce(cast(_FLOOR_TEXT, BigInteger), 0)
_FLOOR = Query(select(FLOOR))
# A log pruned to nothing still stands at its floor: the position is never below it.
_POSITION = Query(
    select(
        func.greatest(func.coalesce(func.max(_log.c.server_seq), 0), FLOOR),
        FLOOR,
        select(_info.c.value).where(_info.c.key == "central_id").scalar_subquery(),
    )
)
_CUTOFF = func.now() - func.make_interval(0, 0, 0, bindparam("days", type_=Integer))
_OLDEST = (
    select(_log.c.server_seq)
    .where(
        _log.c.server_seq
        <= select(func.max(_log.c.server_seq))
        .where(_log.c.committed_at < _CUTOFF)
        .scalar_subquery()
    )
    .order_by(_log.c.server_seq)
    .limit(PRUNE_BATCH)
    .subquery()
)
# The newest seq this transaction deletes: at most PRUNE_BATCH rows, oldest first.
_PRUNE_UPTO = Query(select(func.max(_OLDEST.c.server_seq)))
_COUNT_OLD_LOG = Query(select(func.count()).where(_log.c.committed_at < _CUTOFF))
_COUNT_OLD_APPLIED = Query(select(func.count()).where(_applied.c.applied_at < _CUTOFF))
_DELETE_LOG = Query(delete(_log).where(_log.c.server_seq <= bindparam("upto")))
_DELETE_APPLIED = Query(delete(_applied).where(_applied.c.applied_at < _CUTOFF))
_LOCK = Query(select(func.pg_advisory_xact_lock(bindparam("key"))))


def log_floor(conn: psycopg.Connection[Any]) -> int:
    """The highest seq pruned from the change log (0: nothing ever pruned)."""
    row = run(conn, _FLOOR).fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True, slots=True)
class Snapshot:
    """An open snapshot: where the log stood when it was taken, and its rows."""

    conn: psycopg.Connection[Any]
    position: int  # the change log's last seq in the snapshot: follow the log from here
    floor: int
    central_id: str

    def rows(self, statement: Any, chunk: int = 20_000) -> Iterator[list[tuple[Any, ...]]]:
        """The rows of ``statement`` (a Core SELECT), ``chunk`` at a time, from a
        server-side cursor: a million rows never sit in memory at once.

        The next chunk is fetched on a helper thread while the caller stores this one
        (psycopg and SQLite both let go of the GIL while they wait or work), at most
        :data:`AHEAD` chunks ahead, so memory stays bounded.
        """
        query = Query(statement)
        cur = self.conn.cursor(name="posassist_snapshot")
        try:
            cur.itersize = chunk
            cur.execute(query.sql, query.params({}))
            ahead: queue.Queue[list[tuple[Any, ...]] | Exception | None] = queue.Queue(AHEAD)
            stop = threading.Event()

            def fetch() -> None:
                try:
                    while not stop.is_set():
                        batch = cur.fetchmany(chunk)
                        _put(ahead, stop, batch or None)
                        if not batch:
                            return
                except Exception as exc:  # noqa: BLE001 - raised in the caller's thread
                    _put(ahead, stop, exc)

            helper = threading.Thread(target=fetch, name="snapshot-fetch", daemon=True)
            helper.start()
            try:
                while (item := ahead.get()) is not None:
                    if isinstance(item, Exception):
                        raise item
                    yield item
            finally:
                stop.set()
                helper.join()
        finally:
            _close(cur)


AHEAD = 2


def _close(cur: psycopg.ServerCursor[Any]) -> None:
    """Close the server-side cursor, also when the server went away mid-read.

    Closing first tells the server; on a broken link that fails, the connection is then
    marked closed, and a second close only lets go here. Without it the cursor is left
    "open" and psycopg warns when it is collected, long after the outage was reported.
    """
    for _ in range(2):
        try:
            cur.close()
            return
        except psycopg.Error:
            continue


def _put(ahead: queue.Queue[Any], stop: threading.Event, item: Any) -> None:
    """Hand ``item`` on unless the reader stopped (then the helper just ends)."""
    while not stop.is_set():
        try:
            ahead.put(item, timeout=0.1)
            return
        except queue.Full:
            continue


@contextmanager
def open_snapshot(conn: psycopg.Connection[Any]) -> Iterator[Snapshot]:
    """One REPEATABLE READ, read-only transaction on ``conn`` (an autocommit connection)."""
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        row = run(conn, _POSITION).fetchone()
        assert row is not None
        yield Snapshot(conn, int(row[0]), int(row[1]), str(row[2] or ""))


@dataclass(frozen=True, slots=True)
class Pruned:
    """What one prune removed (or, in a dry run, would remove)."""

    log_rows: int
    applied_ops: int
    floor: int
    horizon_days: int
    dry_run: bool


def prune(
    conn: psycopg.Connection[Any],
    horizon_days: int,
    *,
    dry_run: bool = False,
    progress: Callable[[], None] | None = None,
) -> Pruned:
    """Delete the change log's rows and the applied-op ids older than ``horizon_days``.

    In transactions of at most :data:`PRUNE_BATCH` log rows, each moving the floor with
    the rows it deletes, so a long prune never holds the change-log lock for long and a
    register sees either the rows or the floor that says they are gone.
    """
    if horizon_days < 1:
        raise ValueError("the horizon must be at least one day")
    if dry_run:
        old_log = run(conn, _COUNT_OLD_LOG, days=horizon_days).fetchone()
        old_ops = run(conn, _COUNT_OLD_APPLIED, days=horizon_days).fetchone()
        return Pruned(
            int(old_log[0]) if old_log else 0,
            int(old_ops[0]) if old_ops else 0,
            log_floor(conn),
            horizon_days,
            True,
        )
    log_rows = 0
    while True:
        with conn.transaction():
            run(conn, _LOCK, key=CHANGE_LOG_LOCK)
            row = run(conn, _PRUNE_UPTO, days=horizon_days).fetchone()
            upto = None if row is None or row[0] is None else int(row[0])
            if upto is None:
                break
            log_rows += run(conn, _DELETE_LOG, upto=upto).rowcount
            _set_floor(conn, upto)
        if progress is not None:  # each batch under a deadline of its own
            progress()
    with conn.transaction():
        ops = run(conn, _DELETE_APPLIED, days=horizon_days).rowcount
    return Pruned(log_rows, ops, log_floor(conn), horizon_days, False)


_PUT = pg_insert(_info).values(key=FLOOR_KEY, value=bindparam("v"))
_SET_FLOOR = Query(
    _PUT.on_conflict_do_update(index_elements=[_info.c.key], set_={"value": _PUT.excluded.value})
)


def _set_floor(conn: psycopg.Connection[Any], upto: int) -> None:
    run(conn, _SET_FLOOR, v=str(upto))


__all__ = [
    "FLOOR",
    "FLOOR_KEY",
    "Pruned",
    "Snapshot",
    "log_floor",
    "open_snapshot",
    "prune",
]
