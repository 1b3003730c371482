"""Asking for a file name, in one place so tests can answer instead of a native dialog."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget


def choose_save_path(parent: QWidget, title: str, suggested: str, kinds: str) -> Path | None:
    """A path to write to, or None when the person cancelled."""
    name, _ = QFileDialog.getSaveFileName(parent, title, str(Path.home() / suggested), kinds)
    return Path(name) if name else None


def still_open(asker: QWidget, choose: Callable[[], Path | None]) -> Path | None:
    """``choose()``'s path (to save or to open), unless ``asker`` closed meanwhile.

    A native file dialog is not closed when the register locks (the lock rejects Qt's
    dialogs only), so the person may answer it after the lock closed the dialog that
    asked; then nothing is written. The register window itself stays visible when
    locked: its flows check ``MainWindow.locked()`` instead.
    """
    shown = asker.isVisible()
    path = choose()
    return None if shown and not asker.isVisible() else path


def choose_open_path(parent: QWidget, title: str, kinds: str) -> Path | None:
    name, _ = QFileDialog.getOpenFileName(parent, title, str(Path.home()), kinds)
    return Path(name) if name else None
