"""Hybrid logical clock: orders edits across registers whose wall clocks disagree.

A timestamp is (physical milliseconds, counter, node). It never goes backwards on one
register, and it moves past any timestamp the register has seen from others, so
"last writer wins" means the edit made last in causal order, not by the worst clock.
Encoded as a fixed-width string so string order equals clock order.
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
        self._last = Timestamp(0, 0, node)
        self._lock = threading.Lock()

    def now(self) -> Timestamp:
        with self._lock:
            wall = self._wall()
            if wall > self._last.millis:
                self._last = Timestamp(wall, 0, self._node)
            else:
                self._last = Timestamp(self._last.millis, self._last.counter + 1, self._node)
            return self._last

    def observe(self, remote: Timestamp) -> Timestamp:
        """Move past a timestamp received from another node."""
        with self._lock:
            wall = self._wall()
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
