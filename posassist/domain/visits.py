"""Visits: the unit the store's standing is counted in.

A visit is a calendar day, in the branch's local time, on which the customer had at
least one interaction of any kind. A purchase and a question answered count the same.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # numpy is imported by the refit (population_stats), not at start-up
    import numpy as np
    import numpy.typing as npt

RECENT_WINDOW_DAYS = 90


def local_day(occurred_at: datetime, tz: ZoneInfo) -> date:
    """The calendar day an aware UTC instant falls on at the branch."""
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware (UTC)")
    return occurred_at.astimezone(tz).date()


def as_day(value: date) -> date:
    """A datetime handed where a day is meant becomes its date (never a comparison error)."""
    return value.date() if isinstance(value, datetime) else value


@dataclass(frozen=True, slots=True)
class VisitStats:
    """Everything the flags look at for one customer - deliberately no money.

    A visit is a distinct calendar day with any interaction (purchase or not).
    ``usual_interval_days`` is the median gap between consecutive visit days (the median,
    so one long holiday does not make a weekly customer look monthly); ``None`` with fewer
    than two visit days.  ``visit_days_90d`` counts visit days in as-of and the 89 days
    before it.
    """

    first_visit: date | None
    last_visit: date | None
    visit_days_total: int
    visit_days_90d: int
    usual_interval_days: float | None
    referrals_brought: int = 0

    def __post_init__(self) -> None:
        # Inconsistent stats are a bug in the caller, not a customer's fault: fail loudly.
        if (self.first_visit is None) != (self.last_visit is None):
            raise ValueError("first_visit and last_visit must both be set or both be None")
        if self.visit_days_total < 0 or self.visit_days_90d < 0 or self.referrals_brought < 0:
            raise ValueError("visit and referral counts cannot be negative")
        if self.visit_days_90d > self.visit_days_total:
            raise ValueError("visit_days_90d cannot exceed visit_days_total")
        if self.first_visit is None:
            if self.visit_days_total:
                raise ValueError("visit_days_total > 0 needs first_visit and last_visit")
        else:
            assert self.last_visit is not None
            if self.last_visit < self.first_visit:
                raise ValueError("last_visit is before first_visit")
            if self.visit_days_total < 1:
                raise ValueError("a customer with a first visit has at least one visit day")
            if self.visit_days_total == 1 and self.last_visit != self.first_visit:
                raise ValueError("one visit day but first_visit != last_visit")
            if self.visit_days_total > (self.last_visit - self.first_visit).days + 1:
                raise ValueError("more distinct visit days than days between first and last")
        if self.usual_interval_days is not None and not (
            math.isfinite(self.usual_interval_days) and self.usual_interval_days > 0
        ):
            raise ValueError("usual_interval_days must be a positive number or None")

    @classmethod
    def from_visit_days(
        cls, days: Iterable[date], as_of: date, *, referrals_brought: int = 0
    ) -> VisitStats:
        """Build the stats from raw visit days (distinct days up to and including as_of)."""
        as_of = as_day(as_of)
        distinct = sorted({d for d in map(as_day, days) if d <= as_of})
        if not distinct:
            return cls(None, None, 0, 0, None, referrals_brought)
        window_start = as_of - timedelta(days=RECENT_WINDOW_DAYS - 1)
        recent = sum(1 for d in distinct if d >= window_start)
        gaps = [(later - earlier).days for earlier, later in itertools.pairwise(distinct)]
        usual = float(statistics.median(gaps)) if gaps else None
        return cls(distinct[0], distinct[-1], len(distinct), recent, usual, referrals_brought)


@dataclass(frozen=True)
class PopulationStats:
    """Visit statistics of a whole store at once, as numpy arrays (one entry per customer).

    Computing these per customer in Python costs seconds on 100,000 customers; sorted
    arrays and ``reduceat`` make it a fraction of a second, which keeps the nightly refit
    quick. ``usual_interval`` is NaN where a customer has fewer than two visit days.
    """

    first: npt.NDArray[np.int64]
    last: npt.NDArray[np.int64]
    total: npt.NDArray[np.int64]
    recent: npt.NDArray[np.int64]
    usual_interval: npt.NDArray[np.float64]
    starts: npt.NDArray[np.int64]

    def stats(self, i: int, referrals_brought: int = 0) -> VisitStats:
        usual = float(self.usual_interval[i])
        return VisitStats(
            date.fromordinal(int(self.first[i])),
            date.fromordinal(int(self.last[i])),
            int(self.total[i]),
            int(self.recent[i]),
            None if math.isnan(usual) else usual,
            referrals_brought,
        )


def population_stats(
    group: npt.NDArray[np.int64], day: npt.NDArray[np.int64], as_of: date
) -> PopulationStats:
    """Stats per customer from (customer group number, visit day ordinal) pairs.

    Rows must be sorted by group then day and be distinct, as ``SELECT DISTINCT … ORDER BY``
    gives them; days after ``as_of`` must already be filtered out. Group numbers are
    0..n-1 in order of appearance.
    """
    import numpy as np

    if group.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return PopulationStats(empty, empty, empty, empty, np.zeros(0), empty)
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]).astype(np.int64)
    ends = np.r_[starts[1:], group.size]
    total = (ends - starts).astype(np.int64)
    window_start = as_of.toordinal() - (RECENT_WINDOW_DAYS - 1)
    recent = np.add.reduceat((day >= window_start).astype(np.int64), starts)
    # Median gap per customer: gaps sorted within each customer, then the middle one(s).
    same = group[1:] == group[:-1]
    gaps = (day[1:] - day[:-1])[same].astype(np.float64)
    gap_group = group[1:][same]
    order = np.lexsort((gaps, gap_group))
    gaps, gap_group = gaps[order], gap_group[order]
    n_gaps = total - 1
    gap_starts = np.r_[0, np.cumsum(n_gaps)[:-1]]
    usual = np.full(total.size, np.nan)
    has = n_gaps > 0
    lo = gap_starts[has] + (n_gaps[has] - 1) // 2
    hi = gap_starts[has] + n_gaps[has] // 2
    usual[has] = (gaps[lo] + gaps[hi]) / 2.0
    return PopulationStats(day[starts], day[ends - 1], total, recent, usual, starts)
