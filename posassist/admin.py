"""Store IT's commands for central mode: ``sync``, ``central`` and ``doctor``.

Kept out of ``cli.py`` so that file stays a short table of commands. Every command
takes ``--data-dir`` and ``--config`` like the others; failures the user can act on
are KnownErrors (one line, exit code 2).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from posassist.config import Settings
from posassist.errors import ConfigError, KnownError, SyncError

ADMIN_COMMANDS = ("sync", "central", "doctor")


def add_admin_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: Callable[[argparse.ArgumentParser], None],
) -> None:
    sync = sub.add_parser("sync", help="sync with the central database, or show what is waiting")
    common(sync)
    what = sync.add_mutually_exclusive_group(required=True)
    what.add_argument("--once", action="store_true", help="push and pull once, then exit")
    what.add_argument("--status", action="store_true", help="show what is waiting (offline)")
    what.add_argument(
        "--retry-refused", action="store_true", help="queue changes the server refused again"
    )
    central = sub.add_parser("central", help="set up the central PostgreSQL database")
    central_sub = central.add_subparsers(dest="action", required=True)
    init = central_sub.add_parser("init", help="create or upgrade the central schema")
    common(init)
    password = central_sub.add_parser(
        "password", help="store the central database password in the OS keyring"
    )
    common(password)
    password.add_argument(
        "--stdin", action="store_true", help="read the password from standard input"
    )
    doctor = sub.add_parser("doctor", help="check this register and say what to fix")
    common(doctor)


def run_admin(args: argparse.Namespace) -> int:
    if args.command == "doctor":
        from posassist.doctor import run_doctor

        return run_doctor(args.data_dir, args.config)
    if args.command == "central":
        return _central_init(args) if args.action == "init" else _central_password(args)
    if args.status:
        return _sync_status(args)
    return _sync_once(args) if args.once else _retry_refused(args)


def _settings(args: argparse.Namespace) -> Settings:
    from posassist.config import load_settings

    settings = load_settings(data_dir=args.data_dir, config_file=args.config)
    if not settings.central.enabled:
        raise ConfigError(
            "No central database is configured: this register works standalone.",
            hint="Set [central] host (and port, database, user) in the settings file.",
        )
    return settings


def _when(at: datetime | None) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M") if at else "never"


def _sync_once(args: argparse.Namespace) -> int:
    from posassist.app import open_backend

    _settings(args)
    backend = open_backend(args.data_dir, config_file=args.config)
    try:
        assert backend.sync is not None
        if backend.sync.secret_notice and _needs_password_prompt():
            backend.sync.remember_password(getpass.getpass("Central database password: "))
        report = backend.sync.sync_once()
        status = backend.sync.status()
    finally:
        backend.close()
    print(
        f"Sent {_n(report.acked, 'change')}"
        + (f" ({report.dead:,} refused)" if report.dead else "")
        + f", received {report.pulled:,} from other registers."
    )
    if report.problems:
        print(f"{_n(report.problems, 'received change')} could not be applied here (see --status).")
    print(f"Waiting: {status.queue.pending:,}. Refused so far: {status.queue.dead:,}.")
    return 0


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _needs_password_prompt() -> bool:
    """Only ask when a person is at the keyboard; cron jobs rely on trust/.pgpass auth."""
    return sys.stdin.isatty()


def _sync_status(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from posassist.storage.database import (
        SCHEMA_HEAD,
        STORE_FILENAME,
        inspect_existing_file,
        open_database,
    )
    from posassist.storage.orm import SyncProblem
    from posassist.sync.engine import LAST_SYNCED_KEY
    from posassist.sync.outbox import counts, dead_letters, get_state
    from posassist.sync.pull import CURSOR_KEY

    settings = _settings(args)
    data_dir: Path = settings.data_dir
    path = data_dir / STORE_FILENAME
    if inspect_existing_file(path) != SCHEMA_HEAD:
        raise KnownError(
            f"The store {path} has not been opened by this posassist yet.",
            hint="Start posassist once (it updates the store), then ask again.",
        )
    # Read-only and without the instance lock: works while the window is open.
    db = open_database(data_dir, migrate=False, lock=False)
    try:
        with db.read() as s:
            queue = counts(s)
            last = get_state(s, LAST_SYNCED_KEY)
            cursor = get_state(s, CURSOR_KEY) or "0"
            register = get_state(s, "register_id") or "(not set yet)"
            refused = dead_letters(s, 50)
            problems = s.scalars(select(SyncProblem).order_by(SyncProblem.server_seq).limit(20))
            problem_rows = list(problems)
    finally:
        db.close()
    central = settings.central
    print(f"Central database: {central.user}@{central.host}:{central.port}/{central.database}")
    print(f"This register:    {register}")
    print(f"Last synced:      {_when(datetime.fromisoformat(last) if last else None)}")
    print(f"Waiting to send:  {queue.pending:,}")
    print(f"Refused:          {queue.dead:,}")
    print(f"Pulled up to:     change {cursor}")
    for letter in refused:
        print(
            f"  refused {_when(letter.created_at)} {letter.entity} {letter.op} "
            f"{letter.entity_id}: {letter.reason}"
        )
    if queue.problems:
        print(f"Not applied here: {queue.problems:,} changes from other registers")
        for p in problem_rows:
            print(f"  change {p.server_seq} {p.entity} {p.entity_id}: {p.reason}")
    return 0


def _retry_refused(args: argparse.Namespace) -> int:
    from posassist.app import open_backend

    _settings(args)
    backend = open_backend(args.data_dir, config_file=args.config)
    try:
        assert backend.sync is not None
        n = backend.sync.retry_dead()
    finally:
        backend.close()
    print(f"{n:,} refused changes queued again; they are sent at the next sync.")
    return 0


def _central_init(args: argparse.Namespace) -> int:
    from posassist.secrets import central_password_key, open_secret_store
    from posassist.sync.central import CentralTarget
    from posassist.sync.migrate import init_central

    settings = _settings(args)
    central = settings.central
    password = open_secret_store().get(central_password_key(central))
    target = CentralTarget.from_settings(central, password)
    try:
        result = init_central(target)
    except SyncError as exc:
        if password is not None or "password" not in exc.message or not sys.stdin.isatty():
            raise
        target = CentralTarget.from_settings(central, getpass.getpass("Password: "))
        result = init_central(target)
    if result.before == result.after:
        print(f"The central database {target.describe()} is up to date (schema {result.after}).")
    elif result.before is None:
        print(f"Created the posassist schema {result.after} in {target.describe()}.")
    else:
        print(f"Upgraded {target.describe()} from schema {result.before} to {result.after}.")
    return 0


def _central_password(args: argparse.Namespace) -> int:
    from posassist.secrets import central_password_key, open_secret_store

    settings = _settings(args)
    central = settings.central
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
