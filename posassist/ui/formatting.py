"""How values read on screen: money, times, kinds. Pure functions, easy to test."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

# Re-exported: views write fmt.plural(...); the rule itself lives in the domain.
from posassist.domain.holds import STEP_TITLES, TIMELINE_KIND_PREFIX
from posassist.domain.wording import plural as plural

KIND_LABELS = {
    "purchase": "Purchase",
    "service": "Help, no sale",
    "question": "Question answered",
    "referral_given": "Referred elsewhere",
    "hold": "Item held",
    "feedback": "Feedback",
    "referral_arrived": "Came via referral",
    # A hold's steps, each by what happened ("Ready to collect"), not all "Item held".
    **{f"{TIMELINE_KIND_PREFIX}{state}": title for state, title in STEP_TITLES.items()},
}


TIER_LABELS = {
    "regular": "★ Regular",
    "lapsing": "⚠ Lapsing regular",
    "new": "✚ New",
    "ambassador": "♥ Ambassador",
    "none": "",
}


def tier_label(tier: object) -> str:
    """Badge text for a tier (accepts the domain enum or its value)."""
    value = getattr(tier, "value", tier)
    return TIER_LABELS.get(str(value), "")


def money(minor: int | None) -> str:
    if minor is None:
        return ""
    return f"{minor / 100:,.2f}"


def when(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%a %d %b %Y, %H:%M")


def day(d: date | None) -> str:
    return d.strftime("%d %b %Y") if d else "—"


def interval(days: float | None) -> str:
    """In days, as the greeting and the reasons say it, so the card never says it twice
    two different ways ("every 44 days" beside "every 6 weeks")."""
    if days is None:
        return "—"
    n = max(1, round(days))
    return "every day" if n == 1 else f"every {n} days"


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)
