"""Ranking for "we don't carry it, but here's where".

The cashier types what the customer asked for, usually fast and often misspelled, while the
customer waits.  The answer must come back in one keystroke's time and in the order that
keeps the sale (or at least the goodwill) closest to home:

(a) **here** - we have it on the shelf (and where);
(b) **another of our branches** has it (on hand, as of when, phone - so staff can call and
    ask them to hold it);
(c) **a partner vendor** carries it (by category, keyword or name), open ones first.

This module is pure: the service layer loads candidates from the store, builds a
:class:`FinderIndex` once (and again when the catalogue or stock changes) and calls
:meth:`FinderIndex.find` per keystroke or per search.  All the slow work - text
normalisation, tokenising, parsing vendor hours - happens at construction; a query only
looks up a few tokens and runs rapidfuzz over the vocabulary (a few thousand short
strings), which keeps a query in single-digit milliseconds at chain scale (see
:func:`bench_find`).

Matching works on tokens so that word order and extra words do not matter, and each query
token is matched exactly, as a prefix (type-ahead: "blue" finds "bluetooth"), or fuzzily
(``rapidfuzz.fuzz.ratio``, so "bluetoth speker" finds "Bluetooth speaker").  An item's
score is the average, over the query's tokens, of the best match each token found in the
item, weighted by where it was found (name > keyword > category), on a 0-100 scale.
"""

from __future__ import annotations

import bisect
import itertools
import random
import re
import statistics
import time
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from rapidfuzz import fuzz, process

from posassist.domain.opening_hours import OpeningHours, OpeningHoursError
from posassist.domain.opening_hours import parse as parse_hours

__all__ = [
    "BranchMatch",
    "BranchStockCandidate",
    "FinderBench",
    "FinderIndex",
    "FinderResult",
    "ProductCandidate",
    "ProductMatch",
    "VendorCandidate",
    "VendorMatch",
    "bench_find",
    "normalise_text",
    "tokens",
]

# --- tuning knobs (module constants so tests and a future settings page can see them) ---

MIN_SCORE = 60.0
"""Below this an item or vendor is noise: e.g. one of two query words matched by category."""

OPEN_BONUS = 5.0
"""Open-now vendors rank above closed ones of similar relevance, never above a far better one."""

NAME_WEIGHT = 1.0
KEYWORD_WEIGHT = 0.9
CATEGORY_WEIGHT = 0.75
VENDOR_NAME_WEIGHT = 0.8
INDIRECT_CATEGORY_WEIGHT = 0.9
"""A vendor that sells the *category* of the matched products is slightly less certain."""

_PREFIX_MIN_LEN = 3
_FUZZY_MIN_LEN = 4
_FUZZY_LIMIT = 12
_PREFIX_LIMIT = 40
_INDIRECT_TOP_ITEMS = 20

_STOPWORDS = frozenset({
    "a", "an", "and", "any", "do", "does", "for", "have", "i", "in", "is", "it", "me", "my",
    "of", "on", "or", "some", "something", "the", "to", "with", "you", "your", "need", "want",
    "looking", "like",
})  # fmt: skip
"""English filler words a cashier types when copying the customer's sentence."""

_NON_WORD = re.compile(r"[\W_]+")


def normalise_text(text: str) -> str:
    """Casefold, strip accents and punctuation: "Café-Crème  XL" -> "cafe creme xl".

    Customers and catalogues disagree on accents, case and hyphens ("USB-C", "usb c"), so all
    comparison happens on this form.  Non-Latin scripts are kept (Greek, Cyrillic...), only
    their combining marks are removed.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", stripped).split())


def tokens(text: str) -> list[str]:
    """Normalised tokens of ``text`` (stopwords kept; callers decide)."""
    return normalise_text(text).split()


# --- candidates: what the service layer hands in -----------------------------------------


@dataclass(frozen=True, slots=True)
class ProductCandidate:
    """A catalogue entry.  ``carried=False`` rows are things we know of but do not sell,
    kept so that their category can point to partner vendors who do."""

    sku: str
    name: str
    category: str
    keywords: tuple[str, ...] = ()
    carried: bool = True
    on_hand_here: int | None = None
    """None = carried but stock not counted here; we then assume it can be supplied."""
    location: str | None = None
    """Aisle / shelf, shown in the "here" tier."""


@dataclass(frozen=True, slots=True)
class BranchStockCandidate:
    """One product's stock at one of our other branches, as last synced."""

    branch_id: str
    branch_name: str
    phone: str | None
    sku: str
    product_name: str
    on_hand: int
    as_of: datetime


