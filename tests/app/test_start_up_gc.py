"""``posassist run`` pauses Python's cyclic GC for the start-up only (cli/run.py).

Start-up makes objects that all stay alive, so collecting then only costs time; but a
window left running for a day with the collector off would grow without bound. So
whatever way the start-up ends (painted, refused with a message), the collector is on
again afterwards. In this process, on real stores, through the command line's ``main``.
"""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from posassist.cli import main
from posassist.storage.database import STORE_FILENAME


@pytest.mark.usefixtures("qapp")
def test_the_gc_is_on_again_after_a_painted_and_a_refused_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gc.isenabled()
    assert main(["--data-dir", str(tmp_path / "fresh"), "--smoke-test"]) == 0
    assert "window-shown-epoch=" in capsys.readouterr().out
    assert gc.isenabled()
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / STORE_FILENAME).write_bytes(b"garbage" * 50)
    assert main(["--data-dir", str(damaged), "--smoke-test"]) == 2  # refused before paint
    assert "not a posassist database" in capsys.readouterr().err
    assert gc.isenabled()
