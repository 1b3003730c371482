"""``posassist audit``: the audit trail, listed or verified, for store IT.

``audit [--since YYYY-MM-DD] [--json]`` lists the entries (ids and kinds, never
personal data); ``audit verify [--central] [--json]`` checks the hash chain and exits 1
naming the first entry that was edited, deleted or moved. ``--central`` also checks
every register's chain in the central database and this register's against it (the
one way to see the newest entries deleted here); it is never implied, so a verify on
an offline register still answers (the README's "Audit trail").
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from posassist.cli import audit_verify
from posassist.cli.common import iso_date, opened_backend
from posassist.errors import InvalidInputError

if TYPE_CHECKING:
    from posassist.services.audit import AuditRow

NAME = "audit"
HELP = "list the audit trail, or verify that no entry was edited, deleted or reordered"
DESCRIPTION = "posassist audit [--since YYYY-MM-DD] [--json] | audit verify [--central] [--json]"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action", nargs="?", default="list", choices=("list", "verify"),
        help="list (default) or verify",
    )  # fmt: skip
    parser.add_argument(
        "--since", type=iso_date, metavar="YYYY-MM-DD", help="list: entries from this day on"
    )
    parser.add_argument("--central", action="store_true", help="verify: the central copies as well")
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def run(args: argparse.Namespace) -> int:
    if args.action == "verify":
        if args.since is not None:
            raise InvalidInputError("since", "posassist audit verify checks the whole trail.")
        return audit_verify.run(args)
    if args.central:
        raise InvalidInputError("central", "--central goes with posassist audit verify.")
    with opened_backend(args) as backend:
        rows = backend.audit.entries(args.since)
        tz = backend.ctx.tz
    if args.json:
        print(json.dumps({"entries": [row_json(r) for r in rows]}, indent=2, ensure_ascii=False))
        return 0
    if not rows:
        print("No audit entries" + (f" since {args.since}." if args.since else "."))
    for r in rows:
        when = r.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
        who = r.staff or (str(r.staff_id) if r.staff_id else "-")
        detail = f"  {r.detail}" if r.detail else ""
        print(f"{r.seq:>6}  {when}  {who}  {r.action} {r.entity} {r.entity_id}{detail}")
    sys.stdout.flush()
    return 0


def row_json(r: AuditRow) -> dict[str, Any]:
    return {
        "register_id": str(r.register_id),
        "seq": r.seq,
        "at": r.at.isoformat(),
        "staff_id": None if r.staff_id is None else str(r.staff_id),
        "staff": r.staff,
        "action": r.action,
        "entity": r.entity,
        "entity_id": r.entity_id,
        "detail": r.detail,
        "entry_hash": r.entry_hash,
    }
