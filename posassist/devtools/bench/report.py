"""The bench's one row format, its timing helpers and its two outputs (table, JSON).

Every figure is a median and a p95 of repeated runs in this one process, so rows from
different bench areas can be compared side by side even on a noisy machine. With
``--json`` stdout carries only the JSON document (the table goes to stderr), and a figure
that could not be measured is ``null``, never ``NaN``, so any JSON reader takes it.

Most rows are times in milliseconds. A throughput row (``unit="ops/s"``) is higher-is-
better, so its "p95" is the slow tail: the rate 95 % of the rounds reached (the 5th
percentile of the rates), which is what a p95 of the time per op would say. A ratio row
(``unit="×"``, sync time ÷ raw limit time) is lower-is-better like a time.
"""

from __future__ import annotations

import json
import math
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

# Units where a larger figure is the better one (their p95 is the low tail).
HIGHER_IS_BETTER = frozenset({"ops/s"})
# One clause of a target: "[median|p95] ≤|≥ 15,000 ops/s" (the unit may be glued: "2.5×").
# No unit, the clause's end ("≤ 0"): the row's own (a count of lost ops); a unit not
# known here ("≤ 300 MB") is no clause, so such a target is not judged.
_CLAUSE = re.compile(
    r"(?:(median|p95)\s+)?([≤≥])\s*([\d,.]+)\s*(?:(ms|s|ops/s|×|%)|(?=\s*(?:$|and\b)))"
)


@dataclass
class Row:
    name: str
    median_ms: float
    p95_ms: float
    n: int
    target: str
    unit: str = "ms"

    @property
    def ok(self) -> bool | None:
        """Whether the figures meet ``target`` ("p95 ≤ 2 ms", "median ≥ 15,000 ops/s").

        Every clause of the target (joined by "and") must hold; a clause in a unit this
        row is not measured in cannot be judged here and makes the answer None.
        """
        if not self.target or not self.n:
            return None
        clauses = _CLAUSE.findall(self.target)
        if not clauses:
            return None
        verdict = True
        for which, sign, number, unit in clauses:
            limit = float(number.replace(",", ""))
            if unit == "s" and self.unit == "ms":
                limit, unit = limit * 1000, "ms"
            unit = unit or self.unit
            if unit != self.unit:
                return None
            value = self.p95_ms if which == "p95" else self.median_ms
            verdict &= value <= limit if sign == "≤" else value >= limit
        return verdict

    def as_json(self) -> dict[str, object]:
        def finite(value: float) -> float | None:
            return value if isinstance(value, float) and math.isfinite(value) else None

        out = asdict(self) | {"median_ms": finite(self.median_ms), "p95_ms": finite(self.p95_ms)}
        if self.unit != "ms":  # the figures are not milliseconds: say so by their names
            del out["median_ms"], out["p95_ms"]
            out |= {"median": finite(self.median_ms), "p95": finite(self.p95_ms)}
        return out | {"ok": self.ok}


def row(name: str, samples: Sequence[float], target: str = "", unit: str = "ms") -> Row:
    """Median and p95 of ``samples`` (in ``unit``); no samples: a row marked unavailable."""
    ordered = sorted(samples)
    if not ordered:
        return Row(name, math.nan, math.nan, 0, target, unit)
    if unit in HIGHER_IS_BETTER:  # the slow tail is at the low end
        ordered.reverse()
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return Row(name, statistics.median(ordered), p95, len(ordered), target, unit)


def time_calls(fn: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds of ``repeat`` calls of ``fn``, one sample per call."""
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _figure(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value:.3f}"
    if unit == "×":
        return f"{value:.2f}×"
    if unit in ("%", "cores"):
        return f"{value:.2f}"
    return f"{value:,.0f}"


def print_report(rows: list[Row], as_json: bool, store: Path | str) -> None:
    """The table for people (stderr when ``as_json``), then the JSON document on stdout."""
    table = sys.stderr if as_json else sys.stdout
    width = max(len(r.name) for r in rows)
    print(
        f"{'row':<{width}}  {'median':>10}  {'p95':>10}  {'unit':<5}  {'n':>4}  target",
        file=table,
    )
    for r in rows:
        flag = {True: "ok", False: "MISSED", None: ""}[r.ok]
        print(
            f"{r.name:<{width}}  {_figure(r.median_ms, r.unit):>10}  "
            f"{_figure(r.p95_ms, r.unit):>10}  {r.unit:<5}  {r.n:>4}  "
            f"{r.target} {flag}".rstrip(),
            file=table,
        )
    if as_json:
        document = {"store": str(store), "rows": [r.as_json() for r in rows]}
        print(json.dumps(document, indent=2, allow_nan=False))
