"""The one background helper: results and errors come back on the GUI thread."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from posassist.errors import KnownError
from posassist.ui.workers import BackgroundOp, Worker


def test_result_arrives_on_the_gui_thread(qtbot: QtBot) -> None:
    worker = Worker()
    seen: list[tuple[object, bool]] = []
    gui = threading.get_ident()
    BackgroundOp(worker, lambda: threading.get_ident() != gui).success(
        lambda r: seen.append((r, threading.get_ident() == gui))
    ).run_in_background()
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

    BackgroundOp(worker, bug).failure(errors.append).run_in_background()
    BackgroundOp(worker, known).failure(errors.append).run_in_background()
    qtbot.waitUntil(lambda: len(errors) == 2)
    assert len(reported) == 1
    assert "ZeroDivisionError: boom" in reported[0]
    assert "Traceback" in reported[0]


def test_a_worker_dropped_with_an_answer_on_the_way_is_safe(qtbot: QtBot) -> None:
    """A dialog closed (and its worker dropped) before the answer arrives must not crash."""
    seen: list[object] = []
    BackgroundOp(Worker(), lambda: 3).success(seen.append).run_in_background()
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [3]


def test_disabled_widgets_come_back_when_the_answer_does(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QPushButton

    worker = Worker()
    button = QPushButton("OK")
    qtbot.addWidget(button)
    enabled_while_running: list[bool] = []
    seen: list[object] = []

    def work() -> int:
        return 1

    op = BackgroundOp(worker, work).disable(button)
    op.success(lambda r: seen.append((r, button.isEnabled())))
    op.run_in_background()
    enabled_while_running.append(button.isEnabled())
    qtbot.waitUntil(lambda: bool(seen))
    assert enabled_while_running == [False]  # no second submit while it runs
    assert seen == [(1, True)]


def test_the_sync_thread_is_the_only_long_running_thread_in_ui() -> None:
    """Short jobs go through BackgroundOp; the one QThread is sync_status._SyncThread."""
    import ast
    from pathlib import Path

    import posassist.ui

    threads: list[str] = []
    for path in sorted(Path(posassist.ui.__file__).parent.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                ast.unparse(base).endswith("QThread") for base in node.bases
            ):
                threads.append(f"{path.name}:{node.name}")
            if isinstance(node, ast.Call) and ast.unparse(node.func) in (
                "threading.Thread",
                "Thread",
                "QThread",
            ):
                threads.append(f"{path.name}:{ast.unparse(node.func)}()")
    assert threads == ["sync_status.py:_SyncThread"]
