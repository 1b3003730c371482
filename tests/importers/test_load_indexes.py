"""A big import's plain indexes: dropped after the first chunk, rebuilt before the load
returns; the rows written are exactly those of an import that kept them; a Cancel after
the drop leaves every index (and every row) as it was; a small import never drops them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from posassist.app import Backend
from posassist.errors import CancelledError
from posassist.importers import load_indexes
from posassist.importers.load import Counts, load
from posassist.importers.reader import Table, open_table
from posassist.importers.records import ParseContext, Person, Problems, Sale, SaleItem
from posassist.storage.orm import Customer, Interaction, Outbox, PurchaseLine
from tests.conftest import MovableClock, make_backend

AT = datetime(2026, 5, 12, 19, 54, tzinfo=UTC)


class Generated:
    """``n`` sales of 40 customers, each with two lines."""

    kind = "test"
    source = "square"
    columns = ()

    def __init__(self, n: int) -> None:
        self.n = n

    def parse(self, table: Table, ctx: ParseContext) -> Iterator[Sale]:
        for i in range(self.n):
            person = Person("square", f"C{i % 40}", display_name=f"Name {i % 40}")
            items = [SaleItem("Tea", 1, 100), SaleItem(f"Cake {i % 7}", 2, 250)]
            yield Sale("square", f"T{i}", i + 2, person, AT, date(2026, 5, 12),
                       basket_minor=600, items=items)  # fmt: skip


def _load(
    backend: Backend,
    tmp_path: Path,
    n: int,
    *,
    min_rows: int,
    cancelled: Any = None,
) -> Counts:
    path = tmp_path / "file.csv"
    path.write_text("a,b\n" + "1,2\n" * 50, encoding="utf-8")
    ctx = backend.ctx
    parse = ParseContext("UTC", "US", date(2026, 11, 20))
    with open_table(path, (), Problems(path)) as table, ctx.db.write(foreign_keys=False) as s:
        return load(s, Generated(n), table, parse, stamp=ctx.stamp, branch_id=ctx.branch_id,
                    chunk_rows=50, defer_min_rows=min_rows, cancelled=cancelled)  # fmt: skip


def _indexes(backend: Backend) -> list[tuple[str, str]]:
    with backend.db.read() as s:
        found = s.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index'"))
        return sorted((str(name), str(sql)) for name, sql in found)


def _rows(backend: Backend) -> dict[str, list[tuple[Any, ...]]]:
    """Every imported row but what is fresh per import (op ids, stamps, times)."""
    with backend.db.read() as s:
        c = Customer
        o = Outbox
        return {
            "customer": sorted(s.execute(select(c.id, c.display_name, c.created_at)).all()),
            "interaction": sorted(s.execute(select(Interaction.__table__)).all()),
            "line": sorted(s.execute(select(PurchaseLine.__table__)).all()),
            "outbox": sorted(s.execute(select(o.entity, o.entity_id, o.op, o.state)).all()),
        }


@pytest.fixture
def spied(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The plain indexes of interaction and purchase_line left when each rebuild began."""
    seen: list[list[str]] = []
    rebuild = load_indexes.DeferredIndexes.rebuild

    def spy(self: load_indexes.DeferredIndexes, restore: str) -> None:
        rows = self.s.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))
        seen.append(sorted(n for (n,) in rows if n.startswith("ix_")))
        rebuild(self, restore)

    monkeypatch.setattr(load_indexes.DeferredIndexes, "rebuild", spy)
    return seen


def test_deferred_indexes_write_the_same_rows_and_are_rebuilt(
    tmp_path: Path, clock: MovableClock, spied: list[list[str]]
) -> None:
    kept = make_backend(tmp_path / "kept", clock)
    deferred = make_backend(tmp_path / "deferred", clock)
    try:
        before = _indexes(deferred)
        assert "ix_interaction_customer_time" in {n for n, _ in before}
        a = _load(kept, tmp_path, 400, min_rows=10**9)
        b = _load(deferred, tmp_path, 400, min_rows=1)
        assert a == b
        assert (b.interactions, b.lines) == (400, 800)
        assert _rows(kept) == _rows(deferred)
        assert _indexes(deferred) == before == _indexes(kept)  # the same definitions back
        dropped = set(spied[0]) ^ set(spied[1])
        assert dropped == {
            "ix_interaction_customer_day",
            "ix_interaction_customer_time",
            "ix_purchase_line_interaction_id",
        }
        again = _load(deferred, tmp_path, 400, min_rows=1)  # idempotent, deferred or not
        assert (again.interactions, again.lines, again.skipped) == (0, 0, 400)
        assert _rows(kept) == _rows(deferred)
        with deferred.db.read() as s:
            assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    finally:
        kept.close()
        deferred.close()


def test_a_small_import_keeps_its_indexes(
    backend: Backend, tmp_path: Path, spied: list[list[str]]
) -> None:
    """With the real threshold, 400 sales into an empty store drop nothing."""
    _load(backend, tmp_path, 400, min_rows=load_indexes.MIN_ROWS)
    assert "ix_interaction_customer_time" in spied[0]
    assert "ix_purchase_line_interaction_id" in spied[0]


def test_cancel_after_the_drop_leaves_every_index(
    backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _indexes(backend)
    dropped: list[int] = []
    consider = load_indexes.DeferredIndexes.consider

    def spy(self: load_indexes.DeferredIndexes, expected: dict[type, int]) -> None:
        consider(self, expected)
        dropped.append(len(self.dropped))

    monkeypatch.setattr(load_indexes.DeferredIndexes, "consider", spy)
    calls = {"n": 0}

    def cancelled() -> bool:  # true once a few chunks (and so the drop) are behind
        calls["n"] += 1
        return calls["n"] > 40

    with pytest.raises(CancelledError):
        _load(backend, tmp_path, 4000, min_rows=1, cancelled=cancelled)
    assert dropped[:1] == [3]  # the cancel came after the drop
    assert _indexes(backend) == before
    with backend.db.read() as s:
        assert s.scalars(select(Interaction.id)).first() is None
