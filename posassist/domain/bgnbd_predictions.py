"""BG/NBD closed forms: P(alive) and the expected visits in the next ``t`` time units.

Scoring one customer at the register must be instant, so :func:`score_customer` and the
scalar paths of :func:`p_alive` / :func:`expected_visits` use plain :mod:`math` plus one
scalar ``scipy.special.hyp2f1`` call (a few microseconds); arrays in give arrays out, for
scoring a whole store after a refit.  Every form is written to survive customers with
hundreds of visits (no overflow) and the ``a == 1`` singularity of the textbook formula.
"""

# x, t_x, T are the notation of Fader, Hardie & Lee (2005); renaming them hides the paper.
# ruff: noqa: N803, N806

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final, overload

import numpy as np
import numpy.typing as npt

from posassist.domain.lazy_special import special

if TYPE_CHECKING:  # value_model imports this module; the parameters are only annotations here
    from posassist.domain.value_model import BgNbdParams

__all__ = ["expected_visits", "p_alive", "score_customer"]

FloatArray = npt.NDArray[np.float64]

# Within this distance of a == 1 the hyp2f1 closed form of the expected visits is 0/0 and
# loses precision; we interpolate between a = 1 -+ this value there.
_A_NEAR_ONE: Final = 1e-4
_QUAD_NODES: Final = 64

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
