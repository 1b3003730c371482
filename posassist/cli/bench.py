"""``posassist bench``: the developer's measurements (:mod:`posassist.devtools.bench`).

The one command module that imports the dev tools; it does so only when run, so the
product's start-up never loads them.
"""

from __future__ import annotations

import argparse

NAME = "bench"
HELP = "measure lookups and start-up on a large store"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="print one JSON document (the table goes to stderr)"
    )
    parser.add_argument(
        "--customers", type=int, default=100_000, help="size of the synthetic store"
    )
    parser.add_argument("--repeat", type=int, default=200, help="timed repetitions per row")
    parser.add_argument(
        "--sync-only", action="store_true", help="only the central sync rows (local PostgreSQL)"
    )
    parser.add_argument(
        "--gui-only",
        action="store_true",
        help="only the window rows: key, Enter and F4 to pixels in an offscreen window",
    )
    parser.add_argument(
        "--startup-only",
        action="store_true",
        help="only the start-up rows: fresh processes to the window taking keys, and to "
        "the store open and searching",
    )
    parser.add_argument(
        "--imports-only",
        action="store_true",
        help="only the import rows (a copy of the bench store; rows/s and peak RSS)",
    )
    parser.add_argument(
        "--join-only",
        action="store_true",
        help="only the join row: a new register loading the bench chain by snapshot",
    )
    parser.add_argument(
        "--load",
        action="store_true",
        help="only the load rows: many registers writing and syncing against one local "
        "PostgreSQL at once (sizes a chain; see the IT guide)",
    )
    parser.add_argument(
        "--registers",
        type=int,
        default=50,
        metavar="N",
        help="with --load: how many simulated registers (default 50)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=60.0,
        metavar="S",
        help="with --load: how long they write (default 60)",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=10.0,
        metavar="R",
        help="with --load: ops per second each register writes (default 10)",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=5,
        metavar="P",
        help="with --load: worker processes the registers are spread over (default 5)",
    )
    parser.add_argument(
        "--import-rows",
        type=int,
        default=None,
        metavar="N",
        help="with --imports-only: one import of an N-row transactions file (the RSS check)",
    )


def run(args: argparse.Namespace) -> int:
    from posassist.devtools.bench import run_bench

    load = None
    if args.load:
        from posassist.devtools.bench.load import LoadSpec

        load = LoadSpec(
            registers=args.registers,
            seconds=args.seconds,
            rate=args.rate,
            processes=args.processes,
        )
        load.validate()  # InvalidInputError: one line and exit code 2, before any work
    return run_bench(
        args.data_dir,
        config_file=args.config,
        customers=args.customers,
        repeat=args.repeat,
        as_json=args.json,
        sync_only=args.sync_only,
        gui_only=args.gui_only,
        startup_only=args.startup_only,
        imports_only=args.imports_only,
        import_rows=args.import_rows,
        join_only=args.join_only,
        load=load,
    )
