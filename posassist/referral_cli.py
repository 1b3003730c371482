"""``posassist vendors`` and ``posassist slip``: the partner directory and referral slips
from a terminal, for store IT (bulk edits as CSV, a slip printed from a script).

Problems a person can fix (unknown vendor id, bad layout, a folder that cannot be written,
an unreadable logo) are KnownErrors: one line on stderr and exit code 2, with nothing
recorded.  ``posassist slip`` writes the PDF to a temporary file beside ``--output`` before
it records the referral, and moves it into place after the commit.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from posassist.errors import InvalidInputError

REFERRAL_COMMANDS = ("vendors", "slip")
_LAYOUTS = "80mm|58mm|a6|half-letter"


def add_referral_parsers(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    vendors = sub.add_parser(
        "vendors",
        help="list the partner vendors with their ids; import or export them as CSV",
        description="posassist vendors [--json] | vendors import FILE | vendors export FILE",
    )
    common(vendors)
    vendors.add_argument(
        "action", nargs="?", default="list", choices=("list", "import", "export"),
        help="list (default), import FILE or export FILE",
    )  # fmt: skip
    vendors.add_argument("file", nargs="?", type=Path, help="the CSV file to import or export")
    vendors.add_argument("--json", action="store_true", help="print the list as JSON")
    slip = sub.add_parser("slip", help="make (and record) a referral slip as a PDF file")
    common(slip)
    where = slip.add_mutually_exclusive_group(required=True)
    where.add_argument("--vendor", metavar="ID", help="partner vendor id (or its first 8 chars)")
    where.add_argument("--branch", metavar="CODE", help="send them to our branch with this code")
    slip.add_argument("--item", required=True, help="what the customer asked for")
    slip.add_argument("--layout", help=f"paper: {_LAYOUTS} (default: the settings' layout)")
    slip.add_argument("-o", "--output", type=Path, required=True, help="the PDF file to write")


def run_referral_command(args: argparse.Namespace) -> int:
    if args.command == "slip" and args.layout is not None:
        from posassist.printing.layouts import get_layout

        get_layout(args.layout)  # refused before the store is even opened
    if args.command == "slip":
        _check_writable(args.output)
    if args.command == "vendors" and args.action != "list" and args.file is None:
        raise InvalidInputError("file", f"posassist vendors {args.action} needs a FILE.")
    from posassist.app import open_backend

    backend = open_backend(args.data_dir, config_file=args.config)
    try:
        if args.command == "vendors":
            return _vendors(backend, args)
        return _slip(backend, args)
    finally:
        backend.close()


def _check_writable(path: Path) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise InvalidInputError("output", f"Cannot write {path}: it is a folder.")
    if not folder.is_dir():
        raise InvalidInputError(
            "output", f"Cannot write {path}: the folder {folder} does not exist."
        )
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InvalidInputError("output", f"Cannot write {path}: permission denied.")


def _vendors(backend: Any, args: argparse.Namespace) -> int:
    if args.action == "import":
        print(backend.vendors.import_csv(args.file))
        return 0
    if args.action == "export":
        written = backend.vendors.export_csv(args.file)
        print(f"{written} vendors written to {args.file}.")
        return 0
    vendors = backend.vendors.list()
    if args.json:
        from posassist.services.vendors import vendor_json

        rows = [vendor_json(v) for v in vendors]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not vendors:
        print(
            "No partner vendors yet. Add them in the app (Ctrl+D) or: posassist vendors import FILE"
        )
        return 0
    width = min(40, max(len(v.name) for v in vendors))
    print(f"{'id':<36}  {'name':<{width}}  {'active':<6}  phone")
    for v in vendors:
        name = v.name if len(v.name) <= width else v.name[: width - 1] + "…"
        print(f"{v.id!s:<36}  {name:<{width}}  {'yes' if v.active else 'no':<6}  {v.phone}")
    return 0


def _slip(backend: Any, args: argparse.Namespace) -> int:
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
            os.replace(self.tmp, self.path)
        except OSError as exc:
            self.discard()
            raise InvalidInputError(
                "output", f"Cannot write {self.path}: {exc.strerror or exc}. {recorded}"
            ) from exc

    def discard(self) -> None:
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)
            self.tmp = None
