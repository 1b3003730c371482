"""A pull never holds the store's write lock for long: the cashier's writes get through.

A page of 2,000 changes applied in one transaction held the lock past SQLite's 5 s busy
timeout under the load test, and the cashier's writes failed "store busy". A page is now
applied in slices of about ``SLICE_SECONDS``, each with its cursor; between two, the pull
lets a write already asked for go first.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from posassist.errors import StoreError
from posassist.storage.orm import Customer, Interaction
from posassist.sync import pull
from tests.sync.helpers import Central, MakeReg, assert_converged, queue_visits


def _committed(path: Any) -> tuple[int, set[str]]:
    """The pull cursor and interaction ids a fresh connection sees: what is committed."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT value FROM sync_state WHERE key = ?", (pull.CURSOR_KEY,))
        found = row.fetchone()
        ids = {str(r[0]) for r in conn.execute("SELECT id FROM interaction")}
    finally:
        conn.close()
    return (int(found[0]) if found else 0), ids


def test_a_long_pull_commits_in_slices_each_with_the_cursor_of_what_it_applied(
    registers: MakeReg, central: Central, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = registers("Register A")
    b = registers("Register B", branch="B02")
    queue_visits(a, customers=150, visits_each=3)  # 600 changes: one page of the pull
    a.sync.sync_once()
    monkeypatch.setattr(pull, "_FIRST_SLICE", 20)
    monkeypatch.setattr(pull, "SLICE_SECONDS", 0.0)  # every slice as small as allowed

    seen: list[tuple[int, set[str]]] = []

    def after_commit(session: Session) -> None:
        bind = session.get_bind()
        if str(bind.url.database) == str(b.db.path):
            seen.append(_committed(b.db.path))

    event.listen(Session, "after_commit", after_commit)
    try:
        report = b.sync.sync_once()
    finally:
        event.remove(Session, "after_commit", after_commit)

    assert report.pulled >= 600  # and the register, branch and staff rows of A
    cursors = [cursor for cursor, _ in seen]
    advanced = sorted(set(cursors) - {0})
    assert len(advanced) >= 600 // pull._MIN_SLICE  # old code: one transaction for the page
    assert cursors == sorted(cursors)
    # Each commit holds exactly the interactions of the changes up to its cursor.
    logged = central.query(
        "SELECT server_seq, replace(entity_id, '-', '') FROM change_log"
        " WHERE entity = 'interaction' ORDER BY server_seq"
    )
    for cursor, ids in seen:
        assert ids == {eid for seq, eid in logged if seq <= cursor}, cursor
    assert_converged(central, [a, b])


def test_a_slice_that_holds_a_bad_row_keeps_what_earlier_slices_applied(
    registers: MakeReg, central: Central, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The row-by-row replay of one slice starts its own count afresh, not the batch's."""
    a = registers("Register A")
    b = registers("Register B", branch="B02")
    made = queue_visits(a, customers=20, visits_each=2)
    a.sync.sync_once()
    # A poison row at the end of the log (an interaction naming no customer anywhere).
    with central.connect() as conn:
        conn.execute(
            "INSERT INTO change_log (op_id, entity, entity_id, op, payload, hlc, origin)"
            " SELECT gen_random_uuid(), entity, gen_random_uuid()::text, op,"
            " jsonb_set(payload, '{customer_id}', to_jsonb(gen_random_uuid()::text)),"
            " hlc, origin FROM change_log WHERE entity = 'interaction'"
            " ORDER BY server_seq DESC LIMIT 1"
        )
    monkeypatch.setattr(pull, "_FIRST_SLICE", 20)
    monkeypatch.setattr(pull, "SLICE_SECONDS", 0.0)

    report = b.sync.sync_once()

    assert report.problems == 1
    ((logged,),) = central.query("SELECT count(*) FROM change_log")
    assert report.pulled == logged - 1  # the refused row is a problem, not counted applied
    assert set(made) <= report.customers_touched  # from every slice, not the last alone
    with b.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Interaction)) == 40


