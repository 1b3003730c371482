"""Where the register's windows keep their size and place between runs.

A module of its own, Qt only, because two windows use it: the opening window
(:mod:`posassist.ui.opening`) is painted before the register window's modules are even
imported, and it must come up at the size and place the register window then takes, so
the swap from one to the other moves nothing on the cashier's screen.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMainWindow

# The search box alone, centred, as a locked register shows it (and the opening window,
# since most registers start locked): a reading width, not a bar across the screen.
LOCKED_BOX_WIDTH = 640


def register_settings() -> QSettings:
    """Where the window keeps its size and place between runs."""
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, "posassist", "posassist"
    )


def show_as_left(window: QMainWindow, *, with_state: bool = True) -> None:
    """Show ``window`` as the register window was left (size, place, maximised) or, the
    first time, maximised on the screen it starts on. ``with_state`` also puts back the
    register window's bars (the opening window has none)."""
    settings = register_settings()
    geometry = settings.value("window/geometry")
    if geometry is not None and window.restoreGeometry(geometry):
        state = settings.value("window/state")
        if with_state and state is not None:
            window.restoreState(state)
        window.show()
    else:
        window.showMaximized()


def remember_place(window: QMainWindow) -> None:
    """On closing the register window: its size, place and bars for the next start."""
    settings = register_settings()
    settings.setValue("window/geometry", window.saveGeometry())
    settings.setValue("window/state", window.saveState())
