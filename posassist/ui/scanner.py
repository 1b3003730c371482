"""Telling a barcode scanner from a person typing.

A scanner "types" a whole card code in a few tens of milliseconds and ends with
Enter; a cashier needs well over 50 ms a key. The decision only matters for an
all-digit string, which could be a card or a phone number.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SCANNER_MAX_MEAN_GAP_MS = 35.0
SCANNER_MIN_KEYS = 6


@dataclass
class KeystrokeTimer:
    stamps: list[float] = field(default_factory=list)

    def key(self, at_ms: float) -> None:
        self.stamps.append(at_ms)

    def reset(self) -> None:
        self.stamps.clear()

    def looks_scanned(self) -> bool:
        if len(self.stamps) < SCANNER_MIN_KEYS:
            return False
        gaps = [b - a for a, b in zip(self.stamps, self.stamps[1:], strict=False)]
        return sum(gaps) / len(gaps) <= SCANNER_MAX_MEAN_GAP_MS
