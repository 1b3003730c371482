"""The window's process: closed cleanly by a signal; bugs and hard crashes in the crash log."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from posassist.app.gui import CRASH_LOG, CrashLog, install_crash_hook
from posassist.storage.database import STORE_FILENAME, open_database
from posassist.ui.workers import BackgroundOp, Worker
from tests.window_process import wait_for, window_process


def _close_with(sig: signal.Signals, data_dir: Path) -> list[str]:
    """Start ``posassist --demo --data-dir DIR``, send ``sig`` once the window is up."""
    with window_process("--demo", "--data-dir", str(data_dir)) as (proc, lines):
        seen = wait_for(lines, "window shown", 180)
        proc.send_signal(sig)
        code = proc.wait(60)
    seen += list(iter(lines.get_nowait, None))
    assert code == 0, "".join(seen)
    return seen


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_and_sigint_close_the_window_cleanly(tmp_path: Path) -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):
        seen = _close_with(sig, tmp_path)
        assert any(f"{sig.name} received" in line for line in seen), "".join(seen)
        assert "Traceback" not in "".join(seen)
        # The normal shutdown ran: the store was closed (SQLite removes its WAL file when
        # the last connection closes) and the instance lock released.
        assert not (tmp_path / f"{STORE_FILENAME}-wal").exists()
        db = open_database(tmp_path)
        db.close()
        assert not (tmp_path / CRASH_LOG).exists()  # no bug: no crash log left behind


def test_a_bug_in_a_background_job_is_logged_once(qtbot: QtBot, tmp_path: Path) -> None:
    """The worker reports the bug, then the job's error handler raises it again: one entry."""
    crash_log = CrashLog(tmp_path)
    worker = Worker()
    worker.bug_reporter = crash_log.report
    failed: list[BaseException] = []

    def bug() -> None:
        raise ZeroDivisionError("boom")

    BackgroundOp(worker, bug).failure(failed.append).run_in_background()
    qtbot.waitUntil(lambda: bool(failed))
    shown: list[str] = []
    previous = install_crash_hook(crash_log, shown.append)
    try:
        exc = failed[0]
        sys.excepthook(type(exc), exc, exc.__traceback__)  # what a re-raise in a slot does
        other = ValueError("another bug")
        sys.excepthook(ValueError, other, None)
    finally:
        sys.excepthook = previous
        crash_log.close()
    text = (tmp_path / CRASH_LOG).read_text(encoding="utf-8")
    assert text.count("ZeroDivisionError: boom") == 1
    assert text.count("--- ") == 2  # the background bug once, the other bug once
    assert "ValueError: another bug" in text
    assert len(shown) == 2
    assert all(str(tmp_path / CRASH_LOG) in message for message in shown)


@pytest.mark.skipif(sys.platform == "win32", reason="faulthandler's SIGSEGV test helper")
def test_a_hard_crash_leaves_its_stack_in_the_crash_log(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import faulthandler
        from pathlib import Path
        from posassist.app.gui import CrashLog

        CrashLog(Path({str(tmp_path)!r})).enable_faulthandler()
        faulthandler._sigsegv()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode != 0
    text = (tmp_path / CRASH_LOG).read_text(encoding="utf-8")
    assert "Fatal Python error" in text
    assert "Segmentation fault" in text
