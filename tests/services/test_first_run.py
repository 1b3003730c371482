"""The set-up's use cases on a real store: when it is needed, and nothing half-done."""

from __future__ import annotations

from pathlib import Path

import pytest

from posassist.app import Backend
from posassist.config import load_settings
from posassist.errors import InvalidInputError, KnownError
from posassist.secrets import SessionSecretStore
from posassist.services.first_run import FirstRun, SetupPlan, store_has_managers
from posassist.services.printers import installed_printers
from posassist.storage.database import open_database
from tests.printing.cupsd import Cups

TEXTS = {
    "store.name": "Corner Books",
    "store.region": "GB",
    "store.timezone": "Europe/London",
    "store.branch_code": "B01",
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
        assert not path.exists()  # written first, removed again: the set-up runs next time
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
