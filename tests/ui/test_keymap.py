"""F1's key map and the README's key table are the same table."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from posassist.ui.keymap import REGISTER_KEYS, KeyMapDialog

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_keys() -> list[tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
    table = text[text.index("| key | does |") :].split("\n\n", 1)[0]
    rows = []
    for line in table.splitlines()[2:]:
        key, does = (cell.strip() for cell in line.strip("|").split(" | ", 1))
        rows.append((re.sub(r"^\*\*(.*)\*\*$", r"\1", key), does.strip(" |")))
    return rows


def test_readme_key_table_matches_the_f1_key_map() -> None:
    assert readme_keys() == list(REGISTER_KEYS)


def test_key_map_dialog_lists_every_key(qtbot: QtBot) -> None:
    dialog = KeyMapDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    keys = [dialog.model.index(r, 0).data() for r in range(dialog.model.rowCount())]
    assert keys == [k for k, _ in REGISTER_KEYS]
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
