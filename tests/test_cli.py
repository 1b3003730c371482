"""The commands store IT types, run as real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from posassist.storage.database import STORE_FILENAME

ENV = dict(os.environ, QT_QPA_PLATFORM="offscreen")


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "posassist", *args],
        env=env or ENV,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_demo_smoke_test_builds_store_shows_window_and_exits_0(tmp_path: Path) -> None:
    done = _run("--demo", "--data-dir", str(tmp_path), "--smoke-test")
    assert done.returncode == 0, done.stderr
    assert "smoke test ok" in done.stdout
    assert (tmp_path / STORE_FILENAME).stat().st_size > 1_000_000
    again = _run("--demo", "--data-dir", str(tmp_path), "--smoke-test")  # reuses the store
    assert again.returncode == 0, again.stderr


def test_corrupt_store_gives_a_message_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / STORE_FILENAME).write_bytes(b"garbage" * 50)
    done = _run("--data-dir", str(tmp_path), "--smoke-test")
    assert done.returncode == 2
    assert "not a posassist database" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_settings_name_the_file_and_line(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text('[store]\nname = "Shop"\ntimezone = "Mars/Olympus"\n', encoding="utf-8")
    done = _run("--data-dir", str(tmp_path), "--config", str(config), "--smoke-test")
    assert done.returncode == 2
    assert f"{config}:3" in done.stderr
    assert "timezone" in done.stderr
    assert "Traceback" not in done.stderr
