"""The one helper that runs slow work off the GUI thread.

Work runs on Qt's global thread pool; its result or its error comes back to the GUI
thread through a queued signal, so nothing ever touches a widget from a worker.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from posassist.errors import KnownError

log = logging.getLogger(__name__)


class _Relay(QObject):
    finished = Signal(object)
    failed = Signal(object)


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
    """Run callables in the background; deliver results by signal on the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool.globalInstance()
        self._relays: set[_Relay] = set()
        # Set by the app: where bugs in background jobs are written (the crash log).
        self.bug_reporter: Callable[[str], None] | None = None

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        relay = _Relay(self)  # lives on the GUI thread: its signals are queued to it
        self._relays.add(relay)

        def done(result: Any) -> None:
            self._relays.discard(relay)
            relay.deleteLater()
            if on_done is not None:
                on_done(result)

        def failed(exc: BaseException) -> None:
            self._relays.discard(relay)
            relay.deleteLater()
            if not isinstance(exc, KnownError) and self.bug_reporter is not None:
                self.bug_reporter("\n".join(getattr(exc, "__notes__", [])) or repr(exc))
            if on_error is not None:
                on_error(exc)

        relay.finished.connect(done)
        relay.failed.connect(failed)
        self._pool.start(_Job(fn, relay))

    def wait_idle(self, msecs: int = 30_000) -> bool:
        """For shutdown and tests: wait until no job is running."""
        return bool(self._pool.waitForDone(msecs))
