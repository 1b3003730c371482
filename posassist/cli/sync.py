"""``posassist sync``: sync with the central database now, or show what is waiting.

Failures store IT can act on (no central database configured, server unreachable) are
KnownErrors: one line, exit code 2. ``--status`` needs no network and works while the
window is open.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime

from posassist.cli.common import central_settings, opened_backend
from posassist.domain.wording import plural

NAME = "sync"
HELP = "sync with the central database, or show what is waiting"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--once", action="store_true", help="push and pull once, then exit")
    what.add_argument("--status", action="store_true", help="show what is waiting (offline)")
    what.add_argument(
        "--retry-refused", action="store_true", help="queue changes the server refused again"
    )


def run(args: argparse.Namespace) -> int:
    if args.status:
        return _status(args)
    return _once(args) if args.once else _retry_refused(args)


def _when(at: datetime | None) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M") if at else "never"


def _needs_password_prompt() -> bool:
    """Only ask when a person is at the keyboard; cron jobs rely on trust/.pgpass auth."""
    return sys.stdin.isatty()


def _once(args: argparse.Namespace) -> int:
    central_settings(args)
    with opened_backend(args, writes=True) as backend:
        assert backend.sync is not None
        if backend.sync.secret_notice and _needs_password_prompt():
            backend.sync.remember_password(getpass.getpass("Central database password: "))
        report = backend.sync.sync_once()
        status = backend.sync.status()
    print(
        f"Sent {plural(report.acked, 'change')}"
        + (f" ({report.dead:,} refused)" if report.dead else "")
        + f", received {report.pulled:,} from other registers."
    )
    if report.problems:
        not_applied = plural(report.problems, "received change")
        print(f"{not_applied} could not be applied here (see --status).")
    print(f"Waiting: {status.queue.pending:,}. Refused so far: {status.queue.dead:,}.")
    return 0


def _status(args: argparse.Namespace) -> int:
    from posassist.services.sync import (
        clock_line,
        describe_bootstrap,
        describe_restore,
        status_report,
    )

    settings = central_settings(args)
    report = status_report(settings.data_dir)
    central = settings.central
    print(f"Central database: {central.user}@{central.host}:{central.port}/{central.database}")
    print(f"This register:    {report.register or '(not set yet)'}")
    print(f"Last synced:      {_when(report.last_synced)}")
    print(f"Waiting to send:  {report.queue.pending:,}")
    print(f"Refused:          {report.queue.dead:,}")
    print(f"Pulled up to:     change {report.cursor}")
    print(f"PC clock:         {clock_line(report)}")
    if report.restore is not None:
        print(f"Central restored: {describe_restore(report.restore)}")
    if report.bootstrap:
        print(f"Loaded snapshot:  {describe_bootstrap(report.bootstrap)}")
    for letter in report.refused:
        print(
            f"  refused {_when(letter.created_at)} {letter.entity} {letter.op} "
            f"{letter.entity_id}: {letter.reason}"
        )
    if report.queue.problems:
        print(f"Not applied here: {plural(report.queue.problems, 'change')} from other registers")
        for p in report.problems:
            print(f"  change {p.server_seq} {p.entity} {p.entity_id}: {p.reason}")
    return 0


def _retry_refused(args: argparse.Namespace) -> int:
    central_settings(args)
    with opened_backend(args, writes=True) as backend:
        assert backend.sync is not None
        n = backend.sync.retry_dead()
    print(f"{plural(n, 'refused change')} queued again; they are sent at the next sync.")
    return 0
