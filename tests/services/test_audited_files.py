"""Actions whose result is a file are audited in the same transaction: the regulars CSV
and the settings file exist together with their audit entry, or neither does."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from posassist.app import Backend
from posassist.services.settings import SettingsService
from posassist.storage.orm import AuditLog
from tests.commit_trap import fail_commits_with_audit, release

OLD_FILE = '# Kept by store IT\n[store]\nname = "Corner Books"\n'


def _entries(backend: Backend, action: str) -> list[tuple[str, str, str]]:
    with backend.db.read() as s:
        rows = s.execute(
            select(AuditLog.entity, AuditLog.entity_id, AuditLog.detail)
            .where(AuditLog.action == action)
            .order_by(AuditLog.id)
        )
        return [(e, i, d) for e, i, d in rows]


def test_the_regulars_export_is_audited_with_its_file(backend: Backend, tmp_path: Path) -> None:
    out = tmp_path / "regulars.csv"
    fail_commits_with_audit(backend.db)
    with pytest.raises(IntegrityError):
        backend.standing.export_regulars(out, [])
    assert not out.exists()  # renamed into place, removed again when the commit failed
    assert list(tmp_path.iterdir()) == [tmp_path / "store"]
    release(backend.db)
    assert _entries(backend, "export") == []
    assert backend.standing.export_regulars(out, []) == 0
    assert out.read_text(encoding="utf-8").startswith("name,tier")
    assert _entries(backend, "export") == [("regulars", "-", "0 rows")]


def test_a_settings_save_whose_audit_fails_keeps_the_old_file(
    backend: Backend, tmp_path: Path
) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(OLD_FILE, encoding="utf-8")
    service = SettingsService(backend.ctx, path, backend.printing)
    fail_commits_with_audit(backend.db)
    with pytest.raises(IntegrityError):
        service.save({"store.name": "Corner Books & Maps"})
    assert path.read_text(encoding="utf-8") == OLD_FILE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.toml", "store"]
    release(backend.db)
    assert _entries(backend, "settings_change") == []
    assert service.save({"store.name": "Corner Books & Maps"}) == ["store.name"]
    assert "Corner Books & Maps" in path.read_text(encoding="utf-8")
    assert "# Kept by store IT" in path.read_text(encoding="utf-8")
    assert _entries(backend, "settings_change") == [("settings", "store", "name")]
