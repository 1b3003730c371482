"""What several commands share: the global options, opening the store, central settings.

The global options (``--data-dir``, ``--config``) are declared once here and given both
to the top-level parser and to every subcommand, so ``posassist --data-dir X doctor`` and
``posassist doctor --data-dir X`` mean the same. On a subcommand their default is
``SUPPRESS``: an option not repeated after the command keeps the top-level value.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posassist.errors import ConfigError
from posassist.services.access import MANAGER

COMMAND_LINE = "command line"
"""Who the CLI acts as (``StoreContext.staff_name``); its staff id is None."""

if TYPE_CHECKING:
    from posassist.app import Backend
    from posassist.config import Settings
    from posassist.services.context import StoreContext


def global_options(*, top_level: bool) -> argparse.ArgumentParser:
    """A parent parser with the options every command takes."""
    parent = argparse.ArgumentParser(add_help=False)
    default = None if top_level else argparse.SUPPRESS
    group = parent.add_argument_group("global options") if top_level else parent
    group.add_argument("--data-dir", type=Path, default=default, help="folder of the store to use")
    group.add_argument("--config", type=Path, default=default, help="settings file (TOML)")
    return parent


Subparsers = argparse._SubParsersAction  # what ``add_subparsers`` returns


def add_command(
    sub: Subparsers[argparse.ArgumentParser], name: str, **kwargs: Any
) -> argparse.ArgumentParser:
    """A (sub)command's parser, with the global options after it as well."""
    return sub.add_parser(name, parents=[global_options(top_level=False)], **kwargs)


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (use YYYY-MM-DD)") from exc


@contextmanager
def opened_backend(args: argparse.Namespace, *, writes: bool = False) -> Iterator[Backend]:
    """The store and services for one command, opened like the window opens them.

    A command that ``writes`` first runs SQLite's ``quick_check``: a damaged store is
    reported (with how to restore it) before anything is added to it. Every command then
    acts as the command line (:func:`sign_in_command_line`).
    """
    from posassist.app import open_backend

    backend = open_backend(args.data_dir, config_file=args.config, check=writes)
    try:
        sign_in_command_line(backend.ctx)
        yield backend
    finally:
        backend.close()


def sign_in_command_line(ctx: StoreContext) -> None:
    """The CLI is authorised by the operating system, not by a PIN: it is run by store IT
    under the account that owns the store, which can read and replace the store file
    anyway, so a role check could not keep that account out. It therefore acts as a
    manager, but as no staff member (staff id None, named "command line"), so what it
    logs and the audit entries it makes are never put on the first manager's name."""
    ctx.sign_in(None, COMMAND_LINE, MANAGER)


def central_settings(args: argparse.Namespace) -> Settings:
    """The settings, refused with what to do when no central database is configured."""
    from posassist.config import load_settings

    settings = load_settings(data_dir=args.data_dir, config_file=args.config)
    if not settings.central.enabled:
        raise ConfigError(
            "No central database is configured: this register works standalone.",
            hint="Set [central] host (and port, database, user) in the settings file.",
        )
    return settings