@dataclass(frozen=True, slots=True)
class VendorCandidate:
    """A partner vendor from the store's directory."""

    vendor_id: str
    name: str
    address: str | None
    phone: str | None
    website: str | None
    hours: str | None
    """Text in the :mod:`posassist.domain.opening_hours` format; anything else = unknown."""
    categories: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    active: bool = True


# --- results --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProductMatch:
    """A product of ours that matches the query; ``score`` is 0-100."""

    product: ProductCandidate
    score: float


@dataclass(frozen=True, slots=True)
class BranchMatch:
    """Stock at another branch for a matching product."""

    stock: BranchStockCandidate
    score: float


@dataclass(frozen=True, slots=True)
class VendorMatch:
    """A partner vendor, with the reasons it matched in plain words for the cashier."""

    vendor: VendorCandidate
    score: float
    open_now: bool | None
    """None when the vendor's hours are unknown or not in the supported format."""
    matched_on: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FinderResult:
    """Tiers best first.  ``out_of_stock_here`` is what we carry but have none of now."""

    query: str
    here: tuple[ProductMatch, ...] = ()
    out_of_stock_here: tuple[ProductMatch, ...] = ()
    other_branches: tuple[BranchMatch, ...] = ()
    vendors: tuple[VendorMatch, ...] = ()

    @property
    def can_supply_here(self) -> bool:
        """False means the store could not serve this ask on the spot: log unmet demand.

        (An empty query is also False; callers should not log blank searches.)
        """
        return bool(self.here)


# --- the index ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Item:
    sku: str
    product: ProductCandidate | None
    category_norm: str
    category: str


_Postings = dict[str, dict[int, float]]
_VendorPostings = dict[str, dict[int, tuple[float, str]]]


def _add(postings: _Postings, text: str, idx: int, weight: float) -> None:
    words = tokens(text)
    for word in words:
        slot = postings.setdefault(word, {})
        if slot.get(idx, 0.0) < weight:
            slot[idx] = weight
    # Adjacent words joined ("usb c" -> "usbc") so a query typed without spaces still hits.
    for left, right in itertools.pairwise(words):
        joined = left + right
        slot = postings.setdefault(joined, {})
        if slot.get(idx, 0.0) < weight * 0.95:
            slot[idx] = weight * 0.95


def _add_vendor(postings: _VendorPostings, text: str, idx: int, weight: float, why: str) -> None:
    for word in tokens(text):
        slot = postings.setdefault(word, {})
        if slot.get(idx, (0.0, ""))[0] < weight:
            slot[idx] = (weight, why)


def _fuzzy_cutoff(length: int) -> float:
    """Stricter for short words: one wrong letter in "lamp" already makes "camp"."""
    if length <= 4:
        return 85.0
    if length <= 6:
        return 80.0
    return 75.0


