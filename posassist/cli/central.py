"""``posassist central init | password | prune``: set up and keep the chain's central
PostgreSQL database."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from posassist.cli.common import add_command, central_settings
from posassist.errors import KnownError, SyncError

NAME = "central"
HELP = "set up the central PostgreSQL database"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    action = parser.add_subparsers(dest="action", required=True)
    add_command(action, "init", help="create or upgrade the central schema")
    password = add_command(
        action, "password", help="store the central database password in the OS keyring"
    )
    password.add_argument(
        "--stdin", action="store_true", help="read the password from standard input"
    )
    prune = add_command(
        action,
        "prune",
        help="delete change-log rows and applied-op ids older than the horizon",
    )
    prune.add_argument(
        "--horizon-days",
        type=_days,
        default=None,
        metavar="N",
        help="keep this many days (default: [central] log_horizon_days, 90); a register "
        "away longer re-bootstraps from a snapshot",
    )
    prune.add_argument("--dry-run", action="store_true", help="count only, delete nothing")
    prune.add_argument("--json", action="store_true", help="print the counts as JSON")


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from None
    if not 1 <= days <= 36_500:
        raise argparse.ArgumentTypeError("the horizon must be between 1 and 36500 days")
    return days


def run(args: argparse.Namespace) -> int:
    if args.action == "prune":
        return _prune(args)
    return _init(args) if args.action == "init" else _password(args)


def _prune(args: argparse.Namespace) -> int:
    from posassist.secrets import central_password_key, open_secret_store
    from posassist.services.sync import prune_central

    central = central_settings(args).central  # refuses a register with no [central] host
    password = open_secret_store().get(central_password_key(central))
    days = args.horizon_days or central.log_horizon_days
    done = prune_central(central, password, days, dry_run=args.dry_run)
    if args.json:
        print(json.dumps({
            "dry_run": done.dry_run,
            "horizon_days": done.horizon_days,
            "change_log_rows": done.log_rows,
            "applied_ops": done.applied_ops,
            "floor": done.floor,
        }))  # fmt: skip
        return 0
    verb = "would delete" if done.dry_run else "deleted"
    print(
        f"Older than {done.horizon_days} days: {verb} {done.log_rows:,} change-log rows and "
        f"{done.applied_ops:,} applied-op ids. The log now starts after seq {done.floor:,}."
    )
    return 0


def _init(args: argparse.Namespace) -> int:
    from posassist.secrets import central_password_key, open_secret_store
    from posassist.services.sync import init_central_schema

    central = central_settings(args).central
    password = open_secret_store().get(central_password_key(central))
    try:
        result = init_central_schema(central, password)
    except SyncError as exc:
        if password is not None or "password" not in exc.message or not sys.stdin.isatty():
            raise
        result = init_central_schema(central, getpass.getpass("Password: "))
    if result.restore_note:
        print(result.restore_note)
    if result.before == result.after:
        print(f"The central database {result.target} is up to date (schema {result.after}).")
    elif result.before is None:
        print(f"Created the posassist schema {result.after} in {result.target}.")
    else:
        print(f"Upgraded {result.target} from schema {result.before} to {result.after}.")
    return 0


def _password(args: argparse.Namespace) -> int:
    from posassist.secrets import central_password_key, open_secret_store

    central = central_settings(args).central
    store = open_secret_store(allow_session=False)  # saving is the point: no session fallback
    if args.stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"Password for {central.user}@{central.host}: ")
    if not password:
        raise KnownError("No password given; nothing was stored.")
    store.set(central_password_key(central), password)
    print(f"Password stored in {store.description}.")
    return 0
