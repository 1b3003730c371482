"""``posassist doctor``: the demo store's folder, and a standalone register's change log."""

from __future__ import annotations

from pathlib import Path

import pytest

from posassist.cli import main
from posassist.services.customers import NewCustomer
from tests.conftest import MovableClock, make_backend
from tests.printing.cupsd import Cups


def test_doctor_demo_checks_the_demo_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POSASSIST_DATA_DIR", str(tmp_path))
    (tmp_path / "demo").mkdir()
    main(["doctor", "--demo"])
    out = capsys.readouterr().out
    assert f"Data folder {tmp_path / 'demo'} is writable" in out
    main(["doctor"])
    assert f"Data folder {tmp_path} is writable" in capsys.readouterr().out


def test_standalone_changes_kept_are_not_a_problem(
    tmp_path: Path, clock: MovableClock, capsys: pytest.CaptureFixture[str], cups: Cups
) -> None:
    cups.add_queue("Front")  # a store with a working printer: only the change log is judged
    cups.run("lpadmin", "-d", "Front")
    backend = make_backend(tmp_path, clock)
    backend.customers.create(NewCustomer(display_name="Ada Lovelace"))
    backend.close()
    main(["doctor", "--data-dir", str(tmp_path)])
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "kept for a central database" in line)
    assert line.startswith("ok ")
    assert "1 change is kept" in line  # one customer added: one change, in the singular
    assert "none is configured (standalone), so nothing is waiting to be sent" in line
    assert "0 problems" in out or "All checks passed." in out


def test_doctor_summary_counts_in_words() -> None:
    from posassist.services.diagnostics import Finding, summary

    one_each = [Finding("problem", "a"), Finding("warning", "b")]
    assert summary(one_each) == "1 problem, 1 warning."
    assert summary([Finding("warning", "b")] * 2) == "0 problems, 2 warnings."
