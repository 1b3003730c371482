"""``posassist [run]``: open the register window (the default when no command is given)."""

from __future__ import annotations

import argparse
import gc

NAME = "run"
HELP = "open the register window (the default)"


def window_options(parser: argparse.ArgumentParser, *, top_level: bool) -> None:
    """``--demo`` and ``--smoke-test``: on the top-level parser (``posassist --demo``) and
    after ``run``, where a repeated option must not reset the top-level one."""
    default = False if top_level else argparse.SUPPRESS
    group = parser.add_argument_group("the window (no command, or run)") if top_level else parser
    group.add_argument(
        "--demo", action="store_true", default=default, help="open a generated demo store"
    )
    group.add_argument(
        "--smoke-test",
        action="store_true",
        default=default,
        help="start, show the window and exit 0",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    window_options(parser, top_level=False)


def run(args: argparse.Namespace) -> int:
    """Open the window, with Python's cyclic garbage collector off until it is painted.

    Start-up imports and wires a few hundred thousand objects that all stay alive, so
    every collection on the way finds nothing to free and only costs time (about a tenth
    of start-up, measured). ``run_gui`` turns it back on right after the first paint;
    the ``finally`` does, should start-up fail before that.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        from posassist.app.gui import run_gui

        return run_gui(
            args.data_dir, demo=args.demo, smoke_test=args.smoke_test, config_file=args.config
        )
    finally:
        if was_enabled:
            gc.enable()
