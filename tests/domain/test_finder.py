"""Finder ranking: here first, then our branches, then partner vendors; typos forgiven."""

from __future__ import annotations

import random
from datetime import datetime

import pytest

from posassist.devtools.typos import typo
from posassist.domain import finder
from posassist.domain.finder import (
    BranchStockCandidate,
    FinderIndex,
    ProductCandidate,
    VendorCandidate,
    normalise_text,
)
from tests.domain import finder_bench

NOW = datetime(2025, 6, 4, 11, 0)  # a Wednesday morning
SUNDAY = datetime(2025, 6, 8, 11, 0)


def product(
    sku: str,
    name: str,
    category: str = "Audio",
    keywords: tuple[str, ...] = (),
    *,
    carried: bool = True,
    on_hand: int | None = None,
    location: str | None = None,
) -> ProductCandidate:
    return ProductCandidate(sku, name, category, keywords, carried, on_hand, location)


def stock(branch: str, sku: str, name: str, on_hand: int, day: int = 1) -> BranchStockCandidate:
    return BranchStockCandidate(
        branch_id=branch,
        branch_name=f"Branch {branch}",
        phone=f"+1 555 0100 {branch}",
        sku=sku,
        product_name=name,
        on_hand=on_hand,
        as_of=datetime(2025, 6, day, 8, 0),
    )


def vendor(
    vid: str,
    name: str,
    categories: tuple[str, ...] = (),
    keywords: tuple[str, ...] = (),
    *,
    hours: str | None = "Mo-Fr 09:00-18:00",
    active: bool = True,
) -> VendorCandidate:
    return VendorCandidate(
        vendor_id=vid,
        name=name,
        address=f"{vid} Elm Street",
        phone="+1 555 0199",
        website=None,
        hours=hours,
        categories=categories,
        keywords=keywords,
        active=active,
    )


@pytest.fixture(scope="module")
def index() -> FinderIndex:
    products = [
        product("P1", "Bluetooth speaker JBL Go", keywords=("portable",), on_hand=3,
                location="Aisle 4"),
        product("P2", "Wired speaker", on_hand=0),
        product("P3", "USB-C cable 1m", "Electronics", ("charging",)),
        product("P4", "Crème brûlée torch", "Kitchen", ("blowtorch",), carried=False),
        product("P5", "Bluetooth headphones", on_hand=0),
        product("P6", "Ελληνικό μέλι", "Grocery", ("honey",), on_hand=2),
    ]  # fmt: skip
    branch_stock = [
        stock("B1", "P5", "Bluetooth headphones", 9),  # our own branch: excluded
        stock("B2", "P5", "Bluetooth headphones", 4, day=2),
        stock("B3", "P5", "Bluetooth headphones", 4, day=3),
        stock("B4", "P5", "Bluetooth headphones", 0),  # none there: excluded
        stock("B2", "P9", "Record player", 2),  # not in our catalogue at all
    ]
    vendors = [
        vendor("V1", "Sound Hut", ("Audio",), ("vinyl", "turntable")),
        vendor("V2", "Kitchen Pro", ("Kitchen",), ("torch",), hours=None),
        vendor("V3", "Closed Audio", ("Audio",), hours="Sa 10:00-12:00"),
        vendor("V4", "Gone Audio", ("Audio",), active=False),
        vendor("V5", "Always Audio", ("Audio",), hours="24/7"),
    ]
    return FinderIndex(products, branch_stock, vendors, here_branch_id="B1")


def test_normalise_text() -> None:
    assert normalise_text("Café-Crème  XL!") == "cafe creme xl"
    assert normalise_text("STRASSE Straße") == "strasse strasse"
    assert normalise_text("Ἑλληνικά") == "ελληνικα"


def test_typos_find_the_product_here(index: FinderIndex) -> None:
    result = index.find("bluetoth speker", NOW)
    assert [m.product.sku for m in result.here] == ["P1"]
    assert result.here[0].product.location == "Aisle 4"
    assert result.can_supply_here


@pytest.mark.parametrize(
    "query", ["Bluetooth speaker", "SPEAKER bluetooth", "blutooth speaker", "a bluetooth speaker"]
)
def test_word_order_case_and_filler_do_not_matter(index: FinderIndex, query: str) -> None:
    assert index.find(query, NOW).here[0].product.sku == "P1"


def test_type_ahead_prefix(index: FinderIndex) -> None:
    skus = {m.product.sku for m in index.find("blue", NOW).here}
    assert "P1" in skus


def test_joined_and_hyphenated_words(index: FinderIndex) -> None:
    assert index.find("usbc", NOW).here[0].product.sku == "P3"
    assert index.find("usb c cable", NOW).here[0].product.sku == "P3"


