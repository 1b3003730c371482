"""Join by snapshot and a bounded change log, against the real central PostgreSQL.

A new register loads one consistent snapshot instead of replaying the log; pushes that
run while it reads land once; a prune bounds the log, and a register away for longer
than the horizon, with unsent changes, re-bootstraps by itself, losing and doubling
nothing; a register killed halfway through a bootstrap leaves its store as it was.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import func, select

from posassist.cli import main as cli_main
from posassist.errors import SyncError
from posassist.services.customers import ContactDetails
from posassist.services.sync import STORE_PROBLEM, SyncStatus, describe_bootstrap, status_report
from posassist.storage.orm import Customer, Interaction, Outbox, Product
from posassist.sync.bootstrap import AWAY, BOOTSTRAP_KEY, NEW, bootstrap
from posassist.sync.central.snapshot import log_floor, prune
from posassist.sync.outbox import get_state
from posassist.sync.pull import CURSOR_KEY, LogPrunedError, pull_once
from posassist.ui.sync_status import describe
from tests.sync.helpers import (
    Central,
    MakeReg,
    Reg,
    add_customer,
    assert_converged,
    assert_exactly_once,
    converge,
    local_state,
    open_register,
    outbox_states,
    queue_visits,
)

TOOK_A_CHUNK = "took a chunk"


def _products(reg: Reg, text: str) -> None:
    path = reg.data_dir / "products.csv"
    path.write_text(text, encoding="utf-8")
    reg.backend.catalog.import_products(path)


def _chain_with_history(a: Reg) -> None:
    """A register's history of every kind a snapshot carries."""
    queue_visits(a, 30, 3)
    ann = add_customer(a, "Ann Archer", card_code="C1000001")
    a.backend.customers.edit(
        ann,
        ContactDetails(
            "Anne Archer", phone="(212) 555-0101", card_code="C1000001", consent_contact=True
        ),
    )
    gone = add_customer(a, "Gone Person", phone="(212) 555-0199", consent_contact=True)
    _products(a, "sku,name,category\nK1,Blue kettle,Kitchen\nK2,Red kettle,Kitchen\n")
    a.sync.sync_once()
    a.privacy.erase_customer(gone)
    _products(a, "sku,name,category\nK1,Blue kettle 1.7 l,Kitchen\n")


def _cursor(reg: Reg) -> int:
    with reg.db.read() as s:
        return int(get_state(s, CURSOR_KEY) or 0)


def _high(central: Central) -> int:
    return int(central.query("SELECT coalesce(max(server_seq), 0) FROM change_log")[0][0])


def test_a_new_register_joins_by_snapshot_and_then_follows_the_log(
    registers: MakeReg, central: Central
) -> None:
    a = registers("Register A")
    _chain_with_history(a)
    a.sync.sync_once()
    b = registers("Register B", branch="B02")
    b.sync.engine.bootstrap_after = 0
    report = b.sync.sync_once()
    assert report.bootstrapped is not None
    assert report.bootstrapped.reason == NEW
    assert report.pulled == 0  # nothing replayed: the snapshot brought it all
    assert report.bootstrapped.rows["customer"] == 32
    assert report.bootstrapped.rows["interaction"] >= 90
    # Searchable at once, with what central holds: the edit, not the erased customer.
    assert [h.display_name for h in b.backend.customers.search("Anne Archer")] == ["Anne Archer"]
    assert b.backend.customers.search("Gone Person") == []
    with b.db.read() as s:  # the catalogue came too
        assert dict(s.execute(select(Product.sku, Product.name)).all()) == {
            "K1": "Blue kettle 1.7 l",
            "K2": "Red kettle",
        }
    assert _cursor(b) == report.bootstrapped.position
    # From the snapshot's position on, the log: a later edit arrives by pull.
    add_customer(a, "Later Larry")
    a.sync.sync_once()
    again = b.sync.sync_once()
    assert again.bootstrapped is None
    assert again.pulled >= 1
    converge([a, b])
    assert_converged(central, [a, b])
    assert_exactly_once(central, [a, b])
    with b.db.read() as s:
        assert str(get_state(s, BOOTSTRAP_KEY)).split("|")[1] == NEW


