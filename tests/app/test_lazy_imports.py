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
from datetime import date
from pathlib import Path

from posassist.storage.orm import ModelFit
from tests.conftest import MovableClock, make_backend
from tests.window_process import run_offscreen

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
    done = run_offscreen("-c", START_UP_TO_PAINT, str(store), ",".join(HEAVY))
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["visible"]
    assert report["has_params"]  # the cached fit was read, numpy or not
    assert report["heavy"] == []


def test_the_check_sees_a_heavy_import(tmp_path: Path, clock: MovableClock) -> None:
    """The same script does report a library the start-up imports (so the test above
    cannot pass by looking at the wrong thing): PySide6 is always there by then."""
    store = tmp_path / "store"
    _store_with_cached_fit(store, clock)
    done = run_offscreen("-c", START_UP_TO_PAINT, str(store), "PySide6,sqlalchemy")
    assert json.loads(done.stdout.strip().splitlines()[-1])["heavy"] == ["PySide6", "sqlalchemy"]


# The real entry point up to the opening window's paint (app/gui.py ``_paint_opening``),
# then a report of which of the given modules (or packages) were imported by then.
TO_THE_OPENING_PAINT = """
import json, sys
import posassist.app.gui as gui

real = gui._paint_opening
watched = sys.argv[2].split(",")

def paint_then_report(app):
    opening, _shown_at = real(app)
    loaded = sorted({w for w in watched for m in sys.modules if m == w or m.startswith(w + ".")})
    print(json.dumps({"visible": opening.isVisible(), "loaded": loaded}), flush=True)
    raise SystemExit(0)

gui._paint_opening = paint_then_report
from posassist.cli import main
main(["--data-dir", sys.argv[1], "--smoke-test"])
"""

# What the opening window is painted before: the store's whole stack (docs/architecture.md,
# "Start-up"), which the worker imports while the window already takes keys.
STORE_STACK = (
    "sqlalchemy",
    "phonenumbers",
    "posassist.storage",
    "posassist.app.backend",
    "posassist.services.customers",
    "posassist.services.context",
    "posassist.ui.main_window",
)


def _to_the_opening_paint(store: Path, watched: tuple[str, ...]) -> dict[str, object]:
    done = run_offscreen("-c", TO_THE_OPENING_PAINT, str(store), ",".join(watched))
    report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def test_the_opening_window_paints_before_the_store_stack_is_imported(
    tmp_path: Path, clock: MovableClock
) -> None:
    store = tmp_path / "store"
    _store_with_cached_fit(store, clock)
    report = _to_the_opening_paint(store, STORE_STACK + HEAVY)
    assert report["visible"]
    assert report["loaded"] == []


def test_the_opening_check_sees_an_import(tmp_path: Path, clock: MovableClock) -> None:
    """The same script reports what is imported by then (PySide6 always is), so the test
    above cannot pass by looking at the wrong thing."""
    store = tmp_path / "store"
    _store_with_cached_fit(store, clock)
    report = _to_the_opening_paint(store, ("PySide6", "posassist.ui.opening", "sqlalchemy"))
    assert report["loaded"] == ["PySide6", "posassist.ui.opening"]
