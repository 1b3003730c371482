"""Hybrid logical clock: orders edits across registers whose wall clocks disagree.

A timestamp is (physical milliseconds, counter, node). It never goes backwards on one
register, and it moves past any timestamp the register has seen from others, so
"last writer wins" means the edit made last in causal order, not by the worst clock.
Encoded as a fixed-width string so string order equals clock order.

The physical part is the register's wall clock plus the offset it last measured from
the central server (:meth:`HybridClock.set_offset`), so an edit made later carries a
later time even when the PC's own clock is days off.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, order=True, slots=True)
class Timestamp:
    millis: int
    counter: int
    node: str

    def encode(self) -> str:
        return f"{self.millis:015d}-{self.counter:06d}-{self.node}"

    @classmethod
    def decode(cls, text: str) -> Timestamp:
        try:
            millis, counter, node = text.split("-", 2)
            return cls(int(millis), int(counter), node)
        except ValueError as exc:
            raise ValueError(f"not a hybrid logical clock timestamp: {text!r}") from exc


class HybridClock:
    """Thread-safe HLC for one node (register)."""

    def __init__(self, node: str, wall_millis: Callable[[], int] | None = None) -> None:
        self._node = node
        self._wall = wall_millis or (lambda: time.time_ns() // 1_000_000)
        self._offset: int | None = None  # None: never measured, the PC's clock as it is
        self._last = Timestamp(0, 0, node)
        self._lock = threading.Lock()

    @property
    def offset_ms(self) -> int | None:
        return self._offset

    def wall_millis(self) -> int:
        """The uncorrected local clock (what an offset is measured against)."""
        return self._wall()

    def physical_millis(self) -> int:
        return self._wall() + (self._offset or 0)

    def set_offset(self, offset_ms: int, *, ceiling_ms: int | None = None) -> bool:
        """Correct the physical clock by ``offset_ms`` (server minus local).

        ``ceiling_ms``: a last stamp beyond it came from the uncorrected clock (far
        ahead); it is forgotten, else every later edit would carry that wrong future
        time until the real clock caught up. Stamps seen from others stay respected
        through :meth:`observe`, which the caller repeats for them. True if it forgot.
        """
        with self._lock:
            self._offset = offset_ms
            if ceiling_ms is not None and self._last.millis > ceiling_ms:
                self._last = Timestamp(0, 0, self._node)
                return True
            return False

    def now(self) -> Timestamp:
        with self._lock:
            wall = self.physical_millis()
            if wall > self._last.millis:
                self._last = Timestamp(wall, 0, self._node)
            else:
                self._last = Timestamp(self._last.millis, self._last.counter + 1, self._node)
            return self._last

    def observe(self, remote: Timestamp) -> Timestamp:
        """Move past a timestamp received from another node."""
        with self._lock:
            wall = self.physical_millis()
            top = max(wall, self._last.millis, remote.millis)
            if top == self._last.millis == remote.millis:
                counter = max(self._last.counter, remote.counter) + 1
            elif top == self._last.millis:
                counter = self._last.counter + 1
            elif top == remote.millis:
                counter = remote.counter + 1
            else:
                counter = 0
            self._last = Timestamp(top, counter, self._node)
            return self._last
