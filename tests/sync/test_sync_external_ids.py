"""Imported customers' external ids against a real PostgreSQL: they reach every register.

Each row is written as the loader writes it: a ``CustomerExternalId`` row and its outbox
op (``customer_external_id`` / ``insert``, the row's columns as payload) in one write
transaction. The id is derived from (source, external id), so two registers importing
the same export send the same row; the first synced wins a clash (see
``posassist/sync/central/external_ids.py``).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pypdf
import pytest
from alembic import command
from psycopg.types.json import Jsonb
from sqlalchemy import select

from posassist.devtools.pgserver import PgTestServer
from posassist.domain.hlc import Timestamp
from posassist.errors import SyncError
from posassist.storage.migrate import alembic_config
from posassist.storage.orm import CustomerExternalId, Outbox, SyncProblem
from posassist.storage.outbox import append_change
from posassist.sync.central.external_ids import LOST
from posassist.sync.migrate import SCRIPT_LOCATION, central_engine, init_central
from posassist.sync.protocol import MISSING_REFERENCE
from posassist.sync.pull import pull_once
from tests.sync.helpers import (
    Central,
    MakeReg,
    Reg,
    add_customer,
    assert_converged,
    assert_exactly_once,
    converge,
    open_register,
    queue_visits,
)

ENTITY = "customer_external_id"
_NS = uuid.UUID("6f1c2a57-0d5e-4c43-9a55-3b0f7e2d8c11")  # the tests' own id space


def row_id(source: str, external_id: str) -> uuid.UUID:
    return uuid.uuid5(_NS, f"{source}:{external_id}")


def link(
    reg: Reg,
    customer_id: uuid.UUID,
    source: str,
    external_id: str,
    bad: dict[str, Any] | None = None,
) -> int:
    """One external id as the loader writes it: the row and its outbox op, one transaction.

    ``bad`` overrides payload fields (a broken or hostile register); the row is then not
    stored here, only queued. Returns the outbox row's seq.
    """
    ctx = reg.backend.ctx
    row = CustomerExternalId(
        id=row_id(source, external_id),
        source=source,
        external_id=external_id,
        customer_id=customer_id,
        created_at=ctx.now(),
    )
    payload = {c.name: getattr(row, c.name) for c in CustomerExternalId.__table__.columns}
    with reg.db.write() as s:
        if not bad:
            s.add(row)
        queued = append_change(
            s,
            entity=ENTITY,
            entity_id=row.id,
            op="insert",
            payload={**payload, **(bad or {})},
            hlc=ctx.hlc.now().encode(),
        )
        s.flush()
        return queued.seq


def links(reg: Reg) -> set[tuple[str, str, str, str]]:
    with reg.db.read() as s:
        rows = s.execute(
            select(
                CustomerExternalId.id,
                CustomerExternalId.source,
                CustomerExternalId.external_id,
                CustomerExternalId.customer_id,
            )
        ).all()
    return {(str(i), src, ext, str(c)) for i, src, ext, c in rows}


def central_links(central: Central) -> set[tuple[str, str, str, str]]:
    rows = central.query("SELECT id, source, external_id, customer_id FROM customer_external_id")
    return {(str(i), src, ext, str(c)) for i, src, ext, c in rows}


def outbox(reg: Reg, seq: int) -> tuple[str, str | None]:
    with reg.db.read() as s:
        row = s.get(Outbox, seq)
        assert row is not None
        return row.state, row.last_error


def outcomes(central: Central) -> list[str]:
    rows = central.query("SELECT outcome FROM applied_ops WHERE entity = %s", ENTITY)
    return sorted(r[0] for r in rows)


def test_an_external_id_made_on_one_register_reaches_the_others_and_their_export(
    registers: MakeReg, central: Central, tmp_path: Path
) -> None:
    a, b = registers("Register A"), registers("Register B", branch="B02")
    ann = add_customer(a, "Ann Archer", phone="(212) 555-0101", consent_contact=True)
    link(a, ann, "square", "K4Q3ZJ8M1N")
    doc, pdf = a.backend.exports.export(ann, tmp_path / "a.json")
    (listed,) = json.loads(doc.read_text("utf-8"))["external_ids"]
    text = " ".join(str(p.extract_text()) for p in pypdf.PdfReader(pdf).pages)
    assert "square: K4Q3ZJ8M1N" in " ".join(text.split())
    assert (listed["source"], listed["external_id"], listed["synced"]) == (
        "square",
        "K4Q3ZJ8M1N",
        False,  # not pushed yet: held all the same, so listed
    )
    converge([a, b])
    expected = {(str(row_id("square", "K4Q3ZJ8M1N")), "square", "K4Q3ZJ8M1N", str(ann))}
    assert central_links(central) == expected
    assert links(a) == links(b) == expected
    assert outcomes(central) == ["applied"]
    assert_exactly_once(central, [a, b])
    assert_converged(central, [a, b])
    doc = b.backend.exports.export(ann, tmp_path / "b.json")[0]
    (listed,) = json.loads(doc.read_text("utf-8"))["external_ids"]
    assert (listed["external_id"], listed["customer_id"], listed["synced"]) == (
        "K4Q3ZJ8M1N",
        str(ann),
        True,
    )
    # Erased on B: the link stays everywhere (it stops a re-import bringing Ann back).
    assert b.privacy.erase_customer(ann)
    converge([b, a])
    assert central.query("SELECT erased_at IS NOT NULL FROM customer WHERE id = %s", ann) == [
        (True,)
    ]
    assert central_links(central) == links(a) == links(b) == expected
    assert_converged(central, [a, b])


def test_the_same_external_id_from_two_registers_is_one_row(
    registers: MakeReg, central: Central
) -> None:
    a, b = registers("Register A"), registers("Register B", branch="B02")
    ann = add_customer(a, "Ann Archer")
    converge([a, b])
    # Both import the same Square export offline and match Ann.
    link(a, ann, "square", "SQ-1")
    link(b, ann, "square", "SQ-1")
    converge([a, b])
    expected = {(str(row_id("square", "SQ-1")), "square", "SQ-1", str(ann))}
    assert central_links(central) == links(a) == links(b) == expected
    assert outcomes(central) == ["applied", "duplicate"]
    logged = central.query("SELECT count(*) FROM change_log WHERE entity = %s", ENTITY)
    assert logged == [(1,)]
    assert_exactly_once(central, [a, b])


def test_a_clash_is_won_by_the_first_synced_and_the_queue_keeps_flowing(
    registers: MakeReg, central: Central
) -> None:
    a, b = registers("Register A"), registers("Register B", branch="B02")
    ann = add_customer(a, "Ann Archer", phone="(212) 555-0101", consent_contact=True)
    converge([a, b])
    # Offline: A matches Square's SQ-7 to Ann by phone; B makes a new customer for it.
    link(a, ann, "square", "SQ-7")
    new = add_customer(b, "Ann A.")
    lost = link(b, new, "square", "SQ-7")
    behind = queue_visits(b, customers=2, visits_each=2)  # queued after the loser
    a.sync.sync_once()
    report = b.sync.sync_once()
    assert report.dead == 0
    # Acknowledged, not a dead letter; the register keeps why, in words naming no id.
    assert outbox(b, lost) == ("acked", LOST.format(source="square"))
    (reason,) = central.query(
        "SELECT a.outcome FROM applied_ops a JOIN change_log c USING (op_id) WHERE c.entity = %s",
        ENTITY,
    )
    assert reason == ("applied",)  # only the winner is logged
    assert outcomes(central) == ["applied", "ignored"]
    converge([a, b])
    winner = {(str(row_id("square", "SQ-7")), "square", "SQ-7", str(ann))}
    assert central_links(central) == links(a) == links(b) == winner  # B took central's row
    count = central.query("SELECT count(*) FROM customer WHERE id = ANY(%s)", [new, *behind])
    assert count == [(3,)]  # B's own customer and what came after reached central
    assert_exactly_once(central, [a, b])
    assert_converged(central, [a, b])


def test_a_loser_that_pulls_the_winner_before_it_pushes_takes_it_at_once(
    registers: MakeReg, central: Central
) -> None:
    a, b = registers("Register A"), registers("Register B", branch="B02")
    ann = add_customer(a, "Ann Archer")
    converge([a, b])
    link(a, ann, "shopify", "6090263642172")
    new = add_customer(b, "Ann A.")
    lost = link(b, new, "shopify", "6090263642172")
    a.sync.sync_once()
    pull_once(b.db, b.sync.link, b.backend.ctx.register_id, b.backend.ctx.hlc)
    winner = {(str(row_id("shopify", "6090263642172")), "shopify", "6090263642172", str(ann))}
    assert links(b) == winner  # its own row replaced while its op still waits
    assert outbox(b, lost)[0] == "pending"
    b.sync.sync_once()
    assert outbox(b, lost) == ("acked", LOST.format(source="shopify"))
    assert central_links(central) == links(a) == links(b) == winner
    assert_exactly_once(central, [a, b])


# -- hostile rows, at both ends --------------------------------------------------------
PUSH_CASES: dict[str, tuple[dict[str, Any], str]] = {
    "no external id": ({"external_id": None}, "needs its external_id"),
    "empty source": ({"source": "  "}, "needs its source"),
    "source too long": ({"source": "s" * 61}, "longer than 60"),
    "external id too long": ({"external_id": "9" * 201}, "longer than 200"),
    "a tab in the id": ({"external_id": "SQ\t8"}, "control character"),
    "a NUL in the source": ({"source": "squ\x00are"}, "control character"),
    "no customer": ({"customer_id": None}, "needs its customer_id"),
    "customer id no id": ({"customer_id": "CUST-42"}, "not a valid id"),
    "time without zone": ({"created_at": "2026-12-02T10:00:00"}, "no time zone"),
    "a customer central lacks": ({"customer_id": str(uuid.uuid4())}, MISSING_REFERENCE),
    "updated, not inserted": ({}, "only inserted"),
}


def test_broken_or_hostile_external_ids_are_dead_letters_and_the_rest_flows(
    registers: MakeReg, central: Central
) -> None:
    a, b = registers("Register A", batch_size=7), registers("Register B")
    ann = add_customer(a, "Ann Archer")
    queue_visits(a, customers=2, visits_each=2)
    bad: dict[int, str] = {}
    for n, (name, (fields, reason)) in enumerate(PUSH_CASES.items()):
        seq = link(a, ann, "square", f"BAD-{n}", fields)
        if name == "updated, not inserted":
            with a.db.write() as s:
                row = s.get(Outbox, seq)
                assert row is not None
                row.op = "update"
        bad[seq] = reason
    good = link(a, ann, "shopify", "6090263642172")
    queue_visits(a, customers=1, visits_each=2)
    converge([a, b])
    for seq, reason in bad.items():
        state, error = outbox(a, seq)
        assert state == "dead"
        assert reason in (error or ""), (seq, error)
    assert outbox(a, good)[0] == "acked"
    expected = {(str(row_id("shopify", "6090263642172")), "shopify", "6090263642172", str(ann))}
    assert central_links(central) == links(b) == expected
    assert_exactly_once(central, [a, b], dead={a.name: set(bad)})
    assert_converged(central, [a, b])


def test_an_id_already_another_pairs_is_refused(registers: MakeReg, central: Central) -> None:
    a, b = registers("Register A"), registers("Register B")
    ann = add_customer(a, "Ann Archer")
    link(a, ann, "square", "SQ-1")
    converge([a, b])
    # A broken register reuses SQ-1's id for another external id.
    seq = link(b, ann, "square", "SQ-2", {"id": str(row_id("square", "SQ-1"))})
    with b.db.write() as s:
        row = s.get(Outbox, seq)
        assert row is not None
        row.entity_id = str(row_id("square", "SQ-1"))
    b.sync.sync_once()
    state, error = outbox(b, seq)
    assert state == "dead"
    assert "already another external id's" in (error or "")
    assert len(central_links(central)) == 1


def _logged(central: Central, payload: dict[str, Any]) -> int:
    """A change-log row written straight into central, as no push would write it."""
    stamp = Timestamp(int(datetime.now().timestamp() * 1000), 0, "badbadbadbad").encode()
    rid = str(payload.get("id"))
    (row,) = central.query(
        "INSERT INTO change_log (op_id, entity, entity_id, op, payload, hlc, origin)"
        " VALUES (%s, %s, %s, 'insert', %s, %s, %s) RETURNING server_seq",
        uuid.uuid4(),
        ENTITY,
        rid,
        Jsonb(payload),
        stamp,
        uuid.uuid4(),
    )
    return int(row[0])


def test_hostile_external_ids_in_the_change_log_are_recorded_and_the_cursor_moves_on(
    registers: MakeReg, central: Central
) -> None:
    a, b = registers("Register A"), registers("Register B")
    ann = add_customer(a, "Ann Archer")
    a.sync.sync_once()
    good = {
        "id": str(row_id("square", "SQ-1")),
        "source": "square",
        "external_id": "SQ-1",
        "customer_id": str(ann),
        "created_at": "2026-12-02T10:00:00+00:00",
    }
    cases = {
        "needs its source": {"source": ""},
        "control character": {"external_id": "SQ\n1"},
        "longer than 200": {"external_id": "x" * 201},
        "not a valid id": {"customer_id": "nobody"},
        "FOREIGN KEY": {"customer_id": str(uuid.uuid4())},  # a customer B never received
    }
    bad = {}
    for n, (reason, fields) in enumerate(cases.items()):
        rid = str(row_id("square", f"BAD-{n}"))
        bad[_logged(central, {**good, "id": rid, "external_id": f"BAD-{n}", **fields})] = reason
    link(a, ann, "square", "SQ-1")
    a.sync.sync_once()
    report = b.sync.sync_once()  # does not raise
    assert report.problems == len(cases)
    with b.db.read() as s:
        problems = {p.server_seq: p.reason for p in s.scalars(select(SyncProblem))}
    assert set(problems) == set(bad)
    for seq, reason in bad.items():
        assert reason in problems[seq], (seq, problems[seq])
    assert links(b) == {(good["id"], "square", "SQ-1", str(ann))}
    top = central.query("SELECT max(server_seq) FROM change_log")[0][0]
    assert b.sync.status().cursor == top


# -- a central database from before external ids ----------------------------------------
def _central_at(pg: PgTestServer, revision: str) -> Central:
    name = f"old_{uuid.uuid4().hex[:12]}"
    pg.create_database(name)
    central = Central(pg, name)
    engine = central_engine(central.target())
    try:
        command.upgrade(alembic_config(engine, location=SCRIPT_LOCATION), revision)
    finally:
        engine.dispose()
    with central.connect() as conn:
        conn.execute("INSERT INTO central_info (key, value) VALUES ('central_id', %s)", (name,))
    return central


def test_a_central_before_c0008_stops_sync_in_words_and_nothing_is_lost(
    tmp_path: Path, pg: PgTestServer
) -> None:
    central = _central_at(pg, "c0007")
    a = open_register(tmp_path / "A", central, name="Register A")
    b = open_register(tmp_path / "B", central, name="Register B")
    try:
        ann = add_customer(a, "Ann Archer")
        seq = link(a, ann, "square", "SQ-1")
        with pytest.raises(SyncError) as refused:
            a.sync.sync_once()
        assert "schema c0007" in refused.value.message
        assert "central init" in (refused.value.hint or "")
        assert outbox(a, seq)[0] == "pending"  # kept, not a dead letter
        assert central.query("SELECT count(*) FROM change_log") == [(0,)]
        assert init_central(central.target()).before == "c0007"
        converge([a, b])
        expected = {(str(row_id("square", "SQ-1")), "square", "SQ-1", str(ann))}
        assert central_links(central) == links(b) == expected
        assert_exactly_once(central, [a, b])
    finally:
        a.close()
        b.close()
