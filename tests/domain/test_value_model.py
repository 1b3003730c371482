"""BG/NBD value model: the CDNOW anchor, agreement with `lifetimes`, robustness, bad input.

The CDNOW test is the correctness anchor of the whole flag system: it goes through the
project's own visit-day code (:func:`summarise_visit_days`, a visit is a distinct day) and
must reproduce table 1 of Fader, Hardie & Lee (2005).
"""

from __future__ import annotations

import contextlib
import csv
import math
import timeit
import warnings
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from posassist.domain import bgnbd_predictions as predictions
from posassist.domain.value_model import (
    BgNbdParams,
    ModelFitError,
    VisitSummary,
    expected_visits,
    fit_bgnbd,
    log_likelihood,
    p_alive,
    score_customer,
    summarise_visit_days,
)

CDNOW = Path(__file__).parent.parent / "data" / "cdnow_sample_transactions.csv"
CALIBRATION_END = date(1997, 9, 30)
HORIZON_90D_WEEKS = 90 / 7


# --------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cdnow() -> VisitSummary[str]:
    days: defaultdict[str, list[date]] = defaultdict(list)
    with CDNOW.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            days[row["customer_id"]].append(date.fromisoformat(row["date"]))
    return summarise_visit_days(days, CALIBRATION_END, unit_days=7.0)


@pytest.fixture(scope="module")
def cdnow_fit(cdnow: VisitSummary[str]) -> BgNbdParams:
    return fit_bgnbd(cdnow.x, cdnow.t_x, cdnow.T, unit_days=7.0)


@pytest.fixture(scope="module")
def lifetimes() -> ModuleType:
    """`lifetimes` 0.11.3, imported with its third-party warnings contained.

    On pandas 3 its import emits a Pandas4Warning (it sets the removed
    ``mode.chained_assignment`` option), and its likelihood calls
    ``warnings.simplefilter("ignore", FutureWarning)`` globally.  Both are lifetimes'
    business, not ours, so every lifetimes call in this file runs inside
    :func:`_third_party`, which restores the filters afterwards.
    """
    with _third_party():
        module: ModuleType = pytest.importorskip("lifetimes")
    return module


@contextlib.contextmanager
def _third_party() -> Iterator[None]:
    """Ignore warnings raised from lifetimes / pandas / autograd code only, then restore."""
    with warnings.catch_warnings():
        for module in (r"lifetimes(\..*)?", r"pandas(\..*)?", r"autograd(\..*)?"):
            warnings.filterwarnings("ignore", module=module)
        yield


def _lifetimes_with_params(lifetimes: ModuleType, params: BgNbdParams) -> Any:
    """A BetaGeoFitter carrying *our* parameters, to compare the closed forms alone."""
    import pandas as pd

    fitter = lifetimes.BetaGeoFitter()
    fitter.params_ = pd.Series({"r": params.r, "alpha": params.alpha, "a": params.a, "b": params.b})
    return fitter


# --------------------------------------------------------------------------------------
# Correctness anchor: CDNOW, FHL 2005 table 1
# --------------------------------------------------------------------------------------


def test_cdnow_summary_counts_distinct_days(cdnow: VisitSummary[str]) -> None:
    assert len(cdnow.keys) == 2357
    # Customer 1: first 1997-01-01, visits 01-18 and 08-02 before the end; 12-12 is after.
    i = cdnow.keys.index("1")
    assert cdnow.x[i] == 2
    assert cdnow.t_x[i] == pytest.approx(213 / 7)
    assert cdnow.T[i] == pytest.approx(272 / 7)


def test_cdnow_fit_reproduces_fader_hardie_lee_table_1(cdnow_fit: BgNbdParams) -> None:
    p = cdnow_fit
    assert p.converged
    assert p.n_customers == 2357
    assert p.n_repeat_customers == 946
    assert p.unit_days == 7.0
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        got = getattr(p, name)
        assert f"{got:.3g}" == f"{value:.3g}", name  # 3 significant figures
        assert round(got, 3) == value, name  # and the paper's printed decimals
    assert round(p.log_likelihood, 1) == -9582.4


