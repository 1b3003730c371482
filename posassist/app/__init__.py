"""The composition root: the one place that wires settings, store, services and window.

:mod:`posassist.app.backend` builds the services without Qt (for the CLI, the window and
the tests); :mod:`posassist.app.gui` runs the window. Importing this package does not
load Qt.
"""

from __future__ import annotations

from posassist.app.backend import Backend, build_backend, open_backend

__all__ = ["Backend", "build_backend", "open_backend"]
