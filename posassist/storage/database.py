"""Opening the local SQLite store safely.

Order matters here. Before anything can write to the file (even switching it to WAL
mode writes), we take the per-directory instance lock and inspect the file read-only:
a corrupt file, or one written by a newer posassist, must be reported and left
exactly as it was. Only then do we set the durability pragmas and migrate.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from posassist.errors import StoreError
from posassist.storage import audit as _audit  # noqa: F401  (chains every audit entry)
from posassist.storage import faults

STORE_FILENAME = "posassist.sqlite3"
LOCK_FILENAME = "posassist.lock"
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000
# The longest a slicing job (a pull) waits for others' writes between two slices: a
# write session open longer than this (an import) is not waited out.
YIELD_MAX_S = 1.0
# A WAL over this size after a big write is checkpointed at once (Database.trim_wal).
WAL_TRIM_BYTES = 8 * 1024 * 1024
# A PRAGMA takes no bound parameters, so its text is made once, here, from the constant
# with an int-only format ("d" refuses anything else); no SQL is formatted at run time.
_BUSY_TIMEOUT_PRAGMA = "PRAGMA busy_timeout = {:d}".format(BUSY_TIMEOUT_MS)  # noqa: UP032
# The BEGIN of each kind of session (writes take the lock up front; see ``_begin``).
_BEGIN = {"IMMEDIATE": "BEGIN IMMEDIATE", "DEFERRED": "BEGIN DEFERRED"}
# Foreign keys can only be switched outside a transaction: a bulk write's ``_begin``
# turns them off just before its BEGIN and marks the pooled connection, and
# ``_restore_foreign_keys`` turns them on again when the connection goes back to the pool
# (after its transaction ended), so no other session ever gets a connection without them.
_FOREIGN_KEYS_OFF = "PRAGMA foreign_keys = OFF"
_FOREIGN_KEYS_ON = "PRAGMA foreign_keys = ON"
_FK_OFF = "posassist_foreign_keys_off"
# The newest migration's revision id; tests/storage/test_migrations.py keeps it honest.
SCHEMA_HEAD = "0011"


def _set_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """Durability settings from DESIGN.md, applied to every pooled connection.

    ``isolation_level = None`` hands transaction control to us so the ``begin`` hook
    below can issue ``BEGIN IMMEDIATE`` for writes (no late lock upgrade, no
    SQLITE_BUSY halfway through a user action).
    """
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(_BUSY_TIMEOUT_PRAGMA)
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = FULL")
    cur.execute("PRAGMA foreign_keys = ON")
    # Reads through a memory map and 64 MB of page cache (SQLite's default is 2 MB): a
    # lookup then touches customer pages in memory instead of a read() call per page,
    # 10x faster on a large store. Writes still go through SQLite's journal as usual;
    # the cost is that a failing disk ends the process instead of returning an error.
    cur.execute("PRAGMA cache_size = -65536")
    cur.execute("PRAGMA mmap_size = 1073741824")
    # Erasure must not leave a customer's old bytes in free pages (DESIGN.md).
    cur.execute("PRAGMA secure_delete = ON")
    cur.close()


def _begin(conn: Any) -> None:
    options = conn.get_execution_options()
    if options.get("sqlite_foreign_keys", True) is False:
        conn.exec_driver_sql(_FOREIGN_KEYS_OFF)
        conn.info[_FK_OFF] = True
    conn.exec_driver_sql(_BEGIN[options.get("sqlite_begin", "IMMEDIATE")])


def _restore_foreign_keys(dbapi_conn: Any, record: Any) -> None:
    """On check-in (the transaction is over): foreign keys on again after a bulk write."""
    if record.info.pop(_FK_OFF, False):
        cur = dbapi_conn.cursor()
        cur.execute(_FOREIGN_KEYS_ON)
        cur.close()


def make_sqlite_engine(path: Path) -> Engine:
    """An engine on ``path`` with WAL, synchronous=FULL, foreign keys and busy timeout."""
    # hide_parameters: a failed statement's message would otherwise carry the bound
    # values (a customer's name, phone, e-mail) into logs and the crash log.
    engine = create_engine(
        f"sqlite+pysqlite:///{path}",
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        hide_parameters=True,
    )
    event.listen(engine, "connect", _set_pragmas)
    event.listen(engine, "begin", _begin)
    event.listen(engine, "checkin", _restore_foreign_keys)
    return engine


def _classify_in_engine(path: Path, on_damage: Any) -> Any:
    """An engine ``handle_error`` hook: a store fault becomes a StoreError right where
    SQLAlchemy raises it, so every service (read or write) raises a KnownError."""

    def handle_error(context: Any) -> None:
        known = faults.classify(path, context.original_exception)
        if known is None:
            return
        if known.kind == "damaged":
            on_damage(known)
        raise known from context.sqlalchemy_exception

    return handle_error


def inspect_existing_file(path: Path) -> str | None:
    """Check a store file without changing it; return its Alembic revision or None.

    Raises :class:`StoreError` for anything that is not a healthy SQLite file.
    """
    if not path.exists():
        return None
    try:
        if path.stat().st_size == 0:
            # SQLite would take it for a new store and fill it with empty tables: a
            # truncated file (a full disk, a bad copy) would silently lose every card.
            raise faults.damaged(path, "the file is empty (0 bytes)")
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise faults.from_os_error(path, exc) or StoreError(
            f"Cannot read the store file {path}: {exc.strerror}."
        ) from exc
    if header != SQLITE_HEADER:
        raise StoreError(
            f"The store file {path} is not a posassist database (it may be damaged).",
            hint="It has not been changed. Restore it from a backup, or move it aside "
            "to start an empty store.",
            kind="damaged",
        )
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            row = None
            tables = {
                name
                for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if "alembic_version" in tables:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            elif tables:
                # Another program's database: adding our tables to it would damage it.
                raise StoreError(
                    f"The file {path} is a database of another program, not a posassist store.",
                    hint="It has not been changed. Choose another data folder (--data-dir).",
                )
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise faults.classify(path, exc) or faults.damaged(path, str(exc)) from exc
    return str(row[0]) if row else None


@dataclass
class Database:
    """The open local store: its engine, session factories and instance lock.

    ``write()`` sessions begin IMMEDIATE (they take the write lock up front);
    ``read()`` sessions begin DEFERRED so lookups never wait for a writer in WAL mode.
    Once the store is known to be damaged (``quick_check`` failed, or SQLite said
    "malformed" on any statement), ``damage`` holds the StoreError and every write is
    refused with it: writing to a damaged file can spread the damage over good pages.
    """

    path: Path
    engine: Engine
    _lock: FileLock | None = None
    damage: StoreError | None = field(init=False, default=None)
    _writer: sessionmaker[Session] = field(init=False)
    _bulk_writer: sessionmaker[Session] = field(init=False)
    _reader: sessionmaker[Session] = field(init=False)
    _damage_listeners: list[Callable[[StoreError], None]] = field(init=False)
    # Write sessions open in this process (waiting for SQLite's lock or holding it), for
    # ``yield_to_writers``; the condition is notified as each one ends.
    _writers: int = field(init=False, default=0)
    _writer_ended: threading.Condition = field(init=False, default_factory=threading.Condition)

    def __post_init__(self) -> None:
        self._damage_listeners = []
        event.listen(self.engine, "handle_error", _classify_in_engine(self.path, self._damaged))
        self._writer = sessionmaker(
            bind=self.engine.execution_options(sqlite_begin="IMMEDIATE"),
            expire_on_commit=False,
        )
        self._bulk_writer = sessionmaker(
            bind=self.engine.execution_options(sqlite_begin="IMMEDIATE", sqlite_foreign_keys=False),
            expire_on_commit=False,
        )
        self._reader = sessionmaker(
            bind=self.engine.execution_options(sqlite_begin="DEFERRED"),
            expire_on_commit=False,
        )

    def on_damage(self, listener: Callable[[StoreError], None]) -> None:
        """Call ``listener`` (from whatever thread found it) when damage is found."""
        self._damage_listeners.append(listener)
        if self.damage is not None:
            listener(self.damage)

    def _damaged(self, error: StoreError) -> None:
        first = self.damage is None
        self.damage = error
        if first:
            for listener in list(self._damage_listeners):
                listener(error)

    def quick_check(self) -> StoreError | None:
        """Run SQLite's ``quick_check`` on a read-only connection; the damage, or None.

        Seconds on a large store, so the window runs it in the background and a CLI
        command runs it before it writes (:meth:`require_healthy`).
        """
        try:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5)
            try:
                lines = [str(r[0]) for r in conn.execute("PRAGMA quick_check").fetchall()]
            finally:
                conn.close()
        except sqlite3.Error as exc:
            known = faults.classify(self.path, exc) or faults.damaged(self.path, str(exc))
            if known.kind != "damaged":
                return known
            lines = [str(exc)]
        if lines == ["ok"]:
            return self.damage
        more = f" and {len(lines) - 1} more problems" if len(lines) > 1 else ""
        self._damaged(faults.damaged(self.path, f"SQLite's check found: {lines[0]}{more}"))
        return self.damage

    def require_healthy(self) -> None:
        """For a command about to write: refuse, with what to do, unless the check passes."""
        problem = self.quick_check()
        if problem is not None:
            raise problem

    @contextmanager
    def write(self, *, foreign_keys: bool = True) -> Iterator[Session]:
        """One session per user action that changes data; commits or rolls back whole.

        ``foreign_keys=False`` is for a bulk load only (``posassist import``): SQLite's
        per-row parent lookups are a sixth of an import's insert time, and the loader
        writes parents before children and checks every reference itself
        (``importers/load.py``). The setting holds for this transaction alone."""
        if self.damage is not None:
            raise self.damage
        maker = self._writer if foreign_keys else self._bulk_writer
        with self._writer_ended:
            self._writers += 1
        try:
            with self._classified(), maker.begin() as session:
                yield session
        finally:
            with self._writer_ended:
                self._writers -= 1
                self._writer_ended.notify_all()

    def yield_to_writers(self, timeout: float = YIELD_MAX_S) -> None:
        """Between two slices of a long job (a pull): let the writes already asked for go
        first, waiting up to ``timeout`` for every open write session to end.

        SQLite's busy handler has a waiting writer retry after sleeps of up to 100 ms, so a
        job that takes the lock again at once would win nearly every time: a cashier's
        write could wait out its whole busy timeout behind a pull's back-to-back slices.
        Called outside any write session of the caller's own."""
        with self._writer_ended:
            self._writer_ended.wait_for(lambda: self._writers == 0, timeout)

    @contextmanager
    def _classified(self) -> Iterator[None]:
        """Store faults raised past the engine's hook (a raw DB-API cursor, the OS) are
        classified here, so they too reach the user as a StoreError."""
        try:
            yield
        except (sqlite3.Error, OSError) as exc:
            known = faults.classify(self.path, exc)
            if known is None:
                raise
            if known.kind == "damaged":
                self._damaged(known)
            raise known from exc

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session; rolled back at the end, whatever happened."""
        with self._classified(), self._reader() as session, session.begin():
            yield session

    def checkpoint(self) -> None:
        """Copy the WAL into the main file and truncate it.

        After an erasure the old row versions still sit in WAL frames; with
        ``secure_delete`` on, a truncating checkpoint leaves them nowhere on disk.
        A reader holding an old snapshot can make it partial; the next one finishes.
        """
        raw = self.engine.raw_connection()  # outside any transaction, or it cannot finish
        try:
            cur = raw.cursor()
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cur.close()
        finally:
            raw.close()

    def trim_wal(self, limit: int = WAL_TRIM_BYTES) -> bool:
        """Checkpoint and truncate the WAL if it is over ``limit`` bytes; True if it was.

        SQLite's own checkpoints keep the ``-wal`` file's size: one big transaction (an
        import, committed or rolled back, spills its pages there) would leave hundreds of
        megabytes in the store folder until the app closes. Called after such writes.
        """
        wal = Path(f"{self.path}-wal")
        try:
            if wal.stat().st_size <= limit:
                return False
        except FileNotFoundError:
            return False
        self.checkpoint()
        return True

    def close(self) -> None:
        self.engine.dispose()
        if self._lock is not None:
            self._lock.release()
            self._lock = None


def acquire_instance_lock(data_dir: Path) -> FileLock:
    """One app instance per data directory: two writers of one store would fight.

    Not thread-local (filelock's default): the window opens the store on the worker and
    closes it on the GUI thread, and a thread-local lock released from another thread
    than the one that took it stays held until the process ends.
    """
    lock_path = data_dir / LOCK_FILENAME
    lock = FileLock(str(lock_path), timeout=0, thread_local=False)
    try:
        lock.acquire()
    except Timeout as exc:
        if lock_path.exists() and not os.access(lock_path, os.W_OK):
            raise _cannot_lock(lock_path, "permission denied") from exc
        # A read-only disk, folder or file is the fault to fix whoever holds the lock (the
        # other instance cannot save either), and says so whichever of two starts wins.
        known = faults.refusal(data_dir / STORE_FILENAME)
        if known is not None and known.kind == "readonly":
            raise known from exc
        raise StoreError(
            f"posassist is already running on the store in {data_dir}.",
            hint="Switch to the open window, or close it first.",
        ) from exc
    except OSError as exc:
        raise _cannot_lock(lock_path, exc.strerror or str(exc)) from exc
    return lock


def _cannot_lock(lock_path: Path, reason: str) -> StoreError:
    """The lock is the first file written, so a read-only disk or folder shows up here:
    those get their own message, as does a folder this account may not write to, unless
    the lock file itself is in the way (then that is what to fix first)."""
    known = faults.refusal(lock_path.parent / STORE_FILENAME, check_file=False)
    if known is not None and known.kind == "readonly":
        return known
    in_the_way = lock_path.is_dir() or (lock_path.exists() and not os.access(lock_path, os.W_OK))
    return known if known is not None and not in_the_way else _lock_unwritable(lock_path, reason)


def _lock_unwritable(lock_path: Path, reason: str) -> StoreError:
    return StoreError(
        f"Cannot create the lock file {lock_path} ({reason}).",
        hint="That file only marks a running posassist: with none running on this store, "
        "delete it (or give this account write access to it) and start again. The store "
        "file is fine: do not delete it or restore it from a backup.",
        kind="lock",
    )


def owner_only(path: Path) -> None:
    """On POSIX, let only the account that owns ``path`` read or write it (0600).

    The store holds customers' names, phones and e-mails and is not encrypted (README,
    "At rest"): the file's mode, the OS account and the disk's encryption protect it.
    SQLite gives a new file 0644 and its ``-wal`` / ``-shm`` the mode of the store, so
    the store is narrowed right after it is created and its companions follow it.
    Windows has no such mode bits: the user's profile folder is already private there.
    """
    if os.name == "posix" and path.exists():
        path.chmod(0o600)


def open_database(data_dir: Path, *, migrate: bool = True, lock: bool = True) -> Database:
    """Open (creating if needed) the store in ``data_dir`` and bring its schema to head.

    A data folder created here is the owner's only (0700) and so is a new store file
    (0600, :func:`owner_only`); an existing folder or store keeps the mode IT gave it.
    """
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"Cannot create the data folder {data_dir}: {exc.strerror}.",
            kind="permission" if exc.errno in (errno.EACCES, errno.EPERM) else "other",
        ) from exc
    instance_lock = acquire_instance_lock(data_dir) if lock else None
    try:
        path = data_dir / STORE_FILENAME
        # The instance that will write checks first that it can: a read-only file or
        # folder would otherwise let the window start and fail at the first save.
        refused = faults.refusal(path) if lock else None
        if refused is not None:
            raise refused
        new_store = not path.exists()
        revision = inspect_existing_file(path)
        at_head = revision == SCHEMA_HEAD
        if not at_head:
            # Importing Alembic costs most of a second: only when there is work to do.
            from posassist.storage.migrate import check_revision_known, upgrade_to_head

            check_revision_known(revision, path)
        engine = make_sqlite_engine(path)
        db = Database(path, engine, instance_lock)
        if migrate and not at_head:
            try:
                upgrade_to_head(engine)
            except StoreError:  # a fault of the disk or file, classified by the engine
                engine.dispose()
                raise
            except (SQLAlchemyError, RuntimeError) as exc:
                # The migration runs in one transaction, so the file is as it was.
                engine.dispose()
                detail = getattr(exc, "orig", None) or exc
                raise StoreError(
                    f"Cannot update the store {path} to this version of posassist ({detail}).",
                    hint="It has not been changed. Run `posassist doctor` and keep a backup.",
                ) from exc
        if new_store:
            for part in (path, *(Path(f"{path}{s}") for s in ("-wal", "-shm"))):
                owner_only(part)
        return db
    except BaseException:
        if instance_lock is not None:
            instance_lock.release()
        raise


@dataclass(frozen=True)
class StoreCheck:
    """A store file as ``posassist doctor`` reads it: SQLite's verdict and the outbox."""

    integrity: list[str]  # the lines of ``PRAGMA integrity_check``: ["ok"] when healthy
    pending: int  # changes waiting to be sent to the central database
    dead: int  # changes the central database refused
    problems: int = 0  # changes pulled from the central database that could not be applied


def check_store_file(path: Path) -> StoreCheck:
    """Run SQLite's integrity check and count the outbox, strictly read-only.

    Opened with ``mode=ro`` and no pragmas: unlike :func:`open_database` (whose switch to
    WAL writes), this never changes the file, so it is safe on a damaged store and while
    the window has it open. Raises :class:`StoreError` if SQLite cannot read it at all.
    """
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            result = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
            queue = dict(
                conn.execute(
                    "SELECT state, count(*) FROM outbox WHERE state IN ('pending','dead') "
                    "GROUP BY state"
                ).fetchall()
            )
            has_problems = conn.execute(  # an older store, not migrated yet, has no table
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sync_problem'"
            ).fetchone()
            problems = (
                int(conn.execute("SELECT count(*) FROM sync_problem").fetchone()[0])
                if has_problems
                else 0
            )
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise StoreError(
            f"The store {path} cannot be read ({exc}).",
            hint="Restore it from a backup; the file has not been changed.",
        ) from exc
    return StoreCheck(result, int(queue.get("pending", 0)), int(queue.get("dead", 0)), problems)
