"""The first start of a register: the set-up before the window, when the store needs it.

Runs from :func:`posassist.app.gui.run_gui` before the store is opened for the window:
only when there is no settings file and no manager who could sign in, and never for
``--demo`` or ``--smoke-test`` (the demo store comes with its staff). The store is
opened for the set-up alone and closed again, so the window opens it as on any start.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from posassist.config import settings_path

if TYPE_CHECKING:
    from posassist.app.backend import Backend
    from posassist.ui.workers import Worker


class Asking(Protocol):
    """A start-up dialog: the set-up, or an upgraded store's first manager."""

    saved: bool

    def exec(self) -> int: ...


NOT_FINISHED = "posassist: the set-up was not finished; nothing was saved."
NO_MANAGER = (
    "posassist: nobody can sign in yet and no first manager was set; nothing was saved. "
    "Start posassist again to set one (or `posassist staff add` as the store's IT)."
)


def first_start(data_dir: Path | None, config_file: Path | None) -> int | None:
    """Show the set-up if this store needs it: None to go on to the window, or the
    exit code (2: cancelled, with a line saying so). KnownErrors reach the caller."""
    path = settings_path(config_file)
    if path.exists():
        return None
    # Only a register without its settings file goes on: the store's stack is imported
    # here, not with this module, so a configured register paints its window first.
    from posassist.config import load_settings
    from posassist.services.first_run import FirstRun
    from posassist.services.printers import PrintService
    from posassist.storage.database import open_database

    base = load_settings(data_dir=data_dir, config_file=config_file, missing_ok=True)
    db = open_database(base.data_dir)
    try:
        first_run = FirstRun(db, base, path)
        if not first_run.needed():
            return None
        from posassist.ui.views.setup import SetupWizard

        printing = PrintService(base.printing)
        return _ask(lambda worker: SetupWizard(first_run, worker, printing), NOT_FINISHED)
    finally:
        db.close()


def first_manager_start(backend: Backend) -> int | None:
    """An upgraded store (set up before PINs: staff without one, the placeholder
    "Manager") would open unlocked, as a manager, for ever. When nobody can sign in, ask
    for the first manager's name and PIN first: None to go on to the window (which then
    starts locked), or 2 when cancelled, with a line saying so. KnownErrors reach the
    caller."""
    staff = backend.staff
    if staff.can_sign_in():
        return None
    if backend.sync is not None and not staff.accounts():
        return None  # a register that joined a chain: its first sync brings the managers
    from posassist.ui.views.setup import FirstManagerDialog

    return _ask(lambda worker: FirstManagerDialog(staff, worker), NO_MANAGER)


def _ask(make: Callable[[Worker], Asking], cancelled: str) -> int | None:
    """Show one start-up dialog (its saves on a worker of its own) until it closes: None
    once it saved, else 2 with the ``cancelled`` line."""
    from posassist.ui.workers import Worker

    gc.enable()  # a person fills this in: the start-up's pause of the GC (cli/run.py) ends
    worker = Worker()
    dialog = make(worker)
    try:
        dialog.exec()
    finally:
        worker.wait_idle()
    if not dialog.saved:
        print(cancelled, file=sys.stderr)
        return 2
    return None
