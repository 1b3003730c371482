"""Bench rows for "customers who bought this also bought": the build and a query.

The build is what the window runs in the background at start-up, hourly and after a sync
(forced here, so it is timed even when the table is current); the query is what the card
and the finder ask for one product.
"""

from __future__ import annotations

import random
import sys

from sqlalchemy import select

from posassist.app import Backend
from posassist.devtools.bench.report import Row, row, time_calls
from posassist.storage.orm import Product


def also_bought_rows(backend: Backend, repeat: int) -> list[Row]:
    also = backend.also_bought
    built = also.rebuild(force=True)
    print(f"also bought: {built.pairs:,} pairs for {built.products:,} products", file=sys.stderr)
    with backend.db.read() as s:
        skus = list(s.scalars(select(Product.sku)))
    rng = random.Random(11)
    sample = [rng.choice(skus) for _ in range(repeat)] if skus else []
    queries: list[float] = []
    for sku in sample:
        queries += time_calls(lambda sku=sku: also.for_sku(sku), 1)  # type: ignore[misc]
    return [
        row("also-bought build, 12 months (background)", [built.seconds * 1000], "median ≤ 30 s"),
        row("also-bought query, one product", queries, "p95 ≤ 5 ms"),
    ]
