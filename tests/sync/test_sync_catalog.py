"""One catalogue and every branch's stock, through a real central PostgreSQL.

Products imported at one register reach every other; two registers importing the same
SKU end with one row; stock imported at branch B shows at branch A with its age and
B's phone; a count older than the one held never wins, centrally or on a register.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from posassist.domain.catalog import product_id, stock_id
from posassist.domain.hlc import Timestamp
from posassist.services.context import branch_id_for
from posassist.storage.orm import Branch, BranchStock, Product
from posassist.sync.protocol import Change, Op, RejectedError, check_op
from posassist.sync.pull import PullResult, apply_changes
from tests.sync.helpers import (
    Central,
    MakeReg,
    Reg,
    assert_converged,
    assert_exactly_once,
    converge,
)

PRODUCTS = "sku,name,category,keywords,aisle\nK1,Blue kettle,Kitchen,kettle,Aisle 3\n"


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _counted(hours_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours_ago)).isoformat(timespec="seconds")


def _stock_file(tmp_path: Path, name: str, on_hand: int, hours_ago: float) -> Path:
    body = f"branch_code,sku,on_hand,as_of\nB02,K1,{on_hand},{_counted(hours_ago)}\n"
    return _file(tmp_path, name, body)


def _b02_count(reg: Reg) -> tuple[int, str]:
    (branch,) = reg.backend.catalog.stock("B02")
    (item,) = branch.items
    return item.on_hand, reg.backend.catalog.age(item.as_of)


def test_catalog_and_stock_reach_every_branch_and_an_older_count_never_wins(
    tmp_path: Path, registers: MakeReg, central: Central
) -> None:
    a = registers("Register A", branch="B01")
    b = registers("Register B", branch="B02")
    b2 = registers("Register B2", branch="B02")
    with b.db.write() as s:
        branch = s.get(Branch, b.backend.ctx.branch_id)
        assert branch is not None
        branch.phone = "555-0102"
    # The same SKU imported at two registers, the later name winning: one row everywhere.
    a.backend.catalog.import_products(_file(tmp_path, "a.csv", PRODUCTS))
    b.backend.catalog.import_products(
        _file(tmp_path, "b.csv", PRODUCTS.replace("Blue kettle", "Blue kettle 1.7 l"))
    )
    converge([a, b, b2])
    assert central.query("SELECT id, name FROM product") == [
        (product_id("K1"), "Blue kettle 1.7 l")
    ]
    for reg in (a, b, b2):
        with reg.db.read() as s:
            names = [(p.id, p.name, p.location) for p in s.scalars(select(Product))]
        assert names == [(product_id("K1"), "Blue kettle 1.7 l", "Aisle 3")], reg.name
    assert a.backend.finder.find("kettle").other_branches == ()  # a's index is built now

    # Stock counted at B two hours ago shows at A with its age and B's phone.
    b.backend.catalog.import_stock(_stock_file(tmp_path, "b-stock.csv", 4, 2.1))
    b.sync.sync_once()
    a.sync.sync_once()
    assert _b02_count(a) == (4, "as of 2 h ago")
    (match,) = a.backend.finder.find("kettle").other_branches
    assert (match.stock.on_hand, match.stock.phone) == (4, "555-0102")
    assert a.backend.catalog.age(match.stock.as_of) == "as of 2 h ago"

    # B2 was offline: its count from five hours ago reaches central later, and loses.
    b2.backend.catalog.import_stock(_stock_file(tmp_path, "b2-stock.csv", 9, 5.2))
    assert _b02_count(b2) == (9, "as of 5 h ago")  # all it knew
    b2.sync.sync_once()
    assert _b02_count(b2) == (4, "as of 2 h ago")  # the server's newer count, adopted
    logged = central.query(
        "SELECT count(*) FROM change_log"
        " WHERE entity = 'branch_stock' AND payload->>'on_hand' = '9'"
    )
    assert logged == [(0,)]
    converge([a, b, b2])
    assert {_b02_count(r) for r in (a, b, b2)} == {(4, "as of 2 h ago")}

    # A newer count wins wherever it was typed.
    b2.backend.catalog.set_stock("K1", 6)
    converge([a, b, b2])
    assert {_b02_count(r)[0] for r in (a, b, b2)} == {6}
    assert central.query("SELECT on_hand FROM branch_stock") == [(6,)]
    assert_converged(central, [a, b, b2])
    assert_exactly_once(central, [a, b, b2])


def _stock_change(seq: int, on_hand: int, as_of: datetime, branch: uuid.UUID) -> Change:
    rid = stock_id(branch, "K1")
    payload = {
        "id": str(rid),
        "branch_id": str(branch),
        "sku": "K1",
        "on_hand": on_hand,
        "as_of": as_of.isoformat(),
    }
    stamp = Timestamp(int(datetime.now(UTC).timestamp() * 1000), seq, "feedfeedfeed").encode()
    return Change(
        seq, uuid.uuid4(), "branch_stock", str(rid), "insert", payload, stamp, uuid.uuid4()
    )


def test_a_pulled_count_older_than_the_one_held_is_not_applied(backend: object) -> None:
    from posassist.app import Backend

    assert isinstance(backend, Backend)
    branch = branch_id_for("B09")
    with backend.db.write() as s:
        s.add(Branch(id=branch, code="B09", name="Harbour"))
    now = datetime.now(UTC)
    register = backend.ctx.register_id
    apply_changes(backend.db, [_stock_change(1, 5, now, branch)], register, PullResult())
    apply_changes(
        backend.db, [_stock_change(2, 8, now - timedelta(days=1), branch)], register, PullResult()
    )
    with backend.db.read() as s:
        row = s.get(BranchStock, stock_id(branch, "K1"))
        assert row is not None
        assert row.on_hand == 5
    apply_changes(
        backend.db,
        [_stock_change(3, 2, now + timedelta(minutes=1), branch)],
        register,
        PullResult(),
    )
    with backend.db.read() as s:
        row = s.get(BranchStock, stock_id(branch, "K1"))
        assert row is not None
        assert row.on_hand == 2


def _op(entity: str, entity_id: uuid.UUID | str, payload: dict[str, object]) -> Op:
    stamp = Timestamp(1_700_000_000_000, 0, "feedfeedfeed").encode()
    return Op(1, uuid.uuid4(), entity, str(entity_id), "insert", payload, stamp)


_B1_K1 = {"branch_id": str(branch_id_for("B1")), "sku": "K1"}


@pytest.mark.parametrize(
    ("entity", "entity_id", "payload", "reason"),
    [
        ("vendor", uuid.uuid4(), {"phone": "1"}, "a vendor needs its name"),
        ("product", uuid.uuid4(), {"sku": "K1", "name": "Kettle"}, "not the one its sku give"),
        ("product", product_id("K1"), {"sku": "K1"}, "a product needs its name"),
        (
            "branch_stock",
            stock_id(branch_id_for("B1"), "K1"),
            {**_B1_K1, "on_hand": -1, "as_of": "2026-12-01T10:00:00+00:00"},
            "on_hand must be a whole number, not negative",
        ),
        (
            "branch_stock",
            stock_id(branch_id_for("B1"), "K1"),
            {**_B1_K1, "on_hand": 1, "as_of": "2026-12-01"},
            "as_of has no time zone",
        ),
        (
            "branch_stock",
            stock_id(branch_id_for("B1"), "K1"),
            {**_B1_K1, "on_hand": 1},
            "a branch_stock needs its as_of",
        ),
    ],
)  # fmt: skip
def test_both_ends_refuse_a_shared_row_its_entry_does_not_allow(
    entity: str, entity_id: uuid.UUID, payload: dict[str, object], reason: str
) -> None:
    with pytest.raises(RejectedError, match=reason):
        check_op(_op(entity, entity_id, {"id": str(entity_id), **payload}))


def test_a_shared_row_keeps_the_later_edit_when_the_earlier_one_is_pulled_after(
    registers: MakeReg, central: Central
) -> None:
    """A pushes first, B (later edit) second: B's pull of A's older change must not undo
    the version B adopted from the server (the row clock, ``row_hlc``, says it is older)."""
    from posassist.services.vendors import VendorInput

    a, b = registers("Register A"), registers("Register B")
    kites = a.backend.vendors.create(VendorInput("Kite Corner"))
    converge([a, b])
    a.backend.vendors.update(kites, VendorInput("Kite Corner", phone="555-0001"))
    b.backend.vendors.update(kites, VendorInput("Kite Corner", phone="555-0002"))
    converge([a, b])
    assert {r.backend.vendors.get(kites).phone for r in (a, b)} == {"555-0002"}
    assert_converged(central, [a, b])
    assert_exactly_once(central, [a, b])


def test_the_later_count_wins_even_when_it_was_recorded_first_and_synced_last(
    tmp_path: Path, registers: MakeReg, central: Central
) -> None:
    """B records the count of 2 h ago, offline; B2 then imports an older file (5 h ago):
    its op has the later clock but the older count. Whichever syncs first, the later
    count is what central and every register end with (the count's time decides, the
    clock only between counts of one time)."""
    a = registers("Register A", branch="B01")
    b = registers("Register B", branch="B02")
    b2 = registers("Register B2", branch="B02")
    a.backend.catalog.import_products(_file(tmp_path, "a.csv", PRODUCTS))
    converge([a, b, b2])
    b.backend.catalog.import_stock(_stock_file(tmp_path, "b-stock.csv", 4, 2.1))
    b2.backend.catalog.import_stock(_stock_file(tmp_path, "b2-stock.csv", 9, 5.2))  # later op
    b2.sync.sync_once()  # the older count reaches central first
    a.sync.sync_once()
    assert _b02_count(a) == (9, "as of 5 h ago")
    b.sync.sync_once()
    assert central.query("SELECT on_hand FROM branch_stock") == [(4,)]
    assert _b02_count(b) == (4, "as of 2 h ago")
    converge([a, b, b2])
    assert {_b02_count(r) for r in (a, b, b2)} == {(4, "as of 2 h ago")}
    # Two counts of one time: the later clock wins, at both ends.
    same = _counted(1.0)
    for reg, n in ((b, 7), (b2, 8)):
        body = f"branch_code,sku,on_hand,as_of\nB02,K1,{n},{same}\n"
        reg.backend.catalog.import_stock(_file(tmp_path, f"{reg.name}.csv", body))
    converge([b2, b, a])
    assert {_b02_count(r)[0] for r in (a, b, b2)} == {8}
    assert_converged(central, [a, b, b2])
    assert_exactly_once(central, [a, b, b2])


def test_a_count_dated_in_the_future_gives_way_to_a_real_count_everywhere(
    tmp_path: Path, registers: MakeReg, central: Central
) -> None:
    """A register whose clock ran 20 h ahead sent a count "from tomorrow"; a manager's
    count typed now must replace it at every register and centrally, not be kept out."""
    a = registers("Register A", branch="B01")
    ahead = registers(
        "Register B", branch="B02", clock=lambda: datetime.now(UTC) + timedelta(hours=20)
    )
    b2 = registers("Register B2", branch="B02")
    a.backend.catalog.import_products(_file(tmp_path, "a.csv", PRODUCTS))
    converge([a, ahead, b2])
    ahead.backend.catalog.set_stock("K1", 9)
    converge([a, ahead, b2])
    assert {_b02_count(r)[0] for r in (a, ahead, b2)} == {9}
    said = b2.backend.catalog.set_stock("K1", 4)
    assert "ahead of this register's clock" in said
    converge([a, ahead, b2])
    assert {_b02_count(r)[0] for r in (a, ahead, b2)} == {4}
    assert central.query("SELECT on_hand FROM branch_stock") == [(4,)]
    assert_converged(central, [a, ahead, b2])
    assert_exactly_once(central, [a, ahead, b2])