def test_pushes_running_during_the_snapshot_land_exactly_once(
    registers: MakeReg, central: Central
) -> None:
    a = registers("Register A")
    queue_visits(a, 1500, 4)  # a snapshot that takes a while to read
    a.sync.sync_once()
    writer = registers("Register W")
    writer.sync.sync_once()
    b = registers("Register B")
    b.sync.engine.bootstrap_after = 0
    stop = threading.Event()
    pushed_at: list[float] = []

    def keep_writing() -> None:
        while not stop.is_set():
            queue_visits(writer, 5, 2)
            if writer.sync.sync_once().acked:
                pushed_at.append(time.monotonic())

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        began = time.monotonic()
        report = b.sync.sync_once()
        ended = time.monotonic()
    finally:
        stop.set()
        thread.join(60)
    assert report.bootstrapped is not None
    during = [t for t in pushed_at if began < t < ended]
    assert during, "no push landed while the new register synced"
    assert _high(central) > report.bootstrapped.position  # some came after the snapshot
    converge([a, writer, b])
    assert_converged(central, [a, writer, b])
    assert_exactly_once(central, [a, writer, b])


def _age_everything(central: Central, days: int) -> None:
    """Make every change so far ``days`` old (what time would do)."""
    with central.connect() as conn:
        conn.execute(
            "UPDATE change_log SET committed_at = committed_at - make_interval(days => %s)",
            (days,),
        )
        conn.execute(
            "UPDATE applied_ops SET applied_at = applied_at - make_interval(days => %s)",
            (days,),
        )


