"""A second start on the same store says so, exits 2, and brings the open window forward."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from posassist.app import open_backend
from tests.window_process import ENV, wait_for, window_process


@pytest.mark.skipif(sys.platform == "win32", reason="closed with SIGTERM")
def test_second_instance_exits_2_and_the_first_comes_to_the_front(tmp_path: Path) -> None:
    # A settings file, so the first start's set-up does not come before the window.
    config = tmp_path / "settings.toml"
    config.write_text('[store]\nname = "Test Store"\n', encoding="utf-8")
    backend = open_backend(tmp_path, config_file=config)
    try:  # a manager with a PIN, so an upgraded store's first-manager question does not
        backend.staff.first_manager("Morgan Lee", "1111")
    finally:
        backend.close()
    with window_process("--data-dir", str(tmp_path), "--config", str(config)) as (first, lines):
        wait_for(lines, "window shown", 120)
        second = subprocess.run(
            [sys.executable, "-m", "posassist", "--data-dir", str(tmp_path), "--smoke-test"],
            env=ENV,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2, second.stderr
        assert "already running on the store" in second.stderr
        assert "It was brought to the front" in second.stderr
        wait_for(lines, "show request from a second posassist", 30)
        first.send_signal(signal.SIGTERM)
        assert first.wait(60) == 0
