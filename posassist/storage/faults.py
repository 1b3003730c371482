"""Telling a damaged store from a disk or folder that will not take writes.

The advice differs completely: a damaged file must be restored from a backup, while a
full disk, a read-only mount or a missing permission leaves a good file that IT must
*not* throw away. SQLite reports all of them as errors of the database, so every error
that leaves the store (an open, a pragma, a session, ``quick_check``) goes through
:func:`classify`, which looks at SQLite's result code, the OS ``errno`` and, when SQLite
is vague ("unable to open database file", an I/O error), at the folder itself.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from posassist.errors import StoreError

__all__ = ["classify", "damaged", "from_os_error", "refusal"]

# SQLite's primary result codes (sqlite3.h); the extended code's low byte is the primary.
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 3, 5, 6, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN = 10, 11, 13, 14
_SQLITE_AUTH, _SQLITE_NOTADB = 23, 26
_NOT_DAMAGE = "The store file itself is fine: do not delete it or restore it from a backup."
RESTORE_HINT = (
    "posassist will not save anything to it. Restore the last backup with "
    "`posassist restore FILE` (or, on a register connected to the central database, "
    "move the file aside and let the next sync bring the data back); "
    "`posassist doctor` shows the details."
)


def damaged(path: Path, detail: str) -> StoreError:
    """The one message for a store whose file is bad: what happened and how to restore."""
    return StoreError(f"The store {path} is damaged ({detail}).", hint=RESTORE_HINT, kind="damaged")


def _full(path: Path) -> StoreError:
    return StoreError(
        f"The disk holding the store {path} is full: the change was not saved.",
        hint=f"Free some space on that disk, then try again. {_NOT_DAMAGE}",
        kind="full",
    )


def _readonly(what: str, place: Path, fix: str) -> StoreError:
    """A read-only disk, folder or file: each says which, and what clears it."""
    return StoreError(
        f"{what} {place} is read-only: nothing can be saved.",
        hint=f"{fix}, then start posassist again. {_NOT_DAMAGE}",
        kind="readonly",
    )


def _readonly_disk(path: Path) -> StoreError:
    return _readonly(
        "The disk holding the store",
        path,
        "Make the disk writable again (remount it read-write, or unlock the card or stick)",
    )


def _readonly_folder(path: Path) -> StoreError:
    return _readonly(
        "The data folder",
        path.parent,
        f"Clear the folder's read-only flag (e.g. `chmod u+w {path.parent}`)",
    )


def _readonly_file(path: Path) -> StoreError:
    return _readonly(
        "The store file", path, "Clear the file's read-only flag (e.g. `chmod u+w` on it)"
    )


def _permission(path: Path) -> StoreError:
    return StoreError(
        f"posassist may not write to the store {path} (permission denied).",
        hint="Give the account that runs posassist write access to the data folder and "
        f"the files in it (posassist.sqlite3, its -wal and -shm files). {_NOT_DAMAGE}",
        kind="permission",
    )


def from_os_error(path: Path, exc: OSError) -> StoreError | None:
    """The StoreError for an OS-level fault at ``path``; None if ``exc`` is not one."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return _full(path)
    if exc.errno == errno.EROFS:
        return _readonly_disk(path)
    if exc.errno in (errno.EACCES, errno.EPERM):
        return _permission(path)
    return None


def _no_write_bits(path: Path) -> bool:
    """A mode with no write bit for anyone: read-only by intent, not someone else's."""
    return not path.stat().st_mode & 0o222


def refusal(path: Path, *, check_file: bool = True) -> StoreError | None:
    """Why the disk, the folder or (with ``check_file``) the store file at ``path`` will
    refuse writes, found by asking the OS before anything is tried; None if they won't.

    The read-only cases come first and each has its own message: a read-only disk is
    remounted, a read-only folder or file has its flag cleared, while a folder or file
    that is writable, only not by this account, is a matter of permissions.
    """
    folder = path.parent
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return _readonly_disk(path)
        if not os.access(folder, os.W_OK):
            return _readonly_folder(path) if _no_write_bits(folder) else _permission(path)
        if check_file and path.exists() and not os.access(path, os.W_OK):
            return _readonly_file(path) if _no_write_bits(path) else _permission(path)
    except OSError:
        return None
    return None


def _folder_fault(path: Path) -> StoreError | None:
    """Why the folder of ``path`` refuses writes, found by asking the OS, or None."""
    known = refusal(path)
    if known is not None:
        return known
    try:
        st = os.statvfs(path.parent)
    except OSError:
        return None
    if st.f_bavail * st.f_frsize < 64 * 1024:
        return _full(path)
    return None


def classify(path: Path, exc: BaseException) -> StoreError | None:
    """The StoreError an error of the store at ``path`` means, or None for anything else
    (a bug such as a constraint failure, which must keep its traceback)."""
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, OSError):
        return from_os_error(path, exc)
    if not isinstance(exc, sqlite3.Error):
        return None
    code = int(getattr(exc, "sqlite_errorcode", -1)) & 0xFF
    text = str(exc).lower()
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or "malformed" in text or "not a database" in text:
        return damaged(path, str(exc))
    if code == _SQLITE_FULL or "disk is full" in text:
        return _full(path)
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED) or "locked" in text or "busy" in text:
        return StoreError(
            "The store is busy (another program is writing to it). Try again.", kind="busy"
        )
    if code == _SQLITE_READONLY or "readonly" in text:
        return _folder_fault(path) or _readonly_disk(path)
    if code in (_SQLITE_PERM, _SQLITE_AUTH, _SQLITE_CANTOPEN, _SQLITE_IOERR) or (
        "unable to open" in text or "disk i/o" in text
    ):
        # Classified only when the folder shows why; an unexplained I/O error stays what
        # it is (the crash log keeps its traceback for whoever looks at the disk).
        return _folder_fault(path)
    return None
