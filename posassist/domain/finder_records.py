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
