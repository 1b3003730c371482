"""``posassist central init | password``: set up the chain's central PostgreSQL database."""

from __future__ import annotations

import argparse
import getpass
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


def run(args: argparse.Namespace) -> int:
    return _init(args) if args.action == "init" else _password(args)


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
