"""``posassist vendors``: the partner directory from a terminal, for store IT.

Bulk edits go through CSV (``vendors import FILE`` / ``vendors export FILE``); the list
shows the ids that ``posassist slip --vendor`` takes.
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
    from posassist.app import Backend

NAME = "vendors"
HELP = "list the partner vendors with their ids; import or export them as CSV"
DESCRIPTION = "posassist vendors [--json] | vendors import FILE | vendors export FILE"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action", nargs="?", default="list", choices=("list", "import", "export"),
        help="list (default), import FILE or export FILE",
    )  # fmt: skip
    parser.add_argument("file", nargs="?", type=Path, help="the CSV file to import or export")
    parser.add_argument("--json", action="store_true", help="print the list as JSON")


def run(args: argparse.Namespace) -> int:
    if args.action != "list" and args.file is None:
        raise InvalidInputError("file", f"posassist vendors {args.action} needs a FILE.")
    with opened_backend(args, writes=args.action == "import") as backend:
        if args.action == "import":
            print(backend.vendors.import_csv(args.file))
        elif args.action == "export":
            written = backend.vendors.export_csv(args.file)
            print(f"{plural(written, 'vendor')} written to {args.file}.")
        else:
            _list(backend, as_json=args.json)
    return 0


def _list(backend: Backend, *, as_json: bool) -> None:
    vendors = backend.vendors.list()
    if as_json:
        from posassist.services.vendors import vendor_json

        rows = [vendor_json(v) for v in vendors]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not vendors:
        print(
            "No partner vendors yet. Add them in the app (Ctrl+D) or: posassist vendors import FILE"
        )
        return
    width = min(40, max(len(v.name) for v in vendors))
    print(f"{'id':<36}  {'name':<{width}}  {'active':<6}  phone")
    for v in vendors:
        name = v.name if len(v.name) <= width else v.name[: width - 1] + "…"
        print(f"{v.id!s:<36}  {name:<{width}}  {'yes' if v.active else 'no':<6}  {v.phone}")
