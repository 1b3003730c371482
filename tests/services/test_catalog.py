"""The catalogue and stock use cases on a real store: imports, a manager's count, the list."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from posassist.app import Backend
from posassist.domain.catalog import age_text, keeps_out, product_id, stock_age, stock_id
from posassist.errors import InvalidInputError
from posassist.services.context import branch_id_for
from posassist.storage.orm import Branch, BranchStock, Outbox, Product
from tests.conftest import NOW, MovableClock

PRODUCTS = "sku,name,category,keywords,carried,aisle\n" + (
    "K1,Blue kettle,Kitchen,kettle; tea,yes,Aisle 3\nM1,Red mug,Kitchen,mug,no,\n"
)


def add_branch(backend: Backend, code: str, name: str, phone: str = "") -> None:
    with backend.db.write() as s:
        s.add(Branch(id=branch_id_for(code), code=code, name=name, phone=phone))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def outbox(backend: Backend, entity: str) -> list[Outbox]:
    with backend.db.read() as s:
        return list(s.scalars(select(Outbox).where(Outbox.entity == entity)))


def test_products_import_with_content_ids_and_one_outbox_row_each(
    backend: Backend, tmp_path: Path
) -> None:
    result = backend.catalog.import_products(write(tmp_path, "p.csv", PRODUCTS))
    assert (result.added, result.updated, result.unchanged) == (2, 0, 0)
    with backend.db.read() as s:
        kettle = s.scalar(select(Product).where(Product.sku == "K1"))
        assert kettle is not None
        assert kettle.id == product_id("K1")
        assert (kettle.location, kettle.keywords, kettle.carried) == (
            "Aisle 3",
            "kettle; tea",
            True,
        )
        mug = s.scalar(select(Product).where(Product.sku == "M1"))
        assert mug is not None
        assert mug.carried is False
    rows = outbox(backend, "product")
    assert [(r.op, r.payload["sku"]) for r in rows] == [("insert", "K1"), ("insert", "M1")]
    assert rows[0].payload["location"] == "Aisle 3"
    # Again: nothing changed, nothing queued.
    again = backend.catalog.import_products(write(tmp_path, "p.csv", PRODUCTS))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    assert len(outbox(backend, "product")) == 2


def test_a_file_without_the_optional_columns_keeps_what_the_store_has(
    backend: Backend, tmp_path: Path
) -> None:
    backend.catalog.import_products(write(tmp_path, "p.csv", PRODUCTS))
    renamed = "SKU,Name,Category\nK1,Blue kettle 1.7 l,Kitchen\n"  # header case ignored
    result = backend.catalog.import_products(write(tmp_path, "names.csv", renamed))
    assert (result.added, result.updated) == (0, 1)
    with backend.db.read() as s:
        kettle = s.get(Product, product_id("K1"))
        assert kettle is not None
        assert (kettle.name, kettle.location, kettle.keywords) == (
            "Blue kettle 1.7 l",
            "Aisle 3",
            "kettle; tea",
        )
    assert outbox(backend, "product")[-1].payload["location"] == "Aisle 3"  # whole row sent


def test_stock_import_for_several_branches_and_an_older_count_never_wins(
    backend: Backend, tmp_path: Path, clock: MovableClock
) -> None:
    backend.catalog.import_products(write(tmp_path, "p.csv", PRODUCTS))
    add_branch(backend, "RIV", "Riverside", "555-0101")
    # 08:30 without an offset is the branch's local time (New York: 13:30 UTC, 2 h ago).
    stock = "branch_code,sku,on_hand,as_of\nRIV,K1,4,2026-11-20 08:30\nMAIN,K1,2,\n"
    result = backend.catalog.import_stock(write(tmp_path, "s.csv", stock))
    assert (result.written, result.branches, result.older_kept) == (2, ("RIV", "MAIN"), 0)
    riv = branch_id_for("RIV")
    with backend.db.read() as s:
        row = s.get(BranchStock, stock_id(riv, "K1"))
        assert row is not None
        assert row.on_hand == 4
        assert row.as_of == NOW - timedelta(hours=2)
        here = s.get(BranchStock, stock_id(backend.ctx.branch_id, "K1"))
        assert here is not None
        assert here.as_of == NOW
    older = "branch_code,sku,on_hand,as_of\nriv,K1,9,2026-11-20 07:00\n"  # code case ignored
    kept = backend.catalog.import_stock(write(tmp_path, "old.csv", older))
    assert (kept.written, kept.older_kept) == (0, 1)
    assert "not written: older than the count already here" in str(kept)
    with backend.db.read() as s:
        row = s.get(BranchStock, stock_id(riv, "K1"))
        assert row is not None
        assert row.on_hand == 4
    assert len(outbox(backend, "branch_stock")) == 2
    payload = outbox(backend, "branch_stock")[0].payload
    assert payload == {
        "id": str(stock_id(riv, "K1")),
        "branch_id": str(riv),
        "sku": "K1",
        "on_hand": 4,
        "as_of": (NOW - timedelta(hours=2)).isoformat(),
    }


def test_the_finder_sees_an_import_and_shows_the_other_branch_with_its_age(
    backend: Backend, tmp_path: Path
) -> None:
    backend.catalog.import_products(write(tmp_path, "p.csv", PRODUCTS))
    add_branch(backend, "RIV", "Riverside", "555-0101")
    assert backend.finder.find("kettle").other_branches == ()  # the index is built now
    backend.catalog.import_stock(
        write(tmp_path, "s.csv", "branch_code,sku,on_hand,as_of\nRIV,K1,4,2026-11-20 08:30\n")
    )
    (match,) = backend.finder.find("kettle").other_branches
    assert (match.stock.branch_name, match.stock.phone, match.stock.on_hand) == (
        "Riverside",
        "555-0101",
        4,
    )
    assert backend.catalog.age(match.stock.as_of) == "as of 2 h ago"


def test_a_managers_count_here_is_checked_next_to_its_field(
    backend: Backend, tmp_path: Path, clock: MovableClock
) -> None:
    backend.catalog.import_products(write(tmp_path, "p.csv", PRODUCTS))
    for sku, count, field in (("", "3", "sku"), ("NOPE", "3", "sku"), ("K1", "x", "on_hand"),
                              ("K1", "-2", "on_hand"), ("K1", "1.5", "on_hand")):  # fmt: skip
        with pytest.raises(InvalidInputError) as exc:
            backend.catalog.set_stock(sku, count)
        assert exc.value.field == field
    assert outbox(backend, "branch_stock") == []
    assert backend.catalog.set_stock(" K1 ", " 7 ") == "Blue kettle: 7 on hand here, as of now."
    clock.at = NOW + timedelta(hours=3)
    (here,) = backend.catalog.stock("MAIN")
    assert here.here
    assert [(i.sku, i.on_hand) for i in here.items] == [("K1", 7)]
    assert backend.catalog.age(here.items[0].as_of) == "as of 3 h ago"


def test_the_list_names_every_branch_and_refuses_an_unknown_code(backend: Backend) -> None:
    add_branch(backend, "RIV", "Riverside")
    codes = [b.code for b in backend.catalog.stock()]
    assert codes == ["MAIN", "RIV"]  # this branch first
    with pytest.raises(InvalidInputError, match="No branch with code 'XX'"):
        backend.catalog.stock("XX")
    with backend.db.read() as s:
        assert s.scalar(select(func.count()).select_from(BranchStock)) == 0


@pytest.mark.parametrize(
    ("ago", "text"),
    [
        (timedelta(seconds=20), "just now"),
        (timedelta(minutes=25), "25 min ago"),
        (timedelta(hours=2, minutes=50), "2 h ago"),
        (timedelta(days=3, hours=1), "3 days ago"),
        (timedelta(seconds=-90), "just now"),  # a clock ahead: never a negative age
    ],
)
def test_ages_read_honestly(ago: timedelta, text: str) -> None:
    assert age_text(NOW - ago, NOW) == text
    assert stock_age(NOW - ago, NOW) == f"as of {text}"
    assert stock_age(NOW - timedelta(days=400), NOW) == "as of 16 Oct 2025"


def test_a_managers_count_replaces_a_count_dated_in_the_future(
    backend: Backend, tmp_path: Path, clock: MovableClock
) -> None:
    """The trial's blocker: a held count dated ahead (a clock error) kept the typed one
    out while the message said it was recorded."""
    backend.catalog.import_products(write(tmp_path, "p.csv", PRODUCTS))
    clock.at = NOW + timedelta(hours=20)  # the store was built with a clock ahead
    backend.catalog.set_stock("K1", 9)
    clock.at = NOW
    text = backend.catalog.set_stock("K1", 4)
    assert text.startswith("Blue kettle: 4 on hand here, as of now.")
    assert "replaces a count dated 21 Nov 06:30, ahead of this register's clock" in text
    with backend.db.read() as s:
        row = s.get(BranchStock, stock_id(backend.ctx.branch_id, "K1"))
        assert row is not None
        assert (row.on_hand, row.as_of) == (4, NOW)
    assert outbox(backend, "branch_stock")[-1].payload["on_hand"] == 4
    # An ordinary later count says nothing more.
    clock.at = NOW + timedelta(minutes=5)
    assert backend.catalog.set_stock("K1", 3) == "Blue kettle: 3 on hand here, as of now."


def test_a_stock_file_replaces_future_counts_and_says_what_it_kept_out(
    backend: Backend, tmp_path: Path, clock: MovableClock
) -> None:
    backend.catalog.import_products(write(tmp_path, "p.csv", PRODUCTS))
    clock.at = NOW + timedelta(days=1)
    backend.catalog.set_stock("K1", 9)  # dated tomorrow
    clock.at = NOW
    backend.catalog.set_stock("M1", 5)  # a real count, 15:30 UTC (10:30 New York)
    stock = (
        "branch_code,sku,on_hand,as_of\nMAIN,K1,2,2026-11-20 09:00\nMAIN,M1,1,2026-11-20 09:00\n"
    )
    result = backend.catalog.import_stock(write(tmp_path, "s.csv", stock))
    assert (result.written, result.older_kept, result.future_replaced) == (1, 1, 1)
    assert str(result) == (
        "s.csv: 1 stock count for MAIN; 1 row not written: older than the count already"
        " here, which was kept; 1 count dated in the future (a clock error) replaced."
    )
    (here,) = backend.catalog.stock("MAIN")
    assert [(i.sku, i.on_hand) for i in here.items] == [("K1", 2), ("M1", 5)]


def test_a_held_count_keeps_out_only_older_counts_and_never_from_the_future() -> None:
    hour = timedelta(hours=1)
    assert keeps_out(NOW - hour, NOW - 2 * hour, NOW)  # a real later count stays
    assert not keeps_out(NOW - 2 * hour, NOW - hour, NOW)  # a newer one replaces it
    assert not keeps_out(NOW + hour, NOW, NOW)  # held from the future: a clock error