def test_cdnow_log_likelihood_function_agrees_with_fit(
    cdnow: VisitSummary[str], cdnow_fit: BgNbdParams
) -> None:
    assert log_likelihood(cdnow_fit, cdnow.x, cdnow.t_x, cdnow.T) == pytest.approx(
        cdnow_fit.log_likelihood, rel=1e-12
    )


# --------------------------------------------------------------------------------------
# Agreement with lifetimes
# --------------------------------------------------------------------------------------


def test_parameters_agree_with_lifetimes(
    lifetimes: ModuleType, cdnow: VisitSummary[str], cdnow_fit: BgNbdParams
) -> None:
    # Plain numpy arrays: lifetimes 0.11.3 works with them on numpy 2 / pandas 3.
    with _third_party():
        fitter = lifetimes.BetaGeoFitter(penalizer_coef=0.0).fit(cdnow.x, cdnow.t_x, cdnow.T)
        theirs = {k: float(v) for k, v in fitter.params_.items()}
    for name in ("r", "alpha", "a", "b"):
        assert getattr(cdnow_fit, name) == pytest.approx(theirs[name], rel=1e-3), name


def test_log_likelihood_agrees_with_lifetimes(
    lifetimes: ModuleType, cdnow: VisitSummary[str], cdnow_fit: BgNbdParams
) -> None:
    p = cdnow_fit
    log_params = np.log([p.r, p.alpha, p.a, p.b])
    with _third_party():
        mean_nll = lifetimes.BetaGeoFitter._negative_log_likelihood(
            log_params, cdnow.x, cdnow.t_x, cdnow.T, np.ones_like(cdnow.x), 0.0
        )
    assert -float(mean_nll) * cdnow.x.size == pytest.approx(p.log_likelihood, rel=1e-10)


def test_closed_forms_agree_with_lifetimes(
    lifetimes: ModuleType, cdnow: VisitSummary[str], cdnow_fit: BgNbdParams
) -> None:
    rng = np.random.default_rng(7)
    idx = rng.choice(cdnow.x.size, 300, replace=False)
    # Make sure the sample has both one-off and frequent customers.
    idx = np.union1d(idx, [int(np.argmax(cdnow.x)), int(np.argmin(cdnow.x))])
    x, t_x, T = cdnow.x[idx], cdnow.t_x[idx], cdnow.T[idx]
    fitter = _lifetimes_with_params(lifetimes, cdnow_fit)
    with _third_party():
        their_alive = np.asarray(fitter.conditional_probability_alive(x, t_x, T))
        their_expected = {
            t: np.asarray(fitter.conditional_expected_number_of_purchases_up_to_time(t, x, t_x, T))
            for t in (1.0, HORIZON_90D_WEEKS, 52.0)
        }
    np.testing.assert_allclose(p_alive(cdnow_fit, x, t_x, T), their_alive, rtol=1e-6)
    for t, theirs in their_expected.items():
        np.testing.assert_allclose(expected_visits(cdnow_fit, t, x, t_x, T), theirs, rtol=1e-6)
    # The scalar (register) path gives the same numbers as the vectorised one.
    for i in range(0, idx.size, 25):
        alive, e90 = score_customer(cdnow_fit, x[i], t_x[i], T[i], HORIZON_90D_WEEKS)
        assert alive == pytest.approx(their_alive[i], rel=1e-6)
        assert e90 == pytest.approx(their_expected[HORIZON_90D_WEEKS][i], rel=1e-6)


# --------------------------------------------------------------------------------------
# Closed forms: robustness beyond what lifetimes handles
# --------------------------------------------------------------------------------------


def _params(r: float, alpha: float, a: float, b: float) -> BgNbdParams:
    return BgNbdParams(r, alpha, a, b, 0.0, 1, True, 0, 1, 7.0)


