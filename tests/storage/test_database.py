"""Opening the store: durability settings, and refusing files we must not touch."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from posassist.errors import StoreError
from posassist.storage.database import STORE_FILENAME, open_database


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_pragmas_are_set(tmp_path: Path) -> None:
    db = open_database(tmp_path)
    try:
        with db.read() as s:
            conn = s.connection()
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    finally:
        db.close()


def test_bulk_write_turns_foreign_keys_off_for_its_transaction_only(tmp_path: Path) -> None:
    """``write(foreign_keys=False)`` (the import's) really lets an orphan row in, and the
    next transaction on the same pooled connection has them on again."""
    db = open_database(tmp_path)
    orphan = text(
        "INSERT INTO purchase_line (id, interaction_id, position, description, quantity) "
        "VALUES (:id, :parent, 0, 'x', 1)"
    )
    try:
        with db.write(foreign_keys=False) as s:
            conn = s.connection()
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
            conn.execute(orphan, {"id": "a" * 32, "parent": "b" * 32})
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all()  # it is an orphan
            conn.exec_driver_sql("DELETE FROM purchase_line")
        for session in (db.write, db.read):
            with session() as s:
                conn = s.connection()
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        with pytest.raises(IntegrityError, match="FOREIGN KEY"), db.write() as s:
            s.connection().execute(orphan, {"id": "c" * 32, "parent": "d" * 32})
    finally:
        db.close()


def test_writes_begin_immediate(tmp_path: Path) -> None:
    """A write session holds the write lock from its first statement."""
    db = open_database(tmp_path)
    try:
        with db.write() as s:
            s.execute(text("SELECT 1"))
            other = sqlite3.connect(tmp_path / STORE_FILENAME, timeout=0.05)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            other.close()
    finally:
        db.close()


def test_second_instance_is_refused(tmp_path: Path) -> None:
    db = open_database(tmp_path)
    try:
        with pytest.raises(StoreError, match="already running"):
            open_database(tmp_path)
    finally:
        db.close()
    open_database(tmp_path).close()  # the lock is released on close


def test_corrupt_file_is_reported_and_left_alone(tmp_path: Path) -> None:
    tmp_path.mkdir(exist_ok=True)
    store = tmp_path / STORE_FILENAME
    store.write_bytes(b"this is not a database" * 100)
    before = _digest(store)
    with pytest.raises(StoreError, match="not a posassist database"):
        open_database(tmp_path)
    assert _digest(store) == before
    assert not (tmp_path / f"{STORE_FILENAME}-wal").exists()


def test_damaged_sqlite_is_reported_and_left_alone(tmp_path: Path) -> None:
    db = open_database(tmp_path)
    db.close()
    store = tmp_path / STORE_FILENAME
    data = bytearray(store.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # keep the header, wreck the first page
    store.write_bytes(bytes(data))
    before = _digest(store)
    with pytest.raises(StoreError, match="damaged"):
        open_database(tmp_path)
    assert _digest(store) == before


def test_store_from_a_newer_version_is_refused_and_unchanged(tmp_path: Path) -> None:
    db = open_database(tmp_path)
    with db.write() as s:
        s.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    db.close()
    store = tmp_path / STORE_FILENAME
    before = _digest(store)
    with pytest.raises(StoreError, match="newer version"):
        open_database(tmp_path)
    assert _digest(store) == before


def test_unwritable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="Cannot create the data folder"):
        open_database(blocker / "sub")


def test_another_programs_sqlite_file_is_refused_and_unchanged(tmp_path: Path) -> None:
    store = tmp_path / STORE_FILENAME
    other = sqlite3.connect(store)
    other.execute("CREATE TABLE foo (x)")
    other.execute("INSERT INTO foo VALUES (1)")
    other.commit()
    other.close()
    before = _digest(store)
    with pytest.raises(StoreError, match="another program"):
        open_database(tmp_path)
    assert _digest(store) == before
