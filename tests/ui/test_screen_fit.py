"""The window and every dialog fit a 1024×768 register screen, buttons in view."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout
from pytestqt.qtbot import QtBot

from posassist.ui.screen import available_geometry, fit_to_screen

ROOT = Path(__file__).resolve().parents[2]


def test_window_and_every_dialog_fit_1024x768(tmp_path: Path) -> None:
    screens = tmp_path / "screens.json"
    screens.write_text(
        json.dumps(
            {
                "screens": [
                    {"name": "s", "x": 0, "y": 0, "width": 1024, "height": 768, "logicalDpi": 96}
                ]
            }
        )
    )
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={screens}"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui.fit_check", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["problems"] == []


def test_a_dialog_taller_than_the_screen_scrolls_and_keeps_its_buttons(qtbot: QtBot) -> None:
    dialog = QDialog()
    layout = QVBoxLayout(dialog)
    room = available_geometry(dialog)
    for i in range(room.height() // 10):
        layout.addWidget(QLabel(f"line {i}"))
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
    layout.addWidget(buttons)
    qtbot.addWidget(dialog)
    fit_to_screen(dialog)
    dialog.show()
    assert dialog.height() <= room.height()
    assert dialog.findChild(object, "fitScroll") is not None
    assert buttons.window() is dialog
    assert dialog.rect().contains(buttons.geometry())