def test_scalar_and_vector_paths_return_floats_and_arrays(cdnow_fit: BgNbdParams) -> None:
    assert isinstance(p_alive(cdnow_fit, 2, 30.0, 38.0), float)
    assert isinstance(expected_visits(cdnow_fit, 4.0, 2, 30.0, 38.0), float)
    arr = expected_visits(cdnow_fit, 4.0, np.array([0.0, 2.0]), np.array([0.0, 30.0]), 38.0)
    assert isinstance(arr, np.ndarray)
    assert arr.shape == (2,)
    zero_d = p_alive(cdnow_fit, np.float64(2.0), 30.0, np.array(38.0))
    assert np.ndim(zero_d) == 0


@pytest.mark.parametrize(
    "params",
    [
        _params(0.243, 4.414, 0.793, 2.426),
        _params(2.0, 0.5, 3.0, 0.4),  # a > 1
        _params(0.5, 10.0, 0.3, 0.3),  # a + b < 1: c <= 0 for x = 0 -> quadrature
    ],
)
def test_expected_visits_stable_for_extreme_customers(params: BgNbdParams) -> None:
    # Up to 2,000 repeat visits (a daily visitor for 5+ years) and long horizons: the
    # textbook 2F1(r+x, b+x; ...) overflows here; ours must stay finite and sane.
    x = np.array([0, 1, 10, 100, 500, 2000], dtype=float)
    T = np.array([1.0, 50.0, 100.0, 260.0, 280.0, 300.0])
    t_x = np.where(x > 0, T - 1.0, 0.0)
    for t in (0.5, 13.0, 520.0):
        e = expected_visits(params, t, x, t_x, T)
        assert np.isfinite(e).all()
        assert (e >= 0).all()
        # Never more than the posterior mean rate would give with no dropout at all.
        assert (e <= (params.r + x) / (params.alpha + T) * t * (1 + 1e-9)).all()
        for i in range(x.size):
            assert expected_visits(params, t, x[i], t_x[i], T[i]) == pytest.approx(e[i], rel=1e-9)


def test_expected_visits_short_horizon_is_rate_times_time(cdnow_fit: BgNbdParams) -> None:
    # For small t, E[X(t)] ~ P(alive) * E[lambda | history] * t = P(alive) (r+x)/(alpha+T) t.
    p = cdnow_fit
    x, t_x, T, t = 5.0, 30.0, 38.0, 1e-4
    slope = p_alive(p, x, t_x, T) * (p.r + x) / (p.alpha + T)
    assert expected_visits(p, t, x, t_x, T) == pytest.approx(slope * t, rel=1e-3)


def test_hyp2f1_form_and_quadrature_agree() -> None:
    for params in (_params(0.243, 4.414, 0.793, 2.426), _params(1.5, 2.0, 2.5, 6.0)):
        for x, T in ((0.0, 5.0), (3.0, 20.0), (40.0, 100.0), (1500.0, 300.0)):
            for t in (1.0, 13.0, 100.0):
                closed = predictions._alive_visits_hyp2f1(params, t, x, T, params.a)
                quad = predictions._alive_visits_quadrature(params, t, x, T)
                assert closed == pytest.approx(quad, rel=1e-9)


@pytest.mark.parametrize("x", [0, 4, 2000])
def test_expected_visits_through_a_equal_one(x: int) -> None:
    # a == 1 makes the closed form 0/0; it is interpolated there and must match quadrature.
    t_x, T = (299.0 if x else 0.0), 300.0
    at_one = _params(0.5, 3.0, 1.0, 2.0)
    exact = p_alive(at_one, x, t_x, T) * predictions._alive_visits_quadrature(at_one, 13.0, x, T)
    assert expected_visits(at_one, 13.0, x, t_x, T) == pytest.approx(exact, rel=1e-8)
    assert expected_visits(at_one, 13.0, np.array([x]), t_x, T)[0] == pytest.approx(exact, rel=1e-8)
    for a in (1.0 - 2e-4, 1.0 - 5e-5, 1.0 + 5e-5, 1.0 + 2e-4):  # both sides of the switch
        near = expected_visits(_params(0.5, 3.0, a, 2.0), 13.0, x, t_x, T)
        assert near == pytest.approx(exact, rel=1e-3)


