"""``posassist restore FILE``: put a backup in place of the store, keeping the old one.

Refused while the window runs (it needs the store to itself). The backup is checked
first; the current store is moved aside, never overwritten.
"""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "restore"
HELP = "replace the store with the backup FILE (the current store is kept aside)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE", help="the backup file to restore")


def run(args: argparse.Namespace) -> int:
    from posassist.config import load_settings
    from posassist.services.backup import restore_backup

    settings = load_settings(data_dir=args.data_dir, config_file=args.config)
    done = restore_backup(settings.data_dir, args.file)
    print(f"Checked {done.source}: healthy, schema {done.revision}.")
    if done.kept_aside is not None:
        print(f"The store that was there is kept as {done.kept_aside}.")
    print(f"Restored {done.source} as {done.store}.")
    if settings.central.enabled:
        print(
            "At the next sync this register sends what the backup has not sent yet and "
            "gets back from the central database everything since, its own changes too."
        )
    return 0
