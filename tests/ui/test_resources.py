"""The compiled resource module must hold exactly what resources/ holds.

rcc stamps file times into its output, so the check compares contents: every file the
.qrc lists must read back, byte for byte, from the compiled ``:/posassist/…`` paths.
Regenerate with ``pyside6-rcc resources/posassist.qrc -o posassist/ui/resources_rc.py``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QFile, QIODevice

import posassist.ui.resources_rc  # noqa: F401  (registers the resources)
from posassist.ui.theme import stylesheet

ROOT = Path(__file__).resolve().parents[2]
QRC = ROOT / "resources" / "posassist.qrc"


def _entries() -> list[tuple[str, Path]]:
    out = []
    for resource in ET.parse(QRC).getroot().iter("qresource"):
        prefix = resource.get("prefix", "/").rstrip("/")
        for item in resource.iter("file"):
            assert item.text
            alias = item.get("alias") or item.text
            out.append((f":{prefix}/{alias}", QRC.parent / item.text))
    return out


@pytest.mark.parametrize(("compiled", "source"), _entries(), ids=lambda v: str(v))
def test_compiled_resource_matches_source(compiled: str, source: Path) -> None:
    handle = QFile(compiled)
    assert handle.open(QIODevice.OpenModeFlag.ReadOnly), f"{compiled} missing: rerun pyside6-rcc"
    data = bytes(handle.readAll().data())
    handle.close()
    assert data == source.read_bytes(), f"{compiled} is stale: rerun pyside6-rcc"


def test_stylesheet_loads_from_resources() -> None:
    assert "QLineEdit#search" in stylesheet()
