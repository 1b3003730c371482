"""A second start on the same store says so, exits 2, and brings the open window forward."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.test_cli_window import ENV, POSASSIST_LOGGING_INFO, _wait_for


@pytest.mark.skipif(sys.platform == "win32", reason="closed with SIGTERM")
def test_second_instance_exits_2_and_the_first_comes_to_the_front(tmp_path: Path) -> None:
    lines: queue.Queue[str | None] = queue.Queue()
    first_argv = [sys.executable, "-c", POSASSIST_LOGGING_INFO, "--data-dir", str(tmp_path)]
    with subprocess.Popen(
        first_argv, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    ) as first:

        def read() -> None:
            assert first.stderr is not None
            for line in first.stderr:
                lines.put(line)
            lines.put(None)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            _wait_for(lines, "window shown", 120)
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
            _wait_for(lines, "show request from a second posassist", 30)
            first.send_signal(signal.SIGTERM)
            assert first.wait(60) == 0
        finally:
            if first.poll() is None:
                first.kill()
        reader.join(10)
