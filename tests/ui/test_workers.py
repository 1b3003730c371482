"""The one background helper: results and errors come back on the GUI thread."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from posassist.errors import KnownError
from posassist.ui.workers import Worker


def test_result_arrives_on_the_gui_thread(qtbot: QtBot) -> None:
    worker = Worker()
    seen: list[tuple[object, bool]] = []
    gui = threading.get_ident()
    worker.submit(
        lambda: threading.get_ident() != gui,
        on_done=lambda r: seen.append((r, threading.get_ident() == gui)),
    )
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [(True, True)]  # ran elsewhere, delivered here


def test_bugs_go_to_the_bug_reporter_known_errors_do_not(qtbot: QtBot) -> None:
    worker = Worker()
    reported: list[str] = []
    errors: list[BaseException] = []
    worker.bug_reporter = reported.append

    def bug() -> None:
        raise ZeroDivisionError("boom")

    def known() -> None:
        raise KnownError("printer offline")

    worker.submit(bug, on_error=errors.append)
    worker.submit(known, on_error=errors.append)
    qtbot.waitUntil(lambda: len(errors) == 2)
    assert len(reported) == 1
    assert "ZeroDivisionError: boom" in reported[0]
    assert "Traceback" in reported[0]
