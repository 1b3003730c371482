"""``posassist slip``: make (and record) a referral slip as a PDF, for a script or store IT.

Problems a person can fix (unknown vendor id, bad layout, a folder that cannot be written,
an unreadable logo) are KnownErrors: one line on stderr and exit code 2, with nothing
recorded.  ``posassist slip`` writes the PDF to a temporary file beside ``--output`` before
it records the referral, and moves it into place after the commit.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from posassist.cli.common import opened_backend
from posassist.errors import InvalidInputError
from posassist.services.csv_files import check_export_target

if TYPE_CHECKING:
    from posassist.app import Backend

NAME = "slip"
HELP = "make (and record) a referral slip as a PDF file, or --test-print the test slip"
_LAYOUTS = "80mm|58mm|a6|half-letter"


def add_arguments(slip: argparse.ArgumentParser) -> None:
    where = slip.add_mutually_exclusive_group()
    where.add_argument("--vendor", metavar="ID", help="partner vendor id (or its first 8 chars)")
    where.add_argument("--branch", metavar="CODE", help="send them to our branch with this code")
    slip.add_argument("--item", help="what the customer asked for")
    slip.add_argument("--layout", help=f"paper: {_LAYOUTS} (default: the settings' layout)")
    slip.add_argument("-o", "--output", type=Path, help="the PDF file to write")
    slip.add_argument(
        "--test-print",
        action="store_true",
        help="print the test slip on the configured printer profile (OS printer or "
        "ESC/POS) instead; nothing is recorded",
    )
    slip.set_defaults(slip_parser=slip)


def run(args: argparse.Namespace) -> int:
    parser: argparse.ArgumentParser = args.slip_parser
    if args.test_print:
        if args.vendor or args.branch or args.item or args.output:
            parser.error("--test-print takes no --vendor, --branch, --item or --output")
        return _test_print(args)
    if not (args.vendor or args.branch):
        parser.error("one of the arguments --vendor --branch is required")
    if args.item is None or args.output is None:
        parser.error("the arguments --item and -o/--output are required (or --test-print)")
    if args.layout is not None:
        from posassist.services.printers import check_layout

        check_layout(args.layout)  # refused before the store is even opened
    _check_writable(args.output)
    with opened_backend(args, writes=True) as backend:
        return _slip(backend, args)


def _test_print(args: argparse.Namespace) -> int:
    """The test slip on ``[printing]``'s profile (``--layout`` overrides the paper), with
    the store's own details: what a real slip looks like on that printer. No store is
    opened and nothing is recorded."""
    import dataclasses
    from datetime import datetime

    from posassist.app.backend import resolve_settings
    from posassist.services.printers import PrintService, check_layout

    settings = resolve_settings(args.data_dir, config_file=args.config)
    printing = settings.printing
    if args.layout is not None:
        printing = dataclasses.replace(printing, layout=check_layout(args.layout))
    today = datetime.now(settings.tz).date()
    where = PrintService(printing).print_test_slip(settings.store, printing, today)
    print(f"Test slip printed on {where}.")
    return 0


def _check_writable(path: Path) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    check_export_target(path, "output")  # no symlink, device or folder at the target
    if not folder.is_dir():
        raise InvalidInputError(
            "output", f"Cannot write {path}: the folder {folder} does not exist."
        )
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InvalidInputError("output", f"Cannot write {path}: permission denied.")


def _slip(backend: Backend, args: argparse.Namespace) -> int:
    """The slip is written to a temporary file beside ``--output`` before the referral is
    recorded, and renamed into place after the commit: a file that cannot be written
    records nothing, and a recorded referral always has its slip."""
    vendor_id = backend.vendors.resolve_id(args.vendor) if args.vendor else None
    branch_id = backend.referrals.branch_id_for_code(args.branch) if args.branch else None
    staged = _StagedFile(args.output)
    try:
        slip = backend.referrals.issue_slip(
            args.item,
            vendor_id=vendor_id,
            branch_id=branch_id,
            layout=args.layout,
            before_record=staged.write,
        )
    except BaseException:
        staged.discard()
        raise
    staged.commit(f"The referral was recorded with code {slip.code}.")
    print(
        f"Slip {slip.code} for {slip.target_name} ({slip.layout}) written to {args.output}; "
        "referral recorded."
    )
    return 0


class _StagedFile:
    """A temporary file in the output's folder that becomes the output on :meth:`commit`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp: Path | None = None

    def write(self, data: bytes) -> None:
        folder = self.path.parent if str(self.path.parent) else Path(".")
        try:
            if self.tmp is None:
                fd, name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=folder)
                os.close(fd)
                self.tmp = Path(name)
            with self.tmp.open("wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            self.discard()
            raise InvalidInputError(
                "output", f"Cannot write {self.path}: {exc.strerror or exc}. Nothing was recorded."
            ) from exc

    def commit(self, recorded: str) -> None:
        assert self.tmp is not None, "issue_slip returned without staging the slip"
        try:
            check_export_target(self.path, "output")
            os.replace(self.tmp, self.path)
        except InvalidInputError as exc:
            self.discard()
            raise InvalidInputError("output", f"{exc.message} {recorded}") from exc
        except OSError as exc:
            self.discard()
            raise InvalidInputError(
                "output", f"Cannot write {self.path}: {exc.strerror or exc}. {recorded}"
            ) from exc

    def discard(self) -> None:
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)
            self.tmp = None
