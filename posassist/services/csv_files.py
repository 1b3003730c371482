"""Writing the CSV files managers open in a spreadsheet: one helper for every export.

Every export (vendors, regulars, goodwill ledger, unmet demand) goes through
:func:`write_csv`, so each one is UTF-8 with a BOM (Excel then reads accented names
right), written atomically (a full disk never leaves half a report that looks complete),
and has its text cells neutralised against formula injection
(:mod:`posassist.domain.spreadsheet`).

:func:`write_bytes_atomically` is the one way any file the user names is written (CSV
exports, ``slip -o``, backups): a temporary file in the same folder, fsync, then
``os.replace``. :func:`check_export_target` refuses a symlink, a device, a folder or any
other non-regular file at the target first: replacing a symlink someone planted, or
writing into ``/dev/sda``, is never what "export to this file" meant.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import stat
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from posassist.domain.spreadsheet import neutralise_cell
from posassist.errors import InvalidInputError

__all__ = [
    "check_export_target",
    "csv_text",
    "write_bytes_atomically",
    "write_csv",
    "write_files_atomically",
]


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise_cell(cell) for cell in row])
    return buffer.getvalue()


def check_export_target(path: Path, field: str = "file") -> None:
    """Refuse anything but a regular file (or nothing) at ``path``, with a message."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise InvalidInputError(field, f"Cannot write {path}: {exc.strerror or exc}.") from exc
    if stat.S_ISLNK(st.st_mode):
        what = "a symbolic link; posassist does not write through links"
    elif stat.S_ISDIR(st.st_mode):
        what = "a folder"
    elif not stat.S_ISREG(st.st_mode):
        what = "a device or other special file, not a regular file"
    else:
        return
    raise InvalidInputError(
        field, f"Cannot write {path}: it is {what}.", hint="Choose a new file name."
    )


def write_bytes_atomically(path: Path, data: bytes, field: str = "file") -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder, fsync, rename.

    Raises InvalidInputError naming the path when the folder is missing or read-only, the
    disk is full, or the target is not a regular file; the target is then unchanged.
    """
    write_files_atomically([(path, data)], field)


def write_files_atomically(files: Sequence[tuple[Path, bytes]], field: str = "file") -> None:
    """:func:`write_bytes_atomically` for files that belong together (a customer's JSON
    and PDF export): every file is written and synced to its temporary name first, and
    only then renamed, so a failure leaves none of them changed and no temporary file."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in files:
            check_export_target(path, field)
            staged.append((_staged(path, data, field), path))
        for tmp, path in staged:
            check_export_target(path, field)  # nothing was swapped in meanwhile
            os.replace(tmp, path)
    except (OSError, InvalidInputError) as exc:
        for tmp, _path in staged:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, InvalidInputError):
            raise
        raise _cannot_write(path, field, exc) from exc


def _staged(path: Path, data: bytes, field: str) -> str:
    """``data`` in a synced temporary file beside ``path``; its name."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise _cannot_write(path, field, exc) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _cannot_write(path, field, exc) from exc
    return tmp


def _cannot_write(path: Path, field: str, exc: OSError) -> InvalidInputError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return InvalidInputError(
            field,
            f"Cannot write {path}: the disk is full (or the file is too large for it).",
            hint="Free some space or choose another disk, then try again.",
        )
    return InvalidInputError(field, f"Cannot write {path}: {exc.strerror or exc}.")


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    write_bytes_atomically(path, ("\ufeff" + csv_text(header, rows)).encode("utf-8"))
