"""Pushes from different registers run side by side; the change-log lock is held only
for the log rows and the commit (``sync/central/push.py``), against the real server.

Before, a push took the change-log lock with its first statement and held it to its
commit, so one slow register (a busy PC, a slow link) held up every other push in the
chain: 50 registers queued behind it (``docs/scaling.md``, step 0).
"""

from __future__ import annotations

import threading
import time

import pytest

from posassist.errors import SyncError
from tests.sync.helpers import (
    Central,
    MakeReg,
    add_customer,
    assert_converged,
    assert_exactly_once,
    converge,
    queue_visits,
)


def test_a_push_paused_mid_write_does_not_hold_up_another_registers_push(
    registers: MakeReg, central: Central
) -> None:
    paused = threading.Event()
    release = threading.Event()

    def pause_after_writing(point: str) -> None:
        if point == "applied" and not paused.is_set():
            paused.set()
            assert release.wait(30), "never released"

    a = registers("Register A", fault=pause_after_writing)
    b = registers("Register B", branch="B02")
    queue_visits(a, 20, 2)
    shared = add_customer(b, "Both Edit")
    b.sync.sync_once()
    queue_visits(b, 20, 2)
    results: dict[str, object] = {}
    slow = threading.Thread(target=lambda: results.setdefault("a", a.sync.sync_once()))
    slow.start()
    try:
        assert paused.wait(30), "A's push never reached its writes"
        done = threading.Event()
        fast = threading.Thread(
            target=lambda: (results.setdefault("b", b.sync.sync_once()), done.set())
        )
        fast.start()
        # B's whole cycle (push and pull) ends while A sits inside its transaction.
        assert done.wait(20), "B's push waited for A's: the change-log lock is held too long"
        fast.join(5)
    finally:
        release.set()
        slow.join(60)
    assert getattr(results["b"], "acked", 0) > 0
    assert getattr(results["a"], "acked", 0) > 0
    converge([a, b])
    assert_converged(central, [a, b])
    assert_exactly_once(central, [a, b])
    assert a.backend.customers.search("Both Edit")[0].id == shared


def test_a_push_queued_behind_a_long_one_ends_as_central_busy_not_as_a_hanging_network(
    registers: MakeReg, central: Central
) -> None:
    """B's push waits for the change-log lock that A holds (A stopped just before its
    commit). Its lock wait ends inside B's deadline with the server's own answer, so B
    says "central busy" (a network check would send IT to the cables), keeps its
    changes and sends them once A is through."""
    paused = threading.Event()
    release = threading.Event()

    def pause_before_commit(point: str) -> None:
        if point == "before_commit" and not paused.is_set():
            paused.set()
            assert release.wait(60), "never released"

    a = registers("Register A", fault=pause_before_commit)
    b = registers("Register B", branch="B02", op_timeout=3.0)
    add_customer(b, "Bea Early")
    b.sync.sync_once()  # B's branch and staff are known: its next push is only new rows
    queue_visits(a, 5, 1)
    add_customer(b, "Bea Waiting")
    slow = threading.Thread(target=a.sync.sync_once)
    slow.start()
    try:
        assert paused.wait(30), "A's push never reached its commit"
        t0 = time.monotonic()
        with pytest.raises(SyncError) as raised:
            b.sync.sync_once()
        waited = time.monotonic() - t0
        assert raised.value.kind == "busy", raised.value
        assert "busy" in str(raised.value)
        assert waited < 3.0 + 1.0  # the server's answer, not the watchdog's cut
        assert b.sync.status().queue.pending >= 1  # kept, to be sent again
    finally:
        release.set()
        slow.join(60)
    converge([a, b])
    assert_converged(central, [a, b])
    assert_exactly_once(central, [a, b])
