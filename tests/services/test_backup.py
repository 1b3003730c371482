"""Backups and restores on real store files: checked copies, refusals, the daily one."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from posassist.app import Backend
from posassist.config import BackupSettings
from posassist.errors import StoreError
from posassist.services.backup import (
    backup_due,
    daily_backup,
    daily_backups,
    make_backup,
    restore_backup,
)
from posassist.services.customers import NewCustomer
from posassist.storage.backup import REPLAY_OWN_KEY
from posassist.storage.database import SCHEMA_HEAD, STORE_FILENAME, acquire_instance_lock


def _customers(path: Path) -> set[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {r[0] for r in conn.execute("SELECT display_name FROM customer")}
    finally:
        conn.close()


def test_backup_while_the_store_is_open_is_a_checked_single_file(
    backend: Backend, tmp_path: Path
) -> None:
    backend.customers.create(NewCustomer("Ada Lovelace"))
    target = tmp_path / "copy.sqlite3"
    done = make_backup(backend.settings.data_dir, target)  # the store stays open, locked
    assert done.revision == SCHEMA_HEAD
    assert done.size == target.stat().st_size
    assert _customers(target) == {"Ada Lovelace"}
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("copy")) == [
        "copy.sqlite3"  # no -wal, no temporary file left
    ]
    conn = sqlite3.connect(target)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()


def test_backup_replaces_an_old_backup_only_when_the_new_one_is_good(
    backend: Backend, tmp_path: Path
) -> None:
    target = tmp_path / "copy.sqlite3"
    make_backup(backend.settings.data_dir, target)
    backend.customers.create(NewCustomer("Grace Hopper"))
    make_backup(backend.settings.data_dir, target)
    assert _customers(target) == {"Grace Hopper"}


@pytest.mark.parametrize("kind", ["directory", "symlink", "device"])
def test_backup_refuses_a_target_that_is_not_a_file(
    backend: Backend, tmp_path: Path, kind: str
) -> None:
    if kind == "directory":
        target = tmp_path / "folder"
        target.mkdir()
    elif kind == "symlink":
        (tmp_path / "elsewhere").write_text("keep me")
        target = tmp_path / "link.sqlite3"
        target.symlink_to(tmp_path / "elsewhere")
    else:
        target = Path(os.devnull)
    with pytest.raises(StoreError, match=str(target)):
        make_backup(backend.settings.data_dir, target)
    if kind == "symlink":
        assert (tmp_path / "elsewhere").read_text() == "keep me"


def test_backup_into_a_read_only_or_missing_folder(backend: Backend, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        make_backup(backend.settings.data_dir, tmp_path / "nowhere" / "b.sqlite3")
    if os.geteuid() == 0:  # root writes anywhere chmod forbids: use a read-only filesystem
        locked = Path("/proc")
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
    with pytest.raises(StoreError, match="read-only") as err:
        make_backup(backend.settings.data_dir, locked / "b.sqlite3")
    assert str(locked / "b.sqlite3") in str(err.value)


def test_a_full_disk_leaves_no_half_written_backup(backend: Backend, tmp_path: Path) -> None:
    """A file size limit makes the write come back short, as a full disk does."""
    backend.customers.create(NewCustomer("Ada Lovelace"))
    target = tmp_path / "b.sqlite3"
    script = textwrap.dedent(
        f"""
        import resource, signal
        from pathlib import Path
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))
        from posassist.errors import StoreError
        from posassist.services.backup import make_backup
        try:
            make_backup(Path({str(backend.settings.data_dir)!r}), Path({str(target)!r}))
        except StoreError as exc:
            print(exc)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert "disk is full" in done.stdout
    assert str(target) in done.stdout
    assert list(tmp_path.iterdir()) == [backend.settings.data_dir]


