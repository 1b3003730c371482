"""The audit trail in the central database (real PostgreSQL): kept as received, verified."""

from __future__ import annotations

import sqlite3
import uuid

import psycopg
import pytest
from sqlalchemy import select

from posassist.services.audit_trail import record
from posassist.storage.database import STORE_FILENAME
from posassist.storage.orm import Outbox
from tests.sync.helpers import Central, MakeReg, Reg, outbox_states

_UNLOCK = "ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"


def _recorded(reg: Reg, n: int) -> None:
    for i in range(n):
        with reg.db.write() as s:
            record(s, reg.backend.ctx, "export", "report", f"r{i}", f"{i} rows")
    reg.sync.sync_once()


def test_entries_reach_central_once_and_verify(registers: MakeReg, central: Central) -> None:
    a, b = registers("Till A"), registers("Till B")
    _recorded(a, 3)
    _recorded(b, 2)
    a.sync.sync_once()  # pulls nothing of B's trail: registers keep their own only
    held = central.query("SELECT register_id, seq FROM audit_entry ORDER BY register_id, seq")
    assert sorted((str(r), n) for r, n in held) == sorted(
        [(str(a.backend.ctx.register_id), n) for n in (1, 2, 3)]
        + [(str(b.backend.ctx.register_id), n) for n in (1, 2)]
    )
    assert central.query("SELECT count(*) FROM change_log WHERE entity = 'audit_entry'") == [(0,)]
    assert a.backend.audit.entries()
    assert len(a.backend.audit.entries()) == 3
    verdict = a.backend.audit.verify(central=True)
    assert verdict.ok
    assert (verdict.entries, verdict.central_entries) == (3, 5)
    with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        central.query("DELETE FROM audit_entry")


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (["UPDATE audit_entry SET detail = 'x' WHERE seq = 3"], "entry 3 of register Till A ("),
        (["DELETE FROM audit_entry WHERE seq = 2"], "entry 2 of register Till A ("),
        (
            [
                "UPDATE audit_entry SET seq = -1 WHERE seq = 3",
                "UPDATE audit_entry SET seq = 3 WHERE seq = 4",
                "UPDATE audit_entry SET seq = 4 WHERE seq = -1",
            ],
            "entries 3 and 4 of register Till A (",
        ),
    ],
    ids=["edited", "deleted", "reordered"],
)
def test_central_tampering_is_named(
    registers: MakeReg, central: Central, tamper: list[str], expected: str
) -> None:
    a = registers("Till A")
    _recorded(a, 5)
    with central.connect() as conn:
        conn.execute(_UNLOCK)
        for statement in tamper:
            conn.execute(statement)  # type: ignore[arg-type]
    assert a.backend.audit.verify().ok  # the register's own copy is intact
    verdict = a.backend.audit.verify(central=True)
    assert verdict.message.startswith(expected)
    assert verdict.message.endswith("(in the central database)")
    kind = {"entry 3": "edited", "entry 2": "missing", "entries": "out_of_order"}
    assert verdict.problem is not None
    assert verdict.problem.kind == next(v for k, v in kind.items() if expected.startswith(k))


def test_the_newest_entries_deleted_here_are_caught_by_central(
    registers: MakeReg, central: Central
) -> None:
    a = registers("Till A")
    _recorded(a, 4)
    raw = sqlite3.connect(a.data_dir / STORE_FILENAME)
    raw.execute("DROP TRIGGER audit_log_no_delete")
    raw.execute("DELETE FROM audit_log WHERE seq = 4")
    raw.commit()
    raw.close()
    assert a.backend.audit.verify().ok  # the chain alone cannot show a cut-off end
    verdict = a.backend.audit.verify(central=True)
    assert verdict.message.startswith("entry 4 of register Till A (")
    assert "is missing (deleted) (on this register; central holds it)" in verdict.message


def test_other_content_for_a_held_entry_is_refused_naming_it(
    registers: MakeReg, central: Central
) -> None:
    a = registers("Till A")
    _recorded(a, 2)
    with a.db.write() as s:
        sent = s.scalars(
            select(Outbox).where(Outbox.entity == "audit_entry").order_by(Outbox.seq)
        ).all()
        again = {**sent[1].payload}
        changed = {**sent[1].payload, "detail": "0 rows"}
        for payload in (again, changed):  # the same entry twice: once as it was, once changed
            s.add(
                Outbox(
                    op_id=uuid.uuid4(),
                    entity="audit_entry",
                    entity_id=sent[1].entity_id,
                    op="insert",
                    payload=payload,
                    hlc=a.backend.ctx.stamp(),
                )
            )
    a.sync.sync_once()
    states = outbox_states(a)
    assert states.get("dead") == 1
    assert "pending" not in states  # the identical resend: a duplicate, acknowledged
    dead = a.sync.dead_letters()
    assert len(dead) == 1
    assert "audit entry 2 of this register is held centrally with other content" in dead[0].reason
    assert central.query("SELECT detail FROM audit_entry WHERE seq = 2") == [("1 rows",)]
