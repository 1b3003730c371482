"""The window as a real process, for tests that signal it or start a second one beside it."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

ENV = dict(os.environ, QT_QPA_PLATFORM="offscreen")
# `posassist ARGS` with INFO logging on stderr, so the test sees when the window is up.
POSASSIST_LOGGING_INFO = (
    "import logging, sys; logging.basicConfig(level=logging.INFO); "
    "from posassist.cli import main; sys.exit(main(sys.argv[1:]))"
)
Lines = queue.Queue[str | None]


def run_offscreen(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` to its end, offscreen, its output captured; fails unless it exits 0."""
    done = subprocess.run(
        [sys.executable, *args], env=ENV, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr
    return done


def wait_for(lines: Lines, words: str, seconds: float) -> list[str]:
    """The stderr lines up to the first holding ``words``; fails on a timeout or an exit."""
    seen: list[str] = []
    deadline = time.monotonic() + seconds
    while not any(words in line for line in seen):
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {words!r} on stderr within {seconds} s:\n{''.join(seen)}")
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            continue
        if line is None:
            raise AssertionError(f"exited before {words!r}:\n{''.join(seen)}")
        seen.append(line)
    return seen


@contextmanager
def window_process(*args: str) -> Iterator[tuple[subprocess.Popen[str], Lines]]:
    """``posassist ARGS`` running, its stderr read line by line on a thread; killed on exit
    from the block if the test left it running."""
    lines: Lines = queue.Queue()
    argv = [sys.executable, "-c", POSASSIST_LOGGING_INFO, *args]
    with subprocess.Popen(
        argv, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    ) as proc:

        def read() -> None:
            assert proc.stderr is not None
            for line in proc.stderr:
                lines.put(line)
            lines.put(None)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            yield proc, lines
        finally:
            if proc.poll() is None:
                proc.kill()
        reader.join(10)
