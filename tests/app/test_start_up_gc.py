"""``posassist run`` pauses Python's cyclic GC for the start-up only (cli/run.py).

Start-up makes objects that all stay alive, so collecting then only costs time; but a
window left running for a day with the collector off would grow without bound. So
whatever way the start-up ends (painted, refused with a message), the collector is on
again afterwards. Through the command line's ``main``, on real stores, in a fresh
interpreter: a whole window start-up inside the test process would leave its threads
and Qt state behind for the tests after it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from posassist.storage.database import STORE_FILENAME

_CHILD = """
import gc, sys
from posassist.cli import main
assert gc.isenabled()
rc = main(["--data-dir", sys.argv[1], "--smoke-test"])
print(f"rc={rc} gc={gc.isenabled()}", flush=True)
"""


def _start(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _CHILD, str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        check=False,
    )


def test_the_gc_is_on_again_after_a_painted_start(tmp_path: Path) -> None:
    done = _start(tmp_path / "fresh")
    assert "window-shown-epoch=" in done.stdout, done.stderr
    assert "rc=0 gc=True" in done.stdout, done.stderr


def test_the_gc_is_on_again_after_a_refused_start(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / STORE_FILENAME).write_bytes(b"garbage" * 50)
    done = _start(damaged)
    assert "rc=2 gc=True" in done.stdout, done.stderr  # refused before the paint
    assert "not a posassist database" in done.stderr
