from datetime import UTC, datetime, timedelta

from posassist.domain.catalog import age_text as stock_age_text
from posassist.domain.holds import age_text as hold_age_text
from posassist.domain.wording import elapsed, plural


def test_one_is_singular() -> None:
    assert plural(1, "customer") == "1 customer"


def test_zero_and_many_are_plural_with_separators() -> None:
    assert plural(0, "customer") == "0 customers"
    assert plural(2000, "customer") == "2,000 customers"


def test_irregular_plural() -> None:
    assert plural(1, "match", "matches") == "1 match"
    assert plural(3, "match", "matches") == "3 matches"
    assert plural(2, "refused", "refused") == "2 refused"


def test_ages_switch_units_at_the_same_points_for_stock_and_holds() -> None:
    now = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    for ago, parts, hold, stock in (
        (timedelta(seconds=-90), (0, "min"), "0 min", "just now"),
        (timedelta(minutes=59), (59, "min"), "59 min", "59 min ago"),
        (timedelta(minutes=60), (1, "h"), "1 h", "1 h ago"),
        (timedelta(hours=47, minutes=59), (47, "h"), "47 h", "47 h ago"),
        (timedelta(hours=48), (2, "days"), "2 days", "2 days ago"),
        (timedelta(days=75), (75, "days"), "75 days", "on 06 Sep 2026"),
    ):
        assert elapsed(now - ago, now) == parts
        assert hold_age_text(now - ago, now) == hold
        assert stock_age_text(now - ago, now) == stock
