"""``posassist staff``: staff accounts from a terminal, for store IT.

``staff list [--json]`` shows every account (name, role, active, branch, whether it has a
PIN; never the hash); ``staff add --name NAME --role cashier|manager --pin-stdin``,
``staff disable NAME``, ``staff role NAME cashier|manager`` and ``staff pin NAME
--pin-stdin`` change them, through the same service (and rules, audit trail and sync)
as the window. A PIN is never an argument (it would sit in the shell history and the
process list): it is read from stdin, one line, or typed twice without echo when stdin
is a terminal. The command acts with the trust of the OS account that runs it on the
store's folder, like every other command (``cli/common.py``).

Exit codes: 0 done; 1 ``staff list`` found that no manager can sign in; 2 bad input
(the message names the field) or a refusal (the last manager, an unknown name).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import TYPE_CHECKING, Any

from posassist.cli.common import opened_backend
from posassist.cli.exit_codes import OK, PROBLEM_FOUND
from posassist.errors import InvalidInputError

if TYPE_CHECKING:
    from posassist.services.staff import StaffService, StaffView

NAME = "staff"
HELP = "list, add or disable staff accounts; change a role or reset a PIN"
DESCRIPTION = (
    "posassist staff [list] [--json] | staff add --name NAME --role cashier|manager "
    "--pin-stdin | staff disable NAME | staff role NAME cashier|manager | "
    "staff pin NAME --pin-stdin"
)
ROLES = ("cashier", "manager")
_ARITY = {"list": 0, "add": 0, "disable": 1, "role": 2, "pin": 1}
_USAGE = {
    "list": "posassist staff list [--json]",
    "add": "posassist staff add --name NAME --role cashier|manager --pin-stdin",
    "disable": "posassist staff disable NAME",
    "role": "posassist staff role NAME cashier|manager",
    "pin": "posassist staff pin NAME --pin-stdin",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action", nargs="?", default="list", choices=tuple(_ARITY),
        help="list (default), add, disable NAME, role NAME ROLE, pin NAME",
    )  # fmt: skip
    parser.add_argument("args", nargs="*", metavar="NAME [ROLE]", help="the account's name")
    parser.add_argument("--name", help="add: the new account's name")
    parser.add_argument("--role", help="add: cashier or manager")
    parser.add_argument(
        "--pin-stdin", action="store_true",
        help="add, pin: read the PIN from stdin (one line; asked twice on a terminal)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="list: print one JSON document")


def _check(args: argparse.Namespace) -> None:
    """Usage mistakes, before the store is opened (the message names what is wrong)."""
    action = args.action
    if len(args.args) != _ARITY[action]:
        raise InvalidInputError("staff", f"Usage: {_USAGE[action]}")
    if action == "add":
        if not args.name:
            raise InvalidInputError("--name", "--name is needed: the new account's name.")
        if args.role not in ROLES:
            raise InvalidInputError("--role", "--role must be cashier or manager")
    if action == "role" and args.args[1] not in ROLES:
        raise InvalidInputError("role", "The role must be cashier or manager.")
    if action in ("add", "pin") and not args.pin_stdin:
        raise InvalidInputError(
            "--pin-stdin", "--pin-stdin is needed: the PIN is read from stdin, never an argument."
        )


def read_pin() -> str:
    """The PIN from stdin: typed twice without echo on a terminal, else its first line."""
    if sys.stdin.isatty():
        first = getpass.getpass("PIN (4 to 8 digits): ")
        if getpass.getpass("The same PIN again: ") != first:
            raise InvalidInputError("pin", "The two PINs differ: nothing was changed.")
        return first
    line = sys.stdin.readline()
    if not line:
        raise InvalidInputError("pin", "No PIN on stdin (one line of 4 to 8 digits).")
    return line.rstrip("\r\n")


def run(args: argparse.Namespace) -> int:
    _check(args)
    pin = read_pin() if args.action in ("add", "pin") else ""
    with opened_backend(args, writes=args.action != "list") as backend:
        staff = backend.staff
        if args.action == "list":
            return _list(staff, as_json=args.json)
        if args.action == "add":
            view = staff.add(args.name, args.role, pin)
            print(f"Added {view.name} ({view.role}): they sign in with their PIN.")
        elif args.action == "disable":
            view = staff.disable(args.args[0])
            print(f"{view.name} is disabled: refused here now, on every register after a sync.")
        elif args.action == "role":
            view = staff.set_role(args.args[0], args.args[1])
            print(f"{view.name} is a {view.role} now.")
        else:
            view = staff.set_pin(args.args[0], pin)
            print(f"{view.name} has a new PIN (any lock on this register is lifted).")
    return OK


def staff_json(view: StaffView, codes: dict[Any, str]) -> dict[str, Any]:
    return {
        "name": view.name,
        "role": view.role,
        "active": view.active,
        "branch": codes.get(view.branch_id, "") if view.branch_id else "",
        "has_pin": view.has_pin,
    }


def _list(staff: StaffService, *, as_json: bool) -> int:
    views, codes = staff.accounts(), staff.branch_codes()
    problem = "" if staff.has_managers() else "No active manager can sign in with a PIN."
    if as_json:
        doc = {"staff": [staff_json(v, codes) for v in views], "problem": problem}
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        rows = [
            (v.name, v.role, "active" if v.active else "disabled",
             codes.get(v.branch_id, "") if v.branch_id else "chain",
             "PIN" if v.has_pin else "no PIN")
            for v in views
        ]  # fmt: skip
        heads = ("NAME", "ROLE", "STATE", "BRANCH", "PIN")
        widths = [max(len(c) for c in col) for col in zip(heads, *rows, strict=True)]
        for row in (heads, *rows):
            print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if problem:
            print(
                f"{problem} Add one: posassist staff add --role manager --pin-stdin --name …",
                file=sys.stderr,
            )
    return PROBLEM_FOUND if problem else OK
