"""Bench rows for the repeat-visitor model (issue: flags regardless of basket size).

Kept apart from the lookup rows so each part of the product owns its numbers.
The comparison with the ``lifetimes`` package runs only where it is installed (the dev
environment); elsewhere the row says so instead of pretending.
"""

from __future__ import annotations

import statistics
import time
import warnings
from typing import Any

import numpy as np

from posassist.app import Backend
from posassist.devtools.bench.report import Row, row
from posassist.domain import value_model as vm
from posassist.domain.visits import population_stats
from posassist.services.standing import UNIT_DAYS
from posassist.storage import queries as q


def standing_rows(backend: Backend, repeat: int) -> list[Row]:
    """Fit time on the whole store, lifetimes side by side, and per-lookup scoring."""
    today = backend.ctx.today()
    reads: list[float] = []
    for _ in range(5):  # one sample of a ~0.5 s read on a shared machine says little
        t0 = time.perf_counter()
        with backend.db.read() as s:
            ids, group, day = q.population_visit_days(s, today)
        pop = population_stats(group, day, today)
        reads.append((time.perf_counter() - t0) * 1000)
    x = (pop.total - 1).astype(np.float64)
    t_x = (pop.last - pop.first) / UNIT_DAYS
    big_t = (today.toordinal() - pop.first) / UNIT_DAYS

    fits: list[float] = []
    params = None
    for _ in range(5):
        t1 = time.perf_counter()
        params = vm.fit_bgnbd(x, t_x, big_t, unit_days=UNIT_DAYS)
        fits.append((time.perf_counter() - t1) * 1000)
    assert params is not None
    rows = [
        row(f"read visit days of {len(ids):,} customers (refit step)", reads, "median ≤ 0.5 s"),
        row(
            f"BG/NBD fit, {len(ids):,} customers (converged={params.converged})",
            fits,
            "median ≤ 1.5 s",
        ),
    ]
    rows += _lifetimes_rows(x, t_x, big_t, params, statistics.median(fits))

    fit = backend.standing.refit(today, store=False)
    stats = [pop.stats(i) for i in range(0, len(ids), max(1, len(ids) // repeat))][:repeat]
    flag = backend.standing.flag
    samples = []
    for st in stats:
        t2 = time.perf_counter()
        flag(st)
        samples.append((time.perf_counter() - t2) * 1000)
    rows.append(row(f"score one customer in a lookup ({fit.method})", samples, "p95 ≤ 0.1 ms"))
    return rows


def _lifetimes_rows(
    x: np.ndarray[Any, Any],
    t_x: np.ndarray[Any, Any],
    big_t: np.ndarray[Any, Any],
    ours: vm.BgNbdParams,
    ours_ms: float,
) -> list[Row]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from lifetimes import BetaGeoFitter
    except ImportError:
        return [row("lifetimes BG/NBD fit (lifetimes not installed: dev only)", [], "")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        fitter = BetaGeoFitter(penalizer_coef=0.0).fit(x, t_x, big_t)
        theirs_ms = (time.perf_counter() - t0) * 1000
    p = fitter.params_
    worst = max(
        abs(getattr(ours, k) - float(p[k])) / abs(float(p[k])) for k in ("r", "alpha", "a", "b")
    )
    return [
        row(
            f"lifetimes BG/NBD fit, same data (ours is {theirs_ms / ours_ms:.0f}× faster; "
            f"params differ ≤ {worst:.1e} rel.)",
            [theirs_ms],
            "",
        )
    ]
