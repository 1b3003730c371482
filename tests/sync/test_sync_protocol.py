"""The protocol against a real PostgreSQL: push, pull, merge rules, dead letters."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from psycopg import sql
from sqlalchemy import func, select

from posassist.domain.lww import ERASED_NAME
from posassist.errors import SyncError
from posassist.services.interactions import LineItem
from posassist.storage.orm import AuditLog, Customer, Outbox, SyncProblem
from posassist.storage.outbox import append_change
from posassist.sync.migrate import init_central
from tests.sync.helpers import (
    Central,
    MakeReg,
    Reg,
    add_customer,
    assert_converged,
    assert_exactly_once,
    central_state,
    converge,
    local_state,
)


def test_every_register_gets_every_customers_full_history(
    registers: MakeReg, central: Central
) -> None:
    a, b = registers("Register A"), registers("Register B", branch="B02")
    ann = add_customer(a, "Ann Archer", phone="(212) 555-0101", consent_contact=True)
    a.backend.interactions.log(ann, "purchase", basket_minor=1250, items=[LineItem("Tea", 2)])
    a.backend.interactions.log(ann, "service", note="found the right size")
    bob = add_customer(b, "Bob Baker", card_code="PA00000077")
    b.backend.interactions.log(bob, "question")

    converge([a, b])

    assert_converged(central, [a, b])
    assert_exactly_once(central, [a, b])
    state = local_state(b)
    assert len(state["customer"]) == 2
    assert len(state["interaction"]) == 3
    assert len(state["purchase_line"]) == 1
    # Register B now shows Ann's full card, visits logged at register A included.
    card = b.backend.customers.card(ann)
    assert card.visits.visit_days_total == 1
    assert {e.kind for e in card.timeline} == {"purchase", "service"}
    # B logs a visit for Ann; A sees it after the next sync.
    b.backend.interactions.log(ann, "feedback", note="loved it")
    converge([b, a])
    assert {e.kind for e in a.backend.customers.card(ann).timeline} == {
        "purchase",
        "service",
        "feedback",
    }
    assert_converged(central, [a, b])


def test_pulled_changes_write_no_outbox_rows_and_own_changes_are_skipped(
    registers: MakeReg, central: Central
) -> None:
    a, b = registers("Register A"), registers("Register B")
    add_customer(a, "Ann Archer")
    a.sync.sync_once()
    with b.db.read() as s:
        before = s.scalar(select(func.count()).select_from(Outbox))
    report = b.sync.sync_once()
    assert report.pulled >= 2  # the customer plus A's register (and branch, staff)
    with b.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Outbox)) == before
    again = a.sync.sync_once()
    assert again.pulled == 0  # A's own ops come back in the log and are skipped
    assert_converged(central, [a, b])


def test_name_index_sees_customers_pulled_from_elsewhere(registers: MakeReg) -> None:
    a, b = registers("Register A"), registers("Register B")
    assert b.backend.customers.search("zelda") == []  # loads B's (empty) name index
    add_customer(a, "Zelda Quist")
    converge([a, b])
    hits = b.backend.customers.search("zelda quist")
    assert [h.display_name for h in hits] == ["Zelda Quist"]


def test_concurrent_edits_last_writer_wins_per_field(registers: MakeReg, central: Central) -> None:
    a, b = registers("Register A"), registers("Register B")
    ann = add_customer(a, "Ann Archer")
    converge([a, b])
    # Offline at the same time: A edits notes, then B edits notes and preferences.
    # Each clock sees the last so "after" is on the clock, not in a shared millisecond.
    a.backend.customers.update_notes(ann, "likes green tea", "")
    b.backend.ctx.hlc.observe(a.backend.ctx.hlc.now())
    b.backend.customers.update_notes(ann, "likes black tea", "size M")
    a.backend.ctx.hlc.observe(b.backend.ctx.hlc.now())
    a.backend.customers.update_notes(ann, "likes green tea", "decaf")  # A's later pref edit
    converge([a, b])
    assert_converged(central, [a, b])
    card = a.backend.customers.card(ann)
    assert card.notes == "likes black tea"  # B wrote notes after A
    assert card.preferences == "decaf"  # A wrote preferences after B


def test_erasure_beats_concurrent_edits_and_is_never_undone(
    registers: MakeReg, central: Central
) -> None:
    a, b = registers("Register A"), registers("Register B")
    ann = add_customer(a, "Ann Secret", phone="(212) 555-0199", consent_contact=True)
    a.backend.interactions.log(ann, "purchase", basket_minor=500)
    converge([a, b])
    # B (offline, stale) edits Ann; meanwhile A erases her.
    b.backend.customers.update_notes(ann, "call her about the blue coat", "")
    assert a.privacy.erase_customer(ann)
    a.sync.sync_once()
    b.sync.sync_once()  # B pushes its stale edit, then pulls the erasure
    converge([a, b])
    assert_converged(central, [a, b])
    for reg in (a, b):
        with reg.db.read() as s:
            c = s.get(Customer, ann)
            assert c is not None
            assert c.erased_at is not None
            assert (c.display_name, c.phone_e164, c.notes) == (ERASED_NAME, None, "")
            # no personal data left in any outbox payload
            payloads = s.scalars(select(Outbox.payload).where(Outbox.entity_id == str(ann)))
            assert all("Secret" not in str(p) and "0199" not in str(p) for p in payloads)
        with pytest.raises(Exception, match="no longer exists"):
            reg.backend.customers.card(ann)
    # ...nor centrally, in the table or in the change log.
    logged = central.query("SELECT payload::text FROM change_log WHERE entity_id = %s", str(ann))
    assert logged
    assert all("Secret" not in p and "0199" not in p and "blue coat" not in p for (p,) in logged)
    # The visit stays: history without the person.
    assert len(local_state(b)["interaction"]) == 1
    with a.db.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog)) == 1


def test_register_clocks_too_far_ahead_are_clamped(registers: MakeReg, central: Central) -> None:
    # A register that never reached the server has no offset yet: it stamps with its
    # own clock (3 days ahead), and the server pins those stamps when they arrive.
    ahead = registers("Register Ahead", skew_ms=int(timedelta(days=3).total_seconds() * 1000))
    good = registers("Register Good")
    ann = add_customer(ahead, "Ann Archer")
    ahead.backend.customers.update_notes(ann, "from the wrong clock", "")
    converge([ahead, good])
    # The server clamped the stamp: a later edit elsewhere wins, as it should.
    good.backend.customers.update_notes(ann, "corrected later", "")
    converge([good, ahead])
    assert_converged(central, [ahead, good])
    assert ahead.backend.customers.card(ann).notes == "corrected later"
    (stamp,) = central.query(
        "SELECT hlc FROM change_log WHERE entity = 'customer' AND op = 'update' "
        "ORDER BY server_seq LIMIT 1"
    )[0]
    assert int(stamp.split("-")[0]) < ahead.backend.ctx.hlc.wall_millis() - 86_400_000


def test_same_card_claimed_offline_on_two_registers(registers: MakeReg, central: Central) -> None:
    a, b = registers("Register A"), registers("Register B")
    first = add_customer(a, "Ann Archer", card_code="PA00001234")
    second = add_customer(b, "Bea Brown", card_code="PA00001234")
    converge([a, b])
    assert_converged(central, [a, b])
    owners = central.query("SELECT id FROM customer WHERE card_code = 'PA00001234'")
    assert owners == [(first,)]
    with b.db.read() as s:
        bea = s.get(Customer, second)
        assert bea is not None
        assert bea.card_code is None


def test_a_refused_op_goes_dead_with_its_reason_and_blocks_nothing(
    registers: MakeReg, central: Central
) -> None:
    a, b = registers("Register A"), registers("Register B")
    ann = add_customer(a, "Ann Archer")
    with a.db.write() as s:  # a change the server cannot accept (an unknown kind)
        bad = uuid.uuid4()
        append_change(
            s,
            entity="interaction",
            entity_id=bad,
            op="insert",
            payload={"id": bad, "customer_id": ann, "branch_id": a.backend.ctx.branch_id,
                     "occurred_at": "2026-11-20T10:00:00+00:00", "local_day": "2026-11-20",
                     "kind": "teleport", "note": ""},
            hlc=a.backend.ctx.stamp(),
        )  # fmt: skip
        ghost = uuid.uuid4()
        append_change(
            s, entity="customer", entity_id=ghost, op="update", payload={"notes": "x"},
            hlc=a.backend.ctx.stamp(),
        )  # fmt: skip
    a.backend.interactions.log(ann, "service")  # queued after the bad ones
    report = a.sync.sync_once()
    assert report.dead == 2
    dead = a.sync.dead_letters()
    assert [(d.entity, d.op) for d in dead] == [("interaction", "insert"), ("customer", "update")]
    assert "ck_interaction_kind" in dead[0].reason or "kind" in dead[0].reason
    assert "never seen" in dead[1].reason
    assert a.sync.status().queue.pending == 0
    b.sync.sync_once()
    assert len(local_state(b)["interaction"]) == 1  # the good visit arrived
    assert len(central_state(central)["interaction"]) == 1


def test_a_pulled_row_that_cannot_apply_is_recorded_not_blocking(
    registers: MakeReg, central: Central
) -> None:
    a, b = registers("Register A"), registers("Register B")
    ann = add_customer(a, "Ann Archer")
    a.backend.interactions.log(ann, "service")
    a.sync.sync_once()
    # Someone broke the central log by hand: an interaction pointing at nobody.
    with central.connect() as conn:
        conn.execute(
            "INSERT INTO change_log (op_id, entity, entity_id, op, payload, hlc, origin) "
            "SELECT gen_random_uuid(), entity, %s, op, payload || jsonb_build_object("
            "'id', %s::text, 'customer_id', gen_random_uuid()::text, 'lines', '[]'::jsonb), "
            "hlc, origin "
            "FROM change_log WHERE entity = 'interaction'",
            (str(uuid.uuid4()),) * 2,
        )
    a.backend.interactions.log(ann, "question")
    a.sync.sync_once()
    report = b.sync.sync_once()
    assert report.problems == 1
    with b.db.read() as s:
        assert s.scalar(select(func.count()).select_from(SyncProblem)) == 1
    assert len(local_state(b)["interaction"]) == 2  # the rows before and after it arrived


def test_central_init_is_idempotent_and_refuses_a_foreign_database(central: Central) -> None:
    again = init_central(central.target())
    assert again.before == again.after
    central.server.create_database("someone_elses")
    with psycopg_connect(central, "someone_elses") as conn:
        conn.execute("CREATE TABLE invoices (id int)")
    target = central.target()
    foreign = type(target)(target.host, target.port, "someone_elses", target.user)
    with pytest.raises(SyncError, match="not empty"):
        init_central(foreign)


def test_offline_register_says_so_and_keeps_everything(
    registers: MakeReg, central: Central
) -> None:
    a = registers("Register A")
    add_customer(a, "Ann Archer")
    central.server.stop("immediate")
    try:
        with pytest.raises(SyncError, match="Cannot reach the central database"):
            a.sync.sync_once()
        add_customer(a, "Bob Offline")
        assert a.sync.status().queue.pending == 2
    finally:
        central.ensure_running()
    a.sync.sync_once()
    assert a.sync.status().queue.pending == 0
    assert len(central_state(central)["customer"]) == 2


def psycopg_connect(central: Central, dbname: str):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(**central.server.conninfo(dbname), autocommit=True)


def test_central_migrations_build_exactly_the_central_schema(central: Central) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from posassist.sync.central import schema_revision
    from posassist.sync.migrate import central_engine, central_head
    from posassist.sync.schema import metadata

    engine = central_engine(central.target())
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "version_table": "central_alembic_version"}
            )
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()
    with central.connect() as conn:
        assert schema_revision(conn) == central_head()


def test_a_customer_erased_before_the_first_push_never_reaches_the_server(
    registers: MakeReg, central: Central
) -> None:
    a, b = registers("Register A"), registers("Register B")
    ann = add_customer(a, "Ann Fleeting", email="ann@example.com", consent_contact=True)
    a.backend.interactions.log(ann, "question")
    a.backend.customers.update_notes(ann, "wants the red scarf", "")
    a.privacy.erase_customer(ann)
    converge([a, b])
    assert_converged(central, [a, b])
    logged = central.query("SELECT payload::text FROM change_log")
    assert logged
    for (payload,) in logged:
        assert not any(s in payload for s in ("Fleeting", "example.com", "scarf")), payload


def _vendors(reg: Reg) -> set[tuple[object, ...]]:
    from posassist.storage.orm import Vendor

    with reg.db.read() as s:
        rows = s.execute(select(Vendor.id, Vendor.name, Vendor.phone, Vendor.hours, Vendor.active))
        return {tuple(r) for r in rows}


def test_vendor_directory_referrals_and_unmet_demand_reach_every_register(
    registers: MakeReg, central: Central
) -> None:
    from posassist.services.vendors import VendorInput

    a, b = registers("Register A"), registers("Register B")
    ann = add_customer(a, "Ann Archer")
    kites = a.backend.vendors.create(
        VendorInput("Kite Corner", phone="555-0100", keywords=("kites",))
    )
    a.backend.referrals.issue_slip("a red kite", vendor_id=kites, customer_id=ann)
    converge([a, b])
    assert _vendors(a) == _vendors(b)
    assert b.backend.vendors.get(kites).name == "Kite Corner"
    for table in ("referral", "unmet_demand"):
        (n,) = central.query(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))[0]
        assert n == 1
    assert {e.kind for e in b.backend.customers.card(ann).timeline} == {"referral_given"}
    # Two managers edit the same vendor offline; one version wins everywhere.
    b.backend.vendors.update(
        kites, VendorInput("Kite Corner", phone="555-0199", keywords=("kites",))
    )
    a.backend.vendors.update(
        kites, VendorInput("Kite Corner", hours="Mo-Fr 09:00-17:00", keywords=("kites",))
    )
    converge([a, b])
    assert _vendors(a) == _vendors(b)
    a.backend.vendors.set_active(kites, False)
    converge([a, b])
    assert _vendors(a) == _vendors(b)
    assert not b.backend.vendors.get(kites).active
    assert a.sync.status().queue.dead == b.sync.status().queue.dead == 0
    assert_converged(central, [a, b])
    assert_exactly_once(central, [a, b])


def test_the_same_file_imported_on_two_registers_counts_once(
    tmp_path: Path, registers: MakeReg, central: Central
) -> None:
    from posassist.services.importing import ImportService

    csv = tmp_path / "till_export.csv"
    csv.write_text(
        "customer_id,date,amount\n7,2026-10-01,12.50\n7,2026-10-09,3.00\n8,2026-10-02,40\n",
        encoding="utf-8",
    )
    a, b = registers("Register A"), registers("Register B")
    for reg in (a, b):
        ImportService(reg.backend.ctx, reg.backend.customers).transactions(csv)
    converge([a, b])
    assert a.sync.status().queue.dead == b.sync.status().queue.dead == 0
    assert_converged(central, [a, b])
    assert_exactly_once(central, [a, b])
    assert len(central_state(central)["interaction"]) == 3
