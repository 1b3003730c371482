"""Backups IT can trust: ``posassist backup``, ``posassist restore`` and the daily one.

A backup is taken with SQLite's online backup API without the instance lock, so it
works (and is consistent) while the window is open; it is checked before it replaces
anything. A restore is the opposite: it needs the store to itself (the instance lock),
checks the backup first, keeps the current store aside instead of overwriting it, and
marks the restored store so the next sync brings back from central this register's own
changes made after the backup (see ``sync/pull.py``) and continues its audit chain from
central's copy (``sync/audit_rejoin.py``).
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from posassist.config import BackupSettings
from posassist.errors import StoreError
from posassist.storage.backup import (
    AUDIT_REJOIN_KEY,
    REPLAY_OWN_KEY,
    copy_verified,
    put_back,
    set_aside,
    store_revision,
    verify_copy,
)
from posassist.storage.database import STORE_FILENAME, acquire_instance_lock

BACKUP_FOLDER = "backups"
DAILY_PATTERN = re.compile(r"^posassist-(\d{4}-\d{2}-\d{2})\.sqlite3$")
# The daily backup runs when the newest one is older than this.
DAILY_EVERY = timedelta(days=1)


@dataclass(frozen=True)
class BackupDone:
    path: Path
    revision: str
    size: int


@dataclass(frozen=True)
class RestoreDone:
    store: Path
    source: Path
    kept_aside: Path | None  # the store that was replaced, or None if there was none
    revision: str


def make_backup(data_dir: Path, target: Path) -> BackupDone:
    """Copy the store in ``data_dir`` to ``target``, checked, atomically (no lock taken)."""
    store = data_dir / STORE_FILENAME
    revision = store_revision(store)
    copy_verified(store, target, expected=revision, doing="write the backup")
    return BackupDone(target, revision, target.stat().st_size)


def check_backup(source: Path) -> str:
    """The backup's revision once it is known to be a healthy store this posassist opens."""
    from posassist.storage.migrate import check_revision_known  # Alembic: only here

    revision = verify_copy(source)
    try:
        check_revision_known(revision, source)
    except StoreError as exc:
        raise StoreError(
            f"The backup {source} was written by a newer version of posassist (schema {revision}).",
            hint="Nothing was changed. Install that version to restore it.",
        ) from exc
    return revision


def restore_backup(data_dir: Path, source: Path, *, now: datetime | None = None) -> RestoreDone:
    """Put the backup ``source`` in place of the store in ``data_dir``.

    Order: check the backup, take the instance lock (refused while the window runs),
    stage a checked copy beside the store, move the current store (and its -wal/-shm)
    aside, rename the staged copy in. A failure at any step leaves the current store
    where it was.
    """
    revision = check_backup(source)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"Cannot create the data folder {data_dir}: {exc.strerror}.") from exc
    lock = acquire_instance_lock(data_dir)
    try:
        store = data_dir / STORE_FILENAME
        staged = data_dir / f"{STORE_FILENAME}.restoring"
        copy_verified(
            source,
            staged,
            expected=revision,
            doing="restore into",
            extra_state={REPLAY_OWN_KEY: "1", AUDIT_REJOIN_KEY: "1"},
        )
        aside = None
        if store.exists():
            stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
            aside = data_dir / f"{STORE_FILENAME}.before-restore-{stamp}"
            set_aside(store, aside)
        try:
            os.replace(staged, store)
        except OSError as exc:
            if aside is not None:
                put_back(store, aside)
            raise StoreError(f"Cannot put the backup in place as {store}: {exc.strerror}.") from exc
        return RestoreDone(store, source, aside, revision)
    finally:
        with contextlib.suppress(OSError):
            (data_dir / f"{STORE_FILENAME}.restoring").unlink()
        lock.release()


# -- the daily automatic backup -------------------------------------------------------
def backup_folder(data_dir: Path, settings: BackupSettings) -> Path:
    folder = settings.folder.strip()
    return Path(folder).expanduser() if folder else data_dir / BACKUP_FOLDER


def daily_backups(folder: Path) -> dict[date, Path]:
    """The automatic backups in ``folder`` by their day (other files are left alone)."""
    found: dict[date, Path] = {}
    with contextlib.suppress(OSError):
        for path in folder.iterdir():
            match = DAILY_PATTERN.match(path.name)
            if match and path.is_file():
                with contextlib.suppress(ValueError):
                    found[date.fromisoformat(match.group(1))] = path
    return found


def backup_due(folder: Path, now: datetime) -> bool:
    """True when no automatic backup was written in the last day."""
    newest = 0.0
    for path in daily_backups(folder).values():
        with contextlib.suppress(OSError):
            newest = max(newest, path.stat().st_mtime)
    return now.timestamp() - newest >= DAILY_EVERY.total_seconds()


def prune_backups(folder: Path, today: date, keep_days: int) -> list[Path]:
    """Delete the automatic backups older than ``keep_days`` days; return them."""
    cutoff = today - timedelta(days=keep_days)
    removed = []
    for day, path in sorted(daily_backups(folder).items()):
        if day <= cutoff:
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


def daily_backup(
    data_dir: Path, settings: BackupSettings, *, now: datetime | None = None
) -> BackupDone | None:
    """The automatic backup, if one is due: today's file, then the retention.

    Runs in the background while the window writes (no lock); None when not due or
    switched off (``keep_days = 0``).
    """
    moment = now or datetime.now()
    folder = backup_folder(data_dir, settings)
    if settings.keep_days == 0 or not backup_due(folder, moment):
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"Cannot create the backup folder {folder}: {exc.strerror}.",
            hint="Set [backup] folder to a folder this user may write to.",
        ) from exc
    done = make_backup(data_dir, folder / f"posassist-{moment.date().isoformat()}.sqlite3")
    prune_backups(folder, moment.date(), settings.keep_days)
    return done
