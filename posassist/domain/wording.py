"""Counts in words: the one place that decides "1 customer" versus "2,000 customers".

Every message that shows a count (services, CLI, window) goes through `plural`, so
a count of one never reads "1 customers" and large counts always get thousands
separators, whichever layer wrote the sentence.
"""

from __future__ import annotations


def plural(n: int, one: str, many: str | None = None) -> str:
    """``plural(1, "customer")`` → "1 customer"; ``plural(2000, "customer")`` → "2,000 customers".

    `many` is the plural form when adding "s" is wrong ("match" → "matches").
    """
    word = one if n == 1 else (many if many is not None else f"{one}s")
    return f"{n:,} {word}"
