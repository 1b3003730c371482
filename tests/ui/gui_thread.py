"""The check that the window never writes on the GUI thread.

Every store write, PDF build, page render, checkpoint and file import/export that a user
action starts must run on the worker (``posassist.ui.workers.BackgroundOp``). This
fixture watches the real thing, with no mock in the way:

* the store's write transactions, by SQLAlchemy's ``begin`` event on every engine (a
  write session begins ``IMMEDIATE``, a read ``DEFERRED``: see ``storage/database.py``);
* the service methods that write files, build or render PDFs, or checkpoint the store
  without a transaction (:data:`FILE_WORK`), by wrapping them around the originals.

Each is recorded when it runs on the main thread *called from code in posassist.ui*, and
the test fails at teardown. Writes a test makes itself (setting up a store) do not count:
only the window's do. ``tests/ui/test_gui_thread_check.py`` proves the check trips.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

import posassist.ui
from posassist.services.importing import ImportService
from posassist.services.printers import PrintService
from posassist.services.referrals import ReferralService
from posassist.services.standing import StandingService
from posassist.services.vendors import VendorService
from posassist.storage.database import Database

UI_DIR = str(Path(posassist.ui.__file__).parent) + "/"

FILE_WORK: tuple[tuple[type, str], ...] = (
    (PrintService, "print_pdf"),
    (PrintService, "save_pdf"),
    (PrintService, "preview_pages"),
    (ReferralService, "draft_slip"),
    (ReferralService, "export_ledger_csv"),
    (ReferralService, "export_demand_csv"),
    (VendorService, "import_csv"),
    (VendorService, "export_csv"),
    (StandingService, "export_regulars"),
    (Database, "checkpoint"),
    (ImportService, "header"),  # reads the file: the import dialog's first step
    (ImportService, "detect"),
)
"""Slow work that is not a store transaction (store writes are caught at ``begin``)."""


def _window_frame() -> str | None:
    """Where in posassist.ui the current call came from, if it runs on the GUI thread."""
    if threading.current_thread() is not threading.main_thread():
        return None
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if code.co_filename.startswith(UI_DIR):
            where = code.co_filename[len(UI_DIR) :]
            return f"posassist/ui/{where}:{frame.f_lineno} ({code.co_name})"
        frame = frame.f_back
    return None


class GuiThreadWrites:
    """What the window did on the GUI thread that belongs on the worker."""

    def __init__(self) -> None:
        self.hits: list[str] = []

    def record(self, what: str) -> None:
        where = _window_frame()
        if where is not None:
            self.hits.append(f"{what}, called from {where}")

    def check(self) -> None:
        if self.hits:
            pytest.fail(
                "Slow work ran on the GUI thread (use BackgroundOp):\n  " + "\n  ".join(self.hits),
                pytrace=False,
            )

    def on_begin(self, conn: Any) -> None:
        if conn.get_execution_options().get("sqlite_begin", "IMMEDIATE") == "IMMEDIATE":
            self.record("a store write transaction (BEGIN IMMEDIATE)")

    def watching(self, cls: type, name: str) -> Callable[..., Any]:
        original = getattr(cls, name)

        @functools.wraps(original)
        def watched(*args: Any, **kwargs: Any) -> Any:
            self.record(f"{cls.__name__}.{name}")
            return original(*args, **kwargs)

        return watched


@pytest.fixture(autouse=True)
def gui_thread_writes(monkeypatch: pytest.MonkeyPatch) -> Iterator[GuiThreadWrites]:
    recorder = GuiThreadWrites()
    event.listen(Engine, "begin", recorder.on_begin)
    for cls, name in FILE_WORK:
        monkeypatch.setattr(cls, name, recorder.watching(cls, name))
    try:
        yield recorder
    finally:
        event.remove(Engine, "begin", recorder.on_begin)
    recorder.check()
