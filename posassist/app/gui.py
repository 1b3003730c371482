"""The composition root's window half: QApplication, crash log, signals, shutdown.

Start-up errors the user can act on (corrupt store, second instance, bad settings) are
shown in plain words; anything else is a bug and goes to the crash log with its
traceback, once. A hard crash (a segfault in a driver, a deadlock killed by the OS
watchdog) never reaches Python's exception handling, so ``faulthandler`` writes the
stacks of every thread into the same log. SIGINT (Ctrl+C in the terminal that started
it) and SIGTERM (logout, ``systemctl stop``, a kill from IT) close the window the normal
way: background jobs finish, sync stops, the store is closed and its lock released.
A second start on the same data folder brings this window forward
(``app/single_instance.py``).
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import logging
import signal
import socket
import sys
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from posassist.app.log_scrub import scrub
from posassist.app.single_instance import (
    InstanceServer,
    bring_to_front,
    instance_server_name,
    raised_other,
)
from posassist.errors import KnownError

if TYPE_CHECKING:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from posassist.app.backend import Backend
    from posassist.app.store_watch import StoreWatch
    from posassist.services.reference_import import ImportReport
    from posassist.ui.main_window import MainWindow
    from posassist.ui.opening import OpeningWindow
    from posassist.ui.sync_status import SyncStatusController
    from posassist.ui.views.import_dialog import ImportDesk
    from posassist.ui.workers import Worker

log = logging.getLogger(__name__)
CRASH_LOG = "crash.log"
CLOSING_SIGNALS = ("SIGINT", "SIGTERM")


class CrashLog:
    """``crash.log`` in the data folder: where bugs and hard crashes leave their trace.

    A bug in a background job reaches the log twice over: the worker hands its traceback
    to :meth:`write`, and the job's error handler may raise the exception again, which
    ends in the excepthook. :meth:`seen` recognises the second one (the worker put the
    traceback in the exception's notes), so one bug is one entry.
    """

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / CRASH_LOG
        self._file: TextIO | None = None
        self._written: set[str] = set()
        self._faulthandler_was_enabled = faulthandler.is_enabled()

    def _open(self) -> TextIO | None:
        if self._file is None:
            try:
                self._file = self.path.open("a", encoding="utf-8")
            except OSError:
                return None
        return self._file

    def enable_faulthandler(self) -> None:
        """Kept open for the whole run: after a segfault there is no opening files."""
        fh = self._open()
        if fh is not None:
            faulthandler.enable(fh, all_threads=True)

    def write(self, text: str) -> Path | None:
        """Append a bug's traceback (once, scrubbed of personal data); None if the log
        cannot be written."""
        text = scrub(text)
        key = text.strip()
        if key in self._written:
            return self.path
        fh = self._open()
        if fh is None:
            return None
        try:
            fh.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')}\n{text}\n")
            fh.flush()
        except OSError:
            return None
        self._written.add(key)
        return self.path

    def report(self, text: str) -> None:
        """The worker's bug reporter: written once, and a log that cannot be written is
        no reason to lose the window."""
        self.write(text)

    def seen(self, exc: BaseException) -> bool:
        """Whether ``exc`` was already written (by the worker, from its notes)."""
        notes = scrub("\n".join(getattr(exc, "__notes__", [])))
        return bool(notes.strip()) and notes.strip() in self._written

    def close(self) -> None:
        """Stop ``faulthandler`` and close the log; a log left empty is removed, so the
        data folder shows a crash log only when something went wrong."""
        if faulthandler.is_enabled():
            faulthandler.disable()
        if self._faulthandler_was_enabled:
            faulthandler.enable(sys.__stderr__ or sys.stderr)
        if self._file is None:
            return
        self._file.close()
        self._file = None
        with contextlib.suppress(OSError):
            if self.path.stat().st_size == 0:
                self.path.unlink()


def install_crash_hook(
    crash_log: CrashLog, show: Callable[[str], None]
) -> Callable[[type[BaseException], BaseException, TracebackType | None], Any]:
    """Bugs go to the crash log and a short message; KnownErrors are shown as they are.

    Returns the previous hook, for :func:`run_gui` to put back when the window closes.
    """

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if isinstance(exc, KnownError):
            show(str(exc))
            return
        if crash_log.seen(exc):
            path: Path | str = crash_log.path
        else:
            text = "".join(traceback.format_exception(kind, exc, tb))
            path = crash_log.write(text) or "(crash log not writable)"
            log.error("unexpected error:\n%s", text)
        show(f"Something went wrong inside posassist. Details were saved to {path}.")

    previous = sys.excepthook
    sys.excepthook = hook
    return previous


class QuitOnSignal:
    """SIGINT and SIGTERM quit the event loop, so the normal shutdown path runs.

    Python runs a signal handler only when the interpreter gets control, which it does not
    while Qt waits in its C++ event loop. ``signal.set_wakeup_fd`` makes the C-level
    handler write a byte to a socket that a ``QSocketNotifier`` watches: Qt wakes up, calls
    into Python, and the handler runs. ``app.quit`` is queued with a zero timer so a signal
    during start-up (before the loop runs) still ends the run as soon as it begins.
    """

    def __init__(self, app: QApplication) -> None:
        from PySide6.QtCore import QSocketNotifier

        self._app = app
        self._reader, self._writer = socket.socketpair()
        for sock in (self._reader, self._writer):
            sock.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read)
        self._notifier.activated.connect(self._drain)
        self._previous = {
            sig: signal.signal(sig, self._handle)
            for sig in (getattr(signal, name) for name in CLOSING_SIGNALS)
        }

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        from PySide6.QtCore import QTimer

        log.info("%s received: closing", signal.Signals(signum).name)
        QTimer.singleShot(0, self._app.quit)

    def _drain(self) -> None:
        try:
            while self._reader.recv(512):
                pass
        except (BlockingIOError, InterruptedError):
            pass  # the bytes only woke the loop up; the handler already ran

    def close(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(self._previous_fd)
        self._notifier.setEnabled(False)
        self._reader.close()
        self._writer.close()


def _application() -> QApplication:
    from PySide6.QtWidgets import QApplication

    from posassist.ui.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("posassist")
    app.setOrganizationName("posassist")
    apply_theme(app)
    return app


def _cannot_start(exc: KnownError, smoke_test: bool) -> int:
    if smoke_test:
        print(f"posassist: {exc}", file=sys.stderr)
    else:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(None, "posassist cannot start", str(exc))
    return 2


def _warn(parent: object, text: str) -> None:
    from PySide6.QtWidgets import QMessageBox, QWidget

    QMessageBox.warning(parent if isinstance(parent, QWidget) else None, "posassist", text)


def import_desk(backend: Backend) -> ImportDesk:
    """Manager → Import a file…: the streaming kinds through ``ImportService``, the
    reference kinds (products, stock, vendors, picks) through their own services."""
    from posassist.services.importing import ImportService
    from posassist.services.reference_import import run_reference
    from posassist.ui.views.import_dialog import ImportDesk

    def reference(kind: str, path: Path, dry_run: bool) -> ImportReport:
        b = backend
        return run_reference(b.catalog, b.picks, b.vendors, kind, path, dry_run=dry_run)

    return ImportDesk(ImportService(backend.ctx, backend.customers), reference)


def _main_window(backend: Backend, worker: Worker) -> MainWindow:
    from posassist.config import settings_path
    from posassist.services.settings import SettingsService
    from posassist.ui.main_window import MainWindow, Services
    from posassist.ui.views.finder import ReferralDesk
    from posassist.ui.views.sign_in import StaffDesk

    # Until staff sign in with a PIN (the window starts locked), it names the branch's first
    # account.
    staff = backend.ctx.staff_name or "Staff"
    return MainWindow(
        Services(
            customers=backend.customers,
            interactions=backend.interactions,
            store_label=backend.ctx.branch_name,
            staff_label=staff,
            desk=ReferralDesk(
                backend.finder,
                backend.referrals,
                backend.vendors,
                backend.printing,
                picks=backend.picks,
                holds=backend.holds,
                also_bought=backend.also_bought,
            ),
            privacy=backend.privacy,
            exports=backend.exports,
            picks=backend.picks,
            holds=backend.holds,
            catalog=backend.catalog,
            also_bought=backend.also_bought,
            staff_desk=StaffDesk(
                backend.staff, backend.ctx, backend.settings.staff.idle_lock_minutes * 60_000
            ),
            settings=SettingsService(
                backend.ctx, settings_path(backend.settings.config_file), backend.printing
            ),
            imports=import_desk(backend),
        ),
        worker,
        backend.ctx.tz,
    )


def _start_sync(backend: Backend, window: MainWindow) -> SyncStatusController | None:
    """Central mode: sync on its own thread, status in the bar; None when standalone."""
    if backend.sync is None:
        return None
    from posassist.ui.sync_status import SyncStatusController

    def refresh_card(ids: set[uuid.UUID]) -> None:  # a sync changed the card on screen
        if window.card.card is not None and window.card.card.id in ids:
            window.reload_card()

    sync_ui = SyncStatusController(
        backend.sync, window.connection_label, backend.ctx.tz, on_customers_changed=refresh_card
    )
    if window.register_lock is not None:  # a sync may bring the signed-in person's disabling
        sync_ui.sync_thread.status_changed.connect(window.register_lock.check_still_active)
    sync_ui.start()
    return sync_ui


def _qt_libraries_missing() -> int | None:
    """Exit code 2 with the missing library and its install command, before Qt tries
    (and fails with a message that names no package); None when the window can open."""
    from posassist.services.qt_libs import missing_qt_library, needs_xcb_check

    if not needs_xcb_check():
        return None
    missing = missing_qt_library()
    if missing is None:
        return None
    print(f"posassist cannot start: {missing.message()}", file=sys.stderr)
    return 2


# The daily backup is looked at hourly (it runs when the newest is a day old), the first
# time a minute after start-up so it does not compete with the window's warm-up.
BACKUP_CHECK_MS = 3_600_000
FIRST_BACKUP_CHECK_MS = 60_000


def schedule_daily_backup(
    backend: Backend, worker: Worker, window: MainWindow, first_ms: int = FIRST_BACKUP_CHECK_MS
) -> QTimer:
    """The automatic backup (``services/backup.py daily_backup``) on the worker, never on
    the GUI thread; a problem IT can fix shows in the status bar, a bug goes to the log."""
    from PySide6.QtCore import QTimer

    from posassist.services.backup import daily_backup
    from posassist.ui.workers import BackgroundOp

    def check() -> None:
        op = BackgroundOp(
            worker, lambda: daily_backup(backend.settings.data_dir, backend.settings.backup)
        )
        op.failure(lambda exc: window.statusBar().showMessage(f"Backup: {exc}")).run_in_background()

    timer = QTimer(window)
    timer.setInterval(BACKUP_CHECK_MS)
    timer.timeout.connect(check)
    timer.start()
    QTimer.singleShot(first_ms, window, check)
    return timer


def run_gui(
    data_dir: Path | None,
    *,
    demo: bool,
    smoke_test: bool,
    config_file: Path | None = None,
) -> int:
    """Start the window; with ``smoke_test`` show it, let events run once, and exit 0.

    The opening window (``ui/opening.py``) is painted first and takes the cashier's keys;
    the settings, the store and the services are opened on the worker meanwhile (their
    imports are most of the start-up), then the register window takes over from it.
    """
    started = time.perf_counter()
    if (refused := _qt_libraries_missing()) is not None:
        return refused
    app = _application()
    signals = QuitOnSignal(app)
    try:
        from posassist.ui.workers import Worker

        worker = Worker()
        try:
            if not (demo or smoke_test):  # the demo store comes with its staff
                from posassist.app.first_start import first_start

                if (code := first_start(data_dir, config_file)) is not None:
                    return code
            opening, shown_at = _paint_opening(app)
            try:
                backend = _open_store(opening, worker, data_dir, demo, config_file)
                asks = backend is not None and not (demo or smoke_test)
                code = _first_manager(backend) if asks and backend is not None else None
            except BaseException:
                opening.dismiss()  # refused: the message stands alone, as before
                raise
            if backend is None or code is not None:  # closed, Ctrl+C, or no first manager
                opening.dismiss()
                return code or 0
        except KnownError as exc:
            return _cannot_start(raised_other(exc, data_dir, demo, config_file), smoke_test)
        session = _run_window(app, backend, worker, opening, smoke_test=smoke_test, started=started)
        session.shown_at = shown_at
    finally:
        app.setQuitOnLastWindowClosed(True)
        signals.close()
    if smoke_test:
        return _smoke_test_result(backend, session)
    return session.code


def _paint_opening(app: QApplication) -> tuple[OpeningWindow, float]:
    """The opening window painted (it takes keys from here on) and the instant it was.

    Until the register window is up, closing the opening window is what ends the start,
    not Qt's "last window closed" (a start-up error's message box or the first manager's
    dialog must not end the run when the opening window goes; ``_show`` puts it back).
    """
    from posassist.ui.opening import OpeningWindow

    app.setQuitOnLastWindowClosed(False)
    opening = OpeningWindow()
    opening.show_for_register()
    app.processEvents()  # painted, with the keyboard in its box
    log.info("opening window painted, taking keys; the store opens on the worker")
    return opening, time.time()


@dataclass
class _Opened:
    """The answer of the store's opening on the worker, written by the job itself too,
    so a store opened after its window was given up is still closed."""

    backend: Backend | None = None
    error: BaseException | None = None
    answered: bool = False  # the answer reached the GUI thread before anything ended the wait


def _open_store(
    opening: OpeningWindow,
    worker: Worker,
    data_dir: Path | None,
    demo: bool,
    config_file: Path | None,
) -> Backend | None:
    """Settings, store and services opened on the worker while the opening window takes
    keys (the GUI thread runs its events, never waiting on the disk); None when it was
    closed or the app was told to quit first. A KnownError (a damaged, locked or missing
    store, bad settings) is raised here for ``run_gui`` to show as before; so is a bug."""
    from PySide6.QtCore import QEventLoop

    from posassist.ui.workers import BackgroundOp

    loop = QEventLoop()
    opened = _Opened()

    def open_it() -> Backend:
        from posassist.app.backend import open_backend

        opened.backend = open_backend(data_dir, demo=demo, config_file=config_file)
        return opened.backend

    def answer(exc: BaseException | None) -> None:
        if not loop.isRunning():
            return  # the wait already ended (given up): the code below closes the store
        opened.answered, opened.error = True, exc
        loop.quit()

    opening.closed.connect(loop.quit)
    BackgroundOp(worker, open_it).success(lambda _b: answer(None)).failure(
        answer
    ).run_in_background()
    loop.exec()  # until the answer, the opening window closed, or app.quit (a signal)
    if opened.answered and opened.error is not None:
        raise opened.error
    if not opened.answered or opened.backend is None or not opening.isVisible():
        worker.wait_idle()  # given up before the store was open: it still closes
        if opened.backend is not None:
            opened.backend.close()
        return None
    return opened.backend


def _first_manager(backend: Backend) -> int | None:
    """An upgraded store with nobody who can sign in: its first manager's PIN first."""
    from posassist.app.first_start import first_manager_start

    try:
        code = first_manager_start(backend)
    except BaseException:
        backend.close()
        raise
    if code is not None:
        backend.close()
    return code


