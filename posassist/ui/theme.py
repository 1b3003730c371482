"""Look and feel for a register: the stylesheet and icon from the compiled .qrc."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QFile, QIODevice
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget

from posassist.ui import resources_rc  # noqa: F401  (registers :/posassist/…)


def stylesheet() -> str:
    qss = QFile(":/posassist/register.qss")
    if not qss.open(QIODevice.OpenModeFlag.ReadOnly):
        raise RuntimeError("compiled resources are missing the stylesheet")
    try:
        return bytes(qss.readAll().data()).decode("utf-8")
    finally:
        qss.close()


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    app.setStyleSheet(stylesheet())
    app.setWindowIcon(QIcon(":/posassist/posassist.svg"))


W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str) -> W:
    """Give a widget the object name the stylesheet styles it by."""
    widget.setObjectName(name)
    return widget
