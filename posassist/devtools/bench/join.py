"""``posassist bench`` row: a new register joining a large chain by snapshot.

Central is filled with the bench store's rows (100,000 customers, ~1,000,000
interactions and their lines) by ``COPY``, as if the chain had synced them for years
and pruned its log; then a register with an empty store runs one sync cycle, which
bootstraps from the snapshot (``sync/bootstrap.py``), and the clock stops when its
first search by name answers. One sample: it takes most of a minute.

Filling central is set-up, not measured: its time is printed to stderr.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from posassist.devtools.bench.report import Row, row

JOIN = "sync: new register joins 100k customers / 1M visits by snapshot, to first search"
TARGET = "median ≤ 60 s"


def join_rows(store: Path) -> list[Row]:
    from posassist.devtools.bench.sync import _register
    from posassist.devtools.pgserver import missing_reason, start_test_server

    try:
        server = start_test_server()
    except RuntimeError as exc:
        reason = str(exc) if "PostgreSQL" in str(exc) else missing_reason()
        return [row(f"{JOIN} — unavailable: {reason}", [], TARGET)]
    work = Path(tempfile.mkdtemp(prefix="posassist-bench-join-"))
    try:
        _fill_central(server, store)
        backend, sync = _register(server, "bench", work / "new", "Bench New")
        try:
            sync.engine.bootstrap_after = -1  # the log is empty: the tables are the history
            name = _a_customer_name(store)
            t0 = time.perf_counter()
            report = sync.sync_once()
            hits = backend.customers.search(name)
            seconds = time.perf_counter() - t0
        finally:
            sync.link.close()
            backend.close()
        loaded = report.bootstrapped
        if loaded is None or not hits:
            return [row(f"{JOIN} — did not bootstrap or find {name!r}", [], TARGET)]
        print(
            f"join: {loaded.total:,} rows loaded in {loaded.seconds:.1f} s "
            f"({loaded.total / loaded.seconds:,.0f} rows/s), searchable after {seconds:.1f} s",
            file=sys.stderr,
        )
        return [row(JOIN, [seconds * 1000], TARGET)]
    finally:
        server.cleanup()
        shutil.rmtree(work, ignore_errors=True)


def _a_customer_name(store: Path) -> str:
    from posassist.storage.database import STORE_FILENAME

    with sqlite3.connect(f"file:{store / STORE_FILENAME}?mode=ro", uri=True) as conn:
        found = conn.execute(
            "SELECT display_name FROM customer WHERE erased_at IS NULL ORDER BY id LIMIT 1"
        ).fetchone()
    return str(found[0])


def _fill_central(server: Any, store: Path) -> None:
    """Central's tables from the bench store, by COPY, in dependency order."""
    import psycopg
    from psycopg import sql
    from sqlalchemy import Boolean

    from posassist.domain.staff import LEGACY_ROW_HLC
    from posassist.storage.base import Base
    from posassist.storage.database import STORE_FILENAME
    from posassist.sync import schema
    from posassist.sync.central import CentralTarget
    from posassist.sync.migrate import init_central

    t0 = time.perf_counter()
    server.create_database("bench")
    target = CentralTarget(server.host, server.port, "bench", "postgres")
    init_central(target)
    local = sqlite3.connect(f"file:{store / STORE_FILENAME}?mode=ro", uri=True)
    rows = 0
    try:
        with psycopg.connect(**target.conninfo()) as conn:
            for table in schema.metadata.sorted_tables:
                mine = Base.metadata.tables.get(table.name)
                if mine is None:
                    continue
                columns = [c.name for c in mine.columns if c.name in table.c]
                names = sql.SQL(", ").join(map(sql.Identifier, columns))
                read = sql.SQL("SELECT {} FROM {}").format(names, sql.Identifier(table.name))
                copy = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table.name), names)
                # SQLite keeps 0 and 1; PostgreSQL's COPY wants a boolean.
                bools = {i for i, c in enumerate(columns) if isinstance(table.c[c].type, Boolean)}
                # Seed rows were never edited: their clock is the "announced only" one.
                clock = columns.index("row_hlc") if "row_hlc" in columns else None
                with conn.cursor().copy(copy) as out:
                    for values in local.execute(read.as_string(conn)):
                        if bools or clock is not None:
                            values = tuple(
                                bool(v)
                                if i in bools and v is not None
                                else LEGACY_ROW_HLC
                                if i == clock and v is None
                                else v
                                for i, v in enumerate(values)
                            )
                        out.write_row(values)
                        rows += 1
    finally:
        local.close()
    print(f"join: central filled with {rows:,} rows in {time.perf_counter() - t0:.1f} s",
          file=sys.stderr)  # fmt: skip
