"""Bounded growth: acked outbox rows older than 30 days go, everything else stays."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from posassist.services.customers import NewCustomer
from posassist.storage.database import open_database
from posassist.storage.orm import Outbox
from posassist.storage.outbox import ACKED_KEEP, append_change, prune_acked
from tests.sync.helpers import Reg

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _rows(s: object, state: str, n: int, age: timedelta) -> None:
    for _ in range(n):
        row = append_change(
            s,  # type: ignore[arg-type]
            entity="customer",
            entity_id=uuid.uuid4(),
            op="insert",
            payload={"name": "x"},
            hlc="0",
        )
        row.state = state
        row.created_at = NOW - age


def _count(db: object, state: str) -> int:
    with db.read() as s:  # type: ignore[attr-defined]
        return int(s.scalar(select(func.count()).where(Outbox.state == state)))


def test_old_acked_rows_are_pruned_in_batches_pending_and_dead_kept(tmp_path: Path) -> None:
    db = open_database(tmp_path)
    try:
        with db.write() as s:
            _rows(s, "acked", 25, ACKED_KEEP + timedelta(days=1))
            _rows(s, "pending", 3, ACKED_KEEP + timedelta(days=5))
            _rows(s, "dead", 2, ACKED_KEEP + timedelta(days=5))
            _rows(s, "acked", 4, timedelta(days=2))  # recent: kept
        assert prune_acked(db, NOW, batch=7) == 25  # four batches of at most 7
        assert (_count(db, "acked"), _count(db, "pending"), _count(db, "dead")) == (4, 3, 2)
        assert prune_acked(db, NOW) == 0
    finally:
        db.close()


def test_the_newest_row_is_kept_even_when_old(tmp_path: Path) -> None:
    """Its HLC stamp is what a restarted register must not stamp below."""
    db = open_database(tmp_path)
    try:
        with db.write() as s:
            _rows(s, "acked", 5, timedelta(days=90))
        assert prune_acked(db, NOW) == 4
        assert _count(db, "acked") == 1
    finally:
        db.close()


def test_a_successful_sync_round_prunes(registers: Callable[..., Reg]) -> None:
    a = registers("Register A")
    for name in ("Ann Archer", "Bob Baker", "Cy Cole"):
        a.backend.customers.create(NewCustomer(name))
    a.sync.sync_once()
    with a.db.write() as s:  # pretend the first two were sent long ago
        s.execute(
            update(Outbox)
            .where(Outbox.seq <= 2)
            .values(created_at=datetime.now(UTC) - ACKED_KEEP - timedelta(days=1))
        )
    a.backend.customers.create(NewCustomer("Dee Dunn"))
    a.sync.sync_once()
    with a.db.read() as s:
        left = s.scalars(select(Outbox.seq).order_by(Outbox.seq)).all()
    assert left == [3, 4]
