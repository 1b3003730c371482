"""The fitted BG/NBD parameters, apart from the model's numpy and scipy code.

Start-up reads the cached fit into this before the window is painted; keeping the
dataclass in a module of its own lets it do that without importing numpy or scipy,
which the fit and the scoring import later, on the worker (README "Performance").
"""

from __future__ import annotations

from dataclasses import dataclass


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