@dataclass
class _Session:
    """What a finished window run leaves for the caller: the exit code, when the opening
    window and then the register window were first painted, and the store check (the
    smoke test reports them)."""

    code: int
    ready_at: float
    watch: StoreWatch
    shown_at: float = 0.0


def _run_window(
    app: QApplication,
    backend: Backend,
    worker: Worker,
    opening: OpeningWindow,
    *,
    smoke_test: bool,
    started: float,
) -> _Session:
    """Wire the crash log, the window, the store check, sync and the daily backup around
    ``app.exec()``, and take them all down again whatever happens."""
    crash_log = CrashLog(backend.settings.data_dir)
    crash_log.enable_faulthandler()
    worker.bug_reporter = crash_log.report
    sync_ui = None
    instances: InstanceServer | None = None
    previous_hook = sys.excepthook
    try:
        window = _main_window(backend, worker)
        instances = InstanceServer(
            instance_server_name(backend.settings.data_dir), lambda: bring_to_front(window)
        )
        previous_hook = install_crash_hook(crash_log, lambda text: _warn(window, text))
        ready_at, watch = _show(app, window, opening, backend, worker, smoke_test=smoke_test)
        sync_ui = _start_sync(backend, window)
        schedule_daily_backup(backend, worker, window)
        log.info("window shown after %.2f s", time.perf_counter() - started)
        return _Session(int(app.exec()), ready_at, watch)
    finally:
        opening.dismiss()  # done already, unless building the window failed
        if instances is not None:
            instances.close()
        worker.wait_idle()
        if sync_ui is not None:
            sync_ui.stop()
        backend.close()
        sys.excepthook = previous_hook
        crash_log.close()


