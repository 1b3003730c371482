"""The repeat-visitor value model: BG/NBD fitted by maximum likelihood.

Why BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way")?  A store
does not see customers leave; it only sees them stop coming.  BG/NBD explains a customer's
visit days with two hidden quantities - how often they come while they are still a
customer (Poisson rate ``lambda ~ Gamma(r, alpha)``) and the chance they quietly drop out
after any visit (``p ~ Beta(a, b)``) - and gives, in closed form, the probability that a
customer is still "alive" and the number of visits to expect in the next ``t`` time units.
Money is not an input: a customer who only comes for advice counts the same as one who
buys.

The model needs only three numbers per customer (the *sufficient statistics*):

* ``x``   - repeat visit days (distinct visit days minus the first one),
* ``t_x`` - time from the first to the last visit day,
* ``T``   - time from the first visit day to the as-of date,

all in one time unit (weeks by default: ``days / 7``, as in the paper).  Many customers
share the same triple, so the fit collapses identical rows with a weight; that is what
makes a 100,000-customer fit take a fraction of a second.

Scoring one customer at the register must be instant (the closed forms, in
:mod:`posassist.domain.bgnbd_predictions`); the fit itself runs in the background (start-up,
nightly) and its parameters are cached.  The likelihood it maximises is in
:mod:`posassist.domain.bgnbd_likelihood`.

Correctness anchor: on the CDNOW 1/10th sample this module reproduces the paper's table 1
(r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4); see
``tests/domain/test_value_model.py``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Final, Generic, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt

from posassist.domain.bgnbd_likelihood import (
    Collapsed,
    ModelFitError,
    collapse,
    neg_mean_ll_and_grad,
    validate_inputs,
)
from posassist.domain.bgnbd_params import BgNbdParams
from posassist.domain.bgnbd_predictions import expected_visits, p_alive, score_customer
from posassist.domain.visits import as_day

# The error and the closed forms live beside this module; they are part of the model's
# public face, so callers import them from here.
__all__ = [
    "BgNbdParams",
    "ModelFitError",
    "VisitSummary",
    "expected_visits",
    "fit_bgnbd",
    "log_likelihood",
    "p_alive",
    "score_customer",
    "summarise_visit_days",
]

FloatArray = npt.NDArray[np.float64]
K = TypeVar("K")

# Soft box on the log-parameters.  exp(+-20) spans 2e-9 .. 5e8, far wider than any
# plausible estimate in weeks or days, so the box never bites on a well-posed fit; it only
# stops a degenerate fit (e.g. nobody ever came back) from running off to infinity.  Outside
# the box the likelihood is evaluated at the box edge plus a quadratic penalty, so the
# optimiser never sees an overflow.  A fit that ends on the box is reported as not converged.
_LOG_BOUND: Final = 20.0
_BOX_PENALTY: Final = 1.0
_AT_BOUND_TOL: Final = 1e-3
# BFGS sometimes stops with "precision loss" when it is already at the optimum and the
# objective has run out of floating-point digits.  We accept that as converged if the
# gradient (of the mean log-likelihood per customer, w.r.t. the log-parameters) is this small.
_GRAD_TOL: Final = 1e-5
_MAX_ITER: Final = 1000
# A log-parameter whose standard error exceeds this (a factor e**5 ~ 150 either way) is not
# estimated at all: the fit sits on a flat ridge and is reported as not converged.
_MAX_LOG_SE: Final = 5.0


class VisitSummary(NamedTuple, Generic[K]):
    """Sufficient statistics per customer, aligned with ``keys`` (unpacks as a 4-tuple)."""

    keys: list[K]
    x: FloatArray
    t_x: FloatArray
    T: FloatArray


# --------------------------------------------------------------------------------------
# Visit days -> sufficient statistics
# --------------------------------------------------------------------------------------


def summarise_visit_days(
    days_by_customer: Mapping[K, Iterable[date]],
    as_of: date,
    unit_days: float = 7.0,
) -> VisitSummary[K]:
    """Turn each customer's visit days into the model's ``(x, t_x, T)``.

    A visit is a *distinct day*: several transactions or questions on one day are one
    visit, because the model counts occasions to come back, not items bought.  Days after
    ``as_of`` are ignored (so a calibration period can be cut out of a longer history) and
    customers whose first visit is after ``as_of`` are left out, since they did not exist
    yet.  ``T`` is measured from the first visit day to ``as_of`` (``as_of`` itself counts
    as a possible visit day, ``T`` is ``(as_of - first).days / unit_days``).
    """
    if not (math.isfinite(unit_days) and unit_days > 0):
        raise ValueError(f"unit_days must be a positive number, got {unit_days!r}")
    as_of = as_day(as_of)
    keys: list[K] = []
    xs: list[int] = []
    recency_days: list[int] = []
    age_days: list[int] = []
    for key, days in days_by_customer.items():
        distinct = {d for d in map(as_day, days) if d <= as_of}
        if not distinct:
            continue
        first, last = min(distinct), max(distinct)
        keys.append(key)
        xs.append(len(distinct) - 1)
        recency_days.append((last - first).days)
        age_days.append((as_of - first).days)
    return VisitSummary(
        keys,
        np.asarray(xs, dtype=np.float64),
        np.asarray(recency_days, dtype=np.float64) / unit_days,
        np.asarray(age_days, dtype=np.float64) / unit_days,
    )


# --------------------------------------------------------------------------------------
# Fitting
# --------------------------------------------------------------------------------------


def _start(d: Collapsed) -> FloatArray:
    """Starting values: r = a = b = 1 and alpha from the observed repeat rate.

    With r = 1 the mean visit rate is 1/alpha, so alpha0 = total time / total repeat visits
    puts the start at the right time scale whatever the unit; the rest is a neutral prior.
    """
    total_x = d.total_wx
    total_t = d.total_wT
    alpha0 = total_t / total_x if total_x > 0 and total_t > 0 else 1.0
    alpha0 = min(max(alpha0, 1e-3), 1e6)
    return np.array([0.0, math.log(alpha0), 0.0, 0.0])


def _boxed(theta: FloatArray, data: Collapsed) -> tuple[float, FloatArray]:
    """The objective with the soft box: clip to the box, add a quadratic penalty outside."""
    clipped = np.clip(theta, -_LOG_BOUND, _LOG_BOUND)
    excess = theta - clipped
    f, grad = neg_mean_ll_and_grad(clipped, data)
    penalty = 0.5 * _BOX_PENALTY * float(excess @ excess)
    return f + penalty, np.where(excess == 0, grad, 0.0) + _BOX_PENALTY * excess


def _well_determined(theta: FloatArray, data: Collapsed) -> bool:
    """Whether the optimum is a proper interior maximum, not a flat ridge towards infinity.

    With too little information (nobody came back, a handful of customers, everyone alike)
    the likelihood keeps rising towards a limit model - r -> 0 with alpha -> infinity, or
    a, b -> infinity - and the optimiser stops somewhere on that ridge with a tiny gradient.
    Those numbers look like an answer but are not one.  We detect it from the curvature:
    the Hessian of -LL in log-parameters (central differences of the analytic gradient,
    8 extra evaluations) must be positive definite and give every log-parameter a standard
    error below ``_MAX_LOG_SE``.  On CDNOW the largest is about 0.2.
    """
    step = 1e-4
    hessian = np.empty((4, 4))
    with np.errstate(all="ignore"):
        for i in range(4):
            e = np.zeros(4)
            e[i] = step
            _, g_plus = neg_mean_ll_and_grad(theta + e, data)
            _, g_minus = neg_mean_ll_and_grad(theta - e, data)
            hessian[i] = (g_plus - g_minus) / (2 * step) * data.total_w
    hessian = (hessian + hessian.T) / 2
    if not np.isfinite(hessian).all():
        return False
    try:
        np.linalg.cholesky(hessian)
        variances = np.diag(np.linalg.inv(hessian))
    except np.linalg.LinAlgError:
        return False
    return bool((variances > 0).all() and (np.sqrt(variances) <= _MAX_LOG_SE).all())


def fit_bgnbd(
    x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike, *, unit_days: float = 7.0
) -> BgNbdParams:
    """Fit BG/NBD by maximum likelihood on per-customer ``(x, t_x, T)``.

    ``unit_days`` only records the time unit the inputs are in (7.0 when ``t_x`` and ``T``
    are in weeks, as :func:`summarise_visit_days` produces by default); it is stored in the
    result so that scoring converts days the same way.

    Raises :class:`ModelFitError` for empty, mismatched, non-finite, negative or
    inconsistent input (``t_x > T``, or ``t_x != 0`` with ``x == 0``).

    Does *not* raise when the data are valid but say too little: it returns
    ``converged=False`` (with the optimiser's last iterate, which must not be used) when the
    optimiser fails, the result is not finite, an estimate ends on the parameter box, or
    the maximum is a flat ridge rather than a point (see :func:`_well_determined`) - which
    is what happens when nobody ever came back, with a handful of customers, or when all
    customers look alike.  Callers must check ``converged`` (and ``n_repeat_customers``)
    before using the parameters.
    """
    if not (math.isfinite(unit_days) and unit_days > 0):
        raise ModelFitError(f"unit_days must be a positive number, got {unit_days!r}")
    xa, ta, Ta = validate_inputs(x, t_x, T)
    data = collapse(xa, ta, Ta)
    result, theta = _maximise(data)
    with np.errstate(all="ignore"):
        f, grad = neg_mean_ll_and_grad(theta, data)
    r, alpha, a, b = (float(v) for v in np.exp(theta))
    return BgNbdParams(
        r=r,
        alpha=alpha,
        a=a,
        b=b,
        log_likelihood=-f * data.total_w if math.isfinite(f) else float("nan"),
        n_customers=int(xa.size),
        converged=_converged(bool(result.success), theta, f, grad, data),
        iterations=int(result.nit),
        n_repeat_customers=int(np.count_nonzero(xa > 0)),
        unit_days=float(unit_days),
    )


def _maximise(data: Collapsed) -> tuple[Any, FloatArray]:
    """Run the optimiser from :func:`_start`; its result and the last iterate, in the box."""
    # BFGS rather than L-BFGS-B: with 4 parameters its bookkeeping is a few numpy ops on 4x4
    # arrays, whereas L-BFGS-B's BLAS calls hit OpenBLAS thread hand-offs that made the CDNOW
    # fit 25x slower (4 ms -> 107 ms) whenever another process was using the second core -
    # exactly the situation of a background refit next to the register's UI.
    with np.errstate(all="ignore"):
        # Imported here: scipy.optimize costs ~0.3 s at start-up and only refits need it.
        from scipy import optimize

        result = optimize.minimize(
            _boxed,
            _start(data),
            args=(data,),
            jac=True,
            method="BFGS",
            options={"maxiter": _MAX_ITER, "gtol": 1e-9},
        )
        theta = np.clip(np.asarray(result.x, dtype=np.float64), -_LOG_BOUND, _LOG_BOUND)
    return result, theta


def _converged(
    success: bool, theta: FloatArray, f: float, grad: FloatArray, data: Collapsed
) -> bool:
    """Whether the optimum can be trusted: finite, inside the box, and well determined.

    The optimiser's own ``success`` may be replaced by a small gradient (see ``_GRAD_TOL``).
    """
    finite = bool(np.isfinite(theta).all() and math.isfinite(f) and np.isfinite(grad).all())
    at_bound = bool((np.abs(theta) > _LOG_BOUND - _AT_BOUND_TOL).any())
    small_grad = finite and float(np.max(np.abs(grad))) <= _GRAD_TOL
    return finite and not at_bound and (success or small_grad) and _well_determined(theta, data)


def log_likelihood(
    params: BgNbdParams, x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike
) -> float:
    """Total log-likelihood of the data under ``params`` (for tests and model comparison)."""
    data = collapse(*validate_inputs(x, t_x, T))
    theta = np.log(np.array([params.r, params.alpha, params.a, params.b]))
    f, _ = neg_mean_ll_and_grad(theta, data)
    return -f * data.total_w
