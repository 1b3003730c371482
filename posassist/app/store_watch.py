"""The window's watch on the store file: ``quick_check`` at start-up, damage at any time.

SQLite's ``quick_check`` takes seconds on a large store, so it runs as a BackgroundOp
right after the window is shown; the cashier can look people up meanwhile. Damage can
also be found later, by any statement that reads a bad page ("database disk image is
malformed"); :class:`~posassist.storage.database.Database` then calls its listeners from
whatever thread ran the statement, and a queued signal brings the news to the GUI thread.
Either way the store turns read-only (``Database.write`` refuses) and the window shows
the red banner with what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from posassist.errors import KnownError, StoreError

if TYPE_CHECKING:
    from posassist.storage.database import Database
    from posassist.ui.main_window import MainWindow
    from posassist.ui.workers import Worker

TITLES = {
    "damaged": "The store file is damaged: posassist saves nothing until it is restored.",
    "full": "The disk is full: nothing can be saved.",
    "readonly": "The store is on a read-only disk: nothing can be saved.",
    "permission": "posassist may not write to its store: nothing can be saved.",
}


class StoreWatch(QObject):
    """Runs the start-up check and turns store faults into the window's banner.

    ``problem`` is the fault found (None while the check runs or when all is well);
    ``on_checked`` is called on the GUI thread when the start-up check has finished (the
    smoke test waits for it).
    """

    found = Signal(object)

    def __init__(self, db: Database, window: MainWindow, worker: Worker) -> None:
        super().__init__(window)
        self._db = db
        self._window = window
        self._worker = worker
        self.problem: KnownError | None = None
        self.checked = False
        self.on_checked: Callable[[], None] | None = None
        self.found.connect(self._show)
        db.on_damage(self.found.emit)  # emitted on any thread, delivered on this one

    def start(self) -> None:
        from posassist.ui.workers import BackgroundOp

        BackgroundOp(self._worker, self._db.quick_check).success(self._done).failure(
            self._failed
        ).run_in_background()

    def _done(self, problem: StoreError | None) -> None:
        if problem is not None:
            self._show(problem)
        self._finish()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, KnownError):
            self._show(exc)
        self._finish()
        if not isinstance(exc, KnownError):
            raise exc  # a bug: the crash hook has it

    def _finish(self) -> None:
        self.checked = True
        if self.on_checked is not None:
            self.on_checked()

    def _show(self, problem: object) -> None:
        assert isinstance(problem, KnownError)
        self.problem = problem
        kind = getattr(problem, "kind", "other")
        title = TITLES.get(kind, "posassist cannot use its store.")
        text = problem.message + (f"\n{problem.hint}" if problem.hint else "")
        self._window.show_banner(title, text)
