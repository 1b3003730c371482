"""Poison changes: one broken change, sent or received, never stops a register's sync.

Each broken outbox row is written with raw SQL into the register's SQLite file (the
realistic way one appears: a bug of an older version, a hand edit, a damaged page),
each broken change-log row with psycopg into the central database. Every case ends
like the other fault tests: the broken change is a dead letter (or a sync problem)
with its reason, every other op arrived exactly once and every store converged.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from psycopg.types.json import Jsonb

from posassist.domain.hlc import Timestamp
from posassist.storage.database import STORE_FILENAME
from posassist.sync.protocol import MAX_OP_BYTES
from tests.sync.helpers import (
    Central,
    MakeReg,
    Reg,
    assert_converged,
    assert_exactly_once,
    converge,
    queue_visits,
)


def _stamp(reg: Reg) -> str:
    return reg.backend.ctx.hlc.now().encode()


def write_raw_outbox(
    reg: Reg,
    *,
    entity: str,
    entity_id: str,
    op: str,
    payload: str,
    hlc: str,
) -> int:
    """Append one outbox row straight into the store file, as no service would."""
    conn = sqlite3.connect(reg.data_dir / STORE_FILENAME, timeout=10)
    try:
        with conn:
            cur = conn.execute(
                "INSERT INTO outbox (op_id, entity, entity_id, op, payload, hlc, created_at,"
                " attempts, state) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 'pending')",
                (
                    uuid.uuid4().hex,
                    entity,
                    entity_id,
                    op,
                    payload,
                    hlc,
                    datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" "),
                ),
            )
            assert cur.lastrowid is not None
            return cur.lastrowid
    finally:
        conn.close()


def outbox_row(reg: Reg, seq: int) -> tuple[str, str | None]:
    conn = sqlite3.connect(reg.data_dir / STORE_FILENAME, timeout=10)
    try:
        row = conn.execute("SELECT state, last_error FROM outbox WHERE seq = ?", (seq,)).fetchone()
    finally:
        conn.close()
    return row[0], row[1]


def figures(central: Central, regs: list[Reg]) -> dict[str, int]:
    """Ops sent (acked here and applied centrally), lost and doubled, over all registers."""
    rows = central.query("SELECT op_id FROM applied_ops")
    applied = {r[0] for r in rows}
    doubled = central.query(
        "SELECT count(*) FROM (SELECT op_id FROM change_log GROUP BY op_id HAVING count(*) > 1) d"
    )[0][0]
    sent = lost = 0
    for reg in regs:
        conn = sqlite3.connect(reg.data_dir / STORE_FILENAME, timeout=10)
        try:
            acked = [
                uuid.UUID(r[0])
                for r in conn.execute("SELECT op_id FROM outbox WHERE state = 'acked'")
            ]
        finally:
            conn.close()
        sent += sum(op in applied for op in acked)
        lost += sum(op not in applied for op in acked)
    return {"sent": sent, "lost": lost, "doubled": int(doubled)}


# -- push: a broken row of this register's outbox ---------------------------------------
def _customer_insert(name: object = "Poison Test") -> dict[str, object]:
    return {"id": str(uuid.uuid4()), "display_name": name}


PUSH_CASES: dict[str, tuple[Callable[[Reg], dict[str, str]], str]] = {
    "not JSON": (
        lambda r: {
            "entity": "customer",
            "entity_id": str(uuid.uuid4()),
            "op": "insert",
            "payload": '{"display_name": "Ann',
            "hlc": _stamp(r),
        },
        "not JSON",
    ),
    "not an object": (
        lambda r: {
            "entity": "customer",
            "entity_id": str(uuid.uuid4()),
            "op": "insert",
            "payload": "[1, 2, 3]",
            "hlc": _stamp(r),
        },
        "not an object",
    ),
    "customer id not a UUID": (
        lambda r: {
            "entity": "customer",
            "entity_id": "CUST-0042",
            "op": "insert",
            "payload": json.dumps({"display_name": "Ann"}),
            "hlc": _stamp(r),
        },
        "not a valid id",
    ),
    "vendor id not a UUID": (
        lambda r: {
            "entity": "vendor",
            "entity_id": "vendor-7",
            "op": "update",
            "payload": json.dumps({"name": "Tailor"}),
            "hlc": _stamp(r),
        },
        "not a valid id",
    ),
    "stamp not a clock": (
        lambda r: {
            "entity": "customer",
            "entity_id": str(uuid.uuid4()),
            "op": "insert",
            "payload": json.dumps({"display_name": "Ann"}),
            "hlc": "yesterday",
        },
        "not a hybrid logical clock",
    ),
    "wrong type": (
        lambda r: {
            "entity": "customer",
            "entity_id": str(uuid.uuid4()),
            "op": "insert",
            "payload": json.dumps({"display_name": 42}),
            "hlc": _stamp(r),
        },
        "display_name must be",
    ),
    "unknown entity": (
        lambda r: {
            "entity": "spaceship",
            "entity_id": str(uuid.uuid4()),
            "op": "insert",
            "payload": json.dumps({"name": "x"}),
            "hlc": _stamp(r),
        },
        "unknown kind of change",
    ),
    "NUL byte": (
        lambda r: {
            "entity": "customer",
            "entity_id": str(uuid.uuid4()),
            "op": "insert",
            "payload": json.dumps({"display_name": "Ann\u0000Archer"}),
            "hlc": _stamp(r),
        },
        "control character",
    ),
    "too large": (
        lambda r: {
            "entity": "customer",
            "entity_id": str(uuid.uuid4()),
            "op": "insert",
            "payload": json.dumps({"display_name": "Ann", "notes": "x" * MAX_OP_BYTES}),
            "hlc": _stamp(r),
        },
        "too large",
    ),
    # The shared rows and holds of issue 11: refused at the end that can tell.
    "product id not its SKU's": (
        lambda r: {
            "entity": "product",
            "entity_id": str(uuid.uuid4()),
            "op": "insert",
            "payload": json.dumps({"sku": "P9", "name": "Headphones"}),
            "hlc": _stamp(r),
        },
        "the product id is not the one its sku give",
    ),
    "negative on hand": (
        lambda r: {
            "entity": "branch_stock",
            "entity_id": str(uuid.uuid4()),
            "op": "update",
            "payload": json.dumps({"on_hand": -3}),
            "hlc": _stamp(r),
        },
        "on_hand must be a whole number, not negative",
    ),
    "pick rank 7": (
        lambda r: {
            "entity": "staff_pick",
            "entity_id": str(uuid.uuid4()),
            "op": "update",
            "payload": json.dumps({"rank": 7}),
            "hlc": _stamp(r),
        },
        "rank must be 1, 2 or 3",
    ),
    "pick moved to another slot": (
        lambda r: {
            "entity": "staff_pick",
            "entity_id": str(uuid.uuid4()),
            "op": "update",
            "payload": json.dumps({"category": "Audio", "rank": 2, "sku": "P2"}),
            "hlc": _stamp(r),
        },
        "not the id of its slot",
    ),
    "hold id not its payload's": (
        lambda r: {
            "entity": "hold",
            "entity_id": str(uuid.uuid4()),
            "op": "insert",
            "payload": json.dumps({"id": str(uuid.uuid4()), "sku": "P2"}),
            "hlc": _stamp(r),
        },
        "differs from the op's entity id",
    ),
    "step of an unknown hold": (  # well formed here: only central can tell
        lambda r: {
            "entity": "hold_step",
            "entity_id": (sid := str(uuid.uuid4())),
            "op": "step",
            "payload": json.dumps(
                {
                    "id": sid,
                    "hold_id": str(uuid.uuid4()),
                    "from_state": "requested",
                    "to_state": "accepted",
                    "at": datetime.now(UTC).isoformat(),
                }
            ),
            "hlc": _stamp(r),
        },
        "a step of a hold the central database does not have",
    ),
}


@pytest.mark.parametrize("case", list(PUSH_CASES))
def test_a_broken_outbox_row_is_a_dead_letter_and_the_rest_flows(
    case: str, registers: MakeReg, central: Central
) -> None:
    make, reason = PUSH_CASES[case]
    a = registers("Register A", batch_size=10)
    b = registers("Register B")
    queue_visits(a, customers=4, visits_each=3)  # 16 ops before it
    bad = write_raw_outbox(a, **make(a))
    queue_visits(a, customers=3, visits_each=2)  # 9 after it, in the same batches
    report = a.sync.sync_once()  # does not raise
    state, error = outbox_row(a, bad)
    assert state == "dead"
    assert error is not None
    assert reason in error, error
    assert report.acked == 25
    converge([a, b])
    numbers = figures(central, [a, b])
    print(f"poison push {case!r}: {numbers}")
    assert numbers == {"sent": 25, "lost": 0, "doubled": 0}
    assert_exactly_once(central, [a, b], dead={a.name: {bad}})
    assert_converged(central, [a, b])
    # It stays on the register: the server never saw it.
    assert central.query("SELECT count(*) FROM change_log WHERE entity = 'spaceship'") == [(0,)]


def test_a_bad_stamp_in_the_outbox_does_not_stop_start_up(
    tmp_path: object, registers: MakeReg, central: Central
) -> None:
    a = registers("Register A")
    queue_visits(a, customers=2, visits_each=1)
    # Sorts above every real stamp, so it is what the clock priming reads first.
    bad = write_raw_outbox(
        a,
        entity="customer",
        entity_id=str(uuid.uuid4()),
        op="insert",
        payload=json.dumps({"display_name": "Ann"}),
        hlc="zz-not-a-clock",
    )
    a.close()
    from tests.sync.helpers import open_register

    again = open_register(a.data_dir, central, name="Register A")  # does not raise
    try:
        assert outbox_row(again, bad)[0] == "dead"
        assert "not a hybrid logical clock" in (outbox_row(again, bad)[1] or "")
        b = registers("Register B")
        converge([again, b])
        numbers = figures(central, [again, b])
        print(f"poison start-up stamp: {numbers}")
        assert numbers == {"sent": 4, "lost": 0, "doubled": 0}
        assert_exactly_once(central, [again, b], dead={again.name: {bad}})
        assert_converged(central, [again, b])
    finally:
        again.close()


# -- pull: a broken row of the central change log -------------------------------------
def _log_row(
    central: Central, entity: str, entity_id: str, op: str, payload: object, hlc: str
) -> int:
    with central.connect() as conn:
        row = conn.execute(
            "INSERT INTO change_log (op_id, entity, entity_id, op, payload, hlc, origin)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING server_seq",
            (uuid.uuid4(), entity, entity_id, op, Jsonb(payload), hlc, uuid.uuid4()),
        ).fetchone()
    assert row is not None
    return int(row[0])


def _good_stamp() -> str:
    return Timestamp(int(datetime.now(UTC).timestamp() * 1000), 0, "feedfeedfeed").encode()


PULL_CASES: dict[str, tuple[str, str, str, object, str | None, str]] = {
    # name: entity, entity_id, op, payload, hlc (None: a good one), reason
    "not an object": ("customer", str(uuid.uuid4()), "insert", [1, 2], None, "not an object"),
    "customer id not a UUID": (
        "customer",
        "CUST-0042",
        "insert",
        {"display_name": "Ann"},
        None,
        "not a valid id",
    ),
    "vendor id not a UUID": ("vendor", "v-7", "update", {"name": "T"}, None, "not a valid id"),
    "stamp not a clock": (
        "customer",
        str(uuid.uuid4()),
        "insert",
        {"display_name": "Ann"},
        "later",
        "not a hybrid logical clock",
    ),
    "wrong type": (
        "customer",
        str(uuid.uuid4()),
        "insert",
        {"display_name": 42},
        None,
        "display_name must",
    ),
    "unknown entity": ("spaceship", str(uuid.uuid4()), "insert", {}, None, "unknown kind"),
    "control character": (
        "customer",
        str(uuid.uuid4()),
        "insert",
        {"display_name": "Ann\u0007"},
        None,
        "control character",
    ),
    "too large": (
        "customer",
        str(uuid.uuid4()),
        "insert",
        {"display_name": "Ann", "notes": "x" * MAX_OP_BYTES},
        None,
        "too large",
    ),
    "product id not its SKU's": (
        "product",
        str(uuid.uuid4()),
        "insert",
        {"sku": "P9", "name": "Headphones"},
        None,
        "the product id is not the one its sku give",
    ),
    "negative on hand": (
        "branch_stock",
        str(uuid.uuid4()),
        "update",
        {"on_hand": -1},
        None,
        "on_hand must be a whole number",
    ),
    "count of a row never received": (
        "branch_stock",
        str(uuid.uuid4()),
        "update",
        {"on_hand": 4},
        None,
        "an edit of a branch_stock never received here",
    ),
    "pick rank 7": ("staff_pick", str(uuid.uuid4()), "update", {"rank": 7}, None, "1, 2 or 3"),
    "step of a hold never received": (
        "hold_step",
        (_sid := str(uuid.uuid4())),
        "step",
        {
            "id": _sid,
            "hold_id": str(uuid.uuid4()),
            "from_state": "requested",
            "to_state": "accepted",
            "at": datetime.now(UTC).isoformat(),
        },
        None,
        "a step of a hold never received here",
    ),
}


def test_broken_change_log_rows_are_recorded_and_the_cursor_moves_on(
    registers: MakeReg, central: Central, capsys: pytest.CaptureFixture[str]
) -> None:
    a = registers("Register A")
    b = registers("Register B", batch_size=10)
    queue_visits(a, customers=3, visits_each=2)
    a.sync.sync_once()
    bad: dict[int, str] = {}
    for entity, entity_id, op, payload, hlc, reason in PULL_CASES.values():
        seq = _log_row(central, entity, entity_id, op, payload, hlc or _good_stamp())
        bad[seq] = reason
    queue_visits(a, customers=2, visits_each=2)
    a.sync.sync_once()
    report = b.sync.sync_once()  # does not raise
    assert report.problems == len(PULL_CASES)
    with b.db.read() as s:
        from sqlalchemy import select

        from posassist.storage.orm import SyncProblem

        problems = {p.server_seq: p.reason for p in s.scalars(select(SyncProblem))}
    assert set(problems) == set(bad)
    for seq, reason in bad.items():
        assert reason in problems[seq], (seq, problems[seq])
    top = central.query("SELECT max(server_seq) FROM change_log")[0][0]
    assert b.sync.status().cursor == top
    converge([a, b])
    numbers = figures(central, [a, b])
    print(f"poison pull: {numbers}")
    assert numbers == {"sent": 15, "lost": 0, "doubled": 0}
    assert_exactly_once(central, [a, b])
    assert_converged(central, [a, b])

    from posassist.cli.doctor import run_doctor
    from posassist.services.sync import status_report

    listed = status_report(b.data_dir)
    assert {p.server_seq for p in listed.problems} == set(bad)
    capsys.readouterr()
    run_doctor(b.data_dir, None)
    out = capsys.readouterr().out
    assert f"{len(bad)} changes from other registers could not be applied here" in out
