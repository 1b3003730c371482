"""Big batches: the COPY path of a push and the preloaded customers of a pull.

A push of many rows of one plain insert sends them by COPY through a temporary table
(``central/load.py``); these tests make such a batch meet what the row-by-row insert
met: a row already there (kept as it is), a row the database refuses (that op alone is
rejected, the rest applied once, through the halving replay), and a value of another
type than its column's (left to the row-by-row insert, which PostgreSQL casts or
refuses as before). A pull applies the customers of a batch from one read; a customer
inserted and edited within one batch must end as edited, with its visits.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from typing import Any

import pytest

from posassist.storage.database import STORE_FILENAME
from posassist.sync.central import apply_push
from posassist.sync.central.load import COPY_MIN_ROWS
from posassist.sync.outbox import pending_batch
from posassist.sync.protocol import MISSING_REFERENCE, Op
from posassist.sync.push import collect_refs, settle
from tests.sync.helpers import (
    Central,
    MakeReg,
    Reg,
    add_customer,
    assert_converged,
    assert_exactly_once,
    converge,
    outbox_states,
    queue_visits,
)


def _interaction_rows(reg: Reg) -> list[tuple[int, str, dict[str, Any]]]:
    """The pending interaction ops of ``reg``'s outbox: (seq, entity id, payload)."""
    conn = sqlite3.connect(reg.data_dir / STORE_FILENAME, timeout=10)
    try:
        rows = conn.execute(
            "SELECT seq, entity_id, payload FROM outbox"
            " WHERE entity = 'interaction' AND state = 'pending' ORDER BY seq"
        ).fetchall()
    finally:
        conn.close()
    return [(seq, str(eid), json.loads(payload)) for seq, eid, payload in rows]


def _rewrite_payload(reg: Reg, seq: int, payload: dict[str, Any]) -> None:
    conn = sqlite3.connect(reg.data_dir / STORE_FILENAME, timeout=10)
    try:
        with conn:
            conn.execute("UPDATE outbox SET payload = ? WHERE seq = ?", (json.dumps(payload), seq))
    finally:
        conn.close()


def _push_by_hand(reg: Reg) -> Any:
    """One batch pushed through ``apply_push``, as ``push_once`` sends it."""
    ops = pending_batch(reg.db, 5_000)
    assert len(ops) >= COPY_MIN_ROWS * 2
    with reg.db.read() as s:
        refs = collect_refs(s, reg.backend.ctx.register_id, _stamp(reg))
    with reg.sync.link.use() as conn:
        reply = apply_push(conn, reg.backend.ctx.register_id, refs, ops)
    settle(reg.db, ops, reply)
    return reply


