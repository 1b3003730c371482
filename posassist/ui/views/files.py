"""Asking for a file name, in one place so tests can answer instead of a native dialog."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget


def choose_save_path(parent: QWidget, title: str, suggested: str, kinds: str) -> Path | None:
    """A path to write to, or None when the person cancelled."""
    name, _ = QFileDialog.getSaveFileName(parent, title, str(Path.home() / suggested), kinds)
    return Path(name) if name else None


def choose_open_path(parent: QWidget, title: str, kinds: str) -> Path | None:
    name, _ = QFileDialog.getOpenFileName(parent, title, str(Path.home()), kinds)
    return Path(name) if name else None
