"""The one way the window runs slow work: :class:`BackgroundOp`.

In the style of Anki's ``CollectionOp(parent, op).success(fn).failure(fn).run_in_background()``::

    BackgroundOp(worker, lambda: customers.update_notes(cid, notes, prefs)) \\
        .success(lambda _: dialog.accept()) \\
        .failure(lambda exc: show_error(dialog.message, exc)) \\
        .disable(ok_button) \\
        .run_in_background()

The op runs on Qt's global thread pool; its result or its error comes back to the GUI
thread through a queued signal, so nothing ever touches a widget from a worker and the
event loop never waits for the disk, a PDF or a printer driver. Every store write, PDF
build, page render, checkpoint and file import/export that a user action starts goes
through it (``tests/ui/conftest.py`` fails a test that writes on the GUI thread). Reads
that answer as the cashier types (search, the card, the finder's in-memory index) stay on
the GUI thread: they take milliseconds, and a result one keystroke late would be worse.

Threads in ``posassist.ui``, all of them:

* short jobs: :class:`BackgroundOp` on the pool, one implementation (:class:`Worker`);
  a job that reports how far it is (an import) calls a :class:`ProgressRelay`, whose
  queued signal carries each report to the GUI thread the way an op's answer goes;
* the one long-running loop: central sync, on
  :class:`posassist.ui.sync_status._SyncThread` (a ``QThread``), because it lives as long
  as the window and must be stopped and waited for when it closes.

Nothing else in ``ui/`` subclasses ``QThread`` or starts a ``threading.Thread``
(``tests/ui/test_workers.py`` keeps it so). The sync bench runs the same loop on a plain
``threading.Thread`` of its own: bench code at the edge (devtools), not the window.

A :class:`~posassist.errors.KnownError` goes to the op's failure handler. Anything else
is a bug: its traceback goes to :attr:`Worker.bug_reporter` (the crash log) first, then
to the failure handler too, so the screen never waits for an answer that will not come.
"""

from __future__ import annotations

import contextvars
import logging
import time
import traceback
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from posassist.errors import KnownError

log = logging.getLogger(__name__)
T = TypeVar("T")
RELEASE_AFTER_S = 1.0  # a finished job's wrapper is kept this long after its answer
Switch = QWidget | QAction
"""What ``disable`` takes: a button, or a menu action (erasure)."""


class _Relay(QObject):
    finished = Signal(object)
    failed = Signal(object)


class ProgressRelay(QObject):
    """Progress from running :class:`BackgroundOp` s, delivered on the GUI thread.

    One per :class:`Worker` (:attr:`Worker.progress`), living as long as it: a job calls
    ``relay.report(key, progress)`` from the pool, and ``reported(key, progress)`` is
    queued to the slots connected on the GUI thread, so a progress bar is only ever
    touched there; each slot keeps the reports of its own job (``key``). Nothing else
    runs the job: it is still a BackgroundOp. Long-lived on purpose: a job's closure
    holds it, and a Qt object whose last reference went on the pool's thread would be
    freed there.
    """

    reported = Signal(object, object)

    def report(self, key: object, value: object) -> None:
        self.reported.emit(key, value)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._relay = relay
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self._fn()
        except KnownError as exc:
            self._relay.failed.emit(exc)
        except Exception as exc:  # noqa: BLE001 — a bug: logged with its traceback, reported
            text = traceback.format_exc()
            log.error("background job failed:\n%s", text)
            exc.add_note(text)  # the GUI side hands it to the crash log
            self._relay.failed.emit(exc)
        else:
            self._relay.finished.emit(result)


class Worker(QObject):
    """The pool the window's :class:`BackgroundOp` s run on, and where their bugs go.

    One per window (built by the composition root); it keeps each op's relay alive
    until its answer has been delivered.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool.globalInstance()
        self._relays: set[_Relay] = set()
        self.progress = ProgressRelay(self)  # jobs' progress, to the GUI thread
        # Each job's Python wrapper, released here on the GUI thread a moment after its
        # answer (its run() has returned by then): a wrapper freed on the pool's thread
        # leaves shiboken a deletion to run on this one, and that crashed (segfault in
        # BindingManager::runDeletionInMainThread, seen about once in ten runs).
        self._running: dict[_Relay, _Job] = {}
        self._settled: list[tuple[float, _Job]] = []
        # Set by the app: where bugs in background jobs are written (the crash log).
        self.bug_reporter: Callable[[str], None] | None = None

    def _start(self, op: BackgroundOp[Any]) -> None:
        # Made here, so it lives on the GUI thread: its signals are queued to it. No Qt
        # parent: it outlives a Worker dropped with answers on the way (a dialog closed),
        # and goes with deleteLater once its answer is delivered.
        relay = _Relay()
        self._relays.add(relay)

        def settle() -> None:
            self._relays.discard(relay)
            self._release(self._running.pop(relay, None))
            relay.deleteLater()
            for widget in op.disabled:
                if shiboken6.isValid(widget):
                    widget.setEnabled(True)

        def done(result: Any) -> None:
            settle()
            if op.on_success is not None:
                op.on_success(result)

        def failed(exc: BaseException) -> None:
            settle()
            if not isinstance(exc, KnownError) and self.bug_reporter is not None:
                self.bug_reporter("\n".join(getattr(exc, "__notes__", [])) or repr(exc))
            if op.on_failure is not None:
                op.on_failure(exc)
            elif isinstance(exc, KnownError):
                log.warning("background job refused: %s", exc)

        relay.finished.connect(done)
        relay.failed.connect(failed)
        for widget in op.disabled:
            widget.setEnabled(False)
        job = _Job(lambda: op.context.run(op.op), relay)
        self._running[relay] = job
        self._pool.start(job)

    def _release(self, job: _Job | None) -> None:
        """Drop the wrappers of jobs answered over a second ago; keep ``job`` for now."""
        now = time.monotonic()
        self._settled = [(t, j) for t, j in self._settled if now - t < RELEASE_AFTER_S]
        if job is not None:
            self._settled.append((now, job))

    def wait_idle(self, msecs: int = 30_000) -> bool:
        """For shutdown and tests: wait until no job is running."""
        done = bool(self._pool.waitForDone(msecs))
        if done:
            self._settled.clear()  # every run() has returned: freed here, on this thread
        return done


class BackgroundOp(Generic[T]):
    """One piece of slow work started by the cashier: built, then run once.

    ``success`` gets the op's result and ``failure`` its exception, both on the GUI
    thread; widgets passed to ``disable`` are disabled until the answer is back (an OK
    button cannot submit twice).
    """

    def __init__(self, worker: Worker, op: Callable[[], T]) -> None:
        self.worker = worker
        self.op = op
        # The context it was built in (a manager's approval in force, or none): the job
        # runs in a copy of it, so an approval reaches the work it started and no other.
        self.context = contextvars.copy_context()
        self.on_success: Callable[[T], None] | None = None
        self.on_failure: Callable[[BaseException], None] | None = None
        self.disabled: tuple[Switch, ...] = ()

    def success(self, fn: Callable[[T], None]) -> BackgroundOp[T]:
        self.on_success = fn
        return self

    def failure(self, fn: Callable[[BaseException], None]) -> BackgroundOp[T]:
        self.on_failure = fn
        return self

    def disable(self, *widgets: Switch) -> BackgroundOp[T]:
        self.disabled = widgets
        return self

    def run_in_background(self) -> None:
        self.worker._start(self)
