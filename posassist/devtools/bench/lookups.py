"""Bench rows for what the cashier waits on most: a lookup, the card, the start-up."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from posassist.app import Backend
from posassist.devtools.bench.report import Row, row, time_calls
from posassist.devtools.typos import typo
from posassist.storage.orm import Customer, Interaction


def lookup_rows(backend: Backend, repeat: int) -> list[Row]:
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
            out += time_calls(make((phone or "", card or "", name)), 1)
        return out

    def national(e164: str) -> str:
        return f"({e164[2:5]}) {e164[5:8]}-{e164[8:]}"

    return [
        row("lookup by phone", each(lambda r: lambda: search(national(r[0]))), "p95 ≤ 2 ms"),
        row("lookup by card", each(lambda r: lambda: search(r[1], scanned=True)), "p95 ≤ 2 ms"),
        row("lookup by last 4 digits", each(lambda r: lambda: search(r[0][-4:])), "p95 ≤ 2 ms"),
        row(
            "lookup by misspelled name",
            each(lambda r: lambda: search(typo(r[2], rng))),
            "p95 ≤ 30 ms",
        ),
        row(
            f"card load, longest history ({longest[1]} interactions)",
            time_calls(lambda: backend.customers.card(longest_id), repeat),
            "p95 ≤ 20 ms",
        ),
        Row("name index load (background, once)", load_ms, load_ms, 1, ""),
    ]


def compile_bytecode() -> None:
    """Write posassist's own bytecode before the start-up is timed, as an install has it.

    A store runs an installed posassist: pip and uv compile a wheel's modules on install
    (``compile-bytecode`` in pyproject.toml does it for the libraries here too), and the
    bundle ships them compiled. A development checkout is an editable install, and with
    ``PYTHONDONTWRITEBYTECODE`` set (as on CI machines) every fresh process compiles the
    ~120 modules of its start-up from source again: about 0.15 s that no register pays.
    ``compileall`` writes the ``__pycache__`` files (ignored by git) whatever that says.
    """
    import compileall

    import posassist

    compileall.compile_dir(Path(posassist.__file__).parent, quiet=1)


def startup_rows(data_dir: Path) -> list[Row]:
    """From launching a fresh process to its first window painted, and to the store open.

    The child prints the wall-clock instant its opening window was painted, taking keys
    (``window-shown-epoch``: what typed there is kept and searched, ``ui/opening.py``),
    and the instant the register window took over with the store open and searching
    (``window-ready-epoch``). The target is on the first, the second shows what the
    opening window covers. Process teardown and the background work after the paint
    (name index, refit, the store's check) are not start-up.
    """
    compile_bytecode()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    shown_ms: list[float] = []
    ready_ms: list[float] = []
    for _ in range(5):
        t0 = time.time()
        done = subprocess.run(
            [sys.executable, "-m", "posassist", "--data-dir", str(data_dir), "--smoke-test"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        epochs = dict(line.split("=", 1) for line in done.stdout.splitlines() if "-epoch=" in line)
        shown_ms.append((float(epochs["window-shown-epoch"]) - t0) * 1000)
        ready_ms.append((float(epochs["window-ready-epoch"]) - t0) * 1000)
    return [
        row("start-up to usable window (fresh process)", shown_ms, "median ≤ 0.6 s"),
        row("start-up to the store open and searching (fresh process)", ready_ms),
    ]