def test_accents_and_other_scripts(index: FinderIndex) -> None:
    assert index.find("ελληνικο μελι", NOW).here[0].product.sku == "P6"
    assert index.find("honey", NOW).here[0].product.sku == "P6"


def test_unknown_stock_counts_as_available_here(index: FinderIndex) -> None:
    # P3 is carried with on_hand_here None (not counted): we assume we can sell it.
    assert index.find("usb cable", NOW).can_supply_here


def test_out_of_stock_here_goes_to_other_branches(index: FinderIndex) -> None:
    result = index.find("bluetooth headphones", NOW)
    assert not result.can_supply_here
    assert [m.product.sku for m in result.out_of_stock_here] == ["P5"]
    branches = [m.stock.branch_id for m in result.other_branches]
    assert branches == ["B3", "B2"]  # same on hand: most recent count first; B1 is us
    first = result.other_branches[0].stock
    assert first.on_hand == 4
    assert first.phone
    assert first.as_of == datetime(2025, 6, 3, 8, 0)


def test_branch_only_product_is_findable(index: FinderIndex) -> None:
    result = index.find("record player", NOW)
    assert not result.here
    assert [m.stock.sku for m in result.other_branches] == ["P9"]


def test_not_carried_product_points_to_vendor_by_category(index: FinderIndex) -> None:
    result = index.find("creme brulee torch", NOW)
    assert not result.can_supply_here
    assert not result.here
    assert not result.out_of_stock_here
    assert result.vendors[0].vendor.vendor_id == "V2"
    assert result.vendors[0].open_now is None  # hours unknown
    assert any("Kitchen" in why or "torch" in why for why in result.vendors[0].matched_on)


def test_vendor_keyword_match_and_reason(index: FinderIndex) -> None:
    result = index.find("turntabel", NOW)
    assert [m.vendor.vendor_id for m in result.vendors] == ["V1"]
    assert result.vendors[0].matched_on == ("carries turntable",)
    assert result.vendors[0].open_now is True


def test_inactive_vendors_never_appear(index: FinderIndex) -> None:
    ids = {m.vendor.vendor_id for m in index.find("audio", NOW).vendors}
    assert "V4" not in ids
    assert {"V1", "V3", "V5"} <= ids


def test_open_vendors_rank_above_closed_ones(index: FinderIndex) -> None:
    ids = [m.vendor.vendor_id for m in index.find("audio", NOW).vendors]
    # Wednesday 11:00: Sound Hut and Always Audio are open, Closed Audio is not.
    assert ids.index("V3") > ids.index("V1")
    assert ids.index("V3") > ids.index("V5")
    on_sunday = index.find("audio", SUNDAY).vendors
    assert on_sunday[0].vendor.vendor_id == "V5"
    assert {m.vendor.vendor_id: m.open_now for m in on_sunday}["V1"] is False


def test_nothing_found(index: FinderIndex) -> None:
    result = index.find("xyzzy plugh", NOW)
    assert result == finder.FinderResult(query="xyzzy plugh")
    assert not result.can_supply_here


@pytest.mark.parametrize("query", ["", "   ", "!!!"])
def test_empty_query(index: FinderIndex, query: str) -> None:
    result = index.find(query, NOW)
    assert result == finder.FinderResult(query=query)


def test_one_of_two_words_is_not_enough(index: FinderIndex) -> None:
    # "wired" matches nothing we sell as headphones; do not claim we can supply it.
    result = index.find("wired headphones", NOW)
    assert all(m.product.sku != "P1" for m in result.here)


def test_limit_applies_per_tier() -> None:
    products = [product(f"S{i}", f"Speaker model {i}", on_hand=1) for i in range(30)]
    idx = FinderIndex(products, [], [])
    assert len(idx.find("speaker", NOW, limit=5).here) == 5
    assert len(idx) == 30


def test_scale_typos_still_rank_the_right_product_first() -> None:
    rng = random.Random(4)
    products, branch_stock, vendors = finder_bench._bench_data(rng, 2000, 100, 3, NOW)
    idx = FinderIndex(products, branch_stock, vendors, here_branch_id="B0")
    hits = 0
    for target in rng.sample(products, 40):
        model = target.name.split()[-1].lower()
        noun = target.name.split()[2]
        query = f"{typo(noun, rng)} {model}"
        result = idx.find(query, NOW)
        ranked = [m.product.sku for m in result.here + result.out_of_stock_here]
        ranked += [m.stock.sku for m in result.other_branches]
        hits += target.sku in ranked[:3]
    assert hits >= 36


def test_bench_find_reports_timings() -> None:
    bench = finder_bench.bench_find(n_products=200, n_vendors=20, n_branches=2, n_queries=20)
    assert bench.queries == 20
    assert 0 < bench.p50_ms <= bench.p95_ms <= bench.max_ms
    assert len(bench.samples_ms) == 20
