"""``posassist doctor``: check this register and say, in plain words, what to fix.

The checks are a service (:mod:`posassist.services.diagnostics`); this prints them.
The exit code is 1 when there is at least one problem, so a script can alert IT.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from posassist.cli.exit_codes import OK, PROBLEM_FOUND
from posassist.errors import KnownError

NAME = "doctor"
HELP = "check this register and say what to fix"
LABELS = {"ok": "ok      ", "warning": "WARNING ", "problem": "PROBLEM "}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``--demo``: check the demo store's folder (where ``posassist --demo`` keeps it)."""
    parser.add_argument(
        "--demo",
        dest="doctor_demo",  # not the window's --demo, which does not go with a command
        action="store_true",
        help="check the demo store's folder instead of the register's",
    )


def run(args: argparse.Namespace) -> int:
    return run_doctor(args.data_dir, args.config, demo=args.doctor_demo)


def run_doctor(data_dir: Path | None, config_file: Path | None, *, demo: bool = False) -> int:
    from posassist.app.backend import resolve_settings
    from posassist.services.diagnostics import run_checks, summary

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no window is ever shown
    try:
        settings = resolve_settings(data_dir, demo=demo, config_file=config_file)
    except KnownError as exc:
        print(f"PROBLEM  {exc.message}")
        print(f"         → {exc.hint or 'Fix the settings file and run posassist doctor again.'}")
        return PROBLEM_FOUND
    findings = run_checks(settings)
    for f in findings:
        print(f"{LABELS[f.level]} {f.what}")
        if f.todo and f.level != "ok":
            print(f"         → {f.todo}")
    print(summary(findings))
    return PROBLEM_FOUND if any(f.level == "problem" for f in findings) else OK
