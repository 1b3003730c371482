"""``posassist stock [--branch CODE] [--json]``: what each branch has, and how old the count is.

The counts are this register's copy of every branch's last snapshot (synced from the
central database): offline, they are the last ones received, and the age says so.
"""

from __future__ import annotations

import argparse
import json

from posassist.cli.common import opened_backend
from posassist.domain.wording import plural

NAME = "stock"
HELP = "list what each branch has in stock, with the age of each count"
DESCRIPTION = "posassist stock [--branch CODE] [--json]"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--branch", metavar="CODE", help="only this branch (its code)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def run(args: argparse.Namespace) -> int:
    with opened_backend(args) as backend:
        catalog = backend.catalog
        branches = catalog.stock(args.branch)
        if args.json:
            doc = [
                {
                    "code": b.code,
                    "name": b.name,
                    "phone": b.phone,
                    "here": b.here,
                    "items": [
                        {
                            "sku": i.sku,
                            "name": i.name,
                            "on_hand": i.on_hand,
                            "as_of": i.as_of.isoformat(),
                            "age": catalog.age(i.as_of),
                        }
                        for i in b.items
                    ],
                }
                for b in branches
            ]
            print(json.dumps({"branches": doc}, indent=2, ensure_ascii=False))
            return 0
        for b in branches:
            phone = f"  ☎ {b.phone}" if b.phone else ""
            here = "  (this branch)" if b.here else ""
            oldest = f", oldest count {catalog.age(b.oldest)}" if b.oldest else ""
            print(f"{b.code} {b.name}{here}{phone}: {plural(len(b.items), 'product')}{oldest}")
            width = max((len(i.sku) for i in b.items), default=0)
            for i in b.items:
                print(f"  {i.sku:<{width}}  {i.on_hand:>6,}  {catalog.age(i.as_of):<18}  {i.name}")
    return 0
