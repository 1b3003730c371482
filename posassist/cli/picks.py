"""``posassist picks``: the staff picks this branch shows, per category; ``picks export FILE``.

The list is what a cashier sees on F11 (a branch's own pick at a rank over the chain's).
The export writes every pick, chain-wide and each branch's, in the columns
``posassist import picks`` reads, so the two round-trip.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from posassist.cli.common import opened_backend
from posassist.domain.wording import plural
from posassist.errors import InvalidInputError

if TYPE_CHECKING:
    from posassist.services.picks import CategoryPicks

NAME = "picks"
HELP = "list the staff picks (top three per category) this branch shows; export them as CSV"
DESCRIPTION = "posassist picks [--json] | picks export FILE"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action", nargs="?", default="list", choices=("list", "export"),
        help="list (default) or export FILE",
    )  # fmt: skip
    parser.add_argument("file", nargs="?", type=Path, help="the CSV file to write")
    parser.add_argument("--json", action="store_true", help="print the list as one JSON document")


def run(args: argparse.Namespace) -> int:
    if args.action == "export" and args.file is None:
        raise InvalidInputError("file", "posassist picks export needs a FILE.")
    with opened_backend(args) as backend:
        if args.action == "export":
            written = backend.picks.export_csv(args.file)
            print(f"{plural(written, 'pick')} written to {args.file}.")
            return 0
        shown = backend.picks.shown()
        branch = backend.ctx.branch_name
    if args.json:
        print(json.dumps(_document(branch, shown), indent=2, ensure_ascii=False))
    else:
        _print(shown)
    return 0


def _document(branch: str, shown: list[CategoryPicks]) -> dict[str, object]:
    from posassist.services.picks import pick_json

    return {
        "branch": branch,
        "categories": [
            {"category": c.category, "picks": [pick_json(p) for p in c.picks]} for c in shown
        ],
    }


def _print(shown: list[CategoryPicks]) -> None:
    if not shown:
        print("No staff picks yet. A manager adds them in the app or: posassist import picks FILE")
        return
    for category in shown:
        print(category.category)
        for p in category.picks:
            name = p.product or p.sku
            scope = "" if not p.branch_pick else "  (this branch)"
            print(f"  #{p.rank}  {name}  —  {p.why}  ({p.staff}){scope}")
