""" "Customers who bought this also bought": built in the background, read in a millisecond.

The pairs come from the chain's own baskets over the last 12 months (every register's
purchase lines are pulled here, so the local store is the chain's data); the rules of
who counts are in ``storage/co_purchase.py``. They are kept in a derived local table
rather than in memory so that a CLI call, a restart and the card all read the same
answer at once, without rebuilding first (the build takes seconds on a chain-sized
store); a query is then a primary-key range read.

:meth:`AlsoBoughtService.rebuild_if_stale` runs through ``BackgroundOp`` at start-up,
and hourly (not after every sync round: in a chain nearly every round brings lines, and
twelve months of baskets barely move in an hour); it reads in one snapshot, then swaps the table
in one short write transaction, and does nothing when no line, void or merge was added
since the last build (the signature).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta

from posassist.domain.wording import plural
from posassist.services.context import StoreContext
from posassist.storage import co_purchase as cp

WINDOW_DAYS = 365
KEEP_PER_PRODUCT = 10  # stored per SKU; the card shows three, the CLI up to ten


@dataclass(frozen=True, slots=True)
class AlsoBought:
    """One suggestion: the product and how many customers bought it with the one asked."""

    sku: str
    name: str  # the catalog's name, or the SKU when the catalog does not know it
    customers: int

    @property
    def label(self) -> str:
        return f"{self.name} — {plural(self.customers, 'customer')}"


@dataclass(frozen=True, slots=True)
class BuildResult:
    built: bool  # False: nothing changed since the last build, the table was kept
    pairs: int
    products: int
    seconds: float


def window(today: date) -> tuple[date, date]:
    """The 12 months the pairs are counted over, today included."""
    return today - timedelta(days=WINDOW_DAYS - 1), today


def as_suggestions(rows: list[cp.AlsoBoughtRow]) -> tuple[AlsoBought, ...]:
    return tuple(AlsoBought(r.sku, r.name or r.sku, r.customers) for r in rows)


class AlsoBoughtService:
    def __init__(self, ctx: StoreContext) -> None:
        self._ctx = ctx
        self._building = threading.Lock()  # one build at a time; a second call skips

    def rebuild_if_stale(self) -> BuildResult:
        return self.rebuild(force=False)

    def rebuild(self, *, force: bool = True) -> BuildResult:
        """Count the pairs again (in a read snapshot) and swap the table in (one write)."""
        t0 = time.perf_counter()
        if not self._building.acquire(blocking=False):
            return BuildResult(False, 0, 0, 0.0)
        try:
            since, until = window(self._ctx.today())
            with self._ctx.db.read() as s:
                built_from = cp.signature(s, since)
                if not force and cp.built_signature(s) == built_from:
                    return BuildResult(False, 0, 0, time.perf_counter() - t0)
                rows = cp.top_pairs(s, since, until, KEEP_PER_PRODUCT)
            with self._ctx.db.write() as s:
                cp.replace_all(s, rows, built_from)
            products = len({r.sku for r in rows})
            return BuildResult(True, len(rows), products, time.perf_counter() - t0)
        finally:
            self._building.release()

    def product_name(self, sku: str) -> str | None:
        """The catalog's name of ``sku``; None when the catalog does not know it."""
        with self._ctx.db.read() as s:
            return cp.product_names(s, [sku]).get(sku)

    def for_sku(self, sku: str, limit: int = 5) -> tuple[AlsoBought, ...]:
        """What customers who bought ``sku`` also bought, most customers first."""
        with self._ctx.db.read() as s:
            return as_suggestions(cp.also_bought(s, [sku], limit)[sku])
