"""The bench's one row format, its timing helpers and its two outputs (table, JSON).

Every figure is a median and a p95 of repeated runs in this one process, so rows from
different bench areas can be compared side by side even on a noisy machine. With
``--json`` stdout carries only the JSON document (the table goes to stderr), and a figure
that could not be measured is ``null``, never ``NaN``, so any JSON reader takes it.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Row:
    name: str
    median_ms: float
    p95_ms: float
    n: int
    target: str

    @property
    def ok(self) -> bool | None:
        """Whether the figure meets ``target`` ("p95 ≤ 2 ms", "median ≤ 1.5 s")."""
        if not self.target or not self.n:
            return None
        limit = float(self.target.split("≤")[1].split()[0])
        unit = self.target.split()[-1]
        value = self.p95_ms if "p95" in self.target else self.median_ms
        return value <= (limit * 1000 if unit == "s" else limit)

    def as_json(self) -> dict[str, object]:
        figures = {
            key: value if isinstance(value, float) and math.isfinite(value) else None
            for key, value in (("median_ms", self.median_ms), ("p95_ms", self.p95_ms))
        }
        return asdict(self) | figures | {"ok": self.ok}


def row(name: str, samples: Sequence[float], target: str = "") -> Row:
    """Median and p95 of ``samples`` (milliseconds); no samples: a row marked unavailable."""
    ordered = sorted(samples)
    if not ordered:
        return Row(name, math.nan, math.nan, 0, target)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return Row(name, statistics.median(ordered), p95, len(ordered), target)


def time_calls(fn: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds of ``repeat`` calls of ``fn``, one sample per call."""
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def print_report(rows: list[Row], as_json: bool, store: Path | str) -> None:
    """The table for people (stderr when ``as_json``), then the JSON document on stdout."""
    table = sys.stderr if as_json else sys.stdout
    width = max(len(r.name) for r in rows)
    print(f"{'row':<{width}}  {'median ms':>10}  {'p95 ms':>9}  {'n':>5}  target", file=table)
    for r in rows:
        flag = {True: "ok", False: "MISSED", None: ""}[r.ok]
        print(
            f"{r.name:<{width}}  {r.median_ms:>10.3f}  {r.p95_ms:>9.3f}  {r.n:>5}  "
            f"{r.target} {flag}".rstrip(),
            file=table,
        )
    if as_json:
        document = {"store": str(store), "rows": [r.as_json() for r in rows]}
        print(json.dumps(document, indent=2, allow_nan=False))
