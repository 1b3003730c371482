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

Scoring one customer at the register must be instant, so :func:`score_customer` and the
scalar paths of :func:`p_alive` / :func:`expected_visits` use plain :mod:`math` plus one
scalar ``scipy.special.hyp2f1`` call (a few microseconds).  The fit itself runs in the
background (start-up, nightly) and its parameters are cached.

Correctness anchor: on the CDNOW 1/10th sample this module reproduces the paper's table 1
(r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4); see
``tests/domain/test_value_model.py``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Final, Generic, NamedTuple, TypeVar, overload

import numpy as np
import numpy.typing as npt
from scipy import special

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
# Within this distance of a == 1 the hyp2f1 closed form of the expected visits is 0/0 and
# loses precision; we interpolate between a = 1 -+ this value there.
_A_NEAR_ONE: Final = 1e-4
_QUAD_NODES: Final = 64


class ModelFitError(ValueError):
    """The data given to the fit cannot be fitted (empty, negative, NaN, ``t_x > T`` ...).

    It is a :class:`ValueError` because it always means the caller passed bad data; a fit
    that merely does not converge is *not* an error - it returns ``converged=False``.
    """


@dataclass(frozen=True, slots=True)
class BgNbdParams:
    """Fitted BG/NBD parameters and what is needed to trust and use them.

    ``unit_days`` is the time unit the model was fitted in (7.0 = weeks).  ``alpha`` is in
    that unit, so scoring must convert day counts with the same unit; storing it with the
    parameters makes a mismatch impossible.  ``n_repeat_customers`` (customers with at
    least one repeat visit day) is kept because the fit says little about a store where only
    a handful of customers ever came back; the flag rules use it to decide between the
    model and the rule-based fallback.
    """

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    n_customers: int
    converged: bool
    iterations: int
    n_repeat_customers: int
    unit_days: float


class VisitSummary(NamedTuple, Generic[K]):
    """Sufficient statistics per customer, aligned with ``keys`` (unpacks as a 4-tuple)."""

    keys: list[K]
    x: FloatArray
    t_x: FloatArray
    T: FloatArray


# --------------------------------------------------------------------------------------
# Visit days -> sufficient statistics
# --------------------------------------------------------------------------------------


def _as_day(value: date) -> date:
    """A ``datetime`` is a ``date`` subclass but does not compare with one; use its day."""
    return value.date() if isinstance(value, datetime) else value


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
    as_of = _as_day(as_of)
    keys: list[K] = []
    xs: list[int] = []
    recency_days: list[int] = []
    age_days: list[int] = []
    for key, days in days_by_customer.items():
        distinct = {d for d in map(_as_day, days) if d <= as_of}
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


# Rows are processed in chunks so that every numpy temporary stays below glibc's 128 KiB
# mmap threshold (8192 float64 = 64 KiB) and in cache.  Whole-array temporaries of 100,000
# rows are mmap'd and page-faulted afresh on every call, which measured ~7x slower.
_CHUNK: Final = 8192


@dataclass(frozen=True, slots=True)
class _Chunk:
    x: FloatArray
    t_x: FloatArray
    T: FloatArray
    w: FloatArray
    repeat: npt.NDArray[np.bool_]
    x_minus_1: FloatArray  # max(x, 1) - 1: keeps log(b + x - 1) finite where x == 0


@dataclass(frozen=True, slots=True)
class _Collapsed:
    """Unique ``(x, t_x, T)`` rows with their weights, plus per-distinct-``x`` weights.

    The gamma-function terms depend only on ``x``, which takes few distinct values, so they
    are evaluated once per distinct ``x`` and summed with the total weight of that ``x``.
    """

    chunks: tuple[_Chunk, ...]
    ux: FloatArray  # distinct x values
    w_by_x: FloatArray  # total weight per distinct x
    total_w: float
    total_wx: float
    total_wT: float


