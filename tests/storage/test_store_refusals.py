"""A read-only store file, a read-only folder and a lock file in the way: each its own
plain message, no traceback, no advice to restore, and the store file left as it was.

Real faults: file modes and owners set by root, posassist run as ``nobody`` (root ignores
modes) through what a user runs: a read command, a write command and the window start-up.
The three runs of a case go in parallel to keep the test fast.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from posassist.storage.database import LOCK_FILENAME, STORE_FILENAME
from tests.conftest import MovableClock
from tests.storage.test_store_faults import _digest, _store_with_a_customer

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root (to set owners) and setpriv (to run posassist as nobody)",
)
NOT_DAMAGE = "do not delete it or restore it from a backup"


def _nobody() -> tuple[int, int]:
    entry = pwd.getpwnam("nobody")
    return entry.pw_uid, entry.pw_gid


@pytest.fixture
def top(clock: MovableClock) -> Iterator[Path]:
    """A folder under /tmp that nobody may traverse (pytest's tmp_path is root's 0700),
    holding a store with a customer in ``store/`` and a transaction CSV."""
    where = Path(tempfile.mkdtemp(prefix="posassist-refuse-", dir="/tmp"))
    try:
        where.chmod(0o755)
        _store_with_a_customer(where / "store", clock)
        csv = where / "tx.csv"
        csv.write_text("customer_id,date,amount\nC1,2024-01-02,3.50\n", encoding="utf-8")
        csv.chmod(0o644)
        yield where
    finally:
        shutil.rmtree(where)


def _give_to_nobody(*paths: Path) -> None:
    uid, gid = _nobody()
    for path in paths:
        os.chown(path, uid, gid)


def _run_as_nobody(top: Path) -> dict[str, subprocess.CompletedProcess[str]]:
    """A read, a write and the window's start-up, each as nobody, run side by side."""
    data = str(top / "store")
    commands = {
        "read": ["--data-dir", data, "vendors"],
        "write": ["--data-dir", data, "import", "transactions", str(top / "tx.csv")],
        "window": ["--data-dir", data, "--smoke-test"],
    }
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": "/tmp"}
    prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    running = {
        name: subprocess.Popen(
            [*prefix, sys.executable, "-m", "posassist", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name, args in commands.items()
    }
    results = {}
    for name, proc in running.items():
        out, err = proc.communicate(timeout=120)
        results[name] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return results


def _assert_refused(top: Path, expected: str) -> None:
    store = top / "store" / STORE_FILENAME
    before = _digest(store)
    for name, result in _run_as_nobody(top).items():
        err = result.stderr
        assert result.returncode == 2, (name, err)
        assert expected in err, (name, err)
        assert "Traceback" not in err, (name, err)
        assert "is damaged" not in err, (name, err)
        assert NOT_DAMAGE in err, (name, err)
        assert "restore" not in err.replace(NOT_DAMAGE, ""), (name, err)
    assert _digest(store) == before
    assert not (top / "store" / f"{STORE_FILENAME}-wal").exists()


def test_a_read_only_store_file_in_a_writable_folder(top: Path) -> None:
    data = top / "store"
    _give_to_nobody(data, data / LOCK_FILENAME)
    (data / STORE_FILENAME).chmod(0o444)
    _assert_refused(top, f"The store file {data / STORE_FILENAME} is read-only")


@pytest.mark.parametrize("store_mode", [0o666, 0o444], ids=["file-writable", "file-read-only"])
def test_a_read_only_folder(top: Path, store_mode: int) -> None:
    data = top / "store"
    (data / STORE_FILENAME).chmod(store_mode)
    (data / LOCK_FILENAME).chmod(0o666)  # the lock is fine: the folder is the fault
    data.chmod(0o555)
    _assert_refused(top, f"The data folder {data} is read-only")


@pytest.mark.parametrize("lock", ["root-0444", "folder"])
def test_an_unwritable_lock_file(top: Path, lock: str) -> None:
    data = top / "store"
    lock_path = data / LOCK_FILENAME
    _give_to_nobody(data, data / STORE_FILENAME)
    if lock == "folder":
        lock_path.unlink()
        lock_path.mkdir()
    else:
        lock_path.chmod(0o444)  # root's, as the store's first run left it
    _assert_refused(top, f"Cannot create the lock file {lock_path}")


def test_a_read_only_folder_while_another_instance_holds_the_lock(top: Path) -> None:
    """The fault is named even when another posassist started first and holds the lock:
    the three runs side by side raced for it, and the loser said "already running"."""
    from posassist.storage.database import acquire_instance_lock

    data = top / "store"
    (data / LOCK_FILENAME).chmod(0o666)
    held = acquire_instance_lock(data)
    try:
        data.chmod(0o555)
        _assert_refused(top, f"The data folder {data} is read-only")
    finally:
        held.release()
