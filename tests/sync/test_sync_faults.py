"""Fault tests: the network and the server fail the ways they do in shops.

Each case ends the same way: no op lost, none applied twice, every register and the
central database hold the same full state.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from psycopg import sql
from sqlalchemy import select, text

from posassist.errors import SyncError
from posassist.services.customers import NewCustomer
from posassist.storage.database import open_database
from posassist.storage.orm import Customer, Interaction, Outbox
from posassist.sync.engine import Backoff, SyncStatus
from tests.sync.helpers import (
    Central,
    MakeReg,
    Reg,
    assert_converged,
    assert_exactly_once,
    central_state,
    converge,
    open_register,
    outbox_states,
    queue_visits,
)
from tests.sync.proxy import TcpProxy


@pytest.fixture
def proxy(central: Central) -> Iterator[TcpProxy]:
    p = TcpProxy(central.server.port)
    yield p
    p.close()


def _finish(central: Central, regs: list[Reg]) -> None:
    converge(regs)
    assert_exactly_once(central, regs)
    assert_converged(central, regs)


def test_server_stopped_in_the_middle_of_a_batch(registers: MakeReg, central: Central) -> None:
    calls = 0

    def crash_on_third_batch(stage: str) -> None:
        nonlocal calls
        if stage == "applied":
            calls += 1
            if calls == 3:  # effects written, change log not yet, nothing committed
                central.server.stop("immediate")

    a = registers("Register A", batch_size=50, fault=crash_on_third_batch)
    b = registers("Register B")
    queue_visits(a, customers=20, visits_each=9)  # 200 ops: 4 batches of 50
    with pytest.raises(SyncError):
        a.sync.sync_once()
    assert outbox_states(a) == {"acked": 100, "pending": 100}  # 2 batches in, 2 waiting
    central.ensure_running()
    a.sync.sync_once()
    assert outbox_states(a) == {"acked": 200}
    assert len(central_state(central)["interaction"]) == 180
    _finish(central, [a, b])


def test_acknowledgement_lost_after_the_server_committed(
    registers: MakeReg, central: Central, proxy: TcpProxy
) -> None:
    a = registers("Register A", port=proxy.port)
    b = registers("Register B")
    queue_visits(a, customers=10, visits_each=4)
    proxy.drop_next_commit()
    with pytest.raises(SyncError):
        a.sync.sync_once()
    assert proxy.commits_dropped == 1
    # The server has everything, the register does not know it: all still pending.
    assert len(central_state(central)["interaction"]) == 40
    assert outbox_states(a) == {"pending": 50}
    report = a.sync.sync_once()  # resends the same op ids; the server says "already have"
    assert report.acked == 50
    assert len(central_state(central)["interaction"]) == 40
    _finish(central, [a, b])


def test_link_hanging_before_and_during_a_push(
    registers: MakeReg, central: Central, proxy: TcpProxy
) -> None:
    hang_now = threading.Event()

    def hang_mid_push(stage: str) -> None:
        if stage == "applied" and hang_now.is_set():
            hang_now.clear()
            proxy.hang()

    a = registers("Register A", port=proxy.port, op_timeout=1.5, fault=hang_mid_push)
    b = registers("Register B")
    queue_visits(a, customers=5, visits_each=3)
    proxy.hang()
    t0 = time.monotonic()
    with pytest.raises(SyncError):
        a.sync.sync_once()
    assert time.monotonic() - t0 < 6  # connect_timeout / watchdog, not forever
    proxy.resume()
    a.sync.sync_once()
    # Now hang in the middle of a push: statements sent, the answer never comes.
    queue_visits(a, customers=5, visits_each=3)
    hang_now.set()
    t0 = time.monotonic()
    with pytest.raises(SyncError, match="did not answer"):
        a.sync.sync_once()
    assert time.monotonic() - t0 < 6
    proxy.resume()
    deadline = time.monotonic() + 20
    while True:  # the server drops the abandoned transaction once its client is gone
        try:
            a.sync.sync_once()
            break
        except SyncError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    _finish(central, [a, b])


def test_two_registers_push_the_same_ops_at_the_same_time(
    tmp_path: Path, registers: MakeReg, central: Central
) -> None:
    a = registers("Register A")
    queue_visits(a, customers=30, visits_each=10)
    a.backend.close()
    # A restored backup: a second copy of the same store with the same queued ops.
    shutil.copytree(a.data_dir, tmp_path / "copy")
    (tmp_path / "copy" / "posassist.lock").unlink(missing_ok=True)
    a1 = open_register(a.data_dir, central, name="Register A", batch_size=40)
    a2 = open_register(tmp_path / "copy", central, name="Register A", batch_size=40)
    b = registers("Register B")
    try:
        errors: list[BaseException] = []
        start = threading.Barrier(2)

        def push(reg: Reg) -> None:
            start.wait()
            try:
                reg.sync.sync_once()
            except Exception as exc:  # noqa: BLE001 — collected, asserted empty below
                errors.append(exc)

        threads = [threading.Thread(target=push, args=(r,)) for r in (a1, a2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        assert len(central_state(central)["interaction"]) == 300
        _finish(central, [a1, a2, b])
    finally:
        a1.close()
        a2.close()


def test_ten_thousand_ops_queued_in_a_long_outage_then_delivered(
    registers: MakeReg, central: Central
) -> None:
    a = registers("Register A")
    b = registers("Register B")
    a.sync.sync_once()
    central.server.stop("immediate")
    statuses: list[SyncStatus] = []
    loop = a.sync.new_loop(statuses.append, backoff=Backoff(base=0.05, cap=0.2), tick=0.05)
    worker = threading.Thread(target=loop.run)
    worker.start()
    try:
        queue_visits(a, customers=1000, visits_each=9)  # 10,000 ops while offline
        time.sleep(1.0)  # the loop keeps retrying on its own, backing off
        offline = [s for s in statuses if s.state == "offline"]
        assert offline
        assert offline[-1].pending == 10_000
        assert offline[-1].offline_since is not None
        central.ensure_running()
        t0 = time.monotonic()
        while a.sync.status().queue.pending:
            assert time.monotonic() - t0 < 60, "queue did not drain"
            time.sleep(0.05)
        drained = time.monotonic() - t0
        while not (statuses[-1].state == "online" and statuses[-1].pending == 0):
            assert time.monotonic() - t0 < 60, statuses[-1]
            time.sleep(0.05)
    finally:
        loop.stop()
        worker.join(30)
    print(f"10,000 queued ops drained {drained:.2f} s after the server came back")
    assert len(central_state(central)["interaction"]) == 9000
    _finish(central, [a, b])


WRITER = textwrap.dedent(
    """
    import sys, uuid
    from pathlib import Path
    from posassist.app import build_backend
    from posassist.config import load_settings
    from posassist.services.context import open_context
    from posassist.services.customers import NewCustomer
    from posassist.storage.database import open_database

    data_dir = Path(sys.argv[1])
    env = {"POSASSIST_STORE_BRANCH_CODE": "B01", "POSASSIST_STORE_REGISTER_NAME": "Killed"}
    settings = load_settings(data_dir=data_dir, env=env)
    db = open_database(data_dir)
    backend = build_backend(settings, db, open_context(db, settings))
    i = 0
    while True:
        cid = backend.customers.create(NewCustomer(f"Killed Customer {i}"))
        iid = backend.interactions.log(cid, "purchase", basket_minor=i)
        print(cid.hex, iid.hex, flush=True)  # printed only after both commits
        i += 1
    """
)


def test_register_killed_while_writing_loses_nothing_committed(
    tmp_path: Path, central: Central, registers: MakeReg
) -> None:
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    data_dir = tmp_path / "killed"
    env = dict(os.environ, PYTHONPATH=str(Path.cwd()))
    proc = subprocess.Popen(
        [sys.executable, str(script), str(data_dir)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    committed: list[tuple[str, str]] = []
    try:
        while len(committed) < 40:
            line = proc.stdout.readline()
            assert line, "the writer died on its own"
            cid, iid = line.split()
            committed.append((cid, iid))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        proc.stdout.close()
    db = open_database(data_dir, migrate=False)
    try:
        with db.read() as s:
            assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            customers = {c.hex for c in s.scalars(select(Customer.id))}
            visits = {i.hex for i in s.scalars(select(Interaction.id))}
            queued = {r for r in s.scalars(select(Outbox.entity_id))}
        assert {c for c, _ in committed} <= customers
        assert {i for _, i in committed} <= visits
        assert {str(uuid.UUID(c)) for c, _ in committed} <= queued
    finally:
        db.close()
    killed = open_register(data_dir, central, name="Killed")
    other = registers("Register B")
    try:
        _finish(central, [killed, other])
        on_central = {r["id"] for r in _ids(central, "interaction")}
        assert {uuid.UUID(i) for _, i in committed} <= on_central
    finally:
        killed.close()


def _ids(central: Central, table: str) -> list[dict[str, uuid.UUID]]:
    query = sql.SQL("SELECT id FROM {}").format(sql.Identifier(table))
    return [{"id": r[0]} for r in central.query(query)]


def test_register_clocks_skewed_by_days(registers: MakeReg, central: Central) -> None:
    day = int(timedelta(days=1).total_seconds() * 1000)
    fast = registers("Register Fast", skew_ms=2 * day)
    slow = registers("Register Slow", skew_ms=-2 * day)
    right = registers("Register Right")
    regs = [fast, slow, right]
    ann = fast.backend.customers.create(NewCustomer("Ann Archer"))
    slow.backend.customers.create(NewCustomer("Sam Slow"))
    converge(regs)
    # Causal order wins over wall clocks: the slow register edits after seeing the fast
    # register's edit, four days "earlier" by its own clock, and its edit stands.
    fast.backend.customers.update_notes(ann, "fast wrote this", "")
    converge(regs)
    slow.backend.customers.update_notes(ann, "slow wrote this after", "")
    converge(regs)
    for reg in regs:
        assert reg.backend.customers.card(ann).notes == "slow wrote this after"
    # Concurrent edits on all three (nobody has seen the others'): one winner everywhere.
    for reg, note in ((fast, "f"), (slow, "s"), (right, "r")):
        reg.backend.customers.update_notes(ann, f"concurrent {note}", note)
        reg.backend.interactions.log(ann, "service", note=note)
    _finish(central, regs)
    notes = {reg.backend.customers.card(ann).notes for reg in regs}
    assert len(notes) == 1
