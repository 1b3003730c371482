"""Bench rows for "we don't carry it, but here's where": the finder and the slip.

Measured at the service layer on the bench store (5,000 products, 300 vendors, 5 branches),
so a finder query includes the cheap "did the catalogue change?" check it makes before
every search, exactly as at the register.  Nothing here writes to the store.
"""

from __future__ import annotations

import functools
import random
import time

from sqlalchemy import func, select

from posassist.app import Backend
from posassist.devtools.bench.report import Row, row, time_calls
from posassist.devtools.typos import query_mix
from posassist.printing.slip_pdf import SlipData, build_slip_pdf
from posassist.storage.orm import Branch, Product, Vendor

VENDOR_ASKS = (
    "vinyl records", "turntables", "board games", "sewing machine", "first aid",
    "art supplies", "headphones repair", "comics", "buttons", "batteries",
)  # fmt: skip


def referral_rows(backend: Backend, repeat: int) -> list[Row]:
    rng = random.Random(4)
    with backend.db.read() as s:
        names = list(s.scalars(select(Product.name).order_by(Product.sku)))
        vendor_id = s.scalar(select(Vendor.id).where(Vendor.active.is_(True)).limit(1))
        sizes = (
            len(names),
            s.scalar(select(func.count()).select_from(Vendor)),
            s.scalar(select(func.count()).select_from(Branch)),
        )
    label = f"{sizes[0]:,} products / {sizes[1]} vendors / {sizes[2]} branches"

    t0 = time.perf_counter()
    backend.finder.warm_up()
    build_ms = (time.perf_counter() - t0) * 1000

    phrases = [" ".join(name.split()[:2]) for name in names]
    queries = query_mix(phrases, VENDOR_ASKS, max(repeat, 200), rng)
    backend.finder.find(queries[0])  # rapidfuzz's first call sets up its dispatch
    finds: list[float] = []
    for query in queries:
        finds += time_calls(functools.partial(backend.finder.find, query), 1)

    rows = [
        row(f"finder index build ({label}, once)", [build_ms]),
        row("finder query (mixed asks, typos)", finds, "p95 ≤ 30 ms"),
    ]
    if vendor_id is not None:
        item = "Bluetooth speaker"
        slip = backend.referrals.draft_slip(item, vendor_id=vendor_id)
        assert slip.startswith(b"%PDF")
        data = backend.referrals.draft_data(item, vendor_id=vendor_id)
        runs = max(repeat // 4, 30)
        drafts = time_calls(lambda: backend.referrals.draft_slip(item, vendor_id=vendor_id), runs)
        rows += [
            row(
                "slip PDF build, 80 mm, warm",
                slip_build_times(data, "80mm", runs),
                "median ≤ 30 ms",
            ),
            row("slip for a store vendor (lookup + PDF), warm", drafts),
        ]
    return rows


def slip_build_times(data: SlipData, layout: str, runs: int) -> list[float]:
    """Warm build times in milliseconds: a first build registers the fonts and encodes
    the QR code (a link never printed before adds ~15-20 ms once)."""
    build_slip_pdf(data, layout)
    return time_calls(lambda: build_slip_pdf(data, layout), runs)
