"""Repeat-visitor flags: tiers, reasons in words, the rules fallback, greetings."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posassist.domain.flags import (
    CalibratedThresholds,
    Flag,
    FlagThresholds,
    Tier,
    VisitStats,
    calibrate,
    classify,
    greeting,
    model_inputs,
    model_is_usable,
)
from posassist.domain.value_model import BgNbdParams, expected_visits

AS_OF = date(2024, 6, 30)

#: A store whose customers behave like CDNOW's (FHL 2005 table 1), time unit weeks.
STORE = BgNbdParams(
    r=0.243,
    alpha=4.414,
    a=0.793,
    b=2.426,
    log_likelihood=-9582.4,
    n_customers=2357,
    converged=True,
    iterations=20,
    n_repeat_customers=946,
    unit_days=7.0,
)


def _population_scores() -> np.ndarray:
    """Expected visits in 90 days for a made-up population of that store."""
    rng = np.random.default_rng(5)
    n = 500
    age = rng.uniform(5.0, 80.0, n)
    x = rng.poisson(rng.gamma(0.8, 15.0, n)).astype(float)
    t_x = np.where(x > 0, age * rng.uniform(0.2, 1.0, n), 0.0)
    return expected_visits(STORE, 90 / 7, x, t_x, age)


CALIBRATED = calibrate(FlagThresholds(), _population_scores())


def _days(*offsets: int) -> list[date]:
    return [AS_OF - timedelta(days=o) for o in offsets]


def _stats(offsets: list[int] | range, referrals: int = 0) -> VisitStats:
    return VisitStats.from_visit_days(_days(*offsets), AS_OF, referrals_brought=referrals)


#: Came every week for a year, last time a week ago.  Only visit days - never bought a thing.
WEEKLY = _stats(range(7, 7 * 53, 7))
#: The same customer, but the last visit was 60 days ago.
WEEKLY_GONE_QUIET = _stats(range(60, 60 + 7 * 52, 7))
#: One visit, 200 days ago.
ONE_VISIT = _stats([200])


def _classify(stats: VisitStats, model: BgNbdParams | None = STORE) -> Flag:
    return classify(stats, AS_OF, model, CALIBRATED)


# --------------------------------------------------------------------------------------
# VisitStats
# --------------------------------------------------------------------------------------


def test_visit_stats_has_no_money_field() -> None:
    names = {f.name for f in dataclasses.fields(VisitStats)}
    assert not {n for n in names if re.search(r"amount|money|spen|price|dollar|basket", n)}


def test_visit_stats_from_visit_days() -> None:
    assert WEEKLY.visit_days_total == 52
    assert WEEKLY.visit_days_90d == 12  # 7, 14, ..., 84 days ago
    assert WEEKLY.usual_interval_days == 7.0
    assert WEEKLY.first_visit == AS_OF - timedelta(days=364)
    # Distinct days; the 90-day window is as-of and the 89 days before; later days ignored.
    stats = VisitStats.from_visit_days(
        [*_days(0, 0, 89, 90), datetime(2024, 6, 30, 17, 5), date(2024, 7, 2)], AS_OF
    )
    assert (stats.visit_days_total, stats.visit_days_90d) == (3, 2)
    assert stats.usual_interval_days == 45.0  # median of gaps 1 and 89
    assert VisitStats.from_visit_days([], AS_OF) == VisitStats(None, None, 0, 0, None, 0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"first_visit": AS_OF, "last_visit": None},
        {"visit_days_total": -1},
        {"visit_days_90d": 9},
        {"first_visit": AS_OF, "last_visit": AS_OF - timedelta(days=1)},
        {"visit_days_total": 50},
        {"usual_interval_days": 0.0},
        {"referrals_brought": -2},
    ],
)
def test_visit_stats_rejects_inconsistent_values(kwargs: dict[str, object]) -> None:
    base: dict[str, object] = {
        "first_visit": AS_OF - timedelta(days=20),
        "last_visit": AS_OF,
        "visit_days_total": 5,
        "visit_days_90d": 5,
        "usual_interval_days": 5.0,
    }
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        VisitStats(**{**base, **kwargs})  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# Tiers with the model
# --------------------------------------------------------------------------------------


def test_weekly_help_only_customer_is_regular() -> None:
    flag = _classify(WEEKLY)
    assert flag.tier is Tier.REGULAR
    assert flag.badges == (Tier.REGULAR,)
    assert flag.method == "model"
    assert flag.p_alive is not None
    assert flag.p_alive > 0.9
    assert flag.expected_visits_90d is not None
    assert flag.expected_visits_90d > 8
    assert flag.reasons.startswith(
        "12 visits in the last 90 days, usually every 7 days, customer since July 2023."
    )
    assert f"about {round(flag.expected_visits_90d)} visits in the next 90 days" in flag.reasons
    assert "top 20%" in flag.reasons


def test_one_visit_customer_is_not_regular() -> None:
    for model in (STORE, None):
        flag = _classify(ONE_VISIT, model)
        assert flag.tier is Tier.NONE
        assert flag.badges == ()
        assert flag.reasons == "1 visit since December 2023, last 200 days ago."


def test_a_weekly_customer_gone_quiet_is_lapsing() -> None:
    flag = _classify(WEEKLY_GONE_QUIET)
    assert flag.tier is Tier.LAPSING
    assert flag.method == "model"
    assert flag.p_alive is not None
    assert flag.p_alive < 0.1
    assert flag.reasons.startswith(
        "Not seen for 60 days, used to come every 7 days (52 visits since May 2023)."
    )
    assert f"Chance still a customer: {flag.p_alive:.0%}." in flag.reasons


def test_lapsing_by_model_even_before_the_rule_says_overdue() -> None:
    # Every 3 days for 100 visits, last seen 20 days ago: under the 21-day floor of the
    # rule, but for someone this frequent the model already doubts they are still coming.
    stats = _stats(range(20, 20 + 3 * 100, 3))
    assert _classify(stats, None).tier is not Tier.LAPSING
    flag = _classify(stats)
    assert flag.p_alive is not None
    assert flag.p_alive < FlagThresholds().lapsing_p_alive_below
    assert flag.tier is Tier.LAPSING


def test_new_customer() -> None:
    flag = _classify(_stats([10, 3]))
    assert flag.tier is Tier.NEW
    assert flag.reasons == "New customer: first visit 10 days ago, 2 visits so far."
    assert _classify(_stats([0])).reasons == "First visit today."
    assert _classify(_stats([29])).tier is Tier.NEW
    assert _classify(_stats([30])).tier is Tier.NONE  # 30 days is no longer new


def test_new_wins_over_regular_within_the_first_month() -> None:
    daily_for_three_weeks = _stats(range(21))
    assert _classify(daily_for_three_weeks).tier is Tier.NEW


def test_ambassador_is_a_badge_on_top_of_the_visit_tier() -> None:
    regular = _classify(_stats(range(7, 7 * 53, 7), referrals=2))
    assert regular.tier is Tier.REGULAR
    assert regular.badges == (Tier.REGULAR, Tier.AMBASSADOR)
    assert regular.reasons.endswith("Brought 2 new customers.")

    only_ambassador = _classify(_stats([200], referrals=1))
    assert only_ambassador.tier is Tier.AMBASSADOR
    assert only_ambassador.badges == (Tier.AMBASSADOR,)
    assert only_ambassador.reasons.endswith("Brought 1 new customer.")


def test_customer_without_visits() -> None:
    flag = _classify(VisitStats(None, None, 0, 0, None, 0))
    assert flag == Flag(Tier.NONE, (), "No visits recorded yet.", "rules")


def test_register_clock_behind_the_last_visit_does_not_crash() -> None:
    stats = VisitStats.from_visit_days(_days(-2, 5, 12), AS_OF + timedelta(days=2))
    flag = classify(stats, AS_OF, STORE, CALIBRATED)
    assert flag.tier is Tier.NEW
    assert model_inputs(stats, AS_OF, 7.0) == (2.0, 2.0, 2.0)


# --------------------------------------------------------------------------------------
# Rule-based fallback
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "calibrated"),
    [
        (None, CALIBRATED),
        (dataclasses.replace(STORE, converged=False), CALIBRATED),
        (dataclasses.replace(STORE, n_repeat_customers=19), CALIBRATED),
        (STORE, calibrate(FlagThresholds(), [])),
    ],
    ids=["no-model", "not-converged", "too-few-repeat-customers", "no-population"],
)
def test_rules_fallback_is_used_and_reported(
    model: BgNbdParams | None, calibrated: CalibratedThresholds
) -> None:
    assert not model_is_usable(model, calibrated)
    flag = classify(WEEKLY, AS_OF, model, calibrated)
    assert flag.method == "rules"
    assert flag.p_alive is None
    assert flag.expected_visits_90d is None
    assert flag.tier is Tier.REGULAR
    assert flag.reasons == (
        "12 visits in the last 90 days, usually every 7 days, customer since July 2023."
    )
    assert classify(WEEKLY_GONE_QUIET, AS_OF, model, calibrated).tier is Tier.LAPSING
    assert classify(ONE_VISIT, AS_OF, model, calibrated).tier is Tier.NONE


def test_rules_regular_needs_recent_visits() -> None:
    monthly = _stats(range(5, 5 + 30 * 24, 30))  # 3 visits in the last 90 days
    assert _classify(monthly, None).tier is Tier.NONE
    every_three_weeks = _stats(range(5, 5 + 21 * 20, 21))  # 5 visits in the last 90 days
    assert _classify(every_three_weeks, None).tier is Tier.REGULAR


def test_rules_lapsing_is_relative_to_the_usual_interval() -> None:
    # A monthly customer is not lapsing after 80 days (< 3 x 30), but is after 100.
    assert _classify(_stats(range(80, 80 + 30 * 12, 30)), None).tier is Tier.NONE
    late = _classify(_stats(range(100, 100 + 30 * 12, 30)), None)
    assert late.tier is Tier.LAPSING
    assert late.reasons.startswith("Not seen for 100 days, used to come every 30 days")
    # A daily customer away for a long weekend is not lapsing (21-day floor).
    assert _classify(_stats(range(5, 200)), None).tier is Tier.REGULAR
    # Someone who came every two months was never "regular-like" (interval > 45 days).
    assert _classify(_stats(range(400, 400 + 60 * 10, 60)), None).tier is Tier.NONE


# --------------------------------------------------------------------------------------
# Calibration and thresholds
# --------------------------------------------------------------------------------------


def test_calibrate_uses_the_stores_own_quantile_with_a_floor() -> None:
    scores = np.linspace(0.0, 10.0, 101)
    assert calibrate(FlagThresholds(), scores).regular_min_expected_visits_90d == pytest.approx(8)
    top_half = calibrate(FlagThresholds(regular_top_share=0.5), scores)
    assert top_half.regular_min_expected_visits_90d == pytest.approx(5)
    assert top_half.population_size == 101
    # A store of rare visitors: the floor keeps the "top fifth" from being called regulars.
    rare = calibrate(FlagThresholds(), [0.1, 0.2, 0.3, float("nan")])
    assert rare.regular_min_expected_visits_90d == 1.0
    assert rare.population_size == 3
    assert calibrate(FlagThresholds(), []).regular_min_expected_visits_90d is None


def test_the_same_customer_is_regular_in_one_store_and_not_in_another() -> None:
    # Relative thresholds: in a store where everyone comes twice a week, weekly is ordinary.
    busy_store = calibrate(FlagThresholds(), np.full(100, 25.0))
    assert classify(WEEKLY, AS_OF, STORE, busy_store).tier is Tier.NONE
    assert classify(WEEKLY, AS_OF, STORE, CALIBRATED).tier is Tier.REGULAR


@pytest.mark.parametrize(
    "kwargs",
    [
        {"regular_top_share": 0.0},
        {"regular_top_share": 1.5},
        {"regular_min_p_alive": 2.0},
        {"new_customer_days": -1},
        {"lapsing_interval_factor": float("nan")},
    ],
)
def test_thresholds_reject_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        FlagThresholds(**kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# Greeting
# --------------------------------------------------------------------------------------


def test_greeting() -> None:
    assert greeting(VisitStats(None, None, 0, 0, None), AS_OF) == "Welcome — first visit"
    assert greeting(_stats([0]), AS_OF) == "Welcome — first visit"  # today already recorded
    assert greeting(_stats([12]), AS_OF) == "Welcome back — 2nd visit, last here 12 days ago"
    # 11 earlier visits, today not yet recorded -> the 12th.
    eleven = _stats(range(9, 9 * 12, 9))
    assert greeting(eleven, AS_OF) == "Welcome back — 12th visit, usually every 9 days"
    # Today's visit already recorded -> it is the 12th, not the 13th.
    twelve = _stats(range(0, 9 * 12, 9))
    assert greeting(twelve, AS_OF) == "Welcome back — 12th visit, usually every 9 days"
    daily = _stats(range(1, 21))
    assert greeting(daily, AS_OF) == "Welcome back — 21st visit, usually every day"


@pytest.mark.parametrize(
    ("visits_before", "expected"),
    [(1, "2nd"), (2, "3rd"), (3, "4th"), (10, "11th"), (11, "12th"), (12, "13th"),
     (20, "21st"), (21, "22nd"), (22, "23rd"), (100, "101st"), (110, "111th")],
)  # fmt: skip
def test_greeting_ordinals(visits_before: int, expected: str) -> None:
    stats = _stats(range(1, visits_before + 1))
    assert greeting(stats, AS_OF).startswith(f"Welcome back — {expected} visit")


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    offsets=st.sets(st.integers(min_value=0, max_value=1500), max_size=60),
    referrals=st.integers(min_value=0, max_value=3),
    use_model=st.booleans(),
)
def test_classify_is_total_and_consistent(
    offsets: set[int], referrals: int, use_model: bool
) -> None:
    stats = _stats(sorted(offsets), referrals)
    flag = _classify(stats, STORE if use_model else None)
    assert flag.reasons.endswith(".")
    assert (flag.tier is Tier.NONE) == (flag.badges == ())
    if flag.badges:
        assert flag.tier is flag.badges[0]
    assert (Tier.AMBASSADOR in flag.badges) == (referrals >= 1)
    if flag.method == "model":
        assert flag.p_alive is not None
        assert 0.0 <= flag.p_alive <= 1.0
        assert flag.expected_visits_90d is not None
        assert flag.expected_visits_90d >= 0.0
    else:
        assert flag.p_alive is None
    for number in re.findall(r"\d+ visits? in the last 90 days", flag.reasons):
        assert int(number.split()[0]) == stats.visit_days_90d
