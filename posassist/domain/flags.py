"""Repeat-visitor flags: Regular, Lapsing regular, New, Ambassador - with reasons in words.

The flag is what the cashier sees next to a customer's name.  It must be explainable at a
glance ("9 visits in the last 90 days, usually every 10 days, customer since March 2023"),
so every flag carries a short ``reasons`` sentence with the numbers that produced it.

Money is never an input.  A customer who comes every week for advice and never buys is as
much a regular as one who spends a lot; :class:`VisitStats` has no amount field on purpose,
which makes "flags are identical whatever the basket amounts" true by construction.

Two methods, reported in :attr:`Flag.method`:

* ``"model"`` - BG/NBD (:mod:`posassist.domain.value_model`): P(alive) and expected visits
  in the next 90 days, with the Regular cut-off *relative to the store's own population*
  (:func:`calibrate`), because "often" means different things for a bakery and a tailor.
* ``"rules"`` - used when there is no usable model: no fit yet, the fit did not converge, or
  fewer than :attr:`FlagThresholds.min_repeat_customers_for_model` customers ever came back
  (20 by default - with fewer, the four BG/NBD parameters are guesswork and quantiles of
  the population are noise).  Rules on visit counts and recency, all in
  :class:`FlagThresholds`.

Tiers (see :func:`classify` for the exact rules):

* NEW      - first visit within the last ``new_customer_days`` (30) days.  Checked first: with
  under a month of history nobody can be judged regular or lapsing.
* LAPSING  - used to come often (>= ``lapsing_min_visit_days`` visit days, usually every
  <= ``lapsing_max_usual_interval_days`` days) but is overdue (absent > ``lapsing_interval_factor``
  x the usual interval and > ``lapsing_min_days_absent`` days) or, with the model, P(alive)
  fell below ``lapsing_p_alive_below``.  Checked before REGULAR, since "we have not seen
  them for a while" is the more useful thing to tell the cashier.
* REGULAR  - enough history (>= ``regular_min_visit_days``) and, with the model,
  P(alive) >= ``regular_min_p_alive`` and expected visits in 90 days in the store's top
  ``regular_top_share`` (and >= ``regular_min_expected_visits_90d``); with rules,
  >= ``rules_regular_min_visits_90d`` visit days in the last 90 days.
* AMBASSADOR - brought >= ``ambassador_min_referrals`` customers.  Independent of the others.

A :class:`Flag` has one primary ``tier`` (the visit tier; AMBASSADOR if that is NONE; else
NONE) and ``badges``: every tier that applies, visit tier first.  So the UI shows
``tier`` as the main chip and tests ``Tier.AMBASSADOR in flag.badges`` for the extra one.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

from posassist.domain.bgnbd_params import BgNbdParams
from posassist.domain.visits import RECENT_WINDOW_DAYS, VisitStats, as_day

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = [
    "EXPECTED_VISITS_HORIZON_DAYS",
    "RECENT_WINDOW_DAYS",
    "CalibratedThresholds",
    "Flag",
    "FlagThresholds",
    "Tier",
    "VisitStats",
    "calibrate",
    "classify",
    "greeting",
    "model_inputs",
    "model_is_usable",
]

#: Horizon of the "expected visits" score, in days (the design fixes it at 90).
EXPECTED_VISITS_HORIZON_DAYS = 90
#: "In the last 90 days" means as-of and the 89 days before it.

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class Tier(enum.Enum):
    """What the cashier is told about a customer's standing."""

    REGULAR = "regular"
    LAPSING = "lapsing"
    NEW = "new"
    AMBASSADOR = "ambassador"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class FlagThresholds:
    """Every knob of the flags, with defaults for a typical neighbourhood shop.

    These live in the settings later; each one is a plain number a store owner can reason
    about.  Day counts are calendar days.
    """

    #: NEW: first visit within this many days (as-of counts as day 0, so 30 = days 0..29).
    new_customer_days: int = 30
    #: REGULAR (both methods): at least this many distinct visit days ever.  Three days =
    #: two returns, so one lucky return visit is not yet a habit.
    regular_min_visit_days: int = 3
    #: REGULAR (model): the top share of the store's customers by expected visits in the next
    #: 90 days.  0.2 = the top fifth.  Relative, because "often" depends on the trade.
    regular_top_share: float = 0.2
    #: REGULAR (model): and at least this many expected visits in 90 days, so that in a store
    #: where nearly everyone is a one-off, the "top fifth" are not called regulars for
    #: an expected 0.3 visits.
    regular_min_expected_visits_90d: float = 1.0
    #: REGULAR (model): and at least this probability of still being a customer.
    regular_min_p_alive: float = 0.5
    #: REGULAR (rules): at least this many visit days in the last 90 days (about every three
    #: weeks), and not overdue (see the lapsing knobs).
    rules_regular_min_visits_90d: int = 4
    #: LAPSING: "used to come often" = at least this many visit days ever ...
    lapsing_min_visit_days: int = 4
    #: ... with a usual interval of at most this many days.
    lapsing_max_usual_interval_days: float = 45.0
    #: LAPSING: overdue = absent for more than this many usual intervals ...
    lapsing_interval_factor: float = 3.0
    #: ... and more than this many days (so a daily customer's long weekend is not "lapsing").
    lapsing_min_days_absent: int = 21
    #: LAPSING (model): or P(alive) has fallen below this.
    lapsing_p_alive_below: float = 0.5
    #: AMBASSADOR: brought at least this many customers (referral slips redeemed).
    ambassador_min_referrals: int = 1
    #: Use the model only if at least this many customers ever came back; else rules.
    min_repeat_customers_for_model: int = 20

    def __post_init__(self) -> None:
        if not 0.0 < self.regular_top_share <= 1.0:
            raise ValueError("regular_top_share must be in (0, 1]")
        for name in ("regular_min_p_alive", "lapsing_p_alive_below"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be a probability in [0, 1]")
        for name in (
            "new_customer_days",
            "regular_min_visit_days",
            "rules_regular_min_visits_90d",
            "lapsing_min_visit_days",
            "lapsing_min_days_absent",
            "ambassador_min_referrals",
            "min_repeat_customers_for_model",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} cannot be negative")
        for name in (
            "regular_min_expected_visits_90d",
            "lapsing_max_usual_interval_days",
            "lapsing_interval_factor",
        ):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a non-negative number")


@dataclass(frozen=True, slots=True)
class CalibratedThresholds:
    """Thresholds plus the cut-offs computed from the store's own population.

    ``regular_min_expected_visits_90d`` is ``max(quantile, floor)``; ``None`` when there was
    no population to calibrate on, in which case :func:`classify` uses the rules.
    """

    thresholds: FlagThresholds
    regular_min_expected_visits_90d: float | None
    population_size: int


@dataclass(frozen=True, slots=True)
class Flag:
    """The verdict for one customer, with its reasons and how it was reached."""

    tier: Tier
    badges: tuple[Tier, ...]
    reasons: str
    method: Literal["model", "rules"]
    p_alive: float | None = None
    expected_visits_90d: float | None = None


def calibrate(thresholds: FlagThresholds, population_scores: npt.ArrayLike) -> CalibratedThresholds:
    """Turn the relative Regular threshold into an absolute cut-off for this store.

    ``population_scores`` are the expected visits in the next 90 days
    (:func:`posassist.domain.value_model.expected_visits` with ``t = 90 / unit_days``) of
    every customer the model was fitted on.  The cut-off is the ``1 - regular_top_share``
    quantile, raised to the absolute floor.  Non-finite scores are ignored.  Run it after
    each refit and cache it with the parameters; classifying then costs no population scan.
    """
    import numpy as np  # the refit's, on the worker: not imported at start-up

    scores = np.asarray(population_scores, dtype=np.float64).ravel()
    scores = scores[np.isfinite(scores)]
    if scores.size == 0:
        return CalibratedThresholds(thresholds, None, 0)
    quantile = float(np.quantile(scores, 1.0 - thresholds.regular_top_share))
    cutoff = max(quantile, thresholds.regular_min_expected_visits_90d)
    return CalibratedThresholds(thresholds, cutoff, int(scores.size))


def model_is_usable(model: BgNbdParams | None, calibrated: CalibratedThresholds) -> bool:
    """Whether :func:`classify` will use the model (else it falls back to the rules)."""
    return (
        model is not None
        and model.converged
        and model.n_repeat_customers >= calibrated.thresholds.min_repeat_customers_for_model
        and calibrated.regular_min_expected_visits_90d is not None
    )


def model_inputs(stats: VisitStats, as_of: date, unit_days: float) -> tuple[float, float, float]:
    """``(x, t_x, T)`` in model units, computed exactly as the fit's summary computes them."""
    if stats.first_visit is None or stats.last_visit is None:
        raise ValueError("a customer without visits has no model inputs")
    as_of = max(as_day(as_of), stats.last_visit)
    return (
        float(stats.visit_days_total - 1),
        (stats.last_visit - stats.first_visit).days / unit_days,
        (as_of - stats.first_visit).days / unit_days,
    )


def classify(
    stats: VisitStats,
    as_of: date,
    model: BgNbdParams | None,
    calibrated: CalibratedThresholds,
) -> Flag:
    """Decide the customer's tier(s) and say why, in words with the numbers.

    ``as_of`` is the register's today.  If the stats say the customer was last seen after
    it (clocks of two registers disagree after a sync), as-of is moved to the last visit
    rather than failing at the counter.
    """
    th = calibrated.thresholds
    as_of = as_day(as_of)
    ambassador = stats.referrals_brought >= th.ambassador_min_referrals
    use_model = model_is_usable(model, calibrated)

    if stats.first_visit is None or stats.last_visit is None:
        reasons = ["No visits recorded yet"]
        return _finish(Tier.NONE, ambassador, stats, reasons, "rules", None, None)

    as_of = max(as_of, stats.last_visit)
    since_first = (as_of - stats.first_visit).days
    since_last = (as_of - stats.last_visit).days
    overdue, used_to_be_regular = _habit(stats, since_last, th)
    enough_history = stats.visit_days_total >= th.regular_min_visit_days

    p: float | None = None
    e90: float | None = None
    if use_model:
        assert model is not None
        assert calibrated.regular_min_expected_visits_90d is not None
        x, t_x, age = model_inputs(stats, as_of, model.unit_days)
        horizon = EXPECTED_VISITS_HORIZON_DAYS / model.unit_days
        from posassist.domain.bgnbd_predictions import score_customer

        p, e90 = score_customer(model, x, t_x, age, horizon)
        lapsing = used_to_be_regular and (p < th.lapsing_p_alive_below or overdue)
        regular = (
            enough_history
            and p >= th.regular_min_p_alive
            and e90 >= calibrated.regular_min_expected_visits_90d
        )
    else:
        lapsing = used_to_be_regular and overdue
        regular = (
            enough_history
            and stats.visit_days_90d >= th.rules_regular_min_visits_90d
            and not overdue
        )

    if since_first < th.new_customer_days:
        tier, reasons = Tier.NEW, [_new_reason(stats, since_first)]
    elif lapsing:
        tier, reasons = Tier.LAPSING, _lapsing_reasons(stats, since_last, p)
    elif regular:
        tier, reasons = Tier.REGULAR, _regular_reasons(stats, th, e90)
    else:
        tier, reasons = Tier.NONE, [_none_reason(stats, since_last)]
    method: Literal["model", "rules"] = "model" if use_model else "rules"
    return _finish(tier, ambassador, stats, reasons, method, p, e90)


def _habit(stats: VisitStats, since_last: int, th: FlagThresholds) -> tuple[bool, bool]:
    """``(overdue, used_to_be_regular)``: what the visit pattern says, whatever the method.

    Overdue is absent for more than ``lapsing_interval_factor`` usual intervals and more
    than ``lapsing_min_days_absent`` days; used to be regular is enough visit days at a
    usual interval short enough to call a habit.
    """
    usual = stats.usual_interval_days
    overdue = usual is not None and since_last > max(
        th.lapsing_interval_factor * usual, th.lapsing_min_days_absent
    )
    used_to_be_regular = (
        stats.visit_days_total >= th.lapsing_min_visit_days
        and usual is not None
        and usual <= th.lapsing_max_usual_interval_days
    )
    return overdue, used_to_be_regular


def greeting(stats: VisitStats, as_of: date) -> str:
    """What the cashier can say: "Welcome back — 12th visit, usually every 9 days".

    If today's visit is already recorded (``last_visit == as_of``) it is the
    ``visit_days_total``-th visit, otherwise the next one.
    """
    as_of = as_day(as_of)
    if stats.last_visit is None:
        return "Welcome — first visit"
    counted_today = stats.last_visit >= as_of
    number = stats.visit_days_total + (0 if counted_today else 1)
    if number <= 1:
        return "Welcome — first visit"
    text = f"Welcome back — {_ordinal(number)} visit"
    if stats.usual_interval_days is not None:
        return f"{text}, usually {_every(stats.usual_interval_days)}"
    if not counted_today:
        return f"{text}, last here {_ago((as_of - stats.last_visit).days)}"
    return text


# --------------------------------------------------------------------------------------
# Wording helpers
# --------------------------------------------------------------------------------------


def _finish(
    tier: Tier,
    ambassador: bool,
    stats: VisitStats,
    reasons: list[str],
    method: Literal["model", "rules"],
    p: float | None,
    e90: float | None,
) -> Flag:
    badges: list[Tier] = [] if tier is Tier.NONE else [tier]
    if ambassador:
        badges.append(Tier.AMBASSADOR)
        n = stats.referrals_brought
        reasons.append(f"Brought {n} new customer{'s' if n != 1 else ''}")
        if tier is Tier.NONE:
            tier = Tier.AMBASSADOR
    return Flag(
        tier=tier,
        badges=tuple(badges),
        reasons=". ".join(reasons) + ".",
        method=method,
        p_alive=p,
        expected_visits_90d=e90,
    )


def _month(day: date) -> str:
    return f"{_MONTHS[day.month - 1]} {day.year}"


def _visits(n: int) -> str:
    return f"{n} visit{'s' if n != 1 else ''}"


def _every(interval: float | None) -> str:
    if interval is None:
        return "now and then"
    days = max(1, round(interval))
    return "every day" if days == 1 else f"every {days} days"


def _ago(days: int) -> str:
    if days <= 0:
        return "today"
    return "yesterday" if days == 1 else f"{days} days ago"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _regular_reason(stats: VisitStats) -> str:
    assert stats.first_visit is not None
    parts = [f"{_visits(stats.visit_days_90d)} in the last 90 days"]
    if stats.usual_interval_days is not None:
        parts.append(f"usually {_every(stats.usual_interval_days)}")
    parts.append(f"customer since {_month(stats.first_visit)}")
    return ", ".join(parts)


def _lapsing_reasons(stats: VisitStats, since_last: int, p: float | None) -> list[str]:
    assert stats.first_visit is not None
    reasons = [
        f"Not seen for {since_last} days, used to come {_every(stats.usual_interval_days)} "
        f"({_visits(stats.visit_days_total)} since {_month(stats.first_visit)})"
    ]
    if p is not None:
        reasons.append(f"Chance still a customer: {p:.0%}")
    return reasons


def _regular_reasons(stats: VisitStats, th: FlagThresholds, e90: float | None) -> list[str]:
    reasons = [_regular_reason(stats)]
    if e90 is not None:
        reasons.append(
            f"Expected about {_visits(round(e90))} in the next 90 days "
            f"(store's top {th.regular_top_share:.0%})"
        )
    return reasons


def _none_reason(stats: VisitStats, since_last: int) -> str:
    assert stats.first_visit is not None
    return (
        f"{_visits(stats.visit_days_total)} since {_month(stats.first_visit)}, "
        f"last {_ago(since_last)}"
    )


def _new_reason(stats: VisitStats, since_first: int) -> str:
    if stats.visit_days_total <= 1:
        return f"First visit {_ago(since_first)}"
    return (
        f"New customer: first visit {_ago(since_first)}, {_visits(stats.visit_days_total)} so far"
    )
