"""Where can the customer get it?  The finder over this store's catalogue, stock and partners.

The ranking lives in :mod:`posassist.domain.finder`; this service feeds it from the store
and keeps its index warm.  Building the index costs ~100 ms on a chain-sized store, a
query a few milliseconds, so the index is built once (ahead of time from a worker, see
:meth:`FinderService.warm_up`) and rebuilt only when :func:`catalog_signature` says the
catalogue, the stock or the vendor directory changed.
"""

from __future__ import annotations

import threading
import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from posassist.domain.finder import (
    BranchStockCandidate,
    FinderIndex,
    FinderResult,
    ProductCandidate,
    VendorCandidate,
    normalise_text,
)
from posassist.domain.identifiers import IdentifierError, check_text
from posassist.errors import InvalidInputError
from posassist.services.context import StoreContext
from posassist.storage import catalog
from posassist.storage.orm import Customer, UnmetDemand
from posassist.storage.outbox import append_change

MAX_ITEM_LENGTH = 300


def clean_item(text: str) -> str:
    """What the customer asked for, as typed, tidied; refuses a blank ask."""
    item = " ".join(text.split())
    if not item:
        raise InvalidInputError("item", "Type what the customer asked for first.")
    try:
        check_text(item, "item", "item asked for")
    except IdentifierError as exc:
        raise InvalidInputError(exc.field, str(exc)) from exc
    return item[:MAX_ITEM_LENGTH]


def item_key(text: str) -> str:
    """How asks are grouped in the unmet-demand report: "Vinyl  Records!" == "vinyl records"."""
    return normalise_text(text)[:MAX_ITEM_LENGTH] or text.strip().casefold()[:MAX_ITEM_LENGTH]


def add_unmet_demand(
    s: Session,
    ctx: StoreContext,
    item: str,
    customer_id: uuid.UUID | None,
    *,
    asked_as: str | None = None,
) -> UnmetDemand:
    """Add one unmet-demand row and its outbox row to the caller's transaction.

    ``item`` is the ask as meant (typos corrected): it is the row's ``item_key``, which the
    report groups by.  ``asked_as`` is what the cashier typed, kept as ``item_asked`` so the
    report can show the spellings seen ("also: deluxe hedphones"); it defaults to ``item``.
    """
    row = UnmetDemand(
        id=uuid.uuid4(),
        item_asked=clean_item(asked_as) if asked_as and asked_as.strip() else item,
        item_key=item_key(item),
        branch_id=ctx.branch_id,
        customer_id=customer_id,
        created_at=ctx.now(),
    )
    s.add(row)
    append_change(
        s,
        entity="unmet_demand",
        entity_id=row.id,
        op="insert",
        payload={
            "id": row.id,
            "item_asked": row.item_asked,
            "item_key": row.item_key,
            "branch_id": row.branch_id,
            "customer_id": row.customer_id,
            "created_at": row.created_at,
        },
        hlc=ctx.stamp(),
    )
    return row


class FinderService:
    def __init__(self, ctx: StoreContext) -> None:
        self._ctx = ctx
        self._lock = threading.Lock()
        self._index: FinderIndex | None = None
        self._signature: tuple[object, ...] | None = None
        self._stale = True

    # ----------------------------------------------------------------- index
    def invalidate(self) -> None:
        """Rebuild on the next query (a service of this process changed the directory)."""
        self._stale = True

    def warm_up(self) -> None:
        """(Re)build the index; run from the worker, at start-up and after changes.

        The build reads the store and indexes it without holding the lock, and swaps the
        new index in at the end, so a search on the GUI thread never waits for a rebuild:
        it answers from the previous index meanwhile.
        """
        index, signature = self._build()
        with self._lock:
            self._index = index
            self._signature = signature
            self._stale = False

    def needs_rebuild(self) -> bool:
        """Whether the directory changed since the index was built (a cheap query)."""
        if self._stale or self._index is None:
            return True
        with self._ctx.db.read() as s:
            return catalog.catalog_signature(s) != self._signature

    def _current_index(self) -> FinderIndex:
        with self._lock:
            index = self._index
        if index is None:  # first use before the start-up warm-up finished
            self.warm_up()
            with self._lock:
                index = self._index
        assert index is not None
        return index

    def _build(self) -> tuple[FinderIndex, tuple[object, ...]]:
        with self._ctx.db.read() as s:
            signature = catalog.catalog_signature(s)
            products = catalog.products(s)
            stock = catalog.branch_stock(s)
            vendors = catalog.vendors(s, include_inactive=False)
            vendor_candidates = [
                VendorCandidate(
                    vendor_id=str(v.id),
                    name=v.name,
                    address=v.address or None,
                    phone=v.phone or None,
                    website=v.website or None,
                    hours=v.hours or None,
                    categories=catalog.split_list(v.categories),
                    keywords=catalog.split_list(v.keywords),
                    active=v.active,
                )
                for v in vendors
            ]
        here = self._ctx.branch_id
        here_stock = {row.sku: row.on_hand for row in stock if row.branch_id == here}
        product_candidates = [
            ProductCandidate(
                sku=p.sku,
                name=p.name,
                category=p.category,
                keywords=catalog.split_list(p.keywords),
                carried=p.carried,
                on_hand_here=here_stock.get(p.sku),
                location=p.location or None,
            )
            for p in products
        ]
        names = {p.sku: p.name for p in products}
        stock_candidates = [
            BranchStockCandidate(
                branch_id=str(row.branch_id),
                branch_name=row.branch_name,
                phone=row.branch_phone or None,
                sku=row.sku,
                product_name=names.get(row.sku, row.sku),
                on_hand=row.on_hand,
                as_of=row.as_of,
            )
            for row in stock
            if row.branch_id != here
        ]
        index = FinderIndex(
            product_candidates, stock_candidates, vendor_candidates, here_branch_id=str(here)
        )
        return index, signature

    # ----------------------------------------------------------------- query
    def local_now(self) -> datetime:
        """The store's wall-clock time, which vendors' opening hours are read in."""
        return self._ctx.now().astimezone(self._ctx.tz)

    def find(self, text: str, *, limit: int = 10, allow_stale: bool = False) -> FinderResult:
        """Answers in tiers, best first: here, our other branches, partner vendors.

        ``allow_stale`` is for the GUI thread: answer from the index as it is and let the
        caller schedule :meth:`warm_up` on the worker when :meth:`needs_rebuild` says so.
        Everyone else gets answers from an up-to-date index.
        """
        if not allow_stale and self.needs_rebuild():
            self.warm_up()
        index = self._current_index()
        return index.find(text, self.local_now(), limit=limit)

    # ------------------------------------------------------------------ write
    def wording(self, text: str) -> str:
        """``text`` with typos corrected from the index's vocabulary (what a slip prints)."""
        return self._current_index().wording(clean_item(text))

    def log_unmet_demand(
        self, item: str, customer_id: uuid.UUID | None = None, *, wording: str | None = None
    ) -> uuid.UUID:
        """Record that a customer asked for something we could not supply here.

        ``item`` is what the cashier typed; ``wording`` the corrected ask they were shown
        (computed here from the index when not given), which the report groups by.
        """
        clean = clean_item(item)
        meant = clean_item(wording) if wording is not None else self.wording(clean)
        with self._ctx.db.write() as s:
            if customer_id is not None:
                customer = s.get(Customer, customer_id)
                if customer is None or customer.erased_at is not None:
                    raise InvalidInputError("customer", "That customer no longer exists.")
            row = add_unmet_demand(s, self._ctx, meant, customer_id, asked_as=clean)
        return row.id
