"""The compiled resource module must match resources/ (regenerate with pyside6-rcc)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import posassist.ui.resources_rc as compiled
from posassist.ui.theme import stylesheet

ROOT = Path(__file__).resolve().parents[2]


def _body(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith("#"))


def test_compiled_resources_are_current(tmp_path: Path) -> None:
    rcc = shutil.which("pyside6-rcc", path=str(Path(sys.executable).parent))
    assert rcc, "pyside6-rcc comes with PySide6-Essentials"
    out = tmp_path / "rc.py"
    subprocess.run([rcc, str(ROOT / "resources" / "posassist.qrc"), "-o", str(out)], check=True)
    assert _body(out.read_text()) == _body(Path(compiled.__file__).read_text())


def test_stylesheet_loads_from_resources() -> None:
    assert "QLineEdit#search" in stylesheet()
