"""The window's daily backup runs on the worker and shows a problem in the status bar."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pytestqt.qtbot import QtBot

from posassist.app import Backend
from posassist.app.gui import schedule_daily_backup
from posassist.config import BackupSettings
from posassist.ui.main_window import MainWindow
from tests.ui.windows import register_window


def _window(qtbot: QtBot, backend: Backend) -> MainWindow:
    return register_window(qtbot, backend, show=False)


def test_daily_backup_at_start_up_in_the_background(qtbot: QtBot, backend: Backend) -> None:
    window = _window(qtbot, backend)
    timer = schedule_daily_backup(backend, window.worker, window, first_ms=0)
    assert timer.isActive()
    folder = backend.settings.data_dir / "backups"
    qtbot.waitUntil(lambda: len(list(folder.glob("posassist-*.sqlite3"))) == 1, timeout=10_000)
    window.worker.wait_idle()


def test_a_backup_problem_shows_in_the_status_bar(
    qtbot: QtBot, backend: Backend, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the backup folder should be")
    backend.settings = replace(backend.settings, backup=BackupSettings(folder=str(blocker)))
    window = _window(qtbot, backend)
    schedule_daily_backup(backend, window.worker, window, first_ms=0)
    qtbot.waitUntil(lambda: "Backup:" in window.statusBar().currentMessage(), timeout=10_000)
    assert str(blocker) in window.statusBar().currentMessage()
    window.worker.wait_idle()
