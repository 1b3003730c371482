"""Central restored from a ``pg_dump``: registers resend, re-pull and say so.

Against the real server with its own ``pg_dump`` / ``pg_restore``: sync; dump; sync
more; drop and restore; write more on both registers; sync. Everything converges,
every op is applied exactly once, and no change is numbered below a cursor.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import func, select

from posassist.config import load_settings
from posassist.devtools.pgserver import find_pg_binaries
from posassist.services.customers import NewCustomer
from posassist.services.diagnostics import check_sync_clock
from posassist.storage.orm import Outbox
from posassist.sync.central.restore import RESTORE_GAP
from posassist.sync.migrate import init_central
from posassist.sync.protocol import MISSING_REFERENCE
from tests.sync.helpers import (
    Central,
    MakeReg,
    Reg,
    add_customer,
    assert_converged,
    assert_exactly_once,
    converge,
    queue_visits,
)


def _tool(name: str) -> str:
    binaries = find_pg_binaries()
    assert binaries is not None
    return binaries.tool(name)


def _conn_args(central: Central) -> list[str]:
    t = central.target()
    return ["-h", t.host, "-p", str(t.port), "-U", t.user]


def _dump(central: Central, path: Path) -> None:
    args = [_tool("pg_dump"), *_conn_args(central), "-Fc", "-f", str(path), central.dbname]
    subprocess.run(args, check=True, capture_output=True)


def _drop_and_restore(central: Central, regs: list[Reg], path: Path) -> None:
    for reg in regs:
        reg.sync.link.close()
    with _admin(central) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(central.dbname))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(central.dbname)))
    args = [_tool("pg_restore"), *_conn_args(central), "-d", central.dbname, str(path)]
    subprocess.run(args, check=True, capture_output=True)


def _admin(central: Central) -> psycopg.Connection[Any]:
    return psycopg.connect(**central.server.conninfo(), autocommit=True)


def _ops(reg: Reg) -> int:
    with reg.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(Outbox)) or 0)


def _write(reg: Reg, customers: int, tag: str) -> None:
    queue_visits(reg, customers, 2)
    reg.backend.customers.create(NewCustomer(f"Edited {tag} {reg.name}"))


def _figures(central: Central, regs: list[Reg]) -> tuple[int, int, int]:
    """(ops written, ops lost, ops logged twice)."""
    applied = {str(r[0]) for r in central.query("SELECT op_id FROM applied_ops")}
    doubled = central.query(
        "SELECT count(*) FROM (SELECT op_id FROM change_log GROUP BY op_id HAVING count(*) > 1) d"
    )[0][0]
    ops = lost = 0
    for reg in regs:
        with reg.db.read() as s:
            ids = [str(i) for i in s.scalars(select(Outbox.op_id))]
        ops += len(ids)
        lost += sum(1 for i in ids if i not in applied)
    return ops, lost, int(doubled)


@pytest.mark.parametrize("with_init", [False, True], ids=["registers alone", "central init"])
def test_central_restored_from_a_dump(
    tmp_path: Path, registers: MakeReg, central: Central, with_init: bool
) -> None:
    a, b = registers("Register A"), registers("Register B", branch="B02")
    regs = [a, b]
    _write(a, 3, "before")
    _write(b, 2, "before")
    converge(regs)
    dump = tmp_path / "central.dump"
    _dump(central, dump)
    before_a, before_b = _ops(a), _ops(b)
    _write(a, 4, "after dump")
    _write(b, 3, "after dump")
    converge(regs)
    cursors = {reg.name: reg.sync.status().cursor for reg in regs}
    mid = {reg.name: _ops(reg) for reg in regs}
    _drop_and_restore(central, regs, dump)
    if with_init:
        result = init_central(central.target())
        assert result.restored is not None
        assert result.restored.next_seq > max(cursors.values())
    _write(a, 2, "after restore")
    _write(b, 2, "after restore")
    converge(regs)
    ops, lost, doubled = _figures(central, regs)
    print(
        f"restore fault test ({'with' if with_init else 'without'} central init): "
        f"ops={ops} lost={lost} doubled={doubled}"
    )
    assert (lost, doubled) == (0, 0)
    assert_exactly_once(central, regs)
    assert_converged(central, regs)
    # Each register tells IT (status, and doctor with the count resent), and no change
    # made after the restore got a number some register had already passed.
    for reg, before in ((a, before_a), (b, before_b)):
        record = reg.sync.status().restore
        assert record is not None
        assert record.restore_point is not None
        assert record.resent == mid[reg.name] - before
        assert record.cursor_before == cursors[reg.name]
        assert record.cursor_after == record.restore_point
        settings = load_settings(data_dir=reg.data_dir, env={"POSASSIST_CENTRAL_HOST": "x"})
        texts = [f.what for f in check_sync_clock(settings)]
        assert any(
            f"{record.resent:,} changes of this register were sent again" in t for t in texts
        )
    (low,) = central.query(
        "SELECT min(server_seq) FROM change_log WHERE server_seq > %s", record.restore_point
    )[0]
    assert low > max(cursors.values())
    assert low > RESTORE_GAP


def _holds_set_up(reg: Reg, branch_name: str) -> None:
    from tests.sync.test_sync_holds import _set_up

    _set_up(reg, branch_name)


@pytest.mark.parametrize("first", ["requester", "holder"])
def test_holds_stock_and_picks_made_after_the_dump_are_resent_and_decided_again(
    tmp_path: Path, registers: MakeReg, central: Central, first: str
) -> None:
    """A hold asked at A and accepted at B after the dump, a count and a pick made after
    it: all resent after the restore, in whichever order the registers come back."""
    from posassist.domain.picks import PickInput
    from posassist.services.context import branch_id_for
    from tests.sync.helpers import add_customer

    a, b = registers("Register A", branch="B01"), registers("Till 1", branch="B02")
    _holds_set_up(a, "Downtown")
    _holds_set_up(b, "Northside")
    converge([a, b], rounds=2)
    dump = tmp_path / "central.dump"
    _dump(central, dump)
    maria = add_customer(a, "Maria Lopez", card_code="C1000042")
    hold = a.backend.holds.request(branch_id_for("B02"), "P2", maria)
    converge([a, b], rounds=1)
    b.backend.holds.mark(hold.code, "accepted")
    b.backend.catalog.set_stock("P2", 7)
    a.backend.picks.set_pick(PickInput("Audio", 1, "P2", "Ana", "Best under $100"))
    converge([a, b])
    assert central.query("SELECT state FROM hold_request")[0][0] == "accepted"
    _drop_and_restore(central, [a, b], dump)
    assert central.query("SELECT count(*) FROM hold_request")[0][0] == 0
    order = [a, b] if first == "requester" else [b, a]
    converge(order)
    assert central.query("SELECT state FROM hold_request")[0][0] == "accepted"
    assert central.query("SELECT on_hand FROM branch_stock")[0][0] == 7
    assert central.query("SELECT sku, removed FROM staff_pick") == [("P2", False)]
    for reg in (a, b):
        assert reg.backend.holds.hold(hold.code).state == "accepted"
        assert reg.sync.status().queue.dead == 0
    assert_exactly_once(central, [a, b])
    assert_converged(central, [a, b])


def test_a_change_resent_before_the_one_it_needs_goes_through_once_that_one_is_back(
    tmp_path: Path, registers: MakeReg, central: Central
) -> None:
    """After the dump, A adds a customer and B logs her visit. Restored, B resends first:
    central refuses the visit (its customer is missing), then A resends the customer; B's
    next sync pulls her and sends the visit again by itself, with no step from IT."""
    a, b = registers("Register A"), registers("Register B", branch="B02")
    regs = [a, b]
    converge(regs)
    dump = tmp_path / "central.dump"
    _dump(central, dump)
    ada = add_customer(a, "Ada After-Dump")
    converge(regs)
    b.backend.interactions.log(ada, "service", note="helped after the dump")
    converge(regs)
    _drop_and_restore(central, regs, dump)
    b.sync.sync_once()  # B first: the visit arrives before its customer
    with b.db.read() as s:
        refused = s.execute(
            select(Outbox.state, Outbox.last_error).where(Outbox.entity == "interaction")
        ).all()
    assert [state for state, _ in refused] == ["dead"]
    assert refused[0][1].startswith(MISSING_REFERENCE)
    a.sync.sync_once()  # A resends the customer
    b.sync.sync_once()  # B pulls her, and the visit goes again
    with b.db.read() as s:
        assert s.scalars(select(Outbox.state).where(Outbox.state == "dead")).all() == []
    assert central.query("SELECT count(*) FROM interaction WHERE customer_id = %s", ada) == [(1,)]
    converge(regs)
    assert_exactly_once(central, regs)
    assert_converged(central, regs)
