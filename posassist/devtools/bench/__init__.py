"""``posassist bench``: measure what a cashier waits for, on a large synthetic store.

Builds (once, then reuses) the 100,000-customer / ~1,000,000-interaction store and
times, at the service layer, the "also bought" build and query (:mod:`.also_bought`),
the lookups and the card load (:mod:`.lookups`), the
repeat-visitor model (:mod:`.standing`), the finder and the slip (:mod:`.referrals`),
then key-to-paint in the real offscreen window (:mod:`.gui`), then the whole start-up
in a fresh process (to the window taking keys, and to the store open and searching;
``--startup-only`` for just those), outbox pruning and ``quick_check``
(:mod:`.housekeeping`), importing the till's history on a copy of the store
(:mod:`.imports`), central sync
against a throwaway local PostgreSQL (:mod:`.sync`), and last a new register joining the
bench chain by snapshot (:mod:`.join`). ``--load`` runs only the load test: many
registers writing and syncing against one central at once (:mod:`.load`). Prints a table, or with
``as_json`` one JSON document (:mod:`.report`).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from posassist.app import open_backend
from posassist.devtools.bench.report import Row, print_report

if TYPE_CHECKING:
    from posassist.devtools.bench.load import LoadSpec
from posassist.devtools.demo import DemoSpec, ensure_demo_store
from posassist.storage.database import open_database

DEFAULT_CUSTOMERS = 100_000


def bench_store_dir(data_dir: Path | None, customers: int) -> Path:
    """``data_dir`` if given, else a store per size in the user's cache folder."""
    if data_dir is not None:
        return Path(data_dir)
    cache = Path(platformdirs.user_cache_dir("posassist", appauthor=False))
    return cache / f"bench-{customers}"


def run_bench(
    data_dir: Path | None,
    *,
    config_file: Path | None = None,
    customers: int = DEFAULT_CUSTOMERS,
    repeat: int = 200,
    as_json: bool = False,
    sync_only: bool = False,
    gui_only: bool = False,
    startup_only: bool = False,
    imports_only: bool = False,
    import_rows: int | None = None,
    join_only: bool = False,
    load: LoadSpec | None = None,
) -> int:
    from posassist.devtools.bench.imports import TRANSACTION_ROWS, peak_rss_row
    from posassist.devtools.bench.imports import import_rows as import_bench_rows
    from posassist.devtools.bench.sync import sync_rows

    if load is not None:  # only the load rows: many registers against one central
        from posassist.devtools.bench.load import load_rows

        rows = load_rows(load)
        print_report(rows, as_json, "(throwaway PostgreSQL and stores)")
        return 0 if all(r.ok is not False for r in rows) else 1
    if sync_only:
        print_report(sync_rows(), as_json, "(throwaway PostgreSQL and stores)")
        return 0
    store = bench_store_dir(data_dir, customers)
    build_bench_store(store, customers)
    if gui_only:
        print_report(_window_rows(store, config_file, repeat), as_json, store)
        return 0
    if startup_only:  # fresh processes on the bench store, nothing else
        from posassist.devtools.bench.lookups import startup_rows

        print_report(startup_rows(store), as_json, store)
        return 0
    if join_only:  # a new register joining the bench chain by snapshot
        from posassist.devtools.bench.join import join_rows

        print_report(join_rows(store), as_json, store)
        return 0
    if imports_only:  # importing the till's history (``--import-rows N``: the RSS check)
        rows = [peak_rss_row(store, import_rows)] if import_rows else import_bench_rows(store)
        print_report(rows, as_json, store)
        return 0
    rows = _service_rows(store, config_file, repeat)
    rows += _window_rows(store, config_file, repeat)
    from posassist.devtools.bench.lookups import startup_rows

    rows += startup_rows(store)
    from posassist.devtools.bench.housekeeping import housekeeping_rows

    rows += housekeeping_rows(store)  # outbox pruning on 1,000,000 ops, quick_check
    rows += import_bench_rows(store, transaction_rows=import_rows or TRANSACTION_ROWS)
    rows += sync_rows()  # central sync against a throwaway local PostgreSQL
    from posassist.devtools.bench.join import join_rows

    rows += join_rows(store)  # a new register joining this chain by snapshot
    print_report(rows, as_json, store)
    return 0


def build_bench_store(store: Path, customers: int) -> None:
    """Build the store before the services open it: opening a store with no branch
    creates this register's own branch, which would add a sixth, empty one."""
    spec = DemoSpec.bench() if customers == DEFAULT_CUSTOMERS else DemoSpec(customers=customers)
    print(f"bench store: {store}", file=sys.stderr)
    t0 = time.perf_counter()
    db = open_database(store)
    try:
        built = ensure_demo_store(db, spec)
    finally:
        db.close()
    if built:
        print(f"built {built} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)


def _window_rows(store: Path, config_file: Path | None, repeat: int) -> list[Row]:
    from posassist.devtools.bench.gui import gui_rows

    backend = open_backend(store, config_file=config_file)
    try:
        return gui_rows(backend, repeat)
    finally:
        backend.close()


def _service_rows(store: Path, config_file: Path | None, repeat: int) -> list[Row]:
    from posassist.devtools.bench.also_bought import also_bought_rows
    from posassist.devtools.bench.lookups import lookup_rows
    from posassist.devtools.bench.referrals import referral_rows
    from posassist.devtools.bench.standing import standing_rows

    backend = open_backend(store, config_file=config_file)
    try:
        # Built first: the card load below then reads a populated co-purchase table.
        rows = also_bought_rows(backend, repeat)
        rows += lookup_rows(backend, repeat)
        rows += standing_rows(backend, repeat)
        rows += referral_rows(backend, repeat)
    finally:
        backend.close()
    return rows
