"""Counts in words: the one place that decides "1 customer" versus "2,000 customers".

Every message that shows a count (services, CLI, window) goes through `plural`, so
a count of one never reads "1 customers" and large counts always get thousands
separators, whichever layer wrote the sentence. Likewise every age (a stock count's
"as of 2 h ago", a hold's "3 h" in the queue) is measured by `elapsed`, so the finder,
``posassist stock``, the Holds queue and ``posassist holds`` switch from minutes to
hours to days at the same points.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime


def plural(n: int, one: str, many: str | None = None) -> str:
    """``plural(1, "customer")`` → "1 customer"; ``plural(2000, "customer")`` → "2,000 customers".

    `many` is the plural form when adding "s" is wrong ("match" → "matches").
    """
    word = one if n == 1 else (many if many is not None else f"{one}s")
    return f"{n:,} {word}"


def some_names(names: Sequence[str], width: int = 200) -> str:
    """``“A”, “B”, “C”``: each name whole and quoted, cut at a whole name when the list
    would pass ``width`` characters, then "and 12 more" (a header can have 80 columns,
    and a name cut in half reads as a column that does not exist)."""
    shown: list[str] = []
    used = 0
    for name in names:
        quoted = f"“{name}”"
        if shown and used + len(quoted) + 2 > width:
            break
        shown.append(quoted)
        used += len(quoted) + 2
    rest = len(names) - len(shown)
    return ", ".join(shown) + (f" and {rest:,} more" if rest else "")


def elapsed(since: datetime, now: datetime) -> tuple[int, str]:
    """How long ago ``since`` was, as (amount, unit): minutes ("min") under an hour, hours
    ("h") under two days, then days ("days"). A time ahead of ``now`` (a PC whose clock
    runs ahead) is 0 min, never a negative age."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return minutes, "min"
    if minutes < 48 * 60:
        return minutes // 60, "h"
    return minutes // (24 * 60), "days"