class FinderIndex:
    """Everything :meth:`find` needs, precomputed once from the store's candidates.

    ``here_branch_id`` drops this register's own branch from the branch-stock tier (its
    stock is already ``ProductCandidate.on_hand_here``).
    """

    def __init__(
        self,
        products: Iterable[ProductCandidate],
        branch_stock: Iterable[BranchStockCandidate],
        vendors: Iterable[VendorCandidate],
        *,
        here_branch_id: str | None = None,
    ) -> None:
        self._items: list[_Item] = []
        self._item_postings: _Postings = {}
        by_sku: dict[str, int] = {}
        for product in products:
            if product.sku in by_sku:
                continue  # first row wins; the store keeps skus unique anyway
            idx = len(self._items)
            by_sku[product.sku] = idx
            self._items.append(
                _Item(product.sku, product, normalise_text(product.category), product.category)
            )
            _add(self._item_postings, product.name, idx, NAME_WEIGHT)
            for keyword in product.keywords:
                _add(self._item_postings, keyword, idx, KEYWORD_WEIGHT)
            _add(self._item_postings, product.category, idx, CATEGORY_WEIGHT)

        self._stock_by_item: dict[int, list[BranchStockCandidate]] = {}
        for row in branch_stock:
            if row.on_hand <= 0 or row.branch_id == here_branch_id:
                continue
            idx_or_none = by_sku.get(row.sku)
            if idx_or_none is None:
                # A product another branch stocks that is not in our catalogue: still findable.
                idx = len(self._items)
                by_sku[row.sku] = idx
                self._items.append(_Item(row.sku, None, "", ""))
                _add(self._item_postings, row.product_name, idx, NAME_WEIGHT)
            else:
                idx = idx_or_none
            self._stock_by_item.setdefault(idx, []).append(row)
        for rows in self._stock_by_item.values():
            rows.sort(key=lambda r: (-r.on_hand, -r.as_of.timestamp(), r.branch_name))

        self._vendors: list[VendorCandidate] = []
        self._vendor_hours: list[OpeningHours | None] = []
        self._vendor_postings: _VendorPostings = {}
        self._vendors_by_category: dict[str, list[tuple[int, str]]] = {}
        for vendor in vendors:
            if not vendor.active:
                continue
            idx = len(self._vendors)
            self._vendors.append(vendor)
            self._vendor_hours.append(_parse_hours_or_none(vendor.hours))
            _add_vendor(self._vendor_postings, vendor.name, idx, VENDOR_NAME_WEIGHT, "name")
            for category in vendor.categories:
                why = f"sells {category}"
                _add_vendor(self._vendor_postings, category, idx, NAME_WEIGHT, why)
                self._vendors_by_category.setdefault(normalise_text(category), []).append(
                    (idx, why)
                )
            for keyword in vendor.keywords:
                _add_vendor(self._vendor_postings, keyword, idx, NAME_WEIGHT, f"carries {keyword}")

        vocabulary = set(self._item_postings) | set(self._vendor_postings)
        self._vocab: list[str] = sorted(vocabulary)
        self._fuzzy_vocab: list[str] = [w for w in self._vocab if len(w) >= _FUZZY_MIN_LEN - 1]

    def __len__(self) -> int:
        """Number of findable items (products plus branch-only skus)."""
        return len(self._items)

    # -- query side --

    def _expand(self, word: str) -> dict[str, float]:
        """Vocabulary words this query word may mean, with a similarity in 0..1."""
        out: dict[str, float] = {}
        if word in self._item_postings or word in self._vendor_postings:
            out[word] = 1.0
        if len(word) >= _PREFIX_MIN_LEN:
            i = bisect.bisect_left(self._vocab, word)
            for candidate in self._vocab[i : i + _PREFIX_LIMIT]:
                if not candidate.startswith(word):
                    break
                if candidate != word:
                    out[candidate] = 0.8 + 0.15 * len(word) / len(candidate)
        if len(word) >= _FUZZY_MIN_LEN and not any(ch.isdigit() for ch in word):
            for candidate, score, _ in process.extract(
                word,
                self._fuzzy_vocab,
                scorer=fuzz.ratio,
                score_cutoff=_fuzzy_cutoff(len(word)),
                limit=_FUZZY_LIMIT,
            ):
                sim = score / 100.0
                if sim > out.get(candidate, 0.0):
                    out[candidate] = sim
        return out

    def _query_words(self, query: str) -> list[str]:
        words = tokens(query)
        meaningful = [w for w in words if w not in _STOPWORDS]
        return meaningful or words

    def find(self, query: str, now: datetime, limit: int = 10) -> FinderResult:
        """Rank what matches ``query`` into the three tiers, at most ``limit`` per tier.

        ``now`` is the store's local wall-clock time, used for the vendors' open-now flag.
        """
        words = self._query_words(query)
        if not words:
            return FinderResult(query=query)
        expansions = [self._expand(w) for w in words]

        item_scores = self._score_items(expansions)
        ranked = sorted(
            ((score, idx) for idx, score in item_scores.items() if score >= MIN_SCORE),
            key=lambda pair: (-pair[0], self._items[pair[1]].sku),
        )

        here: list[ProductMatch] = []
        out_of_stock: list[ProductMatch] = []
        branches: list[BranchMatch] = []
        for score, idx in ranked:
            item = self._items[idx]
            product = item.product
            rounded = round(score, 1)
            if product is not None:
                stock = product.on_hand_here
                if (stock is not None and stock > 0) or (stock is None and product.carried):
                    if len(here) < limit:
                        here.append(ProductMatch(product, rounded))
                elif product.carried and len(out_of_stock) < limit:
                    out_of_stock.append(ProductMatch(product, rounded))
            for row in self._stock_by_item.get(idx, ()):
                if len(branches) >= limit:
                    break
                branches.append(BranchMatch(row, rounded))

        vendors = self._rank_vendors(expansions, ranked, now, limit)
        return FinderResult(
            query=query,
            here=tuple(here),
            out_of_stock_here=tuple(out_of_stock),
            other_branches=tuple(branches),
            vendors=tuple(vendors),
        )

    def _score_items(self, expansions: Sequence[Mapping[str, float]]) -> dict[int, float]:
        totals: dict[int, float] = {}
        for expansion in expansions:
            best: dict[int, float] = {}
            for word, sim in expansion.items():
                for idx, weight in self._item_postings.get(word, {}).items():
                    value = sim * weight
                    if value > best.get(idx, 0.0):
                        best[idx] = value
            for idx, value in best.items():
                totals[idx] = totals.get(idx, 0.0) + value
        n = len(expansions)
        return {idx: 100.0 * total / n for idx, total in totals.items()}

    def _rank_vendors(
        self,
        expansions: Sequence[Mapping[str, float]],
        ranked_items: Sequence[tuple[float, int]],
        now: datetime,
        limit: int,
    ) -> list[VendorMatch]:
        scores: dict[int, float] = {}
        reasons: dict[int, dict[str, None]] = {}  # ordered set
        for expansion in expansions:
            best: dict[int, tuple[float, str]] = {}
            for word, sim in expansion.items():
                for idx, (weight, why) in self._vendor_postings.get(word, {}).items():
                    value = sim * weight
                    if value > best.get(idx, (0.0, ""))[0]:
                        best[idx] = (value, why)
            for idx, (value, why) in best.items():
                scores[idx] = scores.get(idx, 0.0) + value
                reasons.setdefault(idx, {})[why] = None
        n = len(expansions)
        direct = {idx: 100.0 * total / n for idx, total in scores.items()}

        # Vendors selling the category of what the query matched, even if the vendor's own
        # words do not mention the item ("bluetooth speaker" -> a shop listed under Audio).
        final = dict(direct)
        for score, item_idx in ranked_items[:_INDIRECT_TOP_ITEMS]:
            category = self._items[item_idx].category_norm
            for vendor_idx, why in self._vendors_by_category.get(category, ()):
                value = score * INDIRECT_CATEGORY_WEIGHT
                if value > final.get(vendor_idx, 0.0):
                    final[vendor_idx] = value
                if value >= MIN_SCORE:
                    reasons.setdefault(vendor_idx, {})[why] = None

        matches: list[tuple[float, VendorMatch]] = []
        for idx, score in final.items():
            if score < MIN_SCORE:
                continue
            vendor = self._vendors[idx]
            hours = self._vendor_hours[idx]
            open_now = hours.is_open(now) if hours is not None else None
            bonus = OPEN_BONUS if open_now else (-OPEN_BONUS if open_now is False else 0.0)
            why_list = tuple(reasons.get(idx, {}))
            matches.append(
                (score + bonus, VendorMatch(vendor, round(score, 1), open_now, why_list))
            )
        matches.sort(key=lambda pair: (-pair[0], pair[1].vendor.name.casefold()))
        return [match for _, match in matches[:limit]]


