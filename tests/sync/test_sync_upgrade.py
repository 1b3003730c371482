"""A chain already syncing (central at c0002, registers at 0004) takes issue 11.

Central holds customers, visits and a vendor; each register's store holds products and
stock of its own from before the catalogue synced (random ids). After ``central init``
and the registers' own upgrade, everything they had reaches central once, on the
content ids, and every register ends with the same catalogue and stock.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from alembic import command
from psycopg.types.json import Jsonb
from sqlalchemy import text

from posassist.devtools.pgserver import PgTestServer
from posassist.domain.catalog import product_id, stock_id
from posassist.services.context import branch_id_for
from posassist.services.vendors import VendorInput
from posassist.storage.database import STORE_FILENAME, make_sqlite_engine
from posassist.storage.migrate import alembic_config
from posassist.sync.central import apply_push
from posassist.sync.migrate import SCRIPT_LOCATION, central_engine, init_central
from posassist.sync.outbox import pending_batch
from posassist.sync.protocol import Op, ref_op_id
from posassist.sync.push import collect_refs, settle
from tests.sync.helpers import (
    Central,
    Reg,
    assert_converged,
    assert_exactly_once,
    converge,
    open_register,
    queue_visits,
)


def _old_central(pg: PgTestServer) -> Central:
    name = f"up_{uuid.uuid4().hex[:12]}"
    pg.create_database(name)
    central = Central(pg, name)
    engine = central_engine(central.target())
    try:
        command.upgrade(alembic_config(engine, location=SCRIPT_LOCATION), "c0002")
    finally:
        engine.dispose()
    with central.connect() as conn:
        conn.execute("INSERT INTO central_info (key, value) VALUES ('central_id', %s)", (name,))
    return central


def _old_store(folder: Path, code: str, products: dict[str, str], counts: dict[str, int]) -> None:
    """A register's store at 0004 with products and stock as it wrote them (random ids)."""
    folder.mkdir(parents=True)
    engine = make_sqlite_engine(folder / STORE_FILENAME)
    command.upgrade(alembic_config(engine), "0004")
    branch = branch_id_for(code).hex
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO branch (id, code, name, address, phone, timezone) "
                "VALUES (:b, :code, :code, '', '', 'UTC')"
            ),
            {"b": branch, "code": code},
        )
        for sku, name in products.items():
            conn.execute(
                text(
                    "INSERT INTO product (id, sku, name, category, keywords, carried, "
                    "price_minor, location) VALUES (:id, :sku, :name, 'Kitchen', '', 1, 0, '')"
                ),
                {"id": uuid.uuid4().hex, "sku": sku, "name": name},
            )
        for sku, n in counts.items():
            conn.execute(
                text(
                    "INSERT INTO branch_stock (id, branch_id, sku, on_hand, as_of) "
                    "VALUES (:id, :b, :sku, :n, '2026-11-30 10:00:00.000000')"
                ),
                {"id": uuid.uuid4().hex, "b": branch, "sku": sku, "n": n},
            )
    engine.dispose()


def _push_as_before(reg: Reg) -> None:
    """What a register of before issue 11 sent: its announcement had no branch hours.

    Its staff were upserted as reference rows; this code's central needs c0006 for
    staff, so the old server's upsert is done here by hand, as it wrote them.
    """
    stamp = reg.backend.ctx.hlc.now().encode()
    with reg.db.read() as s:
        refs = collect_refs(s, reg.backend.ctx.register_id, stamp)
    old_refs = []
    for ref in refs:
        payload = {k: v for k, v in ref.payload.items() if k != "hours"}
        op_id = ref_op_id(ref.entity, payload)
        old_refs.append(Op(0, op_id, ref.entity, ref.entity_id, ref.op, payload, ref.hlc))
    ops = pending_batch(reg.db, 500)
    with reg.sync.link.use() as conn:
        apply_push(
            conn, reg.backend.ctx.register_id, [r for r in old_refs if r.entity != "staff"], []
        )
        for ref in (r for r in old_refs if r.entity == "staff"):
            conn.execute(
                "INSERT INTO staff (id, branch_id, name, role, active) "
                "VALUES (%(id)s, %(branch_id)s, %(name)s, %(role)s, %(active)s)",
                ref.payload,
            )
            conn.execute(  # logged as the old server logged it: newer registers read it
                "INSERT INTO change_log (op_id, entity, entity_id, op, payload, hlc, origin) "
                "VALUES (%s, 'staff', %s, 'upsert', %s, %s, %s)",
                (
                    ref.op_id,
                    ref.entity_id,
                    Jsonb(ref.payload),
                    ref.hlc,
                    reg.backend.ctx.register_id,
                ),
            )
        reply = apply_push(conn, reg.backend.ctx.register_id, [], ops)
    settle(reg.db, ops, reply)


def test_a_syncing_chain_upgrades_and_its_catalogue_reaches_central_once(
    tmp_path: Path, pg: PgTestServer
) -> None:
    central = _old_central(pg)
    regs: list[Reg] = []
    try:
        # A register of the old chain pushed customers, visits and a vendor to c0002.
        old = open_register(tmp_path / "old", central, name="Old", branch="B03")
        regs.append(old)
        queue_visits(old, customers=3, visits_each=2)
        old.backend.vendors.create(VendorInput(name="Kite Corner"))
        _push_as_before(old)
        assert central.query("SELECT count(*) FROM customer") == [(3,)]

        _old_store(tmp_path / "A", "B01", {"K1": "Kettle", "M1": "Mug"}, {"K1": 3, "M1": 5})
        _old_store(tmp_path / "B", "B02", {"K1": "Kettle"}, {"K1": 8})
        a = open_register(tmp_path / "A", central, name="A", branch="B01")  # 0004 → head
        regs.append(a)
        b = open_register(tmp_path / "B", central, name="B", branch="B02")
        regs.append(b)
        result = init_central(central.target())
        assert result.before == "c0002"
        converge(regs)

        assert central.query("SELECT count(*) FROM customer") == [(3,)]
        assert central.query("SELECT count(*) FROM interaction") == [(6,)]
        assert central.query("SELECT name FROM vendor") == [("Kite Corner",)]
        assert sorted(central.query("SELECT id, sku FROM product")) == sorted(
            [(product_id("K1"), "K1"), (product_id("M1"), "M1")]
        )
        assert sorted(central.query("SELECT id, on_hand FROM branch_stock")) == sorted(
            [
                (stock_id(branch_id_for("B01"), "K1"), 3),
                (stock_id(branch_id_for("B01"), "M1"), 5),
                (stock_id(branch_id_for("B02"), "K1"), 8),
            ]
        )
        # The old register gets the catalogue too, and B sees A's count.
        (at_a,) = old.backend.catalog.stock("B01")
        assert [(i.sku, i.on_hand) for i in at_a.items] == [("K1", 3), ("M1", 5)]
        assert [i.on_hand for i in b.backend.catalog.stock("B01")[0].items] == [3, 5]
        assert_exactly_once(central, regs)
        assert_converged(central, regs)
    finally:
        for reg in regs:
            reg.close()
