"""``posassist bench``: measure what a cashier waits for, on a large synthetic store.

Builds (once, then reuses) the 100,000-customer / ~1,000,000-interaction store and
times, at the service layer, the lookups and the card load, then the whole start-up
to a usable window in a fresh process. Prints a table, and JSON with ``--json``.
Every figure is a median and a p95 of repeated runs in this one process, so rows can
be compared side by side even on a noisy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import platformdirs
from sqlalchemy import func, select

from posassist.demo import DemoSpec, ensure_demo_store
from posassist.storage.database import open_database
from posassist.storage.orm import Customer, Interaction


@dataclass
class Row:
    name: str
    median_ms: float
    p95_ms: float
    n: int
    target: str

    @property
    def ok(self) -> bool | None:
        if not self.target:
            return None
        limit = float(self.target.split("≤")[1].split()[0])
        unit = self.target.split()[-1]
        value = self.p95_ms if "p95" in self.target else self.median_ms
        return value <= (limit * 1000 if unit == "s" else limit)


def _time(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _row(name: str, samples: list[float], target: str = "") -> Row:
    ordered = sorted(samples)
    if not ordered:
        return Row(name, float("nan"), float("nan"), 0, target)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return Row(name, statistics.median(ordered), p95, len(ordered), target)


def _typo(name: str, rng: random.Random) -> str:
    """One realistic slip of the fingers: a dropped, doubled or swapped letter."""
    if len(name) < 4:
        return name
    i = rng.randrange(1, len(name) - 2)
    kind = rng.choice(("drop", "swap", "double"))
    if kind == "drop":
        return name[:i] + name[i + 1 :]
    if kind == "swap":
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return name[:i] + name[i] + name[i:]


def bench_store_dir(args: argparse.Namespace) -> Path:
    if args.data_dir is not None:
        return Path(args.data_dir)
    cache = Path(platformdirs.user_cache_dir("posassist", appauthor=False))
    return cache / f"bench-{args.customers}"


def run_bench(args: argparse.Namespace) -> int:
    from posassist.app import open_backend
    from posassist.bench_sync import sync_rows

    if getattr(args, "sync_only", False):
        _print(sync_rows(_row), args.json, Path("(throwaway PostgreSQL and stores)"))
        return 0
    data_dir = bench_store_dir(args)
    spec = DemoSpec.bench() if args.customers == 100_000 else DemoSpec(customers=args.customers)
    print(f"bench store: {data_dir}", file=sys.stderr)
    t0 = time.perf_counter()
    # Build the store before the services open it: opening a store with no branch
    # creates this register's own branch, which would add a sixth, empty one.
    db = open_database(data_dir)
    try:
        built = ensure_demo_store(db, spec, date.today())
    finally:
        db.close()
    if built:
        print(f"built {built} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    backend = open_backend(data_dir, config_file=args.config)
    try:
        rows = _measure(backend, args.repeat)
        from posassist.bench_standing import standing_rows

        rows += standing_rows(backend, _row, args.repeat)
        from posassist.bench_referrals import referral_rows

        rows += referral_rows(backend, _row, args.repeat)
    finally:
        backend.close()
    rows.append(_startup(data_dir))
    rows += sync_rows(_row)  # central sync against a throwaway local PostgreSQL
    _print(rows, args.json, data_dir)
    return 0


def _measure(backend: object, repeat: int) -> list[Row]:
    from posassist.app import Backend

    assert isinstance(backend, Backend)
    rng = random.Random(7)
    with backend.db.read() as s:
        sample = s.execute(
            select(Customer.phone_e164, Customer.card_code, Customer.display_name)
            .where(Customer.phone_e164.is_not(None), Customer.card_code.is_not(None))
            .order_by(func.random())
            .limit(repeat)
        ).all()
        longest = s.execute(
            select(Interaction.customer_id, func.count())
            .group_by(Interaction.customer_id)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
        customers = s.scalar(select(func.count()).select_from(Customer))
        interactions = s.scalar(select(func.count()).select_from(Interaction))
    print(f"store: {customers:,} customers, {interactions:,} interactions", file=sys.stderr)
    longest_id = longest[0]
    assert longest_id is not None
    search = backend.customers.search
    t0 = time.perf_counter()
    backend.customers.names.ensure_loaded()
    load_ms = (time.perf_counter() - t0) * 1000

    def each(make: Callable[[tuple[str, str, str]], Callable[[], object]]) -> list[float]:
        out: list[float] = []
        for phone, card, name in sample:
            out += _time(make((phone or "", card or "", name)), 1)
        return out

    def national(e164: str) -> str:
        return f"({e164[2:5]}) {e164[5:8]}-{e164[8:]}"

    rows = [
        _row(
            "lookup by phone",
            each(lambda r: lambda: search(national(r[0]))),
            "p95 ≤ 2 ms",
        ),
        _row("lookup by card", each(lambda r: lambda: search(r[1], scanned=True)), "p95 ≤ 2 ms"),
        _row("lookup by last 4 digits", each(lambda r: lambda: search(r[0][-4:])), "p95 ≤ 2 ms"),
        _row(
            "lookup by misspelled name",
            each(lambda r: lambda: search(_typo(r[2], rng))),
            "p95 ≤ 30 ms",
        ),
        _row(
            f"card load, longest history ({longest[1]} interactions)",
            _time(lambda: backend.customers.card(longest_id), repeat),
            "p95 ≤ 20 ms",
        ),
        Row("name index load (background, once)", load_ms, load_ms, 1, ""),
    ]
    return rows


def _startup(data_dir: Path) -> Row:
    """From launching a fresh process to its window shown and painted.

    The child prints the wall-clock instant its window was up; process teardown and
    the background name-index load after that are not start-up.
    """
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    samples = []
    for _ in range(5):
        t0 = time.time()
        done = subprocess.run(
            [sys.executable, "-m", "posassist", "--data-dir", str(data_dir), "--smoke-test"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        shown = next(
            float(line.split("=", 1)[1])
            for line in done.stdout.splitlines()
            if line.startswith("window-shown-epoch=")
        )
        samples.append((shown - t0) * 1000)
    return _row("start-up to usable window (fresh process)", samples, "median ≤ 2 s")


def _print(rows: list[Row], as_json: bool, data_dir: Path) -> None:
    width = max(len(r.name) for r in rows)
    print(f"{'row':<{width}}  {'median ms':>10}  {'p95 ms':>9}  {'n':>5}  target")
    for r in rows:
        flag = {True: "ok", False: "MISSED", None: ""}[r.ok]
        print(
            f"{r.name:<{width}}  {r.median_ms:>10.3f}  {r.p95_ms:>9.3f}  {r.n:>5}  "
            f"{r.target} {flag}".rstrip()
        )
    if as_json:
        print(
            json.dumps(
                {"store": str(data_dir), "rows": [asdict(r) | {"ok": r.ok} for r in rows]},
                indent=2,
            )
        )
