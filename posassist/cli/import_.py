"""``posassist import KIND FILE``: a transaction log, the catalogue, stock counts or staff
picks (CSV), into the store."""

from __future__ import annotations

import argparse
from pathlib import Path

from posassist.cli.common import Subparsers, add_command, opened_backend
from posassist.domain.wording import plural
from posassist.errors import InvalidInputError

NAME = "import"
HELP = "import data from a file"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    what = parser.add_subparsers(dest="what", required=True)
    tx = add_command(
        what, "transactions", help="CSV with a customer id column, a date column, optional amount"
    )
    tx.add_argument("file", type=Path)
    add_catalog_kinds(what)


def add_catalog_kinds(what: Subparsers[argparse.ArgumentParser]) -> None:
    """``import picks|products|stock FILE [--json]`` (``services/picks.py``,
    ``services/catalog.py``): each prints its summary, or with ``--json`` one document."""
    for kind, help_text in (
        ("picks", "CSV with category, rank, sku, staff, why and optional branch_code"),
        ("products", "CSV with sku, name, category; optional keywords, carried, aisle"),
        ("stock", "CSV with branch_code, sku, on_hand; optional as_of"),
    ):
        parser = add_command(what, kind, help=help_text)
        parser.add_argument("file", type=Path)
        parser.add_argument("--json", action="store_true", help="print the result as JSON")
        parser.set_defaults(import_run=_run_catalog)


def _run_catalog(args: argparse.Namespace) -> int:
    import dataclasses
    import json

    from posassist.services.catalog import ProductImport, StockImport
    from posassist.services.picks import PicksImport

    with opened_backend(args, writes=True) as backend:
        result: PicksImport | ProductImport | StockImport = (
            backend.picks.import_csv(args.file)
            if args.what == "picks"
            else backend.catalog.import_products(args.file)
            if args.what == "products"
            else backend.catalog.import_stock(args.file)
        )
    if args.json:
        values = {k: v for k, v in dataclasses.asdict(result).items() if k != "path"}
        print(json.dumps({"kind": args.what, "file": str(args.file), **values}))
    else:
        print(result)
    return 0


def run(args: argparse.Namespace) -> int:
    kind_run = getattr(args, "import_run", None)
    if kind_run is not None:
        return int(kind_run(args))
    from posassist.services.importing import ImportService

    with opened_backend(args, writes=True) as backend:
        result = ImportService(backend.ctx, backend.customers).transactions(args.file)
        backend.also_bought.rebuild_if_stale()  # imported purchases count for "also bought"
    if not result.imported:  # the ``cli`` helper's rewrite replaces this stopgap
        raise InvalidInputError(str(args.file), "\n".join(result.first_problems))
    print(
        f"Imported {args.file}: {plural(result.rows, 'row')}, "
        f"{plural(result.customers_new, 'new customer')}, "
        f"{plural(result.interactions, 'new purchase')}, "
        f"{result.skipped:,} already there."
    )
    return 0
