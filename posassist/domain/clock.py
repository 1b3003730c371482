"""Where "now" comes from, so tests and the demo can pin it.

One ``Clock`` is handed to the store context; the hybrid logical clock that stamps
edits reads the same one (through :func:`millis`), so a test can put a register's PC
days ahead or behind by injecting it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def millis(clock: Clock) -> int:
    """``clock``'s time in milliseconds since the epoch (the HLC's physical unit)."""
    return int(clock().timestamp() * 1000)