def test_p_alive_properties(cdnow_fit: BgNbdParams) -> None:
    assert p_alive(cdnow_fit, 0, 0.0, 30.0) == 1.0  # no repeat visit: cannot have dropped out
    # Same history, longer silence -> lower P(alive).
    assert p_alive(cdnow_fit, 5, 10.0, 40.0) < p_alive(cdnow_fit, 5, 10.0, 20.0)
    # Huge x with a long silence must not overflow to nan.
    assert 0.0 <= p_alive(cdnow_fit, 5000, 10.0, 400.0) < 1e-100


def test_scoring_rejects_impossible_history(cdnow_fit: BgNbdParams) -> None:
    with pytest.raises(ValueError, match="t_x <= T"):
        p_alive(cdnow_fit, 2, 10.0, 5.0)
    with pytest.raises(ValueError, match="0 <= x"):
        score_customer(cdnow_fit, -1, 0.0, 5.0, 13.0)


def test_scoring_one_customer_takes_under_a_tenth_of_a_millisecond(
    cdnow_fit: BgNbdParams,
) -> None:
    n = 2000
    best = min(
        timeit.repeat(
            lambda: score_customer(cdnow_fit, 7, 30.0, 38.0, HORIZON_90D_WEEKS),
            number=n,
            repeat=3,
        )
    )
    assert best / n < 1e-4


# --------------------------------------------------------------------------------------
# Fitting: recovery, bad input, tiny data
# --------------------------------------------------------------------------------------


