"""Start-up paints the window without importing the slow libraries.

numpy, scipy, reportlab, tomlkit, rapidfuzz and the central-sync drivers cost from tens to
hundreds of milliseconds each to import, more than half of the start-up budget together
(README "Performance"). They are imported where they are used: the refit, the name index
and the finder's warm-up on the worker after the first paint, a PDF export, a settings
save, a sync. One stray module-level import anywhere on the start-up path undoes that
without any test failing, so this runs the start-up in a fresh interpreter, up to the
first paint exactly as ``run_gui`` does it, on a store with a cached model fit (whose
parameters are read before the paint), and lists what got imported. Not a timing test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from posassist.storage.orm import ModelFit
from tests.conftest import MovableClock, make_backend

HEAVY = (
    "numpy",
    "scipy",
    "reportlab",
    "PIL",
    "tomlkit",
    "rapidfuzz",
    "psycopg",
    "keyring",
    "alembic",
    "escpos",
)

# What run_gui does before the window is painted (app/gui.py ``_show``), then a report.
START_UP_TO_PAINT = """
import json, sys
from pathlib import Path
from posassist.app.backend import open_backend
from posassist.app.gui import bench_window
from posassist.ui.workers import Worker

backend = open_backend(Path(sys.argv[1]))
worker = Worker()
app, window = bench_window(backend, worker)
window.show_for_register()
app.processEvents()
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(sys.argv[2].split(",")))
fit = backend.standing.fit
print(json.dumps({"heavy": heavy, "has_params": fit is not None and fit.params is not None,
                  "visible": window.isVisible()}))
window.close()
worker.wait_idle()
backend.close()
"""


def _store_with_cached_fit(data_dir: Path, clock: MovableClock) -> None:
    backend = make_backend(data_dir, clock)
    try:
        with backend.db.write() as s:
            s.add(
                ModelFit(
                    fitted_at=clock(),
                    as_of=date(2026, 11, 20),
                    method="model",
                    params={
                        "r": 0.24,
                        "alpha": 4.4,
                        "a": 0.79,
                        "b": 2.4,
                        "log_likelihood": -9582.4,
                        "n_customers": 2357,
                        "converged": True,
                        "iterations": 31,
                        "n_repeat_customers": 1000,
                        "unit_days": 7.0,
                        "regular_cutoff": 1.5,
                        "population_size": 2357,
                    },
                    n_customers=2357,
                )
            )
    finally:
        backend.close()


def test_start_up_paints_without_the_slow_libraries(tmp_path: Path, clock: MovableClock) -> None:
    store = tmp_path / "store"
    _store_with_cached_fit(store, clock)
    done = subprocess.run(
        [sys.executable, "-c", START_UP_TO_PAINT, str(store), ",".join(HEAVY)],
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["visible"]
    assert report["has_params"]  # the cached fit was read, numpy or not
    assert report["heavy"] == []


def test_the_check_sees_a_heavy_import(tmp_path: Path, clock: MovableClock) -> None:
    """The same script does report a library the start-up imports (so the test above
    cannot pass by looking at the wrong thing): PySide6 is always there by then."""
    store = tmp_path / "store"
    _store_with_cached_fit(store, clock)
    done = subprocess.run(
        [sys.executable, "-c", START_UP_TO_PAINT, str(store), "PySide6,sqlalchemy"],
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1])["heavy"] == ["PySide6", "sqlalchemy"]
