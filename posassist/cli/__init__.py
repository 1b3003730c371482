"""Command line: ``posassist [global options] [command ...]``; no command opens the window.

The commands are a registry: :data:`COMMANDS` lists one module per subcommand, and each
module declares its ``NAME``, ``HELP`` (and optionally ``DESCRIPTION``), an
``add_arguments(parser)`` and a ``run(args) -> int``. The parser is built from that
table and dispatches with ``set_defaults(run=...)``, so adding a command is adding a
module and a line here, and a mistyped one gets argparse's "invalid choice" with the
list of commands.

``--data-dir`` and ``--config`` go before or after the command; ``--demo`` and
``--smoke-test`` (before ``run``, or with no command) open the window. The exit codes
are listed in :mod:`posassist.cli.exit_codes`: a KnownError becomes a one-line message
and exit code 2, Ctrl+C exit code 130; a bug keeps its traceback.
"""

from __future__ import annotations

import argparse
import difflib
import logging
import os
import re
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn

from posassist.cli import (
    also_bought,
    audit,
    backup,
    bench,
    central,
    customer,
    doctor,
    holds,
    import_,
    picks,
    restore,
    run,
    score,
    slip,
    staff,
    stock,
    sync,
    vendors,
)
from posassist.cli.common import add_command, global_options
from posassist.cli.exit_codes import CANCELLED, OK, USER_ERROR
from posassist.errors import KnownError

COMMANDS: tuple[ModuleType, ...] = (
    run,
    import_,
    score,
    bench,
    central,
    sync,
    doctor,
    vendors,
    picks,
    stock,
    slip,
    holds,
    staff,
    backup,
    restore,
    customer,
    also_bought,
    audit,
)


class _Version(argparse.Action):
    """``--version``, read from the installed package's metadata only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)  # type: ignore[arg-type]

    def __call__(self, parser: argparse.ArgumentParser, *_args: object) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("posassist")
        except PackageNotFoundError:  # run from a source tree that was never installed
            number = "(not installed)"
        print(f"posassist {number}")
        parser.exit()


class _Parser(argparse.ArgumentParser):
    """argparse with the "did you mean" of Python 3.14's ``suggest_on_error``, which the
    Pythons posassist supports do not have yet. Subcommand parsers inherit it."""

    def error(self, message: str) -> NoReturn:
        found = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if found is not None:
            choices = re.findall(r"'([^']*)'", found.group(2))
            close = difflib.get_close_matches(found.group(1), choices, n=1)
            if close:
                message += f"; did you mean {close[0]!r}?"
        super().error(message)


def build_parser() -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = _Parser(
        prog="posassist",
        description="A cashier's assistant beside the register.",
        parents=[global_options(top_level=True)],
        epilog="Exit codes: 0 ok, 1 a problem found (doctor), 2 a problem you can fix, "
        "130 cancelled.",
    )
    parser.add_argument("--version", action=_Version, help="print the version and exit")
    run.window_options(parser, top_level=True)
    parser.set_defaults(run=run.run)  # no command: open the window
    sub = parser.add_subparsers(dest="command", metavar="command", title="commands")
    for command in COMMANDS:
        description = getattr(command, "DESCRIPTION", None)
        child = add_command(sub, command.NAME, help=command.HELP, description=description)
        command.add_arguments(child)
        child.set_defaults(run=command.run)
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    if (args.demo or args.smoke_test) and args.run is not run.run:
        parser.error(
            f"--demo and --smoke-test open the window; they do not go with {args.command!r}"
        )
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else list(argv))
    try:
        # Inside the try: importing the app takes a moment, and Ctrl+C then is a cancel too.
        from posassist.app.log_scrub import configure_logging  # no personal data in logs

        configure_logging(logging.WARNING)
        return int(args.run(args))
    except KnownError as exc:
        print(f"posassist: {exc}", file=sys.stderr)
        return USER_ERROR
    except KeyboardInterrupt:
        print("posassist: cancelled", file=sys.stderr)
        return CANCELLED
    except BrokenPipeError:
        # `posassist vendors | head`: the reader left; that is not an error of ours.
        # Point stdout at devnull so the interpreter's final flush stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return OK


__all__ = ["COMMANDS", "build_parser", "main"]
