"""A deterministic synthetic chain for the finder: its data, and timings of a search.

Test code: the scale tests build a chain-sized index from :func:`_bench_data`, and
:func:`bench_find` times index build and queries on it. Typos and the query mix come from
:mod:`posassist.devtools.typos`, like the bench's.
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import dataclass
from datetime import datetime

from posassist.devtools.typos import query_mix
from posassist.domain.finder import (
    BranchStockCandidate,
    FinderIndex,
    ProductCandidate,
    VendorCandidate,
)


@dataclass(frozen=True, slots=True)
class FinderBench:
    """Timings in milliseconds for one synthetic chain-sized index."""

    build_ms: float
    p50_ms: float
    p95_ms: float
    max_ms: float
    queries: int
    samples_ms: tuple[float, ...] = ()
    """Every query's time, for callers that compute their own statistics."""


_BRANDS = (
    "Acme", "Zenit", "Nordal", "Orbis", "Kestrel", "Lumo", "Vantage", "Helio", "Tamar", "Brio",
    "Castell", "Delta",
)  # fmt: skip
_ADJECTIVES = (
    "wireless", "portable", "compact", "waterproof", "stainless", "wooden", "rechargeable",
    "ceramic", "organic", "foldable", "digital", "classic", "premium", "mini", "large",
    "heavy-duty", "cordless", "ergonomic", "vintage", "smart",
)  # fmt: skip
_NOUNS: dict[str, str] = {
    "speaker": "Audio", "headphones": "Audio", "earbuds": "Audio", "microphone": "Audio",
    "charger": "Electronics", "cable": "Electronics", "powerbank": "Electronics",
    "lamp": "Lighting", "bulb": "Lighting", "lantern": "Lighting",
    "kettle": "Kitchen", "toaster": "Kitchen", "blender": "Kitchen", "knife": "Kitchen",
    "pan": "Kitchen", "teapot": "Kitchen", "drill": "Tools", "hammer": "Tools",
    "screwdriver": "Tools", "wrench": "Tools", "tent": "Outdoor", "backpack": "Outdoor",
    "umbrella": "Outdoor", "notebook": "Stationery", "pen": "Stationery", "stapler": "Stationery",
    "shampoo": "Care", "toothbrush": "Care", "towel": "Home", "pillow": "Home",
    "blanket": "Home", "candle": "Home", "vase": "Home", "mug": "Kitchen", "sneakers": "Shoes",
    "sandals": "Shoes", "boots": "Shoes", "jacket": "Clothing", "scarf": "Clothing",
    "gloves": "Clothing", "puzzle": "Toys", "kite": "Toys", "skateboard": "Sports",
    "yoga mat": "Sports", "dumbbell": "Sports", "bicycle bell": "Sports",
}  # fmt: skip
_SYLLABLES = (
    "ka", "ro", "vi", "len", "tor", "mi", "sa", "quo", "bel", "dun", "fi", "ra", "zo", "pek",
    "lu", "nar", "es", "tim", "go", "ve",
)  # fmt: skip
_VENDOR_ONLY = "vinyl records|sewing machine|aquarium|piano tuning|watch repair|bike repair"


def _bench_data(
    rng: random.Random, n_products: int, n_vendors: int, n_branches: int, now: datetime
) -> tuple[list[ProductCandidate], list[BranchStockCandidate], list[VendorCandidate]]:
    nouns = list(_NOUNS)
    products: list[ProductCandidate] = []
    for i in range(n_products):
        noun = rng.choice(nouns)
        # A made-up model word per product grows the vocabulary to catalogue size.
        model = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randrange(2, 4)))
        name = f"{rng.choice(_BRANDS)} {rng.choice(_ADJECTIVES)} {noun} {model.title()}"
        products.append(
            ProductCandidate(
                sku=f"SKU{i:06d}",
                name=name,
                category=_NOUNS[noun],
                keywords=(rng.choice(_ADJECTIVES), noun),
                carried=rng.random() < 0.7,
                on_hand_here=rng.choice([None, 0, 0, 1, 3, 12]),
                location=f"Aisle {rng.randrange(1, 20)}",
            )
        )
    stock = [
        BranchStockCandidate(
            branch_id=f"B{b}",
            branch_name=f"Branch {b}",
            phone=f"+1555010{b}",
            sku=p.sku,
            product_name=p.name,
            on_hand=rng.choice([0, 0, 1, 2, 5]),
            as_of=now,
        )
        for b in range(n_branches)
        for p in products
    ]
    categories = sorted(set(_NOUNS.values()))
    extra = _VENDOR_ONLY.split("|")
    vendors = [
        VendorCandidate(
            vendor_id=f"V{v:04d}",
            name=f"{rng.choice(_BRANDS)} {rng.choice(['Shop', 'Store', 'Corner', 'Hall'])} {v}",
            address=f"{v} Market Street",
            phone=f"+1555020{v:03d}",
            website=None,
            hours=rng.choice(["Mo-Fr 09:00-18:00; Sa 10:00-16:00", "24/7", None, "ring first"]),
            categories=tuple(rng.sample(categories, rng.randrange(1, 3))),
            keywords=tuple(rng.sample(nouns + extra, 3)),
            active=rng.random() < 0.9,
        )
        for v in range(n_vendors)
    ]
    return products, stock, vendors


def bench_find(
    n_products: int = 5000,
    n_vendors: int = 300,
    n_branches: int = 5,
    n_queries: int = 300,
    seed: int = 0,
) -> FinderBench:
    """Time index build and queries on a deterministic synthetic chain.

    Not a timed test, which would flake on a busy CI box: a developer checks the 30 ms p95
    budget on real hardware with ``python -m tests.domain.finder_bench`` (``posassist
    bench`` times the same searches through the service).  Queries mix
    exact product words, typos, vendor-only asks and nonsense.
    """
    rng = random.Random(seed)
    now = datetime(2025, 6, 4, 11, 0)
    products, stock, vendors = _bench_data(rng, n_products, n_vendors, n_branches, now)
    start = time.perf_counter()
    index = FinderIndex(products, stock, vendors, here_branch_id="B0")
    build_ms = (time.perf_counter() - start) * 1000.0

    phrases = [" ".join(p.name.split()[1:3]) for p in products]
    queries = query_mix(phrases, _VENDOR_ONLY.split("|"), n_queries, rng)
    index.find(queries[0], now)  # warm rapidfuzz's dispatch
    timings: list[float] = []
    for query in queries:
        t0 = time.perf_counter()
        index.find(query, now)
        timings.append((time.perf_counter() - t0) * 1000.0)
    cuts = statistics.quantiles(timings, n=100)
    return FinderBench(
        build_ms=round(build_ms, 1),
        p50_ms=round(cuts[49], 2),
        p95_ms=round(cuts[94], 2),
        max_ms=round(max(timings), 2),
        queries=len(timings),
        samples_ms=tuple(timings),
    )


if __name__ == "__main__":  # pragma: no cover - manual check: python -m tests.domain.finder_bench
    result = bench_find()
    print(
        f"build {result.build_ms} ms, p50 {result.p50_ms} ms, p95 {result.p95_ms} ms, "
        f"max {result.max_ms} ms over {result.queries} queries"
    )
