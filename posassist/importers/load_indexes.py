"""A big import's secondary indexes: dropped while it writes, built again before it commits.

An import into a big store spends most of SQLite's time keeping indexes up to date:
every new interaction goes at a random place in the table's two customer-led indexes
(and every line in ``purchase_line``'s), and once those indexes outgrow the page cache
the RSS budget allows, nearly every insert reads a page back and later writes it out
again (``docs/scaling.md``; the bench store: 1,000,000 rows, 32 µs an interaction).
``CREATE INDEX`` builds the same index by one sort of the whole table, about 1 µs a
row. So when an import will add a good share of a table's rows (:data:`SHARE`, guessed
after its first chunk from how far into the file that chunk went), the loader drops the
table's plain indexes and builds them again, from the same ``Index`` objects the schema
declares, at the end of the load, inside the import's one transaction:

- all or nothing still: a Cancel, a refused file or a crash rolls the DROP back with the
  rows (the store file is untouched until the commit), and the commit holds the rebuilt
  indexes with the rows;
- the loader never reads these tables by the dropped indexes (it looks interactions up
  by id, whose unique index is part of the table and never dropped: so are the unique
  constraints, which decide what a conflict is);
- other connections keep reading their snapshot, indexes and all (WAL).
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Index, Table, func, select
from sqlalchemy.orm import Session

from posassist.storage.orm import Interaction, PurchaseLine

__all__ = ["MIN_ROWS", "SHARE", "DeferredIndexes", "plain_indexes"]

# Defer a table's indexes when the import adds at least 1/SHARE of the rows it holds
# (and at least MIN_ROWS): a rebuild costs about a microsecond per row of the WHOLE
# table, keeping them costs tens per new row once they outgrow the cache.
SHARE = 10
MIN_ROWS = 20_000
# The page cache (and so the sorter's memory) while the indexes are built: 16 MB.
REBUILD_CACHE = "PRAGMA cache_size = -16384"


def plain_indexes(model: type) -> list[Index]:
    """The table's non-unique indexes, as the schema declares them (sorted by name)."""
    table = cast(Table, model.__table__)  # type: ignore[attr-defined]
    return sorted((ix for ix in table.indexes if not ix.unique), key=lambda ix: str(ix.name))


class DeferredIndexes:
    """The plain indexes of ``interaction`` and ``purchase_line`` one import dropped."""

    TABLES: tuple[type, ...] = (Interaction, PurchaseLine)

    def __init__(self, s: Session, *, share: int = SHARE, min_rows: int = MIN_ROWS) -> None:
        self.s = s
        self.share = share
        self.min_rows = min_rows
        self.decided = False
        self.dropped: list[Index] = []

    def consider(self, expected: dict[type, int]) -> None:
        """Once per import: drop each table's plain indexes if ``expected[model]`` (the
        rows the import is guessed to add to it) is a big enough share of it."""
        if self.decided:
            return
        self.decided = True
        conn = self.s.connection()
        for model in self.TABLES:
            new = expected.get(model, 0)
            if new < self.min_rows:
                continue
            table = cast(Table, model.__table__)  # type: ignore[attr-defined]
            stored = conn.scalar(select(func.count()).select_from(table)) or 0
            if new * self.share < stored:
                continue
            for ix in plain_indexes(model):
                ix.drop(bind=conn)
                self.dropped.append(ix)

    def rebuild(self, restore: str) -> None:
        """Build the dropped indexes again (each by one sort of its table), with a small
        page cache: SQLite's sorter takes as much memory again as the cache may hold,
        and the import's large one plus that would pass the RSS budget (356 MB peak on
        the bench's 1,000,000 rows). ``restore``: the import's own cache size pragma, put
        back after (a pragma takes no bound parameter)."""
        if not self.dropped:
            return
        conn = self.s.connection()
        conn.exec_driver_sql(REBUILD_CACHE)
        try:
            while self.dropped:
                self.dropped.pop(0).create(bind=conn)
        finally:
            conn.exec_driver_sql(restore)
