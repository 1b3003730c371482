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
        "--import-rows",
        type=int,
        default=None,
        metavar="N",
        help="with --imports-only: one import of an N-row transactions file (the RSS check)",
    )


def run(args: argparse.Namespace) -> int:
    from posassist.devtools.bench import run_bench

    return run_bench(
        args.data_dir,
        config_file=args.config,
        customers=args.customers,
        repeat=args.repeat,
        as_json=args.json,
        sync_only=args.sync_only,
        gui_only=args.gui_only,
        imports_only=args.imports_only,
        import_rows=args.import_rows,
        join_only=args.join_only,
    )
