"""On POSIX the store is the owner's only: a new data folder 0700, the store and its
companions 0600, a backup 0600. An existing folder keeps the mode store IT gave it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from posassist.storage.backup import copy_verified
from posassist.storage.database import SCHEMA_HEAD, STORE_FILENAME, open_database
from posassist.storage.orm import Branch

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_store_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask: SQLite alone would make the store 0644
    try:
        data_dir = tmp_path / "new" / "posassist"
        db = open_database(data_dir)
        try:
            with db.write() as s:  # a write: the -wal and -shm exist now
                s.add(Branch(code="MAIN", name="Main", timezone="UTC"))
            store = data_dir / STORE_FILENAME
            assert _mode(data_dir) == 0o700
            assert _mode(store) == 0o600
            for suffix in ("-wal", "-shm"):
                assert _mode(Path(f"{store}{suffix}")) == 0o600, suffix
            backup = tmp_path / "b.sqlite3"
            copy_verified(store, backup, expected=SCHEMA_HEAD, doing="back up")
            assert _mode(backup) == 0o600
        finally:
            db.close()
    finally:
        os.umask(old)


def test_an_existing_folder_and_store_keep_their_mode(tmp_path: Path) -> None:
    data_dir = tmp_path / "shared"
    data_dir.mkdir(mode=0o750)
    data_dir.chmod(0o750)
    open_database(data_dir).close()
    store = data_dir / STORE_FILENAME
    store.chmod(0o640)  # store IT's choice (a backup agent's group may read it)
    open_database(data_dir).close()
    assert (_mode(data_dir), _mode(store)) == (0o750, 0o640)