def _simulate(
    n: int, r: float, alpha: float, a: float, b: float, max_t: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw (x, t_x, T) from the BG/NBD process itself (continuous time)."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    T = rng.uniform(1.0, max_t, n)
    k = 120
    times = np.cumsum(rng.exponential(1.0, (n, k)) / lam[:, None], axis=1)
    survives = rng.random((n, k)) >= p[:, None]  # still a customer after visit j
    alive_at = np.ones((n, k), dtype=bool)
    alive_at[:, 1:] = np.cumprod(survives[:, :-1], axis=1).astype(bool)
    made = alive_at & (times <= T[:, None])
    x = made.sum(axis=1).astype(float)
    t_x = np.where(made, times, 0.0).max(axis=1)
    return x, t_x, T


def test_fit_recovers_simulated_parameters() -> None:
    true = {"r": 0.8, "alpha": 4.0, "a": 0.8, "b": 2.5}
    x, t_x, T = _simulate(20_000, r=0.8, alpha=4.0, a=0.8, b=2.5, max_t=78.0, seed=3)
    fit = fit_bgnbd(x, t_x, T)
    assert fit.converged
    for name, value in true.items():
        assert getattr(fit, name) == pytest.approx(value, rel=0.15), name


def test_fit_is_invariant_to_row_order_and_duplication(cdnow: VisitSummary[str]) -> None:
    rng = np.random.default_rng(1)
    order = rng.permutation(cdnow.x.size)
    once = fit_bgnbd(cdnow.x[order], cdnow.t_x[order], cdnow.T[order])
    twice = fit_bgnbd(
        np.tile(cdnow.x, 2), np.tile(cdnow.t_x, 2), np.tile(cdnow.T, 2)
    )  # same MLE, twice the log-likelihood
    assert twice.r == pytest.approx(once.r, rel=1e-5)
    assert twice.b == pytest.approx(once.b, rel=1e-5)
    assert twice.log_likelihood == pytest.approx(2 * once.log_likelihood, rel=1e-9)


@pytest.mark.parametrize(
    ("x", "t_x", "T", "message"),
    [
        ([], [], [], "no customers"),
        ([1, 2], [1.0], [2.0, 3.0], "same length"),
        ([[1]], [[1.0]], [[2.0]], "one-dimensional"),
        ([1, -1], [1.0, 0.0], [2.0, 2.0], "negative number of repeat visits"),
        ([1, 2], [1.0, -0.5], [2.0, 2.0], "negative t_x"),
        ([1, 2], [1.0, 3.0], [2.0, 2.0], "t_x greater than T"),
        ([1, math.nan], [1.0, 1.0], [2.0, 2.0], "NaN"),
        ([1, 2], [1.0, 1.0], [2.0, math.inf], "NaN or infinite"),
        ([1.5], [1.0], [2.0], "non-integer"),
        ([0], [1.0], [2.0], "x = 0"),
        (["a"], [1.0], [2.0], "numeric"),
    ],
)
def test_bad_input_raises_model_fit_error(x: Any, t_x: Any, T: Any, message: str) -> None:
    with pytest.raises(ModelFitError, match=message):
        fit_bgnbd(x, t_x, T)


def test_model_fit_error_is_a_value_error() -> None:
    assert issubclass(ModelFitError, ValueError)
    with pytest.raises(ModelFitError, match="unit_days"):
        fit_bgnbd([1], [1.0], [2.0], unit_days=0.0)


@pytest.mark.parametrize(
    ("x", "t_x", "T"),
    [
        ([0], [0.0], [3.0]),  # one customer, never came back
        ([0, 0, 0], [0.0, 0.0, 0.0], [5.0, 6.0, 7.0]),  # nobody came back
        ([1], [2.0], [5.0]),  # a single repeat customer
        ([2] * 30, [5.0] * 30, [10.0] * 30),  # everyone identical
        ([3, 0, 1, 5, 0], [5.0, 0.0, 1.0, 9.0, 0.0], [10.0, 4.0, 3.0, 10.0, 10.0]),
    ],
)
def test_tiny_or_degenerate_data_returns_not_converged(
    x: list[int], t_x: list[float], T: list[float]
) -> None:
    """Documented behaviour: valid but uninformative data does not raise; it comes back
    with ``converged=False`` (finite numbers that must not be used)."""
    fit = fit_bgnbd(x, t_x, T)
    assert not fit.converged
    assert fit.n_customers == len(x)
    assert all(math.isfinite(v) for v in (fit.r, fit.alpha, fit.a, fit.b))


# --------------------------------------------------------------------------------------
# summarise_visit_days
# --------------------------------------------------------------------------------------


def test_summarise_visit_days_counts_distinct_days_up_to_as_of() -> None:
    as_of = date(2024, 3, 31)
    days = {
        "weekly": [date(2024, 3, d) for d in (3, 10, 10, 17, 24, 31)],
        "later": [date(2024, 4, 1)],  # first visit after as_of: excluded
        "mixed": [datetime(2024, 3, 1, 9), date(2024, 3, 1), datetime(2024, 4, 5, 12)],
        "none": [],
    }
    keys, x, t_x, T = summarise_visit_days(days, as_of, unit_days=1.0)
    assert keys == ["weekly", "mixed"]
    np.testing.assert_array_equal(x, [4, 0])
    np.testing.assert_array_equal(t_x, [28, 0])
    np.testing.assert_array_equal(T, [28, 30])


def test_summarise_visit_days_units_and_validation() -> None:
    s = summarise_visit_days({1: [date(2024, 1, 1), date(2024, 1, 15)]}, date(2024, 1, 29))
    assert (s.x[0], s.t_x[0], s.T[0]) == (1.0, 2.0, 4.0)  # weeks by default
    with pytest.raises(ValueError, match="unit_days"):
        summarise_visit_days({}, date(2024, 1, 1), unit_days=-7)
    empty: VisitSummary[str] = summarise_visit_days({}, date(2024, 1, 1))
    assert empty.keys == []
    assert empty.x.size == 0
