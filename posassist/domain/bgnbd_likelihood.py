"""The BG/NBD log-likelihood and its gradient, on input checked and collapsed once.

:func:`posassist.domain.value_model.fit_bgnbd` maximises it; this module holds what the
optimiser calls hundreds of times, so it is written for speed: identical customers are
collapsed into one weighted row, terms that depend on ``x`` alone are computed once per
distinct ``x``, and the rest runs in cache-sized chunks.
"""

# x, t_x, T are the notation of Fader, Hardie & Lee (2005); renaming them hides the paper.
# ruff: noqa: N803, N806

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from posassist.domain.lazy_special import special

__all__ = ["Collapsed", "ModelFitError", "collapse", "neg_mean_ll_and_grad", "validate_inputs"]

FloatArray = npt.NDArray[np.float64]


class ModelFitError(ValueError):
    """The data given to the fit cannot be fitted (empty, negative, NaN, ``t_x > T`` ...).

    It is a :class:`ValueError` because it always means the caller passed bad data; a fit
    that merely does not converge is *not* an error - it returns ``converged=False``.
    """


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
class Collapsed:
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


def validate_inputs(x: Any, t_x: Any, T: Any) -> tuple[FloatArray, FloatArray, FloatArray]:
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


def collapse(x: FloatArray, t_x: FloatArray, T: FloatArray) -> Collapsed:
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
    return Collapsed(
        chunks=chunks,
        ux=ux,
        w_by_x=np.bincount(x_index, weights=w, minlength=ux.size).astype(np.float64),
        total_w=float(w.sum()),
        total_wx=float(w @ ux_rows),
        total_wT=float(w @ Ts_u),
    )


def neg_mean_ll_and_grad(theta: FloatArray, d: Collapsed) -> tuple[float, FloatArray]:
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