def test_restore_puts_the_backup_in_place_and_keeps_the_store_aside(
    backend: Backend, tmp_path: Path
) -> None:
    data_dir = backend.settings.data_dir
    backend.customers.create(NewCustomer("Ada Lovelace"))
    backup = tmp_path / "b.sqlite3"
    make_backup(data_dir, backup)
    backend.customers.create(NewCustomer("Grace Hopper"))  # in the WAL, not yet checkpointed
    with pytest.raises(StoreError, match="already running"):
        restore_backup(data_dir, backup)  # the store is open: refused
    backend.close()

    done = restore_backup(data_dir, backup, now=datetime(2026, 11, 20, 9, 5, 1))
    assert done.kept_aside == data_dir / f"{STORE_FILENAME}.before-restore-20261120-090501"
    leftovers = {p.name for p in data_dir.iterdir()} - {STORE_FILENAME, "posassist.lock"}
    assert leftovers == {done.kept_aside.name}  # the WAL folded in: one file kept aside
    assert _customers(data_dir / STORE_FILENAME) == {"Ada Lovelace"}
    assert _customers(done.kept_aside) == {"Ada Lovelace", "Grace Hopper"}
    conn = sqlite3.connect(data_dir / STORE_FILENAME)
    assert conn.execute(
        "SELECT value FROM sync_state WHERE key = ?", (REPLAY_OWN_KEY,)
    ).fetchone() == ("1",)
    conn.close()
    acquire_instance_lock(data_dir).release()  # the lock was given back


def _damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page * 2, len(data) - page, page):
        data[offset : offset + 200] = b"\xa5" * 200  # trash every page header after the first
    path.write_bytes(bytes(data))


def test_restore_refuses_bad_backups_and_changes_nothing(backend: Backend, tmp_path: Path) -> None:
    data_dir = backend.settings.data_dir
    backend.customers.create(NewCustomer("Ada Lovelace"))
    backup = tmp_path / "b.sqlite3"
    make_backup(data_dir, backup)
    backend.close()
    before = (data_dir / STORE_FILENAME).read_bytes()

    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (x)")
    conn.close()
    newer = tmp_path / "newer.sqlite3"
    newer.write_bytes(backup.read_bytes())
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(backup.read_bytes())
    _damage(damaged)
    text = tmp_path / "notes.txt"
    text.write_text("not a database")

    for path, words in [
        (tmp_path / "missing.sqlite3", "does not exist"),
        (text, "not a posassist store"),
        (other, "another program"),
        (newer, "newer version"),
        (damaged, "damaged"),
    ]:
        with pytest.raises(StoreError, match=words) as err:
            restore_backup(data_dir, path)
        assert str(path) in str(err.value)
    assert (data_dir / STORE_FILENAME).read_bytes() == before
    assert {p.name for p in data_dir.iterdir()} <= {STORE_FILENAME, "posassist.lock"} | {
        f"{STORE_FILENAME}{s}" for s in ("-wal", "-shm")
    }


def test_daily_backup_once_a_day_with_retention(backend: Backend) -> None:
    data_dir = backend.settings.data_dir
    settings = BackupSettings(keep_days=3)
    folder = data_dir / "backups"
    day = datetime(2026, 11, 20, 8, 0)
    for n in range(5):
        now = day + timedelta(days=n)
        done = daily_backup(data_dir, settings, now=now)
        assert done is not None
        assert done.path == folder / f"posassist-{now.date()}.sqlite3"
        os.utime(done.path, (now.timestamp(), now.timestamp()))
        assert daily_backup(data_dir, settings, now=now + timedelta(hours=5)) is None
    assert sorted(d.isoformat() for d in daily_backups(folder)) == [
        "2026-11-22",
        "2026-11-23",
        "2026-11-24",
    ]
    assert backup_due(folder, day + timedelta(days=5, hours=1))
    assert daily_backup(data_dir, BackupSettings(keep_days=0), now=day + timedelta(days=9)) is None
    (folder / "mine.txt").write_text("IT's own file")
    daily_backup(data_dir, settings, now=day + timedelta(days=30))
    assert (folder / "mine.txt").exists()  # only the automatic backups are pruned
    assert len(daily_backups(folder)) == 1


def test_daily_backup_folder_from_settings(backend: Backend, tmp_path: Path) -> None:
    settings = BackupSettings(folder=str(tmp_path / "nas" / "register1"))
    done = daily_backup(backend.settings.data_dir, settings, now=datetime(2026, 11, 20))
    assert done is not None
    assert done.path.parent == tmp_path / "nas" / "register1"
