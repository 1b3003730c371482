"""Any-of matching with coverage ranking, the corrected wording, and the "here" rule."""

from __future__ import annotations

from datetime import datetime

import pytest

from posassist.domain.finder import FinderIndex
from posassist.domain.finder_wording import corrected_wording
from tests.domain.test_finder import product, vendor

NOW = datetime(2025, 6, 4, 11, 0)


@pytest.fixture(scope="module")
def index() -> FinderIndex:
    products = [
        product("H1", "Deluxe headphones", on_hand=2),
        product("H2", "Studio headphones", on_hand=1),
        product("B1", "Bluetooth speaker", on_hand=4),
        product("K1", "Kettle", "Kitchen", carried=False, on_hand=5),  # a stray stock row
    ]
    vendors = [
        vendor("C1", "Panel & Page", ("Comics",), ("graphic novels",)),
        vendor("C2", "Manga Comics Corner", ("Comics", "Manga")),
        vendor("T1", "Tea Time", ("Tea",)),
    ]
    return FinderIndex(products, [], vendors)


def test_any_word_finds_the_partner_and_more_words_rank_higher(index: FinderIndex) -> None:
    result = index.find("manga comics", NOW)
    ids = [m.vendor.vendor_id for m in result.vendors]
    assert ids == ["C2", "C1"]  # both words first, then "comics" alone
    assert result.vendors[0].complete
    assert not result.vendors[1].complete
    assert result.vendors[1].matched_on == ("sells Comics",)
    assert "T1" not in ids


def test_partial_products_are_listed_only_when_nothing_matches_more(index: FinderIndex) -> None:
    both = index.find("deluxe headphones", NOW)
    assert [m.product.sku for m in both.here] == ["H1"]
    assert both.can_supply_here
    some = index.find("wireless headphones", NOW)  # nobody says "wireless"
    assert {m.product.sku for m in some.here} == {"H1", "H2"}
    assert not any(m.complete for m in some.here)
    assert not some.can_supply_here  # a partial match is not "we have it"


def test_not_carried_is_never_here_even_with_stock(index: FinderIndex) -> None:
    result = index.find("kettle", NOW)
    assert not result.here
    assert not result.out_of_stock_here
    assert not result.found_anything


def test_typos_are_corrected_in_the_wording(index: FinderIndex) -> None:
    result = index.find("deluxe hedphones", NOW)
    assert result.wording == "deluxe headphones"
    assert result.ask == "deluxe headphones"
    assert index.find("Deluxe headphone", NOW).ask == "Deluxe headphones"
    assert index.find("DELUXE HEDPHONES", NOW).ask == "DELUXE HEADPHONES"


@pytest.mark.parametrize(
    "query",
    [
        "deluxe headphones",  # all known
        "blue speaker",  # a prefix is type-ahead, not a typo
        "zzyzx headphones",  # unmatched words are kept
        "headphones for my 2 kids",  # filler and numbers are kept
        "USB-C speaker",  # a word of several tokens is kept whole
    ],
)
def test_known_unmatched_and_filler_words_stay_as_typed(index: FinderIndex, query: str) -> None:
    result = index.find(query, NOW)
    assert result.wording is None
    assert result.ask == query


def test_wording_tidies_spaces_and_keeps_punctuation_of_kept_words() -> None:
    fixes = {"hedphones": "headphones"}
    assert corrected_wording("  deluxe   Hedphones, ", fixes.get) == "deluxe Headphones"
    assert corrected_wording("the hedphones!", fixes.get) == "the headphones"
