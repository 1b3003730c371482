"""A small chain to find things in: this branch, one other branch, products, partners.

Shared by the finder, referral, UI and CLI tests.  Products and stock are written straight
to the store, as an import or the central sync would.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from posassist.app import Backend
from posassist.services.vendors import VendorInput
from posassist.storage.orm import Branch, BranchStock, Product
from tests.conftest import NOW


@dataclass
class SmallStore:
    riverside: uuid.UUID
    sound_hut: uuid.UUID
    book_nook: uuid.UUID
    closed_shop: uuid.UUID


def fill(backend: Backend) -> SmallStore:
    here = backend.ctx.branch_id
    riverside = uuid.uuid4()
    with backend.db.write() as s:
        s.add(
            Branch(
                id=riverside,
                code="B02",
                name="Corner & Co. Riverside",
                address="7 River Rd, Springfield",
                phone="+1 212 555 0102",
                timezone="America/New_York",
            )
        )
        s.add_all(
            [
                Product(sku="P1", name="Classic notebook", category="Stationery",
                        keywords="notebook; paper", carried=True, location="Aisle 2"),
                Product(sku="P2", name="Wireless headphones", category="Audio",
                        keywords="headphones", carried=True, location="Aisle 5"),
                Product(sku="P3", name="Vinyl record sleeve", category="Music",
                        keywords="vinyl", carried=False),
            ]
        )  # fmt: skip
        s.flush()
        as_of = NOW - timedelta(hours=3)
        s.add_all(
            [
                BranchStock(branch_id=here, sku="P1", on_hand=12, as_of=as_of),
                BranchStock(branch_id=here, sku="P2", on_hand=0, as_of=as_of),
                BranchStock(branch_id=riverside, sku="P2", on_hand=4, as_of=as_of),
            ]
        )
    # NOW is Friday 20 Nov 2026, 10:30 in New York.
    sound_hut = backend.vendors.create(
        VendorInput(
            name="Sound Hut Audio",
            address="22 Elm Street, Springfield",
            phone="+1 718 555 0199",
            website="https://soundhut.example",
            hours="Mo-Sa 09:00-18:00",
            categories=("Audio",),
            keywords=("speakers", "headphones", "turntables"),
        )
    )
    book_nook = backend.vendors.create(
        VendorInput(name="Book Nook", hours="24/7", categories=("Books",), keywords=("comics",))
    )
    closed_shop = backend.vendors.create(
        VendorInput(
            name="Night Owl Records",
            hours="Mo-Su 20:00-23:00",
            categories=("Music",),
            keywords=("vinyl records", "turntables"),
        )
    )
    return SmallStore(riverside, sound_hut, book_nook, closed_shop)
