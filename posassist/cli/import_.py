"""``posassist import transactions FILE``: a transaction log (CSV) into the store."""

from __future__ import annotations

import argparse
from pathlib import Path

from posassist.cli.common import add_command, opened_backend
from posassist.domain.wording import plural

NAME = "import"
HELP = "import data from a file"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    what = parser.add_subparsers(dest="what", required=True)
    tx = add_command(
        what, "transactions", help="CSV with a customer id column, a date column, optional amount"
    )
    tx.add_argument("file", type=Path)


def run(args: argparse.Namespace) -> int:
    from posassist.services.importing import ImportService

    with opened_backend(args, writes=True) as backend:
        result = ImportService(backend.ctx, backend.customers).transactions(args.file)
        backend.also_bought.rebuild_if_stale()  # imported purchases count for "also bought"
    print(
        f"Imported {args.file}: {plural(result.rows, 'row')}, "
        f"{plural(result.customers_new, 'new customer')}, "
        f"{plural(result.interactions_new, 'new purchase')}, "
        f"{result.duplicates_skipped:,} already there."
    )
    return 0