def _validate(x: Any, t_x: Any, T: Any) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Check the inputs and say in words what is wrong, since bad rows mean a bug upstream."""
    try:
        xa, ta, Ta = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    except (TypeError, ValueError) as exc:
        raise ModelFitError(f"x, t_x and T must be numeric arrays: {exc}") from exc
    if xa.ndim != 1 or ta.ndim != 1 or Ta.ndim != 1:
        raise ModelFitError("x, t_x and T must be one-dimensional arrays")
    if not (xa.shape == ta.shape == Ta.shape):
        raise ModelFitError(
            f"x, t_x and T must have the same length, got {xa.size}, {ta.size}, {Ta.size}"
        )
    if xa.size == 0:
        raise ModelFitError("no customers to fit the model on")

    def _reject(mask: npt.NDArray[np.bool_], what: str) -> None:
        if mask.any():
            first = int(np.flatnonzero(mask)[0])
            raise ModelFitError(f"{int(mask.sum())} customer(s) {what} (first at index {first})")

    _reject(~(np.isfinite(xa) & np.isfinite(ta) & np.isfinite(Ta)), "have NaN or infinite values")
    _reject(xa < 0, "have a negative number of repeat visits x")
    _reject(xa != np.round(xa), "have a non-integer number of repeat visits x")
    _reject(ta < 0, "have a negative t_x")
    _reject(ta > Ta * (1 + 1e-12), "have t_x greater than T")
    _reject((xa == 0) & (ta != 0), "have no repeat visit (x = 0) but t_x != 0")
    return xa, ta, Ta


def _collapse(x: FloatArray, t_x: FloatArray, T: FloatArray) -> _Collapsed:
    """Collapse identical ``(x, t_x, T)`` rows into one row with a weight.

    Equivalent to ``np.unique(rows, axis=0, return_counts=True)`` but with a lexsort of the
    three columns, which is ~10x faster than ``unique``'s row-as-bytes sort on 100k rows.
    """
    order = np.lexsort((T, t_x, x))
    xs, ts, Ts = x[order], t_x[order], T[order]
    new_row = np.ones(xs.size, dtype=np.bool_)
    new_row[1:] = (xs[1:] != xs[:-1]) | (ts[1:] != ts[:-1]) | (Ts[1:] != Ts[:-1])
    starts = np.flatnonzero(new_row)
    w = np.diff(np.append(starts, xs.size)).astype(np.float64)
    ux_rows, ts_u, Ts_u = xs[starts], ts[starts], Ts[starts]
    ux, x_index = np.unique(ux_rows, return_inverse=True)
    chunks = tuple(
        _Chunk(
            x=ux_rows[i : i + _CHUNK],
            t_x=ts_u[i : i + _CHUNK],
            T=Ts_u[i : i + _CHUNK],
            w=w[i : i + _CHUNK],
            repeat=ux_rows[i : i + _CHUNK] > 0,
            x_minus_1=np.maximum(ux_rows[i : i + _CHUNK], 1.0) - 1.0,
        )
        for i in range(0, ux_rows.size, _CHUNK)
    )
    return _Collapsed(
        chunks=chunks,
        ux=ux,
        w_by_x=np.bincount(x_index, weights=w, minlength=ux.size).astype(np.float64),
        total_w=float(w.sum()),
        total_wx=float(w @ ux_rows),
        total_wT=float(w @ Ts_u),
    )


def _neg_mean_ll_and_grad(theta: FloatArray, d: _Collapsed) -> tuple[float, FloatArray]:
    """Minus the mean log-likelihood per customer and its gradient w.r.t. log-parameters.

    Per customer (FHL 2005, section 7; Hardie's note 004)::

        LL = A1 + A2 + log(exp(A3) + [x > 0] exp(A4))
        A1 = lgamma(r + x) - lgamma(r) + r log(alpha)
        A2 = lbeta(a, b + x) - lbeta(a, b)
        A3 = -(r + x) log(alpha + T)
        A4 = log(a) - log(b + x - 1) - (r + x) log(alpha + t_x)

    The last term is a log-sum-exp (``A3 + log(1 + exp(A4 - A3))``), so nothing overflows
    for customers with hundreds of visits.  The analytic gradient (digamma terms) lets
    BFGS converge in a few dozen evaluations instead of five times as many with finite
    differences.
    """
    r, alpha, a, b = (float(v) for v in np.exp(theta))
    ux = d.ux
    # Terms that depend on x only: once per distinct x, weighted by how many customers.
    a12 = (
        special.gammaln(r + ux)
        - special.gammaln(r)
        + r * math.log(alpha)
        + special.betaln(a, b + ux)
        - special.betaln(a, b)
    )
    dg_abx = special.digamma(a + b + ux)
    dg_ab = special.digamma(a + b)
    dr_x = special.digamma(r + ux) - special.digamma(r) + math.log(alpha)
    da_x = dg_ab - dg_abx
    db_x = special.digamma(b + ux) - special.digamma(b) + dg_ab - dg_abx
    ll = float(d.w_by_x @ a12)
    g_r = float(d.w_by_x @ dr_x)
    g_alpha = d.total_w * r / alpha
    g_a = float(d.w_by_x @ da_x)
    g_b = float(d.w_by_x @ db_x)

    log_a = math.log(a)
    for c in d.chunks:
        rx = r + c.x
        log_aT = np.log(alpha + c.T)
        log_atx = np.log(alpha + c.t_x)
        b_x1 = b + c.x_minus_1
        a3 = -rx * log_aT
        # A4 - A3; -inf where x == 0 (no "dropped out after the last visit" branch).
        diff = np.where(c.repeat, (log_a - np.log(b_x1) - rx * log_atx) - a3, -np.inf)
        w4 = special.expit(diff)  # posterior share of the "dropped out" branch
        w3 = 1.0 - w4
        ll += float(c.w @ (a3 + np.logaddexp(0.0, diff)))
        g_r -= float(c.w @ (w3 * log_aT + w4 * log_atx))
        g_alpha -= float(c.w @ (rx * (w3 / (alpha + c.T) + w4 / (alpha + c.t_x))))
        g_a += float(c.w @ w4) / a
        g_b -= float(c.w @ (w4 / b_x1))
    grad = -np.array([r * g_r, alpha * g_alpha, a * g_a, b * g_b]) / d.total_w
    return -ll / d.total_w, grad


def _start(d: _Collapsed) -> FloatArray:
    """Starting values: r = a = b = 1 and alpha from the observed repeat rate.

    With r = 1 the mean visit rate is 1/alpha, so alpha0 = total time / total repeat visits
    puts the start at the right time scale whatever the unit; the rest is a neutral prior.
    """
    total_x = d.total_wx
    total_t = d.total_wT
    alpha0 = total_t / total_x if total_x > 0 and total_t > 0 else 1.0
    alpha0 = min(max(alpha0, 1e-3), 1e6)
    return np.array([0.0, math.log(alpha0), 0.0, 0.0])


def _boxed(theta: FloatArray, data: _Collapsed) -> tuple[float, FloatArray]:
    """The objective with the soft box: clip to the box, add a quadratic penalty outside."""
    clipped = np.clip(theta, -_LOG_BOUND, _LOG_BOUND)
    excess = theta - clipped
    f, grad = _neg_mean_ll_and_grad(clipped, data)
    penalty = 0.5 * _BOX_PENALTY * float(excess @ excess)
    return f + penalty, np.where(excess == 0, grad, 0.0) + _BOX_PENALTY * excess


def _well_determined(theta: FloatArray, data: _Collapsed) -> bool:
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
            _, g_plus = _neg_mean_ll_and_grad(theta + e, data)
            _, g_minus = _neg_mean_ll_and_grad(theta - e, data)
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
    xa, ta, Ta = _validate(x, t_x, T)
    data = _collapse(xa, ta, Ta)
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
        f, grad = _neg_mean_ll_and_grad(theta, data)
    finite = bool(np.isfinite(theta).all() and math.isfinite(f) and np.isfinite(grad).all())
    at_bound = bool((np.abs(theta) > _LOG_BOUND - _AT_BOUND_TOL).any())
    small_grad = finite and float(np.max(np.abs(grad))) <= _GRAD_TOL
    converged = (
        finite
        and not at_bound
        and (bool(result.success) or small_grad)
        and _well_determined(theta, data)
    )
    r, alpha, a, b = (float(v) for v in np.exp(theta))
    return BgNbdParams(
        r=r,
        alpha=alpha,
        a=a,
        b=b,
        log_likelihood=-f * data.total_w if math.isfinite(f) else float("nan"),
        n_customers=int(xa.size),
        converged=converged,
        iterations=int(result.nit),
        n_repeat_customers=int(np.count_nonzero(xa > 0)),
        unit_days=float(unit_days),
    )


def log_likelihood(
    params: BgNbdParams, x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike
) -> float:
    """Total log-likelihood of the data under ``params`` (for tests and model comparison)."""
    data = _collapse(*_validate(x, t_x, T))
    theta = np.log(np.array([params.r, params.alpha, params.a, params.b]))
    f, _ = _neg_mean_ll_and_grad(theta, data)
    return -f * data.total_w


# --------------------------------------------------------------------------------------
# Closed forms: P(alive) and expected visits
# --------------------------------------------------------------------------------------

Number = int | float | np.integer[Any] | np.floating[Any]


def _is_scalar(*values: object) -> bool:
    return all(
        isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
        for v in values
    )


def _p_alive_scalar(p: BgNbdParams, x: float, t_x: float, T: float) -> float:
    """P(alive) = 1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)), overflow-safe."""
    if x <= 0:
        return 1.0
    log_odds = math.log(p.a / (p.b + x - 1.0)) + (p.r + x) * math.log(
        (p.alpha + T) / (p.alpha + t_x)
    )
    if log_odds > 0:
        e = math.exp(-log_odds)
        return e / (1.0 + e)
    return 1.0 / (1.0 + math.exp(log_odds))


def _alive_visits_hyp2f1(p: BgNbdParams, t: float, x: float, T: float, a: float) -> float:
    """E[visits in (T, T+t] | alive at T, history] via hyp2f1 (nan if it fails).

    Lifetimes and the paper write it with 2F1(r+x, b+x; a+b+x-1; z), which overflows for
    frequent customers.  Euler's transformation turns it into

        (a+b+x-1)/(a-1) * (1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)),  z = t/(alpha+T+t)

    whose first two parameters do not grow with x, so the series stays small and converges
    fast; ``expm1`` keeps precision when the bracket is small.  ``a`` is passed separately so
    the a == 1 case can be interpolated (see :func:`_alive_visits`).
    """
    c = a + p.b + x - 1.0
    if c <= 0.0:
        return math.nan
    z = t / (p.alpha + T + t)
    h = float(special.hyp2f1(a + p.b - 1.0 - p.r, a - 1.0, c, z))
    if not (math.isfinite(h) and h > 0.0):
        return math.nan
    return c / (a - 1.0) * -math.expm1((a - 1.0) * math.log1p(-z) + math.log(h))


def _alive_visits(p: BgNbdParams, t: float, x: float, T: float) -> float:
    """Expected visits of a customer known to be alive at T; total and overflow-safe.

    At a == 1 the closed form is 0/0; within ``_A_NEAR_ONE`` of it we interpolate linearly
    between a = 1 -+ _A_NEAR_ONE (error ~1e-8 relative, the function is smooth in a).  Where
    hyp2f1 gives nothing usable (c <= 0, overflow) we integrate numerically instead.
    """
    if abs(p.a - 1.0) < _A_NEAR_ONE:
        lo = _alive_visits_hyp2f1(p, t, x, T, 1.0 - _A_NEAR_ONE)
        hi = _alive_visits_hyp2f1(p, t, x, T, 1.0 + _A_NEAR_ONE)
        value = lo + (p.a - 1.0 + _A_NEAR_ONE) / (2 * _A_NEAR_ONE) * (hi - lo)
    else:
        value = _alive_visits_hyp2f1(p, t, x, T, p.a)
    if math.isfinite(value):
        return value
    return _alive_visits_quadrature(p, t, x, T)


@lru_cache(maxsize=512)
def _jacobi_rule(exp_one_minus_p: float, exp_p: float) -> tuple[FloatArray, FloatArray]:
    """Gauss-Jacobi nodes mapped to p in (0, 1) and normalised Beta(exp_p+1, ...) weights.

    The weights are recomputed in log space from the Christoffel formula
    w_i ~ 1 / ((1 - u_i^2) P'_n(u_i)^2), because scipy's own weights carry a normalising
    constant 2**(alpha+beta+1) B(...) that overflows for customers with ~1,000+ visits.
    """
    n = _QUAD_NODES
    with np.errstate(over="ignore", invalid="ignore"):
        u, _ = special.roots_jacobi(n, exp_one_minus_p, exp_p)
    # P'_n is proportional to P_{n-1}^(alpha+1, beta+1).
    dp = special.eval_jacobi(n - 1, exp_one_minus_p + 1.0, exp_p + 1.0, u)
    log_w = -np.log1p(-(u**2)) - 2.0 * np.log(np.abs(dp))
    w = np.exp(log_w - log_w.max())
    return (1.0 + u) / 2.0, w / w.sum()


def _alive_visits_quadrature(p: BgNbdParams, t: float, x: float, T: float) -> float:
    """Same quantity as :func:`_alive_visits_hyp2f1`, by integrating over p.

    Given alive at T, lambda ~ Gamma(r+x, alpha+T) and p ~ Beta(a, b+x) independently, and a
    live customer makes (1 - exp(-lambda p t)) / p visits in t on average.  Integrating lambda
    out leaves E_p[(1 - (1 + p t/(alpha+T))^-(r+x)) / p], a smooth integrand that Gauss-Jacobi
    handles to machine precision.  Used where the hyp2f1 form fails.
    """
    nodes, weights = _jacobi_rule(p.b + x - 1.0, p.a - 1.0)
    g = -np.expm1(-(p.r + x) * np.log1p(nodes * (t / (p.alpha + T)))) / nodes
    return float(weights @ g)


def _expected_scalar(p: BgNbdParams, t: float, x: float, t_x: float, T: float) -> float:
    if t <= 0:
        return 0.0
    return _p_alive_scalar(p, x, t_x, T) * _alive_visits(p, t, x, T)


def _check_scalar(x: float, t_x: float, T: float) -> None:
    if not (x >= 0 and 0 <= t_x <= T * (1 + 1e-12)) or not math.isfinite(T):
        raise ValueError(f"need 0 <= x and 0 <= t_x <= T, got x={x}, t_x={t_x}, T={T}")


def score_customer(
    params: BgNbdParams, x: float, t_x: float, T: float, t: float
) -> tuple[float, float]:
    """``(P(alive), expected visits in the next t)`` for ONE customer - the register path.

    Plain :mod:`math` plus one scalar ``hyp2f1``; no array allocation.  Inputs are in
    ``params.unit_days`` units.
    """
    _check_scalar(x, t_x, T)
    return _p_alive_scalar(params, x, t_x, T), _expected_scalar(params, t, x, t_x, T)


def _broadcast(*values: npt.ArrayLike) -> list[FloatArray]:
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in values))
    return [np.asarray(arr, dtype=np.float64) for arr in arrays]


def _p_alive_array(p: BgNbdParams, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_odds = np.log(p.a / (p.b + np.maximum(x, 1.0) - 1.0)) + (p.r + x) * (
            np.log(p.alpha + T) - np.log(p.alpha + t_x)
        )
        out: FloatArray = np.where(x > 0, special.expit(-log_odds), 1.0)
    return out


@overload
def p_alive(params: BgNbdParams, x: Number, t_x: Number, T: Number) -> float: ...
@overload
def p_alive(
    params: BgNbdParams, x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike
) -> FloatArray: ...
def p_alive(
    params: BgNbdParams, x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike
) -> float | FloatArray:
    """Probability that a customer with history ``(x, t_x, T)`` is still a customer.

    Scalars in, ``float`` out (fast path); anything array-like in, broadcast array out.
    A customer with no repeat visit is alive with probability 1: in BG/NBD dropping out can
    only happen right after a repeat visit.
    """
    if _is_scalar(x, t_x, T):
        xs, ts, Ts = float(x), float(t_x), float(T)  # type: ignore[arg-type]
        _check_scalar(xs, ts, Ts)
        return _p_alive_scalar(params, xs, ts, Ts)
    xa, ta, Ta = _broadcast(x, t_x, T)
    return _p_alive_array(params, xa, ta, Ta)


@overload
def expected_visits(params: BgNbdParams, t: Number, x: Number, t_x: Number, T: Number) -> float: ...
@overload
def expected_visits(
    params: BgNbdParams, t: npt.ArrayLike, x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike
) -> FloatArray: ...
def expected_visits(
    params: BgNbdParams, t: npt.ArrayLike, x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike
) -> float | FloatArray:
    """Expected visit days in the next ``t`` units for a customer with history ``(x, t_x, T)``.

    FHL 2005 eq. (10) (lifetimes' ``conditional_expected_number_of_purchases_up_to_time``)
    in an overflow-safe form: P(alive) times the expected visits of a live customer, the
    latter from an Euler-transformed hyp2f1 (interpolated across its 0/0 at a == 1), falling
    back to Gauss-Jacobi quadrature where hyp2f1 does not give a finite positive value.
    Scalars in, ``float`` out; arrays in, broadcast array out.
    """
    if _is_scalar(t, x, t_x, T):
        tt, xs, ts, Ts = float(t), float(x), float(t_x), float(T)  # type: ignore[arg-type]
        _check_scalar(xs, ts, Ts)
        return _expected_scalar(params, tt, xs, ts, Ts)
    ta_, xa, txa, Ta = _broadcast(t, x, t_x, T)
    p = params
    alive = _p_alive_array(p, xa, txa, Ta)
    with np.errstate(all="ignore"):
        z = ta_ / (p.alpha + Ta + ta_)

        def closed_form(a: float) -> FloatArray:
            c = a + p.b + xa - 1.0
            h = special.hyp2f1(a + p.b - 1.0 - p.r, a - 1.0, c, z)
            value = c / (a - 1.0) * -np.expm1((a - 1.0) * np.log1p(-z) + np.log(h))
            return np.asarray(np.where((c > 0) & (h > 0), value, np.nan), dtype=np.float64)

        if abs(p.a - 1.0) < _A_NEAR_ONE:  # 0/0 at a == 1: interpolate, as in _alive_visits
            lo, hi = closed_form(1.0 - _A_NEAR_ONE), closed_form(1.0 + _A_NEAR_ONE)
            value = lo + (p.a - 1.0 + _A_NEAR_ONE) / (2 * _A_NEAR_ONE) * (hi - lo)
        else:
            value = closed_form(p.a)
    flat = np.where(ta_ > 0, value, 0.0).reshape(-1)
    for i in np.flatnonzero(~np.isfinite(flat)):
        flat[i] = _alive_visits_quadrature(
            p, float(ta_.flat[i]), float(xa.flat[i]), float(Ta.flat[i])
        )
    out: FloatArray = alive * flat.reshape(alive.shape)
    return out
