"""The one way a service writes to the audit trail (ids and kinds, never personal data).

Called inside the action's own write session, so the entry, its place in the
register's hash chain and its outbox row commit together with the change it records,
or not at all (``storage/audit.py``). An action whose result is a file (an export, the
settings file) records inside :func:`committed_with_files`, so the file and the entry
exist together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session

from posassist.errors import InvalidInputError
from posassist.services.context import StoreContext
from posassist.services.csv_files import write_files_atomically
from posassist.storage import audit
from posassist.storage.database import Database


def record(
    s: Session, ctx: StoreContext, action: str, entity: str, entity_id: str, detail: str = ""
) -> None:
    """Append one entry: who (staff id), what (``action`` on ``entity`` ``entity_id``).

    ``action`` must be one of ``domain/audit_chain.py ACTIONS`` (a typo is a KeyError).
    ``detail`` is a fixed phrase or a count, never a name, phone or note.
    """
    audit.append(
        s,
        register_id=ctx.register_id,
        at=ctx.now(),
        staff_id=ctx.staff_id,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        detail=detail,
        hlc=ctx.stamp(),
    )


@contextmanager
def committed_with_files(
    db: Database, files: Sequence[tuple[Path, bytes]], field: str = "file"
) -> Iterator[Session]:
    """A write session whose commit point is writing ``files``: what the caller records
    in it (an export's audit entry, a settings change) and the files exist together, or
    neither does.

    The caller's changes are flushed first (a store fault then leaves no file), the files
    are staged and renamed into place (``write_files_atomically``) as the last step, and
    the session commits. If the commit fails, each file is put back as it was (removed,
    or its old bytes written again), so no file claims an action the trail lacks.
    """
    before = {path: _old_bytes(path) for path, _data in files}
    written = False
    try:
        with db.write() as s:
            yield s
            s.flush()
            write_files_atomically(files, field)
            written = True
    except BaseException:
        if written:
            _put_back(before, field)
        raise


def _old_bytes(path: Path) -> bytes | None:
    """What a regular file at ``path`` holds now (None: nothing, or nothing readable)."""
    try:
        return path.read_bytes() if path.is_file() and not path.is_symlink() else None
    except OSError:
        return None


def _put_back(before: dict[Path, bytes | None], field: str) -> None:
    for path, old in before.items():
        try:
            if old is None:
                path.unlink(missing_ok=True)
            else:
                write_files_atomically([(path, old)], field)
        except (OSError, InvalidInputError):
            continue  # the original failure is the one to report
