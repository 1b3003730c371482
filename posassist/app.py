"""Composition root: settings → store → services → window.

Everything is wired here, once, so no module below reaches for globals. Start-up
errors the user can act on (corrupt store, second instance, bad settings) are shown
in plain words; anything else goes to the crash log with its traceback.
"""

from __future__ import annotations

import logging
import sys
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from posassist.config import Settings, load_settings
from posassist.errors import KnownError
from posassist.services.context import StoreContext, open_context
from posassist.services.customers import CustomerService
from posassist.services.finder import FinderService
from posassist.services.interactions import InteractionService
from posassist.services.printers import PrintService
from posassist.services.privacy import PrivacyService
from posassist.services.referrals import ReferralService
from posassist.services.standing import StandingService
from posassist.services.vendors import VendorService
from posassist.storage.database import Database, open_database

if TYPE_CHECKING:
    from posassist.services.sync import SyncService

log = logging.getLogger(__name__)
CRASH_LOG = "crash.log"


@dataclass
class Backend:
    """The non-Qt half of the app: what the CLI, the window and tests share."""

    settings: Settings
    db: Database
    ctx: StoreContext
    customers: CustomerService
    interactions: InteractionService
    standing: StandingService
    # Finder, referrals and printing need only the context and settings: built here.
    vendors: VendorService = field(init=False)
    finder: FinderService = field(init=False)
    referrals: ReferralService = field(init=False)
    printing: PrintService = field(init=False)
    privacy: PrivacyService = field(init=False)
    # Central sync, only when [central] host is set (None: standalone register).
    sync: SyncService | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.vendors = VendorService(self.ctx)
        self.finder = FinderService(self.ctx)
        self.vendors.on_change(self.finder.invalidate)  # an edit shows in the next search
        self.referrals = ReferralService(self.ctx)
        self.printing = PrintService(self.settings.printing)
        self.privacy = PrivacyService(self.ctx, self.customers.names)
        if self.settings.central.enabled:
            from posassist.secrets import open_secret_store
            from posassist.services.sync import SyncService

            self.sync = SyncService(self.ctx, open_secret_store(), names=self.customers.names)

    def close(self) -> None:
        if self.sync is not None:
            self.sync.link.close()
        self.db.close()


def open_backend(
    data_dir: Path | None = None,
    *,
    demo: bool = False,
    config_file: Path | None = None,
) -> Backend:
    settings = load_settings(data_dir=data_dir, config_file=config_file)
    if demo and data_dir is None:
        settings = _with_data_dir(settings, settings.data_dir / "demo")
    db = open_database(settings.data_dir)
    try:
        if demo:
            # The generator is only needed for the demo: keep it off the normal start-up.
            from posassist.demo import DemoSpec, ensure_demo_store

            ensure_demo_store(db, DemoSpec(), date.today())
        ctx = open_context(db, settings)
        return build_backend(settings, db, ctx)
    except BaseException:
        db.close()
        raise


def build_backend(settings: Settings, db: Database, ctx: StoreContext) -> Backend:
    """Wire the services on an open store (shared by the app, the CLI and tests)."""
    standing = StandingService(ctx)
    return Backend(
        settings=settings,
        db=db,
        ctx=ctx,
        customers=CustomerService(ctx, standing),
        interactions=InteractionService(ctx),
        standing=standing,
    )


def _with_data_dir(settings: Settings, data_dir: Path) -> Settings:
    from dataclasses import replace

    return replace(settings, data_dir=data_dir)


def write_crash_log(data_dir: Path, text: str) -> Path | None:
    """Append a bug's traceback to the crash log; None if the log cannot be written."""
    path = data_dir / CRASH_LOG
    try:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')}\n{text}\n")
    except OSError:
        return None
    return path


def _install_crash_handler(data_dir: Path, show: Callable[[str], None]) -> None:
    """Bugs go to the crash log and a short message; KnownErrors are shown as they are."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if isinstance(exc, KnownError):
            show(str(exc))
            return
        text = "".join(traceback.format_exception(kind, exc, tb))
        path = write_crash_log(data_dir, text) or "(crash log not writable)"
        log.error("unexpected error:\n%s", text)
        show(f"Something went wrong inside posassist. Details were saved to {path}.")

    sys.excepthook = hook


def _warn(parent: object, text: str) -> None:
    from PySide6.QtWidgets import QMessageBox, QWidget

    QMessageBox.warning(parent if isinstance(parent, QWidget) else None, "posassist", text)


def run_gui(
    data_dir: Path | None,
    *,
    demo: bool,
    smoke_test: bool,
    config_file: Path | None = None,
) -> int:
    """Start the window; with ``smoke_test`` show it, let events run once, and exit 0."""
    started = time.perf_counter()
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("posassist")
    app.setOrganizationName("posassist")
    from posassist.ui.theme import apply_theme

    apply_theme(app)  # type: ignore[arg-type]
    try:
        backend = open_backend(data_dir, demo=demo, config_file=config_file)
    except KnownError as exc:
        if smoke_test:
            print(f"posassist: {exc}", file=sys.stderr)
        else:
            QMessageBox.critical(None, "posassist cannot start", str(exc))
        return 2

    from posassist.ui.main_window import MainWindow, Services
    from posassist.ui.views.finder import ReferralDesk
    from posassist.ui.workers import Worker

    worker = Worker()

    def report_bug(text: str) -> None:
        write_crash_log(backend.settings.data_dir, text)

    worker.bug_reporter = report_bug
    # Until staff sign in with a PIN, the register works as its branch's first account.
    staff = backend.ctx.staff_name or "Staff"
    window = MainWindow(
        Services(
            customers=backend.customers,
            interactions=backend.interactions,
            store_label=backend.ctx.branch_name,
            staff_label=staff,
            desk=ReferralDesk(backend.finder, backend.referrals, backend.vendors, backend.printing),
            privacy=backend.privacy,
        ),
        worker,
        backend.ctx.tz,
    )
    _install_crash_handler(backend.settings.data_dir, lambda text: _warn(window, text))
    window.show()
    app.processEvents()  # the window is painted and accepts keys from here on
    shown_at = time.time()
    window.warm_up()
    sync_ui = None
    if backend.sync is not None:  # central mode: sync on its own thread, status in the bar
        from posassist.ui.sync_status import SyncStatusController

        def refresh_card(ids: set[uuid.UUID]) -> None:  # a sync changed the card on screen
            if window.card.card is not None and window.card.card.id in ids:
                window.reload_card()

        sync_ui = SyncStatusController(
            backend.sync,
            window.connection_label,
            backend.ctx.tz,
            on_customers_changed=refresh_card,
        )
        sync_ui.start()
    elapsed = time.perf_counter() - started
    log.info("window shown after %.2f s", elapsed)
    if smoke_test:
        QTimer.singleShot(0, app.quit)
        app.exec()
        worker.wait_idle()
        if sync_ui is not None:
            sync_ui.stop()
        print(f"posassist smoke test ok: {backend.settings.data_dir}")
        print(f"window-shown-epoch={shown_at:.6f}")
        backend.close()
        return 0
    code = app.exec()
    worker.wait_idle()
    if sync_ui is not None:
        sync_ui.stop()
    backend.close()
    return int(code)
