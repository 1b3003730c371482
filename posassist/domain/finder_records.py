"""What the finder is handed (candidates from the store) and what it answers (tiers).

Plain frozen records, so the service layer can build them from ORM rows and the UI can
show them without either side knowing how the ranking works (:mod:`posassist.domain.finder`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "BranchMatch",
    "BranchStockCandidate",
    "FinderResult",
    "ProductCandidate",
    "ProductMatch",
    "VendorCandidate",
    "VendorMatch",
]

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
    complete: bool = True
    """Every word of the ask matched; False for a partial match ("bluetooth" of "bluetooth
    headphones" in a speaker), listed below the complete ones but never "we have it"."""


@dataclass(frozen=True, slots=True)
class BranchMatch:
    """Stock at another branch for a matching product."""

    stock: BranchStockCandidate
    score: float
    complete: bool = True


@dataclass(frozen=True, slots=True)
class VendorMatch:
    """A partner vendor, with the reasons it matched in plain words for the cashier."""

    vendor: VendorCandidate
    score: float
    open_now: bool | None
    """None when the vendor's hours are unknown or not in the supported format."""
    matched_on: tuple[str, ...]
    complete: bool = True


@dataclass(frozen=True, slots=True)
class FinderResult:
    """Tiers best first.  ``out_of_stock_here`` is what we carry but have none of now."""

    query: str
    here: tuple[ProductMatch, ...] = ()
    out_of_stock_here: tuple[ProductMatch, ...] = ()
    other_branches: tuple[BranchMatch, ...] = ()
    vendors: tuple[VendorMatch, ...] = ()
    wording: str | None = None
    """The ask with typos corrected from the index's vocabulary, when a word was corrected
    ("deluxe hedphones" -> "deluxe headphones"); None when the query stands as typed."""

    @property
    def ask(self) -> str:
        """What the slip prints and the unmet demand counts: the corrected wording."""
        return self.wording if self.wording is not None else " ".join(self.query.split())

    @property
    def can_supply_here(self) -> bool:
        """False means the store could not serve this ask on the spot: log unmet demand.

        Only a product matching every word counts: a bluetooth *speaker* on the shelf does
        not serve an ask for bluetooth headphones.  (An empty query is also False; callers
        should not log blank searches.)
        """
        return any(m.complete for m in self.here)

    @property
    def found_anything(self) -> bool:
        """Whether any tier has an answer; a search that found nothing anywhere is the ask
        the finder logs as unmet demand when it closes."""
        return bool(self.here or self.out_of_stock_here or self.other_branches or self.vendors)