def test_a_bulk_push_leaves_a_row_already_there_as_it_is(
    registers: MakeReg, central: Central, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="posassist.sync.central")
    a, b = registers("Register A"), registers("Register B")
    converge([a, b])  # both announced: the batch below holds only customers and visits
    queue_visits(a, customers=8, visits_each=9)  # 80 ops: runs far above COPY_MIN_ROWS
    rows = _interaction_rows(a)
    reply = _push_by_hand(a)
    assert "72 interaction rows by COPY (0 there already)" in caplog.text
    assert {r.outcome for r in reply.results.values()} == {"applied"}
    # The same visits again under new op ids (a resend after a central restore), the
    # first ten twice over: each row already there is left exactly as it is.
    _, there, _ = rows[len(rows) // 2]
    with central.connect() as conn:
        conn.execute("UPDATE interaction SET note = 'kept' WHERE id = %s", (there,))
    again = [
        Op(0, uuid.uuid4(), "interaction", eid, "insert", body, _stamp(a))
        for _, eid, body in [*rows, *rows[:10]]
    ]
    caplog.clear()
    with a.sync.link.use() as conn:
        reply = apply_push(conn, a.backend.ctx.register_id, [], again)
    assert "82 interaction rows by COPY (72 there already)" in caplog.text
    assert {r.outcome for r in reply.results.values()} == {"applied"}
    assert central.query("SELECT note FROM interaction WHERE id = %s", there) == [("kept",)]
    assert central.query("SELECT count(*) FROM interaction") == [(len(rows),)]
    # Logged as applied, as the row-by-row insert logged them.
    logged = central.query("SELECT count(*) FROM change_log WHERE entity = 'interaction'")
    assert logged == [(len(rows) + len(again),)]
    b.sync.sync_once()
    with b.db.read() as s:
        from posassist.storage.orm import Interaction

        assert s.query(Interaction).count() == len(rows)


def _stamp(reg: Reg) -> str:
    return reg.backend.ctx.hlc.now().encode()


def test_a_bad_row_in_a_bulk_push_is_rejected_alone(
    registers: MakeReg, central: Central, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="posassist.sync.central.push")
    a, b = registers("Register A"), registers("Register B")
    converge([a, b])
    queue_visits(a, customers=30, visits_each=9)  # 300 ops
    rows = _interaction_rows(a)
    bad = {rows[17][0], rows[200][0]}  # two visits naming a customer central never had
    for seq, _, payload in rows:
        if seq in bad:
            _rewrite_payload(a, seq, {**payload, "customer_id": str(uuid.uuid4())})
    a.sync.sync_once()
    assert "replaying" in caplog.text  # the COPY failed the batch; the halving found them
    states = outbox_states(a)
    assert states.get("dead", 0) == 2
    assert states.get("pending", 0) == 0
    with a.db.read() as s:
        from posassist.storage.orm import Outbox

        dead = s.query(Outbox).filter(Outbox.state == "dead").all()
        assert {d.seq for d in dead} == bad
        assert all((d.last_error or "").startswith(MISSING_REFERENCE) for d in dead)
    assert central.query("SELECT count(*) FROM interaction") == [(270 - 2,)]
    assert central.query("SELECT count(*) FROM customer") == [(30,)]
    b.sync.sync_once()
    assert_exactly_once(central, [a, b], dead={"Register A": bad})


def test_a_value_of_another_type_keeps_the_row_by_row_insert(
    registers: MakeReg, central: Central, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="posassist.sync.central.push")
    a = registers("Register A")
    a.sync.sync_once()
    queue_visits(a, customers=8, visits_each=9)
    rows = _interaction_rows(a)
    seq, odd, payload = rows[5]
    # By COPY, "12.5" would be refused for a bigint; a bound float is rounded by the
    # database, as it always was for such a payload.
    _rewrite_payload(a, seq, {**payload, "basket_minor": 12.5})
    report = a.sync.sync_once()
    assert "replaying" not in caplog.text  # the batch went through whole, not op by op
    assert report.dead == 0
    assert outbox_states(a).get("pending", 0) == 0
    assert central.query("SELECT basket_minor FROM interaction WHERE id = %s", odd) == [(12,)]
    assert central.query("SELECT count(*) FROM interaction") == [(72,)]


def test_a_pull_batch_with_a_customer_made_and_edited_ends_as_edited(
    registers: MakeReg, central: Central
) -> None:
    a, b = registers("Register A"), registers("Register B")
    converge([a, b])
    made = queue_visits(a, customers=40, visits_each=4)
    cid = add_customer(a, "Edited Later")
    a.backend.customers.update_notes(cid, "second", "")
    a.sync.sync_once()
    report = b.sync.sync_once()
    assert report.pulled >= 40 * 5 + 2
    assert report.problems == 0
    with b.db.read() as s:
        from posassist.storage.orm import Customer, Interaction

        edited = s.get(Customer, cid)
        assert edited is not None
        assert (edited.display_name, edited.notes) == ("Edited Later", "second")
        assert s.query(Interaction).filter(Interaction.customer_id == made[-1]).count() == 4
    assert_converged(central, [a, b])


def test_a_batch_stops_at_its_byte_budget_but_always_takes_one_op(registers: MakeReg) -> None:
    a = registers("Register A")
    queue_visits(a, customers=3, visits_each=9)  # 30 ops
    sizes = [len(json.dumps(p)) for _, _, p in _interaction_rows(a)]
    assert len(pending_batch(a.db, 100)) == 30
    assert len(pending_batch(a.db, 100, max_bytes=1)) == 1  # one op, however large
    few = pending_batch(a.db, 100, max_bytes=5 * max(sizes))
    assert 1 < len(few) < 30
    assert [op.seq for op in few] == sorted(op.seq for op in few)  # the oldest ones
    assert few[0].seq == pending_batch(a.db, 1)[0].seq
