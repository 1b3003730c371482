"""``posassist audit verify``: the hash chain checked, here and (``--central``) centrally.

Exit 0 with "audit trail intact: N entries"; exit 1 naming the first bad entry
(edited, missing, out of order, or differing from its central copy); exit 2 when
``--central`` is asked on a register with no central database configured, or central
cannot be reached (a KnownError, as every command reports it).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import TYPE_CHECKING

from posassist.cli.common import central_settings, opened_backend
from posassist.cli.exit_codes import OK, PROBLEM_FOUND
from posassist.domain.wording import plural

if TYPE_CHECKING:
    from posassist.services.audit import Verdict


def run(args: argparse.Namespace) -> int:
    if args.central:
        central_settings(args)  # refused (exit 2) when no central database is configured
    with opened_backend(args) as backend:
        sync = backend.sync
        if args.central and sync is not None and sync.secret_notice and sys.stdin.isatty():
            sync.remember_password(getpass.getpass("Central database password: "))
        verdict = backend.audit.verify(central=args.central)
        unchecked = not args.central and backend.audit.central_configured
    if args.json:
        print(json.dumps(verdict_json(verdict), indent=2, ensure_ascii=False))
    elif verdict.ok:
        line = f"audit trail intact: {plural(verdict.entries, 'entry', 'entries')}"
        if verdict.central_entries is not None:
            line += f" here, {verdict.central_entries:,} in the central database"
        print(line)
        if unchecked:
            print("(the central copy was not compared; add --central)")
    else:
        print(verdict.message)
    return OK if verdict.ok else PROBLEM_FOUND


def verdict_json(v: Verdict) -> dict[str, object]:
    problem = None
    if v.problem is not None:
        problem = {
            "kind": v.problem.kind,
            "register_id": str(v.problem.register_id),
            "seq": v.problem.seq,
            "other_seq": v.problem.other_seq,
            "where": v.where,
            "message": v.message,
        }
    return {
        "ok": v.ok,
        "entries": v.entries,
        "central_checked": v.central_entries is not None,
        "central_entries": v.central_entries,
        "problem": problem,
    }
