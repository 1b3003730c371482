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
strings), which keeps a query in single-digit milliseconds at chain scale (``posassist
bench`` times it).

Matching works on tokens so that word order and extra words do not matter, and each query
token is matched exactly, as a prefix (type-ahead: "blue" finds "bluetooth"), or fuzzily
(``rapidfuzz.fuzz.ratio``, so "bluetoth speker" finds "Bluetooth speaker").  Words match
*any-of*: a customer's words are a description, not a filter, so "manga comics" still
finds the comic shop whose directory entry never says "manga".  An answer's *coverage* is
how many of the query's words it matched well (:data:`WORD_MIN`); answers that cover more
words rank first, then by score: the average, over the query's tokens, of the best match
each token found, weighted by where it was found (name > keyword > category), on 0-100.
Only a product that matches every word makes :attr:`FinderResult.can_supply_here`.

:meth:`FinderIndex.wording` corrects the cashier's typos from the same vocabulary, so what
is printed and counted is what was meant (:mod:`posassist.domain.finder_wording`).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from posassist.domain.finder_records import (
    BranchMatch,
    BranchStockCandidate,
    FinderResult,
    ProductCandidate,
    ProductMatch,
    VendorCandidate,
    VendorMatch,
)
from posassist.domain.finder_text import normalise_text, query_words, tokens
from posassist.domain.finder_wording import corrected_wording
from posassist.domain.opening_hours import OpeningHours, OpeningHoursError
from posassist.domain.opening_hours import parse as parse_hours

# The records and the text normalisation live in their own modules; they are re-exported
# here because callers think of them as "the finder's" types.
__all__ = [
    "BranchMatch",
    "BranchStockCandidate",
    "FinderIndex",
    "FinderResult",
    "ProductCandidate",
    "ProductMatch",
    "VendorCandidate",
    "VendorMatch",
    "normalise_text",
    "tokens",
]

# --- tuning knobs (module constants so tests and a future settings page can see them) ---

WORD_MIN = 0.6
"""A query word counts as found in an answer when its weighted match is at least this good:
"lamp" fuzzily as "camp" in a category is not; "comics" in a shop's categories is."""

