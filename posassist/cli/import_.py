"""``posassist import KIND FILE [--dry-run] [--mapping NAME [--map FIELD=COLUMN ...]] [--json]``.

One command for every kind of file (``importers/kinds.py KINDS``): the till's history
(a transactions CSV, Square and Shopify exports, any other CSV through a saved column
mapping) streams through ``services/importing.py``; the reference files (products, stock,
vendors, picks) go through their own services, by way of
``services/reference_import.py``, so every kind prints, dry-runs and refuses alike:

* stdout: one summary line of the counts, or with ``--json`` exactly
  :meth:`ImportReport.as_json` and nothing else;
* stderr: the progress while it runs (``cli/import_progress.py``), the first problems
  with their file, line and column, and "cancelled, nothing imported" after a Ctrl+C;
* exit code (``cli/exit_codes.py``): 0 imported (or, with ``--dry-run``, it would
  import), 2 the file has problems and nothing was imported, or the arguments are wrong,
  130 cancelled.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from posassist.cli.common import opened_backend
from posassist.cli.exit_codes import CANCELLED, OK, USER_ERROR
from posassist.domain.wording import plural
from posassist.errors import CancelledError, InvalidInputError, KnownError
from posassist.services.reference_import import (
    KINDS,
    MAPPED_FIELDS,
    ImportReport,
    Refusal,
    run_reference,
)

if TYPE_CHECKING:
    from posassist.app import Backend
    from posassist.services.importing import ImportService

NAME = "import"
HELP = "import a file: the till's history (transactions, Square, Shopify) or reference data"
DESCRIPTION = (
    "posassist import KIND FILE [--dry-run] [--mapping NAME [--map FIELD=COLUMN ...]] [--json]"
)
SHOWN_PROBLEMS = 10  # problems printed with their place; the rest are counted
CANCELLED_TEXT = "cancelled, nothing imported"


def _epilog() -> str:
    width = max(len(name) for name in KINDS)
    kinds = "\n".join(f"  {k.name:<{width}}  {k.label}" for k in KINDS.values())
    fields = ", ".join(f.name + ("*" if f.required else "") for f in MAPPED_FIELDS)
    return (
        f"kinds:\n{kinds}\n\n"
        f"mapped fields (--map FIELD=COLUMN; * required): {fields}\n\n"
        "Exit codes: 0 imported (with --dry-run: it would import), 2 the file has problems "
        "(nothing imported) or a bad argument, 130 cancelled (Ctrl+C; nothing imported)."
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = _epilog()
    parser.add_argument(
        "kind", metavar="KIND", choices=list(KINDS), help="what the file is (see kinds below)"
    )
    parser.add_argument("file", metavar="FILE", type=Path, help="the CSV file to import")
    parser.add_argument(
        "--dry-run", action="store_true",
        help="read and check everything, print the counts and problems, write nothing",
    )  # fmt: skip
    parser.add_argument(
        "--mapping", metavar="NAME",
        help="for KIND mapped: the saved column mapping to read the file with",
    )  # fmt: skip
    parser.add_argument(
        "--map", metavar="FIELD=COLUMN", action="append", default=[], dest="map_fields",
        help="save FIELD as read from COLUMN in the mapping NAME first (repeatable; "
        "fields not given keep the column saved before)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def run(args: argparse.Namespace) -> int:
    try:
        fields = _checked_mapping_args(args)
        with opened_backend(args, writes=True) as backend:
            try:
                report = _import(backend, args, fields)
            except (CancelledError, KeyboardInterrupt):
                print(f"posassist: {CANCELLED_TEXT}", file=sys.stderr, flush=True)
                _refused(args, Refusal(CANCELLED_TEXT), problem=False)
                return CANCELLED
            _print(report, as_json=args.json)
            if report.imported and KINDS[report.kind].streaming:
                backend.also_bought.rebuild_if_stale()  # purchases count for "also bought"
    except KnownError as exc:
        if not args.json:
            raise  # the one line on stderr (cli/__init__.py), exit 2
        print(f"posassist: {exc}", file=sys.stderr)
        _refused(args, Refusal.of(exc, args.file))
        return USER_ERROR
    return USER_ERROR if report.problems else OK


def _refused(args: argparse.Namespace, refusal: Refusal, *, problem: bool = True) -> None:
    """With ``--json``, a refused or cancelled import is a report too (``imported``
    false, its ``error``): a script piping the output into ``jq`` always gets JSON."""
    if args.json:
        report = ImportReport.refused(args.kind, args.file, args.dry_run, refusal, problem=problem)
        print(json.dumps(report.as_json(), ensure_ascii=False), flush=True)


def _checked_mapping_args(args: argparse.Namespace) -> dict[str, str]:
    """The ``--map`` fields, after refusing what cannot go together (before the store
    is opened: a typo costs nothing)."""
    if args.kind != "mapped" and (args.mapping or args.map_fields):
        option = "--mapping" if args.mapping else "--map"
        raise InvalidInputError(
            "mapping",
            f"{option} is for the kind 'mapped' (a saved column mapping); "
            f"{args.kind} files are read by their own column names.",
        )
    if args.kind == "mapped" and not args.mapping:
        raise InvalidInputError(
            "mapping",
            "posassist import mapped needs --mapping NAME: a saved mapping, or a new "
            "one given with --map FIELD=COLUMN.",
        )
    known = [f.name for f in MAPPED_FIELDS]
    fields: dict[str, str] = {}
    for given in args.map_fields:
        field, sep, column = given.partition("=")
        field, column = field.strip(), column.strip()
        if not sep or not field or not column:
            raise InvalidInputError("map", f"--map takes FIELD=COLUMN, not {given!r}.")
        if field not in known:
            raise InvalidInputError(
                "map",
                f"--map: there is no field {field!r} (the fields: {', '.join(known)}).",
            )
        fields[field] = column
    return fields


def _import(backend: Backend, args: argparse.Namespace, fields: dict[str, str]) -> ImportReport:
    if not KINDS[args.kind].streaming:
        return run_reference(
            backend.catalog, backend.picks, backend.vendors, args.kind, args.file,
            dry_run=args.dry_run,
        )  # fmt: skip
    from posassist.cli.import_progress import ProgressDisplay, cancel_on_sigint
    from posassist.services.importing import ImportService

    service = ImportService(backend.ctx, backend.customers)
    new_fields = _mapping_to_save(service, args.mapping, fields) if args.kind == "mapped" else None
    display = ProgressDisplay(args.file.name)
    try:
        with cancel_on_sigint() as cancel:
            return service.run(
                args.kind, args.file, dry_run=args.dry_run, mapping=args.mapping,
                mapping_fields=new_fields, progress=display, cancel=cancel,
            )  # fmt: skip
    finally:
        display.close()


def _mapping_to_save(
    service: ImportService, name: str, fields: dict[str, str]
) -> dict[str, str] | None:
    """With ``--map``, the mapping ``name`` as it is to be saved (the saved one with these
    fields changed), saved by the import if it commits; without it, None, and the
    mapping must exist."""
    saved = service.mapping(name)
    if fields:
        return {**(saved or {}), **fields}
    if saved is None:
        names = service.mappings()
        known = f" (saved: {', '.join(names)})" if names else " (none is saved yet)"
        raise InvalidInputError(
            "mapping",
            f"No saved mapping is called {name!r}{known}; "
            "give its columns with --map FIELD=COLUMN.",
        )
    return None


def _print(report: ImportReport, *, as_json: bool) -> None:
    """The report on stdout (a line, or the JSON), its first problems on stderr."""
    if as_json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        print(_summary(report))
    for text in report.first_problems[:SHOWN_PROBLEMS]:
        print(f"posassist: {text}", file=sys.stderr)
    more = report.problems - min(len(report.first_problems), SHOWN_PROBLEMS)
    if more > 0:
        print(f"posassist: … and {plural(more, 'more problem')}.", file=sys.stderr)


def _summary(r: ImportReport) -> str:
    """One line: what was (or, in a dry run, would be) imported, or why nothing was."""
    counts = r.summary if not KINDS[r.kind].streaming else _counts(r)
    if r.problems:
        read = f"{plural(r.rows, 'row')} read, " if KINDS[r.kind].streaming else ""
        return f"Not imported, nothing written: {read}{plural(r.problems, 'problem')} in {r.path}."
    if r.dry_run:
        return f"Dry run, nothing written; it would import: {counts}"
    return f"Imported {counts}"


def _counts(r: ImportReport) -> str:
    return (
        f"{r.path.name}: {plural(r.rows, 'row')}; {plural(r.customers_new, 'new customer')}, "
        f"{r.customers_matched:,} matched; {_withheld(r)}{plural(r.interactions, 'visit')} with "
        f"{plural(r.lines, 'line')}; {plural(r.anonymous, 'anonymous sale')}; "
        f"{r.skipped:,} skipped; {plural(r.problems, 'problem')} ({r.seconds:,.1f} s)."
    )


def _withheld(r: ImportReport) -> str:
    """``3 contacts withheld (kept only to match); ``: said only when there are some."""
    if not r.contacts_withheld:
        return ""
    return f"{plural(r.contacts_withheld, 'contact')} withheld (kept only to match); "
