"""Visits: the unit the store's standing is counted in.

A visit is a calendar day, in the branch's local time, on which the customer had at
least one interaction of any kind. A purchase and a question answered count the same.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


def local_day(occurred_at: datetime, tz: ZoneInfo) -> date:
    """The calendar day an aware UTC instant falls on at the branch."""
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware (UTC)")
    return occurred_at.astimezone(tz).date()


@dataclass(frozen=True, slots=True)
class VisitSummary:
    """What the card shows about how often a customer comes."""

    total: int
    last_90_days: int
    first: date | None
    last: date | None
    usual_interval_days: float | None


def summarise_days(days: Iterable[date], today: date) -> VisitSummary:
    """Summarise distinct visit days up to ``today``.

    The usual interval is the median gap between consecutive visit days: unlike the mean
    it is not thrown off by one long holiday.
    """
    distinct = sorted({d for d in days if d <= today})
    if not distinct:
        return VisitSummary(0, 0, None, None, None)
    window_start = today - timedelta(days=89)
    recent = sum(1 for d in distinct if d >= window_start)
    gaps = [(b - a).days for a, b in itertools.pairwise(distinct)]
    usual = float(statistics.median(gaps)) if gaps else None
    return VisitSummary(len(distinct), recent, distinct[0], distinct[-1], usual)


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def greeting(summary: VisitSummary, today: date) -> str:
    """The line a cashier reads out: which visit this is and how often they come."""
    visit_no = summary.total if summary.last == today else summary.total + 1
    if visit_no <= 1:
        return "Welcome — first visit"
    text = f"Welcome back — {ordinal(visit_no)} visit"
    if summary.usual_interval_days is not None:
        text += f", usually every {round(summary.usual_interval_days)} days"
    return text
