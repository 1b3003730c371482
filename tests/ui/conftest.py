"""Every pytest-qt flow here fails if the window writes on the GUI thread (gui_thread.py)."""

from __future__ import annotations

from tests.ui.gui_thread import gui_thread_writes

__all__ = ["gui_thread_writes"]