def _prune_by_cli(
    central: Central, tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> dict[str, object]:
    """``posassist central prune --json``, as store IT runs it from its own settings."""
    t = central.target()
    config = tmp_path / "it-settings.toml"
    config.write_text(
        f'[central]\nhost = "{t.host}"\nport = {t.port}\ndatabase = "{t.dbname}"\n'
        'user = "postgres"\nconnect_timeout = 2\n',
        encoding="utf-8",
    )
    capsys.readouterr()
    common = ("--data-dir", str(tmp_path / "it"), "--config", str(config))
    code = cli_main(["central", "prune", "--json", *extra, *common])
    out, err = capsys.readouterr()
    assert code == 0, err
    result: dict[str, object] = json.loads(out)
    return result


def test_a_register_away_past_the_horizon_with_unsent_changes_rejoins_whole(
    registers: MakeReg, central: Central, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = registers("Register A"), registers("Register B")
    ann = add_customer(a, "Ann Archer")
    sam = add_customer(a, "Secret Sampson", phone="(212) 555-0177", consent_contact=True)
    queue_visits(a, 10, 2)
    converge([a, b])
    # B goes away. While it is gone it keeps working, and the chain goes on too.
    b_new = queue_visits(b, 7, 3)
    b.backend.customers.edit(
        ann, ContactDetails("Ann Archer", phone="(212) 555-0101", consent_contact=True)
    )
    a.backend.customers.edit(ann, ContactDetails("Anne Archer"))
    queue_visits(a, 20, 2)
    a.privacy.erase_customer(sam)  # erased while B is away: B learns it from the snapshot
    a.sync.sync_once()
    _age_everything(central, 100)
    dry = _prune_by_cli(central, tmp_path, capsys, "--dry-run")
    assert dry["dry_run"] is True
    assert int(str(dry["change_log_rows"])) > 0
    assert _high(central) > 0  # a dry run deleted nothing
    done = _prune_by_cli(central, tmp_path, capsys)
    assert done["change_log_rows"] == dry["change_log_rows"]
    assert central.query("SELECT count(*) FROM change_log")[0][0] == 0
    floor = int(str(done["floor"]))
    assert floor > _cursor(b)
    # The chain goes on after the prune; then B comes back.
    later = add_customer(a, "After Prune")
    a.sync.sync_once()
    with b.db.read() as s:
        unsent = set(s.scalars(select(Outbox.op_id).where(Outbox.state == "pending")))
    assert len(unsent) >= 7 * 4
    report = b.sync.sync_once()
    assert report.bootstrapped is not None
    assert report.bootstrapped.reason == AWAY
    assert report.acked >= 7 * 4  # its unsent changes went first
    converge([a, b])
    assert_converged(central, [a, b])
    # Exactly once: the ids pruned with the log are gone by design; the rest are there.
    assert central.query("SELECT op_id FROM change_log GROUP BY op_id HAVING count(*) > 1") == []
    applied = {r[0] for r in central.query("SELECT op_id FROM applied_ops")}
    assert unsent <= applied
    assert set(outbox_states(a)) == set(outbox_states(b)) == {"acked"}
    for reg in (a, b):
        details = reg.backend.customers.contact_details(ann)
        assert (details.display_name, details.phone) == ("Anne Archer", "+12125550101")
        assert reg.backend.customers.search("After Prune")[0].id == later
        with reg.db.read() as s:
            mine = s.scalar(
                select(func.count())
                .select_from(Interaction)
                .where(Interaction.customer_id.in_(b_new))
            )
        assert mine == 7 * 3, reg.name
    status = b.sync.status()
    assert status.queue.pending == 0
    with b.db.read() as s:
        assert str(get_state(s, BOOTSTRAP_KEY)).split("|")[1] == AWAY
    assert b.backend.customers.search("Secret Sampson") == []
    wal = b.data_dir / "posassist.sqlite3-wal"
    assert not wal.exists() or b"Secret Sampson" not in wal.read_bytes()  # checkpointed out
    shown = status_report(b.data_dir).bootstrap  # what `sync --status` prints
    assert shown is not None
    assert "away longer than central keeps its change log" in describe_bootstrap(shown)


def test_a_pull_notices_a_prune_that_ran_after_its_probe(
    registers: MakeReg, central: Central
) -> None:
    a, b = registers("Register A"), registers("Register B")
    add_customer(a, "Ann Archer")
    converge([a, b])
    add_customer(a, "Bea Baker")
    a.sync.sync_once()
    _age_everything(central, 100)
    with central.connect() as conn:
        prune(conn, 90)
        floor = log_floor(conn)
    assert floor > _cursor(b)
    with pytest.raises(LogPrunedError):
        pull_once(b.db, b.sync.link, b.backend.ctx.register_id, b.backend.ctx.hlc)
    assert _cursor(b) < floor  # nothing was applied past the hole
    b.sync.sync_once()
    assert_converged(central, [a, b])


def test_the_horizon_keeps_what_is_newer(registers: MakeReg, central: Central) -> None:
    a = registers("Register A")
    queue_visits(a, 5, 1)
    a.sync.sync_once()
    _age_everything(central, 30)
    with central.connect() as conn:
        kept = prune(conn, 90)
    assert (kept.log_rows, kept.applied_ops, kept.floor) == (0, 0, 0)
    assert _high(central) > 0
    with pytest.raises(ValueError, match="at least one day"), central.connect() as conn:
        prune(conn, 0)


def _then_joins_whole(central: Central, a: Reg, k: Reg, mine: object) -> None:
    """After the fault is gone, the next sync loads the snapshot; nothing lost or doubled,
    and the change ``k`` made before it ever synced is there."""
    k.sync.engine.bootstrap_after = 0
    report = k.sync.sync_once()
    assert report.bootstrapped is not None
    converge([a, k])
    assert_converged(central, [a, k])
    assert_exactly_once(central, [a, k])
    assert k.backend.customers.search("Unsent Una")[0].id == mine


_CHILD = """
import sys, time
from pathlib import Path
from tests.sync.helpers import Central, open_register
from posassist.sync.bootstrap import bootstrap, NEW

data_dir, host, port, dbname = sys.argv[1:5]

class _Server:
    host = host
    port = int(port)

reg = open_register(Path(data_dir), Central(_Server(), dbname), name="Register K")

def stall(table, rows):
    if table == "interaction":
        print("took a chunk", flush=True)
        time.sleep(120)

bootstrap(reg.db, reg.sync.link, NEW, progress=stall)
"""


def test_a_register_killed_mid_bootstrap_keeps_its_store_as_it_was(
    registers: MakeReg, central: Central, tmp_path: Path
) -> None:
    a = registers("Register A")
    queue_visits(a, 40, 2)
    a.sync.sync_once()
    k = registers("Register K")
    mine = add_customer(k, "Unsent Una")  # an unsent change, before the first sync
    with k.db.read() as s:
        before = sorted(s.execute(select(Outbox.op_id, Outbox.state)).all())
    state_before = local_state(k)
    k.close()
    t = central.target()
    with subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(k.data_dir), t.host, str(t.port), t.dbname],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    ) as child:
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == TOOK_A_CHUNK
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(30)
    assert child.returncode == -signal.SIGKILL
    k2 = registers("Register K")
    assert local_state(k2) == state_before  # not one row of the half-done load
    assert _cursor(k2) == 0
    with k2.db.read() as s:
        assert sorted(s.execute(select(Outbox.op_id, Outbox.state)).all()) == before
        assert s.scalar(select(func.count()).select_from(Customer)) == 1
    assert k2.db.quick_check() is None
    _then_joins_whole(central, a, k2, mine)


