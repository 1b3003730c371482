"""``posassist bench`` rows for keeping a store healthy: outbox pruning and quick_check.

The outbox row is the issue's "bounded growth": a throwaway store gets 1,000,000 ops
marked acked 40 days ago (what a busy register writes in months), then
:func:`~posassist.storage.outbox.prune_acked` runs and ``VACUUM`` gives the space back;
the row's name carries the file sizes before and after, its figure is the prune time.
``PRAGMA quick_check`` is timed on the bench store, opened read-only with sqlite3 so it
neither migrates nor locks a store another bench run may be using.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from posassist.devtools.bench.report import Row, row, time_calls

OPS = 1_000_000
CHUNK = 50_000


def housekeeping_rows(store: Path) -> list[Row]:
    return [outbox_prune_row(), quick_check_row(store)]


def _mb(path: Path) -> str:
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))  # with -wal
    return f"{size / 1e6:,.1f} MB"


def outbox_prune_row(ops: int = OPS) -> Row:
    from posassist.storage.database import STORE_FILENAME, open_database
    from posassist.storage.orm import Outbox
    from posassist.storage.outbox import prune_acked

    folder = Path(tempfile.mkdtemp(prefix="posassist-bench-outbox-"))
    try:
        db = open_database(folder)
        old = datetime.now(UTC) - timedelta(days=40)
        payload = {"name": "Ann Archer", "phone": "+12025550123", "note": "bench"}
        for start in range(0, ops, CHUNK):
            with db.write() as s:
                s.execute(
                    insert(Outbox),
                    [
                        {
                            "op_id": uuid.uuid4(),
                            "entity": "customer",
                            "entity_id": str(uuid.uuid4()),
                            "op": "update",
                            "payload": payload,
                            "hlc": f"{start + i:016d}",
                            "created_at": old,
                            "attempts": 1,
                            "state": "acked",
                        }
                        for i in range(min(CHUNK, ops - start))
                    ],
                )
        db.checkpoint()
        path = folder / STORE_FILENAME
        before = _mb(path)
        t0 = time.perf_counter()
        pruned = prune_acked(db, datetime.now(UTC))
        prune_ms = (time.perf_counter() - t0) * 1000
        db.checkpoint()
        unvacuumed = _mb(path)
        db.close()
        raw = sqlite3.connect(path, isolation_level=None)  # VACUUM runs outside a transaction
        try:
            raw.execute("VACUUM")
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
        after = _mb(path)
        name = (
            f"prune {pruned:,} acked ops: store {before} → {unvacuumed} (pruned) → {after} (VACUUM)"
        )
        return row(name, [prune_ms], "")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def quick_check_row(store: Path, repeat: int = 3) -> Row:
    from posassist.storage.database import STORE_FILENAME

    path = store / STORE_FILENAME
    if not path.exists():
        return row(f"PRAGMA quick_check ({path} missing)", [], "")
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        result: list[str] = []

        def check() -> None:
            result[:] = [r[0] for r in conn.execute("PRAGMA quick_check")]

        samples = time_calls(check, repeat)
    finally:
        conn.close()
    verdict = "ok" if result == ["ok"] else f"{len(result)} problems"
    return row(f"PRAGMA quick_check, bench store {_mb(path)} ({verdict})", samples, "")
