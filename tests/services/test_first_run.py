"""The set-up's use cases on a real store: when it is needed, and nothing half-done."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from posassist.app import Backend
from posassist.config import check_values, load_settings
from posassist.errors import InvalidInputError, KnownError
from posassist.secrets import SessionSecretStore, central_password_key
from posassist.services.first_run import FirstRun, SetupPlan, store_has_managers
from posassist.services.printers import installed_printers
from posassist.services.sync import ChainBranch
from posassist.storage.database import open_database
from tests.commit_trap import fail_commits_with_audit, release
from tests.printing.cupsd import Cups

TEXTS = {
    "store.name": "Corner Books",
    "store.region": "GB",
    "store.timezone": "Europe/London",
    "store.branch_code": "B01",
}
CENTRAL = {
    "central.host": "central.example",
    "central.port": "5432",
    "central.database": "posassist",
    "central.user": "register",
}


def _first_run(tmp_path: Path) -> tuple[FirstRun, Path]:
    path = tmp_path / "settings.toml"
    base = load_settings(tmp_path / "store", path, env={}, missing_ok=True)
    return FirstRun(open_database(base.data_dir), base, path, SessionSecretStore()), path


def test_a_refused_manager_leaves_no_settings_file(tmp_path: Path) -> None:
    first_run, path = _first_run(tmp_path)
    try:
        with pytest.raises(InvalidInputError, match="4 to 8 digits"):
            first_run.finish(SetupPlan(TEXTS, manager_name="Alice", manager_pin="12"))
        assert not path.exists()  # refused before anything is written: the set-up runs next time
        assert first_run.needed()
        first_run.finish(SetupPlan(TEXTS, manager_name="Alice", manager_pin="2468"))
        assert path.exists()
        assert store_has_managers(first_run.db)
        with pytest.raises(KnownError, match="already set up"):
            first_run.finish(SetupPlan(TEXTS, manager_name="Bob", manager_pin="1357"))
    finally:
        first_run.db.close()


def test_a_bad_value_writes_nothing(tmp_path: Path) -> None:
    first_run, path = _first_run(tmp_path)
    try:
        bad = {**TEXTS, "store.timezone": "Mars/Base"}
        with pytest.raises(InvalidInputError) as caught:
            first_run.finish(SetupPlan(bad, manager_name="Alice", manager_pin="2468"))
        assert caught.value.field == "store.timezone"
        assert not path.exists()
        assert not store_has_managers(first_run.db)
    finally:
        first_run.db.close()


def test_a_store_with_a_manager_needs_no_setup(backend: Backend, tmp_path: Path) -> None:
    backend.staff.first_manager("Alice", "2468")
    first_run = FirstRun(backend.db, backend.settings, tmp_path / "settings.toml")
    assert not first_run.needed()


def test_installed_printers_are_the_cups_queues(cups: Cups) -> None:
    cups.add_queue("Front_till")
    cups.add_queue("Back_office")
    assert sorted(installed_printers()) == ["Back_office", "Front_till"]


def test_a_set_up_whose_audit_fails_leaves_no_manager_no_file_and_no_password(
    tmp_path: Path,
) -> None:
    """The manager, its audit entries and settings.toml are one transaction: a commit
    refused after the file was renamed into place leaves the store needing its set-up
    (no manager with a PIN, no file) and the central password of the join not kept."""
    first_run, path = _first_run(tmp_path)
    secrets = SessionSecretStore()
    first_run = FirstRun(first_run.db, first_run.base, path, secrets)
    branch = ChainBranch(uuid.uuid4(), "B01", "Corner", "", "", "Europe/London", "")
    texts = {**TEXTS, **CENTRAL}
    plan = SetupPlan(
        texts, joined=branch, central_password="s3cret", manager_name="Alice", manager_pin="2468"
    )
    try:
        fail_commits_with_audit(first_run.db)
        with pytest.raises(IntegrityError):
            first_run.finish(plan)
        assert not path.exists()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]  # no temporary file
        assert not store_has_managers(first_run.db)
        assert first_run.needed()
        key = central_password_key(check_values(first_run.base, texts)[0].central)
        assert secrets.get(key) is None
        release(first_run.db)
        first_run.finish(plan)
        assert path.exists()
        assert store_has_managers(first_run.db)
        assert secrets.get(key) == "s3cret"
    finally:
        first_run.db.close()