def test_yield_to_writers_lets_an_open_write_end_first(backend: Any) -> None:
    db = backend.db
    opened = threading.Event()
    ended: list[float] = []

    def cashier() -> None:
        with db.write() as s:
            s.connection()  # takes SQLite's write lock, as a cashier's write does
            opened.set()
            time.sleep(0.3)
            ended.append(time.monotonic())

    worker = threading.Thread(target=cashier)
    worker.start()
    assert opened.wait(5)
    db.yield_to_writers()
    resumed = time.monotonic()
    worker.join(5)
    assert ended
    assert resumed >= ended[0]
    # Bounded: a write open longer than the timeout is not waited out.
    opened.clear()
    worker = threading.Thread(target=cashier)
    worker.start()
    assert opened.wait(5)
    start = time.monotonic()
    db.yield_to_writers(timeout=0.05)
    assert time.monotonic() - start < 0.25
    worker.join(5)


def test_a_pull_cut_short_after_some_slices_still_tells_the_window_what_came(
    registers: MakeReg, central: Central, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slices (and pages) commit one by one; a fault after the first must not leave the
    name index and the open card unaware of what is already in the store."""
    a = registers("Register A")
    b = registers("Register B", branch="B02")
    made = set(queue_visits(a, customers=60, visits_each=0))
    a.sync.sync_once()
    monkeypatch.setattr(pull, "_FIRST_SLICE", 20)
    monkeypatch.setattr(pull, "SLICE_SECONDS", 0.0)
    heard: list[set[Any]] = []
    b.sync.on_customers_changed(heard.append)
    # Another program takes the store's write lock once B's first slice is in: B's next
    # slice waits out SQLite's busy timeout and fails, as it would in a shop.
    other = sqlite3.connect(b.db.path, isolation_level=None, timeout=0)

    def lock_after_first(session: Session) -> None:
        ours = str(session.get_bind().url.database) == str(b.db.path)
        if ours and not other.in_transaction and _committed(b.db.path)[0] > 0:
            other.execute("BEGIN IMMEDIATE")

    event.listen(Session, "after_commit", lock_after_first)
    try:
        with pytest.raises(StoreError) as caught:
            b.sync.sync_once()
    finally:
        event.remove(Session, "after_commit", lock_after_first)
        other.rollback()
        other.close()
    assert caught.value.kind == "busy"
    cursor, _ = _committed(b.db.path)
    assert cursor > 0  # the first slice stayed in
    with b.db.read() as s:
        here = {c for c in made if s.get(Customer, c) is not None}
    assert here  # some of A's customers arrived before the fault
    assert heard  # old code: nothing told, and the cursor already past them
    assert here <= set().union(*heard)
    # The next cycle brings the rest, and tells of it.
    b.sync.sync_once()
    assert made <= set().union(*heard)


def test_a_cashier_who_asks_between_two_slices_goes_before_the_next(
    registers: MakeReg, central: Central, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cashier's write asked for (the session open, the lock not yet taken) when a
    slice commits is saved before the next slice: the pull waits for it. Without the wait,
    the pull takes the lock again at once, and the cashier's retries (SQLite's busy
    handler sleeps up to 100 ms between them) lose to slice after slice."""
    a = registers("Register A")
    b = registers("Register B", branch="B02")
    queue_visits(a, customers=40, visits_each=2)
    a.sync.sync_once()
    monkeypatch.setattr(pull, "_FIRST_SLICE", 20)
    monkeypatch.setattr(pull, "SLICE_SECONDS", 0.0)
    order: list[str] = []  # the store's commits, in order: the pull's slices, the cashier's
    asked = threading.Event()

    def cashier() -> None:
        with b.db.write() as s:
            asked.set()
            time.sleep(0.3)  # typing the note: the session is open, the lock not yet taken
            s.connection()

    def after_commit(session: Session) -> None:
        if str(session.get_bind().url.database) != str(b.db.path):
            return
        if threading.current_thread().name == "cashier":
            order.append("cashier")
            return
        if _committed(b.db.path)[0] == 0:
            return  # the push's commits, before the pull
        order.append("slice")
        if order.count("slice") == 1:
            threading.Thread(target=cashier, name="cashier", daemon=True).start()
            assert asked.wait(5)

    event.listen(Session, "after_commit", after_commit)
    try:
        b.sync.sync_once()
    finally:
        event.remove(Session, "after_commit", after_commit)
    assert order.index("cashier") == 1, order  # old code: after every slice of the page


def test_a_page_starts_at_the_slice_size_the_last_page_shrank_to() -> None:
    assert pull.SliceSize().first() == pull._FIRST_SLICE  # nothing learned yet
    assert pull.SliceSize(next=60).first() == 60  # a slow register stays small
    assert pull.SliceSize(next=pull.PULL_LIMIT).first() == pull._FIRST_SLICE  # never more
