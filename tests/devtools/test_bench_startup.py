"""The start-up row times an installed posassist, whose modules are compiled already."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import posassist.app.gui
from posassist.devtools.bench.lookups import compile_bytecode
from tests.window_process import run_offscreen


def test_the_start_up_row_compiles_the_package_first() -> None:
    """With PYTHONDONTWRITEBYTECODE (as on CI) an editable checkout has no bytecode, so
    each timed start would compile its modules again: the row writes it first."""
    source = Path(posassist.app.gui.__file__)
    cached = Path(importlib.util.cache_from_source(str(source)))
    if cached.exists():
        cached.unlink()
    compile_bytecode()
    assert cached.exists()
    assert cached.stat().st_mtime >= source.stat().st_mtime - 1


def test_the_smoke_test_prints_both_instants_the_rows_time(tmp_path: Path) -> None:
    """The rows read ``window-shown-epoch`` (the opening window painted, taking keys) and
    ``window-ready-epoch`` (the register window painted, the store open): both are
    printed, in that order, by one start."""
    done = run_offscreen("-m", "posassist", "--data-dir", str(tmp_path), "--smoke-test")
    epochs = dict(line.split("=", 1) for line in done.stdout.splitlines() if "-epoch=" in line)
    assert float(epochs["window-shown-epoch"]) < float(epochs["window-ready-epoch"])
