"""Every pytest-qt flow here fails if the window writes on the GUI thread (gui_thread.py).

The window keeps its geometry in QSettings: tests keep theirs in a temporary folder, never
in the user's own settings.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from tests.ui.gui_thread import gui_thread_writes

__all__ = ["gui_thread_writes", "settings_in_tmp"]


@pytest.fixture(autouse=True)
def settings_in_tmp(tmp_path: Path) -> Path:
    folder = tmp_path / "qsettings"
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    return folder