MIN_SCORE = 60.0
"""A vendor reached through the category of matched products needs this score (0-100):
one of two words matched by category alone is noise there."""

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
        self._stock_by_item: dict[int, list[BranchStockCandidate]] = {}
        self._vendors: list[VendorCandidate] = []
        self._vendor_hours: list[OpeningHours | None] = []
        self._vendor_postings: _VendorPostings = {}
        self._vendors_by_category: dict[str, list[tuple[int, str]]] = {}
        by_sku = self._index_products(products)
        self._index_branch_stock(branch_stock, by_sku, here_branch_id)
        self._index_vendors(vendors)
        vocabulary = set(self._item_postings) | set(self._vendor_postings)
        self._vocab: list[str] = sorted(vocabulary)
        self._fuzzy_vocab: list[str] = [w for w in self._vocab if len(w) >= _FUZZY_MIN_LEN - 1]

    def _index_products(self, products: Iterable[ProductCandidate]) -> dict[str, int]:
        """Post each product's name, keywords and category; return item index by sku."""
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
        return by_sku

    def _index_branch_stock(
        self,
        branch_stock: Iterable[BranchStockCandidate],
        by_sku: dict[str, int],
        here_branch_id: str | None,
    ) -> None:
        """Attach other branches' stock to items, best-stocked and freshest first."""
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

    def _index_vendors(self, vendors: Iterable[VendorCandidate]) -> None:
        """Post active vendors' names, categories and keywords, each with its reason."""
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
            from rapidfuzz import fuzz, process  # loaded by the finder's warm-up, on the worker

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

    def find(self, query: str, now: datetime, limit: int = 10) -> FinderResult:
        """Rank what matches ``query`` into the three tiers, at most ``limit`` per tier.

        ``now`` is the store's local wall-clock time, used for the vendors' open-now flag.
        """
        words = query_words(query)
        if not words:
            return FinderResult(query=query)
        expansions = [self._expand(w) for w in words]

        item_hits = self._score_items(expansions)
        n = len(words)
        # Products: only those covering the most words.  The tiers are read top-down, so a
        # partial match on our shelf would otherwise sit above the exact product at another
        # branch.  Vendors keep every coverage, ranked by it (their words describe a shop).
        most = max((cov for cov, _ in item_hits.values()), default=0)
        ranked = sorted(
            ((cov, score, idx) for idx, (cov, score) in item_hits.items() if cov == most),
            key=lambda hit: (-hit[0], -hit[1], self._items[hit[2]].sku),
        )

        here: list[ProductMatch] = []
        out_of_stock: list[ProductMatch] = []
        branches: list[BranchMatch] = []
        for cov, score, idx in ranked:
            item = self._items[idx]
            product = item.product
            rounded, complete = round(score, 1), cov == n
            # A product we know of but do not carry is never "here", whatever its stock row.
            if product is not None and product.carried:
                stock = product.on_hand_here
                if stock is None or stock > 0:
                    if len(here) < limit:
                        here.append(ProductMatch(product, rounded, complete))
                elif len(out_of_stock) < limit:
                    out_of_stock.append(ProductMatch(product, rounded, complete))
            for row in self._stock_by_item.get(idx, ()):
                if len(branches) >= limit:
                    break
                branches.append(BranchMatch(row, rounded, complete))

        vendors = self._rank_vendors(expansions, ranked, now, limit)
        wording = self.wording(query)
        return FinderResult(
            query=query,
            here=tuple(here),
            out_of_stock_here=tuple(out_of_stock),
            other_branches=tuple(branches),
            vendors=tuple(vendors),
            wording=wording if wording != " ".join(query.split()) else None,
        )

    def wording(self, query: str) -> str:
        """``query`` with each typo replaced by the vocabulary word it matched."""
        return corrected_wording(query, self._correction)

    def _correction(self, word: str) -> str | None:
        """The vocabulary word a typed token stands for, when it is a typo of one.

        Known words, short words, numbers and words with no close match stay as typed (a
        prefix is type-ahead, not a typo: "blue" is not corrected to "bluetooth").
        """
        if (
            word in self._item_postings
            or word in self._vendor_postings
            or len(word) < _FUZZY_MIN_LEN
            or any(ch.isdigit() for ch in word)
        ):
            return None
        from rapidfuzz import fuzz, process

        best = process.extractOne(
            word, self._fuzzy_vocab, scorer=fuzz.ratio, score_cutoff=_fuzzy_cutoff(len(word))
        )
        return None if best is None else str(best[0])

    def _score_items(self, expansions: Sequence[Mapping[str, float]]) -> dict[int, _Hit]:
        """Per item: (coverage, score) over the query's words; items covering none left out."""
        per_word: list[dict[int, tuple[float, str]]] = []
        for expansion in expansions:
            best: dict[int, tuple[float, str]] = {}
            for word, sim in expansion.items():
                for idx, weight in self._item_postings.get(word, {}).items():
                    value = sim * weight
                    if value > best.get(idx, _NO_MATCH)[0]:
                        best[idx] = (value, "")
            per_word.append(best)
        return {idx: (hit[0], hit[1]) for idx, hit in _coverage(per_word).items()}

    def _rank_vendors(
        self,
        expansions: Sequence[Mapping[str, float]],
        ranked_items: Sequence[tuple[int, float, int]],
        now: datetime,
        limit: int,
    ) -> list[VendorMatch]:
        per_word: list[dict[int, tuple[float, str]]] = []
        for expansion in expansions:
            best: dict[int, tuple[float, str]] = {}
            for word, sim in expansion.items():
                for idx, (weight, why) in self._vendor_postings.get(word, {}).items():
                    value = sim * weight
                    if value > best.get(idx, _NO_MATCH)[0]:
                        best[idx] = (value, why)
            per_word.append(best)
        final = _coverage(per_word)

        # Vendors selling the category of what the query matched, even if the vendor's own
        # words do not mention the item ("bluetooth speaker" -> a shop listed under Audio).
        for cov, score, item_idx in ranked_items[:_INDIRECT_TOP_ITEMS]:
            value = score * INDIRECT_CATEGORY_WEIGHT
            if value < MIN_SCORE:
                continue
            category = self._items[item_idx].category_norm
            for vendor_idx, why in self._vendors_by_category.get(category, ()):
                old = final.get(vendor_idx)
                if old is None or (cov, value) > (old[0], old[1]):
                    final[vendor_idx] = (cov, value, old[2] if old else {})
                final[vendor_idx][2][why] = None

        n = len(expansions)
        matches: list[tuple[int, float, VendorMatch]] = []
        for idx, (cov, score, reasons) in final.items():
            vendor = self._vendors[idx]
            hours = self._vendor_hours[idx]
            open_now = hours.is_open(now) if hours is not None else None
            bonus = OPEN_BONUS if open_now else (-OPEN_BONUS if open_now is False else 0.0)
            match = VendorMatch(vendor, round(score, 1), open_now, tuple(reasons), cov == n)
            matches.append((cov, score + bonus, match))
        matches.sort(key=lambda m: (-m[0], -m[1], m[2].vendor.name.casefold()))
        return [match for _, _, match in matches[:limit]]


_Hit = tuple[int, float]
"""(coverage: how many query words matched well, score 0-100 over all the words)."""
_NO_MATCH = (0.0, "")


def _coverage(
    per_word: Sequence[Mapping[int, tuple[float, str]]],
) -> dict[int, tuple[int, float, dict[str, None]]]:
    """Per answer: the words it matched well, its score over all words, and the reasons.

    ``per_word`` holds, for each query word, each answer's best (value 0..1, reason).  An
    answer with no word at :data:`WORD_MIN` is left out; weaker words still add to the score.
    """
    n = len(per_word) or 1
    totals: dict[int, list[float]] = {}
    covered: dict[int, int] = {}
    reasons: dict[int, dict[str, None]] = {}  # ordered sets
    for best in per_word:
        for idx, (value, why) in best.items():
            totals.setdefault(idx, [0.0])[0] += value
            if value >= WORD_MIN:
                covered[idx] = covered.get(idx, 0) + 1
                if why:
                    reasons.setdefault(idx, {})[why] = None
    return {
        idx: (cov, 100.0 * totals[idx][0] / n, reasons.get(idx, {})) for idx, cov in covered.items()
    }


def _parse_hours_or_none(text: str | None) -> OpeningHours | None:
    """Unknown or free-text hours are a normal state of vendor data, not an error here."""
    if text is None or not text.strip():
        return None
    try:
        return parse_hours(text)
    except OpeningHoursError:
        return None
