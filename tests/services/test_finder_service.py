"""The finder over a real store: tiers, the cached index, unmet demand."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from posassist.app import Backend
from posassist.errors import InvalidInputError
from posassist.services.customers import NewCustomer
from posassist.services.vendors import VendorInput
from posassist.storage.orm import BranchStock, Outbox, UnmetDemand
from tests.small_store import SmallStore, fill


@pytest.fixture
def store(backend: Backend) -> SmallStore:
    return fill(backend)


def test_in_stock_here_comes_first_with_its_aisle(backend: Backend, store: SmallStore) -> None:
    result = backend.finder.find("notebok")  # typo
    assert [m.product.sku for m in result.here] == ["P1"]
    assert result.here[0].product.location == "Aisle 2"
    assert result.here[0].product.on_hand_here == 12
    assert result.can_supply_here


def test_out_of_stock_here_points_to_the_other_branch_and_partner(
    backend: Backend, store: SmallStore
) -> None:
    result = backend.finder.find("wireless headphones")
    assert result.here == ()
    assert [m.product.sku for m in result.out_of_stock_here] == ["P2"]
    (branch,) = result.other_branches
    assert branch.stock.branch_name == "Corner & Co. Riverside"
    assert branch.stock.on_hand == 4
    assert branch.stock.phone == "+1 212 555 0102"
    assert result.vendors[0].vendor.name == "Sound Hut Audio"
    assert result.vendors[0].open_now is True  # Friday 10:30 local


def test_vendor_only_ask_with_open_now(backend: Backend, store: SmallStore) -> None:
    result = backend.finder.find("turntables")
    names = [(m.vendor.name, m.open_now) for m in result.vendors]
    # Both carry turntables; the open one ranks first.
    assert names == [("Sound Hut Audio", True), ("Night Owl Records", False)]
    assert not result.can_supply_here


def test_index_follows_directory_and_stock_changes(backend: Backend, store: SmallStore) -> None:
    assert backend.finder.find("kites").vendors == ()
    kite = backend.vendors.create(VendorInput(name="Sky High", keywords=("kites",)))
    assert [m.vendor.vendor_id for m in backend.finder.find("kites").vendors] == [str(kite)]
    backend.vendors.set_active(kite, False)
    assert backend.finder.find("kites").vendors == ()
    # A stock change written by someone else (an import, the sync) is noticed too.
    with backend.db.write() as s:
        row = s.scalar(select(BranchStock).where(BranchStock.sku == "P2", BranchStock.on_hand == 0))
        assert row is not None
        row.on_hand = 3
        row.as_of = row.as_of.replace(hour=23)
    assert [m.product.sku for m in backend.finder.find("wireless headphones").here] == ["P2"]


def test_unmet_demand_is_logged_with_outbox_and_optional_customer(
    backend: Backend, store: SmallStore
) -> None:
    cid = backend.customers.create(NewCustomer("Ann Asker"))
    backend.finder.log_unmet_demand("  Vinyl   RECORDS! ")
    backend.finder.log_unmet_demand("vinyl records", customer_id=cid)
    with backend.db.read() as s:
        rows = s.execute(
            select(UnmetDemand.item_asked, UnmetDemand.item_key, UnmetDemand.customer_id)
        ).all()
        entities = s.scalars(select(Outbox.entity).where(Outbox.entity == "unmet_demand")).all()
    assert rows == [
        ("Vinyl RECORDS!", "vinyl records", None),
        ("vinyl records", "vinyl records", cid),
    ]
    assert len(entities) == 2
    with pytest.raises(InvalidInputError, match="Type what the customer asked for"):
        backend.finder.log_unmet_demand("   ")
