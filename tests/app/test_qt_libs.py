"""A fresh Linux PC without Qt's xcb libraries: the missing one is named, with its package."""

from __future__ import annotations

from pathlib import Path

import pytest

from posassist.app.gui import run_gui
from posassist.cli.doctor import run_doctor
from posassist.services import qt_libs

NO_SUCH = "libposassist-no-such-xcb.so.7"


@pytest.fixture
def missing_library(monkeypatch: pytest.MonkeyPatch) -> None:
    """One more library on the list, one that no computer has."""
    monkeypatch.setitem(qt_libs.QT_XCB_LIBRARIES, NO_SUCH, ("libno-such-xcb7", "no-such-xcb"))


def test_every_listed_library_loads_here() -> None:
    assert qt_libs.missing_qt_library() is None


def test_a_library_that_does_not_exist_is_named_with_its_package() -> None:
    missing = qt_libs.missing_qt_library({NO_SUCH: ("libno-such-xcb7", "no-such-xcb")})
    assert missing is not None
    message = missing.message()
    assert NO_SUCH in message
    assert "sudo apt install libno-such-xcb7" in message  # this machine is Debian


def test_the_check_runs_only_for_xcb_with_a_display() -> None:
    assert qt_libs.needs_xcb_check({"DISPLAY": ":0"}, "linux")
    assert qt_libs.needs_xcb_check({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, "linux")
    assert not qt_libs.needs_xcb_check({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert not qt_libs.needs_xcb_check({}, "linux")
    assert not qt_libs.needs_xcb_check({"DISPLAY": ":0"}, "win32")


@pytest.mark.usefixtures("missing_library")
def test_the_window_refuses_to_start_and_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    assert run_gui(tmp_path, demo=False, smoke_test=False) == 2
    err = capsys.readouterr().err
    assert f"The system library {NO_SUCH} that Qt needs to open a window is missing" in err
    assert "sudo apt install libno-such-xcb7" in err
    assert not (tmp_path / "posassist.sqlite3").exists()  # refused before anything opened


@pytest.mark.usefixtures("missing_library")
def test_doctor_names_the_missing_library(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_doctor(tmp_path, None) == 1
    out = capsys.readouterr().out
    assert f"PROBLEM  The window cannot open: the system library {NO_SUCH} is missing." in out
    assert "sudo apt install libno-such-xcb7" in out
