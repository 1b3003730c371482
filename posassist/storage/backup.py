"""Copies of the store file: online backup, verification, putting a backup in place.

A copy taken with ``cp`` while the window writes can catch half a transaction (the main
file and its ``-wal`` are two files), so :func:`write_backup` uses SQLite's online
backup API, which copies a consistent snapshot while other connections keep writing.
Every copy is written to a temporary file beside its target, checked (integrity and
schema revision) and only then renamed over the target, so a full disk or a failing
check leaves the target as it was. Any problem IT can fix is a :class:`StoreError`
naming the file; nothing here takes the instance lock (the callers decide).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from posassist.errors import StoreError
from posassist.storage.database import BUSY_TIMEOUT_MS, SQLITE_HEADER, owner_only

# Set in a restored store: its own changes made after the backup are only on central,
# so the next pulls must apply this register's own ops too (``sync/pull.py``).
REPLAY_OWN_KEY = "replay_own_ops"
# Set in a restored store too: its audit chain must continue from central's copy, which
# holds the entries it sent after the backup (``sync/audit_rejoin.py``).
AUDIT_REJOIN_KEY = "audit_rejoin"
_SET_STATE = "INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, ?)"
# The store's companion files in WAL mode; they belong with the main file.
COMPANIONS = ("-wal", "-shm")


def _os_problem(exc: OSError, path: Path, doing: str) -> StoreError:
    """An OS error while writing ``path``, in words IT can act on."""
    if exc.errno == errno.ENOSPC:
        return StoreError(
            f"The disk is full (or refused the write): cannot {doing} {path}.",
            hint="Free some space (or choose another folder) and try again.",
        )
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StoreError(
            f"Cannot {doing} {path}: the folder is read-only or not ours to write "
            f"({exc.strerror}).",
            hint="Choose a folder this user may write to.",
        )
    return StoreError(f"Cannot {doing} {path}: {exc.strerror or exc}.")


def _sqlite_problem(exc: sqlite3.Error, path: Path, doing: str) -> StoreError:
    text = str(exc)
    if "full" in text.lower() or "disk i/o" in text.lower():
        # SQLite says "disk I/O error" when a write comes back short (a quota, a file
        # size limit, a disk filling up under it): to IT that is the same problem.
        return _os_problem(OSError(errno.ENOSPC, text), path, doing)
    if "readonly" in text.lower() or "unable to open" in text.lower():
        return _os_problem(OSError(errno.EROFS, text), path, doing)
    return StoreError(f"Cannot {doing} {path} ({text}).")


def check_target(target: Path) -> None:
    """Refuse a target that renaming over would harm: a symlink, device or directory."""
    try:
        mode = target.lstat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise _os_problem(exc, target, "write") from exc
    if mode is not None and not stat.S_ISREG(mode):
        kind = (
            "a symbolic link"
            if stat.S_ISLNK(mode)
            else "a folder"
            if stat.S_ISDIR(mode)
            else "a device or special file"
        )
        raise StoreError(
            f"{target} is {kind}, not a backup file: it has not been touched.",
            hint="Give the path of a new or existing backup file.",
        )
    if not target.parent.is_dir():
        raise StoreError(
            f"The folder {target.parent} does not exist: cannot write {target}.",
            hint="Create it first, or choose another path.",
        )


def verify_copy(path: Path) -> str:
    """Check a store copy strictly read-only; return its schema revision.

    Refused (as :class:`StoreError` naming the file): a missing file, one that is not
    SQLite, another program's database, one whose integrity check fails.
    """
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except FileNotFoundError as exc:
        raise StoreError(f"The backup file {path} does not exist.") from exc
    except OSError as exc:
        raise StoreError(f"Cannot read the backup file {path}: {exc.strerror}.") from exc
    if header != SQLITE_HEADER:
        raise StoreError(f"{path} is not a posassist store (not an SQLite database).")
    try:
        with _read_only(path) as conn:
            verdict = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
            if verdict != ["ok"]:
                raise StoreError(
                    f"The backup {path} is damaged ({'; '.join(verdict[:3])}).",
                    hint="Use an older backup.",
                )
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            if "alembic_version" not in names or "sync_state" not in names:
                raise StoreError(f"{path} is a database of another program, not a posassist store.")
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"The backup {path} is damaged ({exc}).", hint="Use an older backup."
        ) from exc
    if row is None:
        raise StoreError(f"{path} is not a posassist store (it has no schema revision).")
    return str(row[0])


@contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        yield conn
    finally:
        conn.close()


def _fsync(path: Path) -> None:
    """Flush a file (or a folder's entry list) to the disk before relying on it."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) if path.is_dir() else os.O_RDONLY
    try:
        fd = os.open(path, flags)
    except OSError:
        return  # some systems cannot open folders; the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _copy_into(source: Path, temp: Path, *, extra_state: dict[str, str] | None = None) -> None:
    """Online-backup ``source`` into the new file ``temp`` as one self-contained file."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        dst = sqlite3.connect(temp, isolation_level=None)
        try:
            src.backup(dst)
            owner_only(temp)  # a backup holds what the store holds (storage/database.py)
            # No -wal beside a backup: it is one file to carry, and opens read-only.
            dst.execute("PRAGMA journal_mode = DELETE")
            for key, value in (extra_state or {}).items():
                dst.execute(_SET_STATE, (key, value))
        finally:
            dst.close()
    finally:
        src.close()


def copy_verified(
    source: Path,
    target: Path,
    *,
    expected: str,
    doing: str,
    extra_state: dict[str, str] | None = None,
) -> None:
    """Copy ``source`` to ``target`` through a checked temporary file.

    The copy must pass the integrity check and have the ``expected`` schema revision (a
    copy taken during a migration, or of the wrong file, is refused); ``target`` is
    replaced only after that, so a failure leaves it as it was.
    """
    check_target(target)
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        _copy_into(source, temp, extra_state=extra_state)
        revision = verify_copy(temp)
        if revision != expected:
            raise StoreError(f"The copy of {source} does not match it (schema {revision}).")
        _fsync(temp)
        os.replace(temp, target)
        _fsync(target.parent)
    except sqlite3.Error as exc:
        raise _sqlite_problem(exc, target, doing) from exc
    except OSError as exc:
        raise _os_problem(exc, target, doing) from exc
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
        for suffix in ("-journal", *COMPANIONS):
            with contextlib.suppress(OSError):
                Path(f"{temp}{suffix}").unlink()


def store_revision(path: Path) -> str:
    """The schema revision of the live store (read-only; the window may be writing)."""
    if not path.is_file():
        raise StoreError(f"There is no store at {path}.", hint="Check --data-dir.")
    try:
        with _read_only(path) as conn:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error as exc:
        raise StoreError(f"The store {path} cannot be read ({exc}).") from exc
    if row is None:
        raise StoreError(f"The store {path} has no schema revision.")
    return str(row[0])


def set_aside(store: Path, aside: Path) -> list[Path]:
    """Move the store and its -wal/-shm to ``aside`` (after folding the WAL in).

    The caller holds the instance lock, so no other connection is open: the truncating
    checkpoint folds every committed change into the main file, and whatever companion
    files remain travel with it, so the kept-aside store is complete.
    """
    try:
        conn = sqlite3.connect(store, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        pass  # a damaged current store is moved aside as it is, companions included
    moved = []
    try:
        os.replace(store, aside)
        moved.append(aside)
        for suffix in COMPANIONS:
            companion = Path(f"{store}{suffix}")
            if companion.exists():
                os.replace(companion, Path(f"{aside}{suffix}"))
                moved.append(Path(f"{aside}{suffix}"))
    except OSError as exc:
        raise _os_problem(exc, store, "move aside") from exc
    return moved


def put_back(store: Path, aside: Path) -> None:
    """Undo :func:`set_aside` when the restored copy could not be put in place."""
    for suffix in ("", *COMPANIONS):
        with contextlib.suppress(OSError):
            os.replace(Path(f"{aside}{suffix}"), Path(f"{store}{suffix}"))
