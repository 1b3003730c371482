"""The audit trail on a real store: chained, append-only, ids only, verified, listed."""

from __future__ import annotations

import itertools
import json
import sqlite3
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from posassist.app import Backend
from posassist.cli import main
from posassist.services.audit_trail import record
from posassist.services.customers import NewCustomer
from posassist.storage.database import STORE_FILENAME
from posassist.storage.orm import AuditLog, Outbox
from tests.conftest import MovableClock, make_backend


def _record_some(backend: Backend, n: int) -> None:
    for i in range(n):
        with backend.db.write() as s:
            record(s, backend.ctx, "export", "report", f"report-{i}", f"{i} rows")


def _raw(backend: Backend, *statements: str) -> None:
    """Change the store behind posassist's back, as someone with the file would."""
    path = backend.settings.data_dir / STORE_FILENAME
    conn = sqlite3.connect(path)
    try:
        conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def test_entries_chain_and_each_goes_to_the_outbox(backend: Backend) -> None:
    _record_some(backend, 4)
    with backend.db.write() as s:  # two in one session: numbered one after the other
        record(s, backend.ctx, "sign_in", "staff", str(backend.ctx.staff_id))
        record(s, backend.ctx, "sign_out", "staff", str(backend.ctx.staff_id))
    with backend.db.read() as s:
        rows = s.scalars(select(AuditLog).order_by(AuditLog.id)).all()
        queued = s.scalars(select(Outbox).where(Outbox.entity == "audit_entry")).all()
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5, 6]
    assert all(b.prev_hash == a.entry_hash for a, b in itertools.pairwise(rows))
    assert len(queued) == 6
    assert {q.payload["seq"] for q in queued} == set(range(1, 7))
    verdict = backend.audit.verify()
    assert verdict.ok
    assert verdict.entries == 6


def test_an_unknown_action_is_refused(backend: Backend) -> None:
    with pytest.raises(KeyError, match="sign_inn"), backend.db.write() as s:
        record(s, backend.ctx, "sign_inn", "staff", "x")
    with backend.db.read() as s:
        assert s.scalars(select(AuditLog)).all() == []


def test_the_triggers_refuse_update_and_delete(backend: Backend) -> None:
    _record_some(backend, 2)
    path = backend.settings.data_dir / STORE_FILENAME
    conn = sqlite3.connect(path)
    try:
        for statement in ("UPDATE audit_log SET detail = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(statement)
    finally:
        conn.close()
    assert backend.audit.verify().ok


def test_an_edited_entry_is_named(backend: Backend) -> None:
    _record_some(backend, 5)
    _raw(backend, "UPDATE audit_log SET detail = '0 rows' WHERE seq = 3")
    verdict = backend.audit.verify()
    assert verdict.problem is not None
    assert verdict.problem.kind == "edited"
    assert verdict.message.startswith(
        f"entry 3 of register Register 1 ({backend.ctx.register_id}) was edited: its hash "
        "does not match its content"
    )


def test_a_deleted_entry_is_named(backend: Backend) -> None:
    _record_some(backend, 5)
    _raw(backend, "DELETE FROM audit_log WHERE seq = 2")
    verdict = backend.audit.verify()
    assert verdict.problem is not None
    assert "entry 2 of register Register 1" in verdict.message
    assert "is missing (deleted)" in verdict.message


def test_swapped_entries_are_out_of_order(backend: Backend) -> None:
    _record_some(backend, 5)
    _raw(
        backend,
        "UPDATE audit_log SET seq = -1 WHERE seq = 3",
        "UPDATE audit_log SET seq = 3 WHERE seq = 4",
        "UPDATE audit_log SET seq = 4 WHERE seq = -1",
    )
    verdict = backend.audit.verify()
    assert verdict.problem is not None
    assert "entries 3 and 4 of register Register 1" in verdict.message
    assert "are out of order" in verdict.message


def test_customer_actions_hold_the_id_never_the_person(backend: Backend) -> None:
    secret = NewCustomer(
        "Zanzibar Quuxley", phone="(212) 555-0142", email="zq@example.com", consent_contact=True
    )
    cid = backend.customers.create(secret)
    other = backend.customers.create(
        NewCustomer("Zanzibar Q", phone="(212) 555-0143", consent_contact=True)
    )
    visit = backend.interactions.log(cid, "purchase", basket_minor=999)
    backend.interactions.void(visit, "Zanzibar Quuxley said it was a mistake")
    backend.customers.merge(other, cid)
    assert backend.privacy.erase_customer(cid)  # still written directly: chained all the same
    with backend.db.read() as s:
        rows = s.scalars(select(AuditLog).order_by(AuditLog.id)).all()
        queued = s.scalars(select(Outbox.payload).where(Outbox.entity == "audit_entry")).all()
    assert [r.action for r in rows] == ["void", "merge", "erase", "erase"]
    assert {r.entity_id for r in rows} == {str(visit), str(other), str(cid)}
    for text in [*(f"{r.detail} {r.entity_id}" for r in rows), *map(str, queued)]:
        # Ids and chain hashes are random hex, so a short run of digits could match by chance;
        # a whole phone number (10 digits in a row, or with its dash) cannot, in practice.
        for personal in ("Zanzibar", "Quuxley", "555-0142", "2125550142", "zq@"):
            assert personal not in text
    assert backend.audit.verify().ok  # erasure touched no entry: they hold only ids


@pytest.fixture
def store(tmp_path: Path, clock: MovableClock) -> Path:
    folder = tmp_path / "store"
    backend = make_backend(folder, clock)
    try:
        _record_some(backend, 3)
    finally:
        backend.close()
    return folder


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_commands_list_and_verify(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, "audit", "--data-dir", str(store))
    assert code == 0
    assert out.count("export report") == 3
    code, out, _ = _cli(capsys, "audit", "--data-dir", str(store), "--json")
    doc = json.loads(out)
    assert [e["seq"] for e in doc["entries"]] == [1, 2, 3]
    code, out, _ = _cli(capsys, "audit", "--since", "2030-01-01", "--data-dir", str(store))
    assert code == 0
    assert "No audit entries since 2030-01-01." in out
    code, out, _ = _cli(capsys, "audit", "verify", "--data-dir", str(store))
    assert (code, out.splitlines()[0]) == (0, "audit trail intact: 3 entries")
    code, out, _ = _cli(capsys, "audit", "verify", "--json", "--data-dir", str(store))
    assert json.loads(out)["ok"] is True
    assert json.loads(out)["central_checked"] is False


def test_a_bad_date_and_central_unconfigured_are_exit_2(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["audit", "--since", "2026-13-01", "--data-dir", str(store)])
    assert info.value.code == 2
    assert "'2026-13-01' is not a date (use YYYY-MM-DD)" in capsys.readouterr().err
    code, _, err = _cli(capsys, "audit", "verify", "--central", "--data-dir", str(store))
    assert code == 2
    assert "No central database is configured" in err


def test_verify_exits_1_naming_the_entry(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conn = sqlite3.connect(store / STORE_FILENAME)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET staff_id = NULL WHERE seq = 2")
    conn.commit()
    conn.close()
    code, out, _ = _cli(capsys, "audit", "verify", "--data-dir", str(store))
    assert code == 1
    assert out.startswith("entry 2 of register Register 1 (")
    code, out, _ = _cli(capsys, "audit", "verify", "--json", "--data-dir", str(store))
    problem = json.loads(out)["problem"]
    assert code == 1
    assert (problem["kind"], problem["seq"]) == ("edited", 2)
    assert uuid.UUID(problem["register_id"])