def _show(
    app: QApplication,
    window: MainWindow,
    opening: OpeningWindow,
    backend: Backend,
    worker: Worker,
    *,
    smoke_test: bool,
) -> tuple[float, StoreWatch]:
    """Paint the register window in the opening window's place, with what the cashier
    typed or scanned there carried on; then warm it up and start the store's background
    check. The smoke test quits when that check is done."""
    from PySide6.QtCore import QTimer

    from posassist.app.store_watch import StoreWatch

    window.show_for_register()  # maximised, or as it was left
    typed, entered, scanned = opening.typed(), opening.entered, opening.scanned
    opening.dismiss()
    app.setQuitOnLastWindowClosed(True)  # from now on closing this window ends the run
    window.carry_on(typed, entered=entered, scanned=scanned)
    app.processEvents()  # the register window is painted and searches from here on
    ready_at = time.time()
    gc.enable()  # ``posassist run`` starts with it off (cli/run.py): no garbage yet
    window.warm_up()
    watch = StoreWatch(backend.db, window, worker)
    if smoke_test:
        watch.on_checked = lambda: QTimer.singleShot(0, app.quit)
    watch.start()
    return ready_at, watch


def _smoke_test_result(backend: Backend, session: _Session) -> int:
    """0 with the store's folder and the moments the opening window (taking keys) and
    the register window (searching) were painted; 2 if the store's check found a
    problem (a damaged store must fail the smoke test)."""
    if session.watch.problem is not None:
        print(f"posassist smoke test failed: {session.watch.problem}", file=sys.stderr)
        return 2
    print(f"posassist smoke test ok: {backend.settings.data_dir}")
    print(f"window-shown-epoch={session.shown_at:.6f}")
    print(f"window-ready-epoch={session.ready_at:.6f}")
    return 0


def bench_window(backend: Backend, worker: Worker) -> tuple[QApplication, MainWindow]:
    """The application and main window wired exactly as :func:`run_gui` wires them, for
    the window rows of ``posassist bench`` (which measure this very window)."""
    return _application(), _main_window(backend, worker)
