from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from posassist.domain.flags import greeting
from posassist.domain.visits import VisitStats, local_day


def test_visit_is_a_local_calendar_day() -> None:
    late = datetime(2026, 3, 10, 3, 30, tzinfo=UTC)  # 23:30 the day before in New York
    assert local_day(late, ZoneInfo("America/New_York")) == date(2026, 3, 9)
    with pytest.raises(ValueError, match="aware"):
        local_day(datetime(2026, 3, 10), ZoneInfo("UTC"))


def test_summary_counts_distinct_days_and_median_gap() -> None:
    today = date(2026, 11, 20)
    days = [
        date(2026, 1, 1),
        date(2026, 1, 1),
        date(2026, 1, 11),
        date(2026, 1, 21),
        date(2026, 11, 1),
        date(2026, 11, 11),
    ]
    s = VisitStats.from_visit_days(days, today)
    assert s.visit_days_total == 5
    assert s.visit_days_90d == 2
    assert s.first_visit == date(2026, 1, 1)
    assert s.last_visit == date(2026, 11, 11)
    assert s.usual_interval_days == 10.0


def test_empty_and_single_visit() -> None:
    assert VisitStats.from_visit_days([], date(2026, 1, 1)).visit_days_total == 0
    one = VisitStats.from_visit_days([date(2026, 1, 1)], date(2026, 1, 2))
    assert one.usual_interval_days is None


def test_greeting_counts_this_visit() -> None:
    today = date(2026, 11, 20)
    s = VisitStats.from_visit_days([date(2026, 11, d) for d in (1, 10)], today)
    assert greeting(s, today) == "Welcome back — 3rd visit, usually every 9 days"
    s2 = VisitStats.from_visit_days([date(2026, 11, d) for d in (1, 10, 20)], today)
    assert greeting(s2, today) == "Welcome back — 3rd visit, usually every 10 days"
    assert greeting(VisitStats.from_visit_days([], today), today) == "Welcome — first visit"
