"""Pushes from different registers run side by side; the change-log lock is held only
for the log rows and the commit (``sync/central/push.py``), against the real server.

Before, a push took the change-log lock with its first statement and held it to its
commit, so one slow register (a busy PC, a slow link) held up every other push in the
chain: 50 registers queued behind it (``docs/scaling.md``, step 0).
"""

from __future__ import annotations

import threading

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
