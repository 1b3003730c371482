"""Command line: ``posassist [run options]`` opens the window; subcommands serve IT.

Every command takes ``--data-dir``. A KnownError becomes a one-line message and exit
code 2; a bug keeps its traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from posassist.admin import ADMIN_COMMANDS, add_admin_parsers
from posassist.errors import KnownError
from posassist.referral_cli import REFERRAL_COMMANDS, add_referral_parsers

COMMANDS = ("run", "bench", "import", "score", *ADMIN_COMMANDS, *REFERRAL_COMMANDS)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, help="folder of the store to use")
    parser.add_argument("--config", type=Path, help="settings file (TOML)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="posassist", description="A cashier's assistant beside the register."
    )
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="open the register window (the default)")
    _common(run)
    run.add_argument("--demo", action="store_true", help="open a generated demo store")
    run.add_argument("--smoke-test", action="store_true", help="start, show the window and exit 0")
    bench = sub.add_parser("bench", help="measure lookups and start-up on a large store")
    _common(bench)
    bench.add_argument("--json", action="store_true", help="print JSON after the table")
    bench.add_argument("--customers", type=int, default=100_000, help="size of the synthetic store")
    bench.add_argument("--repeat", type=int, default=200, help="timed repetitions per row")
    bench.add_argument(
        "--sync-only", action="store_true", help="only the central sync rows (local PostgreSQL)"
    )
    imp = sub.add_parser("import", help="import data from a file")
    imp_sub = imp.add_subparsers(dest="what", required=True)
    tx = imp_sub.add_parser(
        "transactions", help="CSV with a customer id column, a date column, optional amount"
    )
    _common(tx)
    tx.add_argument("file", type=Path)
    score = sub.add_parser("score", help="refit the repeat-visitor model and report")
    _common(score)
    score.add_argument("--as-of", type=_iso_date, help="fit on history up to this day")
    score.add_argument(
        "--evaluate-until", type=_iso_date, help="check who came back after --as-of until this day"
    )
    score.add_argument("--json", action="store_true", help="print JSON")
    add_admin_parsers(sub, _common)
    add_referral_parsers(sub, _common)
    return parser


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (use YYYY-MM-DD)") from exc


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or (args_list[0] not in COMMANDS and args_list[0] not in ("-h", "--help")):
        args_list.insert(0, "run")
    args = build_parser().parse_args(args_list)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command in ("import", "score"):
            from posassist.commands import run_import, run_score

            return run_import(args) if args.command == "import" else run_score(args)
        if args.command in REFERRAL_COMMANDS:
            from posassist.referral_cli import run_referral_command

            return run_referral_command(args)
        if args.command in ADMIN_COMMANDS:
            from posassist.admin import run_admin

            return run_admin(args)
        if args.command == "bench":
            from posassist.bench import run_bench

            return run_bench(args)
        from posassist.app import run_gui

        return run_gui(
            args.data_dir, demo=args.demo, smoke_test=args.smoke_test, config_file=args.config
        )
    except KnownError as exc:
        print(f"posassist: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `posassist vendors | head`: the reader left; that is not an error of ours.
        # Point stdout at devnull so the interpreter's final flush stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
