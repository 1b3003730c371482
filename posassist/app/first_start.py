"""The first start of a register: the set-up before the window, when the store needs it.

Runs from :func:`posassist.app.gui.run_gui` before the store is opened for the window:
only when there is no settings file and no manager who could sign in, and never for
``--demo`` or ``--smoke-test`` (the demo store comes with its staff). The store is
opened for the set-up alone and closed again, so the window opens it as on any start.
"""

from __future__ import annotations

import sys
from pathlib import Path

from posassist.config import load_settings, settings_path
from posassist.services.first_run import FirstRun
from posassist.services.printers import PrintService
from posassist.storage.database import open_database

NOT_FINISHED = "posassist: the set-up was not finished; nothing was saved."


def first_start(data_dir: Path | None, config_file: Path | None) -> int | None:
    """Show the set-up if this store needs it: None to go on to the window, or the
    exit code (2: cancelled, with a line saying so). KnownErrors reach the caller."""
    path = settings_path(config_file)
    if path.exists():
        return None
    base = load_settings(data_dir=data_dir, config_file=config_file, missing_ok=True)
    db = open_database(base.data_dir)
    try:
        first_run = FirstRun(db, base, path)
        if not first_run.needed():
            return None
        from posassist.ui.views.setup import SetupWizard
        from posassist.ui.workers import Worker

        worker = Worker()
        wizard = SetupWizard(first_run, worker, PrintService(base.printing))
        try:
            wizard.exec()
        finally:
            worker.wait_idle()
        if not wizard.saved:
            print(NOT_FINISHED, file=sys.stderr)
            return 2
        return None
    finally:
        db.close()
