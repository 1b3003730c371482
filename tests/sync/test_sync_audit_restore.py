"""A register restored from a backup continues its audit chain from central's copy
(``sync/audit_rejoin.py``), on a real PostgreSQL: no dead letters, one unbroken chain."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from posassist.services.audit_trail import record
from posassist.services.backup import make_backup, restore_backup
from posassist.storage.backup import AUDIT_REJOIN_KEY
from posassist.storage.orm import AuditLog, SyncState
from tests.sync.helpers import Central, MakeReg, Reg, outbox_states


def _record(reg: Reg, n: int, tag: str) -> None:
    for i in range(n):
        with reg.db.write() as s:
            record(s, reg.backend.ctx, "export", "report", f"{tag}{i}", f"{i} rows")


def _seqs(reg: Reg) -> list[int]:
    with reg.db.read() as s:
        return list(s.scalars(select(AuditLog.seq).order_by(AuditLog.id)))


def test_a_restored_register_takes_back_its_entries_and_numbers_on(
    registers: MakeReg, central: Central, tmp_path: Path
) -> None:
    a = registers("Till A")
    _record(a, 2, "before")
    a.sync.sync_once()
    backup = tmp_path / "a.sqlite3"
    make_backup(a.data_dir, backup)
    _record(a, 3, "after")  # sent after the backup: central holds 3, 4, 5
    a.sync.sync_once()
    a.close()
    restore_backup(a.data_dir, backup)
    a = registers("Till A")
    assert _seqs(a) == [1, 2]

    a.sync.sync_once()  # takes back 3-5 before it pushes anything
    assert _seqs(a) == [1, 2, 3, 4, 5]
    _record(a, 2, "new")
    a.sync.sync_once()
    assert "dead" not in outbox_states(a)
    assert _seqs(a) == [1, 2, 3, 4, 5, 6, 7]
    held = central.query("SELECT seq FROM audit_entry ORDER BY seq")
    assert [n for (n,) in held] == [1, 2, 3, 4, 5, 6, 7]
    verdict = a.backend.audit.verify(central=True)
    assert verdict.ok, verdict
    assert (verdict.entries, verdict.central_entries) == (7, 7)
    with a.db.read() as s:
        mark = s.get(SyncState, AUDIT_REJOIN_KEY)
    assert mark is not None
    assert mark.value == ""


def test_entries_written_before_the_first_sync_are_not_overwritten(
    registers: MakeReg, central: Central, tmp_path: Path
) -> None:
    """Central out of reach after the restore and a new entry made: its number is one
    central holds; nothing is taken back, the entry stays refused and verify names it."""
    a = registers("Till A")
    _record(a, 1, "before")
    a.sync.sync_once()
    backup = tmp_path / "a.sqlite3"
    make_backup(a.data_dir, backup)
    _record(a, 2, "after")
    a.sync.sync_once()
    a.close()
    restore_backup(a.data_dir, backup)
    a = registers("Till A")
    _record(a, 1, "offline")  # entry 2 here; central holds another entry 2
    a.sync.sync_once()
    assert _seqs(a) == [1, 2]
    assert outbox_states(a).get("dead") == 1
    assert not a.backend.audit.verify(central=True).ok
