"""``posassist also-bought SKU``: what customers who bought a product also bought.

The answer is read from the co-purchase table (``services/also_bought.py``); if lines,
voids or merges came in since it was built, it is rebuilt first (a script may wait
seconds on a large store; the window never does, it builds in the background).
"""

from __future__ import annotations

import argparse
import json

from posassist.cli.common import opened_backend
from posassist.errors import InvalidInputError

NAME = "also-bought"
HELP = "customers who bought this product also bought … (last 12 months, with counts)"
DESCRIPTION = "posassist also-bought SKU [--limit N] [--json]"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sku", metavar="SKU")
    parser.add_argument("--limit", type=int, default=5, help="how many suggestions (≤ 10)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def run(args: argparse.Namespace) -> int:
    sku = args.sku.strip()
    if not sku:
        raise InvalidInputError("sku", "Give a product's SKU.")
    with opened_backend(args) as backend:
        also = backend.also_bought
        also.rebuild_if_stale()
        name = also.product_name(sku)
        suggestions = also.for_sku(sku, max(1, args.limit))
    if name is None and not suggestions:
        raise InvalidInputError(
            "sku", f"{sku}: not in the catalog and not bought with anything in 12 months."
        )
    if args.json:
        items = [{"sku": a.sku, "name": a.name, "customers": a.customers} for a in suggestions]
        print(json.dumps({"sku": sku, "name": name, "counted": "customers", "also_bought": items}))
        return 0
    print(f"Customers who bought {name or sku} also bought (last 12 months):")
    for a in suggestions:
        print(f"  {a.sku:<16} {a.label}")
    if not suggestions:
        print("  nothing yet")
    return 0
