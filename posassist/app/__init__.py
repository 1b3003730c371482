"""The composition root: the one place that wires settings, store, services and window.

:mod:`posassist.app.backend` builds the services without Qt (for the CLI, the window and
the tests); :mod:`posassist.app.gui` runs the window. Importing this package does not
load Qt, nor the store: the names below are looked up in :mod:`~posassist.app.backend`
only when first used (PEP 562), because ``app.gui`` paints its opening window before
SQLAlchemy and the services are imported (on the worker; docs/architecture.md,
"Start-up"), and importing ``posassist.app.gui`` runs this file first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from posassist.app.backend import Backend, build_backend, open_backend

__all__ = ["Backend", "build_backend", "open_backend"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from posassist.app import backend

        return getattr(backend, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