# -- the load meets a real fault: the server stops, the disk fills


def _joiner_before(reg: Reg) -> tuple[object, list[tuple[object, ...]]]:
    with reg.db.read() as s:
        outbox = sorted(s.execute(select(Outbox.op_id, Outbox.state)).all())
    return local_state(reg), outbox


def _assert_as_before(
    reg: Reg, before: tuple[object, list[tuple[object, ...]]], *, pushed: bool = False
) -> None:
    """The store as ``before``; with ``pushed``, the outbox rows may have been acked (the
    cycle pushes before it loads) but are all still there."""
    state, outbox = before
    assert local_state(reg) == state  # not one row of the half-done load
    assert _cursor(reg) == 0
    with reg.db.read() as s:
        now = sorted(s.execute(select(Outbox.op_id, Outbox.state)).all())
        if pushed:
            assert [r[0] for r in now] == [r[0] for r in outbox]
            assert {r[1] for r in now} <= {"pending", "acked"}
        else:
            assert now == outbox
        assert get_state(s, BOOTSTRAP_KEY) is None
    assert reg.db.quick_check() is None


def test_the_server_stopped_mid_snapshot_leaves_the_store_as_it_was(
    registers: MakeReg, central: Central
) -> None:
    a = registers("Register A")
    queue_visits(a, 300, 3)
    a.sync.sync_once()
    k = registers("Register K")
    mine = add_customer(k, "Unsent Una")
    before = _joiner_before(k)
    stopped: list[str] = []

    def stop_the_server(table: str, rows: int) -> None:
        if table == "interaction" and not stopped:
            stopped.append(table)
            central.server.stop("immediate")

    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        with pytest.raises(SyncError) as caught:
            bootstrap(k.db, k.sync.link, NEW, progress=stop_the_server)
        message = caught.value.message
        del caught  # its traceback holds the reading frames
        gc.collect()  # a server-side cursor left open warns as it is collected
    assert not [w for w in warned if "ServerCursor" in str(w.message)]
    assert stopped == ["interaction"]
    assert "Traceback" not in message
    _assert_as_before(k, before)
    central.server.start()
    central.server.wait_ready()
    k.sync.link.close()  # the next cycle reconnects, as after any outage
    _then_joins_whole(central, a, k, mine)


def _small_disk(where: Path, size: str) -> None:
    where.mkdir()
    try:
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
            check=True,
            capture_output=True,
        )
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        pytest.fail(f"cannot mount a tmpfs for the disk-fault test: {exc}", pytrace=False)


def _leave_free(disk: Path, free: int) -> None:
    """Fill ``disk`` up, then give back ``free`` bytes: the store opens, a big load won't fit."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
        except OSError:
            pass
    os.truncate(filler, max(0, filler.stat().st_size - free))


def test_a_full_disk_mid_load_leaves_the_store_as_it_was(
    registers: MakeReg, central: Central, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A read-only turn mid-load cannot be staged: Linux refuses to remount a file system
    read-only while the store is open for writing (EBUSY); a read-only mount at start-up
    is refused before any write (``tests/storage/test_store_faults.py``)."""
    a = registers("Register A")
    queue_visits(a, 1500, 3)
    a.sync.sync_once()
    disk = tmp_path / "disk"
    _small_disk(disk, "16m")
    try:
        k = open_register(disk / "k", central, name="Register K")
        try:
            mine = add_customer(k, "Unsent Una")
            before = _joiner_before(k)
            k.db.checkpoint()
            _leave_free(disk, 256 * 1024)
            k.sync.engine.bootstrap_after = 0
            statuses: list[SyncStatus] = []
            loop = k.sync.new_loop(statuses.append)
            with caplog.at_level(logging.INFO):
                loop.run_cycle()  # what the window's sync thread runs
            status = statuses[-1]
            assert status.state == "offline"
            assert status.error_kind == STORE_PROBLEM
            assert "is full" in (status.error or ""), status.error
            assert "the change was not saved" in (status.error or "")
            assert not [r for r in caplog.records if r.exc_info], "logged as a bug"
            text, tip = describe(status, UTC)
            assert "store cannot save" in text
            assert "nothing was half-saved" in tip
            (disk / "filler").unlink()
            _assert_as_before(k, before, pushed=True)
            _then_joins_whole(central, a, k, mine)
        finally:
            k.close()
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)