def _parse_hours_or_none(text: str | None) -> OpeningHours | None:
    """Unknown or free-text hours are a normal state of vendor data, not an error here."""
    if text is None or not text.strip():
        return None
    try:
        return parse_hours(text)
    except OpeningHoursError:
        return None


# --- benchmark (called by hand and by ``posassist bench``) ----------------------------------


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


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1 :]  # deletion
    if kind == 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # transposition
    return word[:i] + rng.choice("aeiourstn") + word[i + 1 :]  # substitution


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

    Kept here (not in a timed test, which would flake on a busy CI box) so ``posassist
    bench`` and a developer can check the 30 ms p95 budget on real hardware.  Queries mix
    exact product words, typos, vendor-only asks and nonsense.
    """
    rng = random.Random(seed)
    now = datetime(2025, 6, 4, 11, 0)
    products, stock, vendors = _bench_data(rng, n_products, n_vendors, n_branches, now)
    start = time.perf_counter()
    index = FinderIndex(products, stock, vendors, here_branch_id="B0")
    build_ms = (time.perf_counter() - start) * 1000.0

    queries: list[str] = []
    for _ in range(n_queries):
        kind = rng.randrange(4)
        product = rng.choice(products)
        words = product.name.split()[1:3]
        if kind == 0:
            queries.append(" ".join(words))
        elif kind == 1:
            queries.append(" ".join(_typo(w.lower(), rng) for w in words))
        elif kind == 2:
            queries.append(rng.choice(_VENDOR_ONLY.split("|")))
        else:
            queries.append("".join(rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(12)))
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


if __name__ == "__main__":  # pragma: no cover - manual check: python -m posassist.domain.finder
    result = bench_find()
    print(
        f"build {result.build_ms} ms, p50 {result.p50_ms} ms, p95 {result.p95_ms} ms, "
        f"max {result.max_ms} ms over {result.queries} queries"
    )
