"""Migrations are the only way the schema changes; they must match the models exactly."""

from __future__ import annotations

import uuid
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from posassist.storage.base import Base
from posassist.storage.database import SCHEMA_HEAD, make_sqlite_engine
from posassist.storage.migrate import alembic_config, upgrade_to_head


def head_revision() -> str:
    """The newest revision among the migration scripts that ship in the package."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _old_store(tmp_path: Path, revision: str) -> Engine:
    """A store file at an older ``revision``, to fill with rows written the old way."""
    from alembic import command

    engine = make_sqlite_engine(tmp_path / "posassist.sqlite3")
    command.upgrade(alembic_config(engine), revision)
    return engine


def _add_branch(conn: Connection, branch: str) -> None:
    conn.execute(
        text(
            "INSERT INTO branch (id, code, name, address, phone, timezone) "
            "VALUES (:b, 'B1', 'Main', '', '', 'UTC')"
        ),
        {"b": branch},
    )


def _add_customer(
    conn: Connection, cid: str, t: str, *, name: str = "Ann", key: str = "ann", notes: str = "",
    prefs: str = "",
) -> None:  # fmt: skip
    conn.execute(
        text(
            "INSERT INTO customer (id, display_name, name_key, consent_contact, notes, "
            "preferences, created_at, updated_at) "
            "VALUES (:id, :name, :key, 0, :notes, :prefs, :t, :t)"
        ),
        {"id": cid, "name": name, "key": key, "notes": notes, "prefs": prefs, "t": t},
    )


def _add_interaction(
    conn: Connection, iid: str, cid: str, branch: str, t: str, *, kind: str = "service",
    note: str = "",
) -> None:  # fmt: skip
    conn.execute(
        text(
            "INSERT INTO interaction (id, customer_id, branch_id, occurred_at, local_day, "
            "kind, note) VALUES (:i, :c, :b, :t, '2026-01-01', :kind, :note)"
        ),
        {"i": iid, "c": cid, "b": branch, "t": t, "kind": kind, "note": note},
    )


def test_empty_file_migrates_to_head_with_no_difference_from_models(tmp_path: Path) -> None:
    engine = make_sqlite_engine(tmp_path / "m.sqlite3")
    upgrade_to_head(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
        assert diff == []
        assert context.get_current_revision() == head_revision()
        tables = set(inspect(conn).get_table_names())
    assert {"customer", "interaction", "outbox", "referral", "vendor"} <= tables
    engine.dispose()


def test_start_up_shortcut_knows_the_real_head() -> None:
    # open_database skips importing Alembic when a store is at SCHEMA_HEAD.
    assert head_revision() == SCHEMA_HEAD


def test_a_store_with_data_upgrades_from_the_first_schema(tmp_path: Path) -> None:
    """Batch migrations rebuild tables that others point at; data and keys must survive."""
    from posassist.storage.database import open_database

    engine = _old_store(tmp_path, "0001")
    ids = {"b": "b1" * 16, "c": "c1" * 16, "i": "d1" * 16, "t": "2026-01-01 10:00:00.000000"}
    with engine.begin() as conn:
        _add_branch(conn, ids["b"])
        _add_customer(conn, ids["c"], ids["t"], notes="likes jazz")
        _add_interaction(conn, ids["i"], ids["c"], ids["b"], ids["t"])
    engine.dispose()
    db = open_database(tmp_path)
    try:
        with db.read() as s:
            conn = s.connection()
            assert (
                conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
                == SCHEMA_HEAD
            )
            assert conn.exec_driver_sql("SELECT notes FROM customer").scalar() == "likes jazz"
            assert conn.exec_driver_sql("SELECT count(*) FROM interaction").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    finally:
        db.close()


def test_a_populated_store_gains_the_correction_tables(tmp_path: Path) -> None:
    """0002 → 0003 on a store with visits: nothing lost, voids and aliases can point at them."""
    from posassist.storage.database import open_database

    engine = _old_store(tmp_path, "0002")
    ids = {
        "b": "b2" * 16,
        "c": "c2" * 16,
        "d": "c3" * 16,
        "i": "d2" * 16,
        "t": "2026-01-01 10:00:00.000000",
    }
    with engine.begin() as conn:
        _add_branch(conn, ids["b"])
        for key in ("c", "d"):
            _add_customer(conn, ids[key], ids["t"])
        _add_interaction(conn, ids["i"], ids["c"], ids["b"], ids["t"])
    engine.dispose()
    db = open_database(tmp_path)
    try:
        with db.write() as s:
            conn = s.connection()
            conn.exec_driver_sql(
                "INSERT INTO interaction_void (id, interaction_id, reason, voided_at) "
                "VALUES (?, ?, 'typo', ?)",
                ("e2" * 16, ids["i"], ids["t"]),
            )
            conn.exec_driver_sql(
                "INSERT INTO customer_alias (id, merged_id, survivor_id, merged_at) "
                "VALUES (?, ?, ?, ?)",
                ("f2" * 16, ids["d"], ids["c"], ids["t"]),
            )
        with db.read() as s:
            conn = s.connection()
            assert conn.exec_driver_sql("SELECT count(*) FROM interaction").scalar() == 1
            assert conn.exec_driver_sql("SELECT count(*) FROM customer").scalar() == 2
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    finally:
        db.close()


def test_a_populated_store_loses_its_control_characters(tmp_path: Path) -> None:
    """0003 → 0004: NUL and other control characters leave text columns and pending
    outbox payloads; tab and newline in a note stay; nothing else changes."""
    import json

    from posassist.storage.database import open_database

    engine = _old_store(tmp_path, "0003")
    t = "2026-01-01 10:00:00.000000"
    cid, vid, iid = "c4" * 16, "e4" * 16, "d4" * 16
    payload = json.dumps({"id": cid, "display_name": "Ann\u0000 Archer", "notes": "a\tb\nc"})
    with engine.begin() as conn:
        _add_branch(conn, "b4" * 16)
        _add_customer(
            conn,
            cid,
            t,
            name="Ann\x00 Archer",
            key="ann archer",
            notes="line 1\n\tline 2\x1b[0m",
            prefs="tea\x7f\x85",
        )
        _add_interaction(conn, iid, cid, "b4" * 16, t, kind="purchase", note="ok\x00")
        conn.execute(
            text(
                "INSERT INTO vendor (id, name, address, phone, website, hours, categories, "
                "keywords, notes, active) VALUES (:v, :name, "
                "'1 Main St', '', '', '', '', '', :notes, 1)"
            ),
            {"v": vid, "name": "Tail\x00or", "notes": "n\x01"},
        )
        conn.execute(
            text(
                "INSERT INTO outbox (op_id, entity, entity_id, op, payload, hlc, created_at, "
                "attempts, state) VALUES (:o, 'customer', :c, 'insert', :p, "
                "'000000000000001-000000-aa', :t, 0, 'pending')"
            ),
            {"o": "f4" * 16, "c": cid, "p": payload, "t": t},
        )
    engine.dispose()
    db = open_database(tmp_path)
    try:
        with db.read() as s:
            conn = s.connection()
            customer = conn.exec_driver_sql(
                "SELECT display_name, notes, preferences FROM customer"
            ).one()
            note = conn.exec_driver_sql("SELECT note FROM interaction").scalar()
            vendor = conn.exec_driver_sql("SELECT name, address, notes FROM vendor").one()
            stored = conn.exec_driver_sql("SELECT payload FROM outbox").scalar()
    finally:
        db.close()
    assert tuple(customer) == ("Ann Archer", "line 1\n\tline 2[0m", "tea")
    assert note == "ok"
    assert tuple(vendor) == ("Tailor", "1 Main St", "n")
    assert json.loads(stored) == {"id": cid, "display_name": "Ann Archer", "notes": "a\tb\nc"}


def test_existing_staff_picks_become_slots(tmp_path: Path) -> None:
    """0004 → 0006: demo-era picks (random ids) are re-keyed to their slot's id, get a
    staff name, and a "why" of one line; a rank outside 1–3 or a taken slot is dropped."""
    from posassist.domain.picks import pick_id
    from posassist.storage.database import open_database

    engine = _old_store(tmp_path, "0004")
    with engine.begin() as conn:
        _add_branch(conn, "b6" * 16)
        conn.execute(
            text(
                "INSERT INTO staff (id, branch_id, name, role, active) "
                "VALUES (:s, :b, 'Ana K.', 'cashier', 1)"
            ),
            {"s": "a6" * 16, "b": "b6" * 16},
        )
        for pid, category, rank, why, staff in (
            ("01" * 16, "Audio", 1, "Great\nsound " + "x" * 200, "a6" * 16),
            ("02" * 16, "audio ", 1, "the same slot, written later", None),
            ("03" * 16, "Games", 2, "fun", None),
            ("04" * 16, "Games", 7, "no such rank", None),
        ):
            conn.execute(
                text(
                    "INSERT INTO staff_pick (id, category, sku, rank, why, staff_id) "
                    "VALUES (:id, :c, 'SKU1', :r, :w, :s)"
                ),
                {"id": pid, "c": category, "r": rank, "w": why, "s": staff},
            )
    engine.dispose()
    db = open_database(tmp_path)
    try:
        with db.read() as s:
            rows = s.execute(
                text(
                    "SELECT id, category, rank, why, staff_name, branch_id, removed FROM staff_pick"
                )
            ).all()
    finally:
        db.close()
    by_id = {r.id: r for r in rows}
    assert set(by_id) == {pick_id(None, "Audio", 1).hex, pick_id(None, "Games", 2).hex}
    audio = by_id[pick_id(None, "Audio", 1).hex]
    assert audio.why == ("Great sound " + "x" * 200)[:140]
    assert (audio.staff_name, audio.branch_id, audio.removed) == ("Ana K.", None, 0)
    assert by_id[pick_id(None, "Games", 2).hex].staff_name == "Staff"


def test_a_populated_store_gains_holds_and_keeps_an_old_hold_request(tmp_path: Path) -> None:
    """0004 → 0007: branches get opening hours; a row of the never-used first-schema
    ``hold_request`` survives in the new shape (with a code and an expiry)."""
    from posassist.domain.referral_codes import is_valid
    from posassist.storage.database import open_database

    engine = _old_store(tmp_path, "0004")
    ids = {"b": "b4" * 16, "o": "b5" * 16, "c": "c4" * 16, "h": "a4" * 16}
    t = "2026-01-01 10:00:00.000000"
    with engine.begin() as conn:
        _add_branch(conn, ids["b"])
        conn.execute(
            text(
                "INSERT INTO branch (id, code, name, address, phone, timezone) "
                "VALUES (:b, 'B2', 'Other', '', '', 'UTC')"
            ),
            {"b": ids["o"]},
        )
        _add_customer(conn, ids["c"], t)
        conn.execute(
            text(
                "INSERT INTO hold_request (id, from_branch_id, to_branch_id, sku, customer_id, "
                "status, created_at) VALUES (:h, :b, :o, 'P1', :c, 'held', :t)"
            ),
            {"h": ids["h"], "b": ids["b"], "o": ids["o"], "c": ids["c"], "t": t},
        )
    engine.dispose()
    db = open_database(tmp_path)
    try:
        with db.read() as s:
            conn = s.connection()
            row = conn.exec_driver_sql(
                "SELECT code, requesting_branch_id, holding_branch_id, state, expires_at "
                "FROM hold_request"
            ).one()
            assert is_valid(row[0])
            assert (row[1], row[2], row[3]) == (ids["b"], ids["o"], "accepted")
            assert str(row[4]).startswith("2026-01-04 10:00:00")
            assert conn.exec_driver_sql("SELECT hours FROM branch").scalars().all() == ["", ""]
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    finally:
        db.close()


def test_a_populated_store_rekeys_its_products_and_stock_to_content_ids(tmp_path: Path) -> None:
    """0004 → 0005: random product and stock ids become the synced content ids; every
    other value, the purchase lines naming the SKU, and vendors (with a row clock) stay."""
    import uuid

    from posassist.domain.catalog import CATALOG_NAMESPACE, product_id, stock_id
    from posassist.storage.database import open_database

    engine = _old_store(tmp_path, "0004")
    branch, t = "b5" * 16, "2026-01-01 10:00:00.000000"
    with engine.begin() as conn:
        _add_branch(conn, branch)
        for n, sku in enumerate(("K1", "M1")):
            conn.execute(
                text(
                    "INSERT INTO product (id, sku, name, category, keywords, carried, "
                    "price_minor, location) VALUES (:id, :sku, :name, 'Kitchen', '', 1, 499, "
                    "'Aisle 3')"
                ),
                {"id": uuid.uuid4().hex, "sku": sku, "name": f"Thing {n}"},
            )
            conn.execute(
                text(
                    "INSERT INTO branch_stock (id, branch_id, sku, on_hand, as_of) "
                    "VALUES (:id, :b, :sku, :n, :t)"
                ),
                {"id": uuid.uuid4().hex, "b": branch, "sku": sku, "n": 3 + n, "t": t},
            )
        conn.execute(
            text(
                "INSERT INTO vendor (id, name, address, phone, website, hours, categories, "
                "keywords, notes, active) VALUES (:v, 'Kites', '', '', '', '', '', '', '', 1)"
            ),
            {"v": "e5" * 16},
        )
        _add_customer(conn, "c5" * 16, t)
        _add_interaction(conn, "d5" * 16, "c5" * 16, branch, t, kind="purchase")
        conn.execute(
            text(
                "INSERT INTO purchase_line (id, interaction_id, position, sku, description, "
                "quantity) VALUES (:l, :i, 0, 'K1', 'kettle', 1)"
            ),
            {"l": "a5" * 16, "i": "d5" * 16},
        )
    engine.dispose()
    db = open_database(tmp_path)
    try:
        with db.read() as s:
            conn = s.connection()
            products = conn.exec_driver_sql(
                "SELECT id, sku, name, price_minor, location, row_hlc FROM product ORDER BY sku"
            ).all()
            stock = conn.exec_driver_sql(
                "SELECT id, branch_id, sku, on_hand FROM branch_stock ORDER BY sku"
            ).all()
            vendor = conn.exec_driver_sql("SELECT name, row_hlc FROM vendor").one()
            line = conn.exec_driver_sql("SELECT sku FROM purchase_line").scalar()
            queued = conn.exec_driver_sql(
                "SELECT entity, entity_id, op, state, hlc FROM outbox ORDER BY seq"
            ).all()
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    finally:
        db.close()
    assert uuid.UUID("3c6f2b1e-8d4a-5f7e-b1c2-9e0d4a6f8b13") == CATALOG_NAMESPACE  # frozen there
    assert [tuple(p) for p in products] == [
        (product_id("K1").hex, "K1", "Thing 0", 499, "Aisle 3", None),
        (product_id("M1").hex, "M1", "Thing 1", 499, "Aisle 3", None),
    ]
    bid = uuid.UUID(branch)
    assert [tuple(r) for r in stock] == [
        (stock_id(bid, "K1").hex, branch, "K1", 3),
        (stock_id(bid, "M1").hex, branch, "M1", 4),
    ]
    assert tuple(vendor) == ("Kites", None)
    assert line == "K1"
    # Queued for central (a chain already syncing gets them), with the oldest clock.
    assert [tuple(q[:4]) for q in queued] == [
        ("product", str(product_id("K1")), "insert", "pending"),
        ("product", str(product_id("M1")), "insert", "pending"),
        ("branch_stock", str(stock_id(bid, "K1")), "insert", "pending"),
        ("branch_stock", str(stock_id(bid, "M1")), "insert", "pending"),
    ]
    assert all(q[4].startswith("000000000000000-") for q in queued)


def test_a_populated_store_gains_co_purchases_and_ask_indexes(tmp_path: Path) -> None:
    """0004 → 0008 on a store with a purchase: nothing lost, the co-purchase table is
    there (empty until the first background build) and asks are indexed by customer."""
    from posassist.storage.database import open_database

    engine = _old_store(tmp_path, "0004")
    ids = {"b": "b8" * 16, "c": "c8" * 16, "i": "d8" * 16, "t": "2026-01-01 10:00:00.000000"}
    with engine.begin() as conn:
        _add_branch(conn, ids["b"])
        _add_customer(conn, ids["c"], ids["t"])
        _add_interaction(conn, ids["i"], ids["c"], ids["b"], ids["t"], kind="purchase")
        conn.execute(
            text(
                "INSERT INTO unmet_demand (id, item_asked, item_key, customer_id, created_at) "
                "VALUES (:u, 'Vinyl', 'vinyl', :c, :t)"
            ),
            {"u": "e8" * 16, "c": ids["c"], "t": ids["t"]},
        )
    engine.dispose()
    db = open_database(tmp_path)
    try:
        with db.read() as s:
            conn = s.connection()
            assert conn.exec_driver_sql("SELECT count(*) FROM interaction").scalar() == 1
            assert conn.exec_driver_sql("SELECT count(*) FROM unmet_demand").scalar() == 1
            assert conn.exec_driver_sql("SELECT count(*) FROM co_purchase").scalar() == 0
            plan = conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT item_asked FROM unmet_demand WHERE customer_id = ?",
                (ids["c"],),
            ).fetchall()
            assert "ix_unmet_demand_customer_id" in str(plan)
    finally:
        db.close()


def test_old_audit_rows_are_chained_queued_and_locked(tmp_path: Path) -> None:
    """0008 → 0010 on a store with audit rows written the old way: chained in the order
    they were written, queued for central, and from then on refused UPDATE and DELETE."""
    import sqlite3

    import pytest

    from posassist.domain.audit_chain import GENESIS, Entry, verify
    from posassist.storage.database import open_database

    engine = _old_store(tmp_path, "0008")
    register = "a1" * 16
    with engine.begin() as conn:
        _add_branch(conn, "b1" * 16)
        conn.execute(
            text("INSERT INTO register (id, branch_id, name) VALUES (:r, :b, 'Till 9')"),
            {"r": register, "b": "b1" * 16},
        )
        for i, (t, action) in enumerate(
            [("2026-01-02 10:00:00.000000", "erase"), ("2026-01-01 09:00:00.000000", "merge")]
        ):
            conn.execute(
                text(
                    "INSERT INTO audit_log (at, action, entity, entity_id, detail) "
                    "VALUES (:t, :a, 'customer', :e, 'old')"
                ),
                {"t": t, "a": action, "e": f"c{i}"},
            )
    engine.dispose()
    db = open_database(tmp_path)
    try:
        with db.read() as s:
            conn = s.connection()
            rows = conn.exec_driver_sql(
                "SELECT register_id, seq, action, prev_hash, entry_hash FROM audit_log ORDER BY id"
            ).all()
            queued = conn.exec_driver_sql(
                "SELECT count(*) FROM outbox WHERE entity = 'audit_entry' AND state = 'pending'"
            ).scalar()
            from posassist.storage.audit import chain_of

            chain: list[Entry] = chain_of(s, uuid.UUID(register))
    finally:
        db.close()
    assert [(r[1], r[2]) for r in rows] == [(1, "erase"), (2, "merge")]  # id order, not time
    assert rows[0][3] == GENESIS
    assert rows[1][3] == rows[0][4]
    assert queued == 2
    assert len(chain) == 2
    assert verify(chain) is None
    raw = sqlite3.connect(tmp_path / "posassist.sqlite3")
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            raw.execute("DELETE FROM audit_log")
    finally:
        raw.close()


def test_existing_staff_are_queued_once_at_the_oldest_clock(tmp_path: Path) -> None:
    """0008 → 0009: this branch's accounts (and those of no branch) are queued as shared
    rows, one insert each with the whole row, at the oldest clock, and keep that clock;
    another branch's account (pulled before) is not this register's news."""
    import json

    from posassist.storage.database import open_database

    mine, theirs, register = "b9" * 16, "c9" * 16, "d9" * 16
    engine = _old_store(tmp_path, "0008")
    with engine.begin() as conn:
        _add_branch(conn, mine)
        conn.execute(
            text(
                "INSERT INTO branch (id, code, name, address, phone, timezone) "
                "VALUES (:b, 'B2', 'Other', '', '', 'UTC')"
            ),
            {"b": theirs},
        )
        conn.execute(
            text("INSERT INTO register (id, branch_id, name) VALUES (:r, :b, 'Till 1')"),
            {"r": register, "b": mine},
        )
        conn.execute(
            text("INSERT INTO sync_state (key, value) VALUES ('register_id', :r)"),
            {"r": "d9d9d9d9-d9d9-d9d9-d9d9-d9d9d9d9d9d9"},
        )
        for sid, branch, name, pin_hash in (
            ("01" * 16, mine, "Ana K.", "scrypt$16384$8$1$c2FsdA==$a2V5"),
            ("02" * 16, None, "Bo Chain", None),
            ("03" * 16, theirs, "Cy Other", None),
        ):
            conn.execute(
                text(
                    "INSERT INTO staff (id, branch_id, name, role, pin_hash, active) "
                    "VALUES (:s, :b, :n, 'cashier', :h, 1)"
                ),
                {"s": sid, "b": branch, "n": name, "h": pin_hash},
            )
    engine.dispose()
    db = open_database(tmp_path)
    try:
        with db.read() as s:
            queued = s.execute(
                text(
                    "SELECT entity, entity_id, op, payload, hlc, state FROM outbox "
                    "WHERE entity = 'staff'"
                )
            ).all()
            clocks = dict(s.execute(text("SELECT name, row_hlc FROM staff")).all())
    finally:
        db.close()
    by_name = {json.loads(r.payload)["name"]: r for r in queued}
    assert set(by_name) == {"Ana K.", "Bo Chain"}
    ana = by_name["Ana K."]
    assert (ana.entity, ana.op, ana.state) == ("staff", "insert", "pending")
    assert json.loads(ana.payload) == {
        "id": "01010101-0101-0101-0101-010101010101",
        "branch_id": "b9b9b9b9-b9b9-b9b9-b9b9-b9b9b9b9b9b9",
        "name": "Ana K.",
        "role": "cashier",
        "pin_hash": "scrypt$16384$8$1$c2FsdA==$a2V5",
        "active": True,
    }
    assert all(r.hlc.startswith("000000000000000-") and r.hlc.endswith("-d9d9d9d9d9d9")
               for r in queued)  # fmt: skip
    assert clocks["Ana K."] == ana.hlc
    assert clocks["Cy Other"] is None
