"""``posassist backup`` and ``posassist restore`` as store IT runs them: real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from posassist.storage.database import STORE_FILENAME, acquire_instance_lock

ENV = dict(os.environ, QT_QPA_PLATFORM="offscreen", POSASSIST_CONFIG=os.devnull)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "posassist", *args],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_backup_while_the_window_holds_the_lock_then_restore(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert _run("--data-dir", str(data), "vendors").returncode == 0  # creates the store
    target = tmp_path / "b.sqlite3"
    lock = acquire_instance_lock(data)  # as the open window holds it
    try:
        done = _run("--data-dir", str(data), "backup", str(target))
        assert done.returncode == 0, done.stderr
        assert "integrity check" in done.stdout
        assert target.is_file()
        refused = _run("--data-dir", str(data), "restore", str(target))
        assert refused.returncode == 2
        assert "already running" in refused.stderr
        assert "Traceback" not in refused.stderr
    finally:
        lock.release()
    done = _run("--data-dir", str(data), "restore", str(target))
    assert done.returncode == 0, done.stderr
    assert "kept as" in done.stdout
    assert f"as {data / STORE_FILENAME}" in done.stdout
    assert len(list(data.glob(f"{STORE_FILENAME}.before-restore-*"))) == 1


def test_backup_and_restore_errors_are_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert _run("--data-dir", str(data), "vendors").returncode == 0
    (tmp_path / "folder").mkdir()
    (tmp_path / "text.txt").write_text("hello")
    for args, words in [
        (("backup", str(tmp_path / "folder")), "is a folder"),
        (("restore", str(tmp_path / "missing.sqlite3")), "does not exist"),
        (("restore", str(tmp_path / "text.txt")), "not a posassist store"),
    ]:
        done = _run("--data-dir", str(data), *args)
        assert done.returncode == 2, done
        assert words in done.stderr
        assert args[1] in done.stderr
        assert "Traceback" not in done.stderr
