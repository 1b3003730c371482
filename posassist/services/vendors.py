"""The partner vendor directory: who we send customers to when we don't carry something.

Managers keep it in the app or as a spreadsheet; both paths go through the same
validation, so a vendor whose hours the finder cannot read is refused when it is typed or
imported, not discovered when a customer is already standing at the counter.

CSV import is all or nothing: every row is checked first, and the whole file is written in
one transaction.  A file with one bad line changes nothing, and the message names the file
and the line, so the manager can fix it and import again.

The CSV header (documented in the README; order does not matter, only ``name`` is required)::

    id,name,address,phone,website,hours,categories,keywords,notes,active

``id`` is what ``posassist vendors`` and an export print: a row with an id updates that
vendor (or adds it with that id), a row without one updates the vendor of the same name
(case ignored) or adds a new one.  ``categories`` and ``keywords`` separate entries with
``;``.  ``active`` is yes/no (blank = yes).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from posassist.domain import opening_hours
from posassist.domain.fields import VENDOR, VENDOR_CSV_COLUMNS, VENDOR_FIELDS, VendorField
from posassist.domain.identifiers import IdentifierError, check_text
from posassist.domain.wording import plural
from posassist.errors import InvalidInputError
from posassist.importers.csv_text import csv_rows
from posassist.services.access import require
from posassist.services.context import NotifiesChanges, StoreContext
from posassist.services.csv_files import write_csv
from posassist.services.vendor_csv import bad_line, row_id
from posassist.storage.catalog import bump_catalog_version, join_list, split_list
from posassist.storage.orm import Referral, Vendor
from posassist.storage.outbox import append_change

CSV_COLUMNS = VENDOR_CSV_COLUMNS
"""The vendor CSV header, in the order exports write it."""

MAX_LENGTHS = {f.name: f.max_length for f in VENDOR if f.max_length is not None}
MAX_IMPORT_ROWS = 50_000
_TRUE = frozenset({"", "1", "y", "yes", "true", "active", "on"})
_FALSE = frozenset({"0", "n", "no", "false", "inactive", "off"})
_URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class VendorInput:
    """What a manager types (or a CSV row holds) for one vendor."""

    name: str
    address: str = ""
    phone: str = ""
    website: str = ""
    hours: str = ""
    categories: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    notes: str = ""
    active: bool = True


@dataclass(frozen=True, slots=True)
class VendorRecord:
    id: uuid.UUID
    name: str
    address: str
    phone: str
    website: str
    hours: str
    categories: tuple[str, ...]
    keywords: tuple[str, ...]
    notes: str
    active: bool


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: int
    updated: int
    path: Path
    unchanged: int = 0  # rows that matched a vendor and changed nothing

    def __str__(self) -> str:
        return f"{self.path.name}: {plural(self.added, 'vendor')} added, {self.updated:,} updated."


@dataclass
class _Row:
    line: int
    id: uuid.UUID | None
    data: VendorInput
    columns: frozenset[str] = field(default_factory=frozenset)


def _record(v: Vendor) -> VendorRecord:
    fields = {f.name: _from_column(f, getattr(v, f.name)) for f in VENDOR}
    return VendorRecord(id=v.id, **fields)


def _from_column(f: VendorField, value: Any) -> Any:
    """A stored value as records hold it: lists are stored as "; "-separated text."""
    return split_list(value) if f.kind == "list" else value


def _to_column(f: VendorField, value: Any) -> Any:
    return join_list(list(value)) if f.kind == "list" else value


def _check_vendor_texts(values: dict[str, str], data: VendorInput) -> None:
    """No control character in any vendor field (the address and notes may be multi-line)."""
    try:
        for key, text in values.items():
            check_text(text, key, key, multiline=key == "address")
        check_text(data.notes, "notes", "notes", multiline=True)
        for key, items in (("categories", data.categories), ("keywords", data.keywords)):
            for item in items:
                check_text(item, key, key)
    except IdentifierError as exc:
        raise InvalidInputError(exc.field, str(exc)) from exc


def clean_vendor(data: VendorInput) -> VendorInput:
    """Trim and check a vendor; raise InvalidInputError naming the field at fault."""
    name = " ".join(data.name.split())
    if not name:
        raise InvalidInputError("name", "A vendor needs a name.")
    values = {
        "name": name,
        "address": data.address.strip(),
        "phone": " ".join(data.phone.split()),
        "website": data.website.strip(),
        "hours": " ".join(data.hours.split()),
    }
    _check_vendor_texts(values, data)
    for key, limit in MAX_LENGTHS.items():
        if len(values[key]) > limit:
            raise InvalidInputError(key, f"The {key} is too long (at most {limit} characters).")
    website = values["website"]
    if website:
        if " " in website or "." not in website:
            raise InvalidInputError("website", f"“{website[:60]}” is not a web address.")
        if not _URL_SCHEME.match(website):
            website = "https://" + website
        elif not website.lower().startswith(("http://", "https://")):
            raise InvalidInputError("website", "The website must start with http:// or https://.")
    if values["hours"]:
        # Raises OpeningHoursError (an InvalidInputError on field "hours") with the bad part.
        opening_hours.parse(values["hours"])
    return VendorInput(
        name=name,
        address=values["address"],
        phone=values["phone"],
        website=website,
        hours=values["hours"],
        categories=tuple(dict.fromkeys(c.strip() for c in data.categories if c.strip())),
        keywords=tuple(dict.fromkeys(k.strip() for k in data.keywords if k.strip())),
        notes=data.notes.strip(),
        active=data.active,
    )


def _apply(
    vendor: Vendor, data: VendorInput, only: frozenset[str] | None = None
) -> dict[str, object]:
    """Copy ``data`` onto ``vendor``; return the changed columns (for the outbox).

    ``only`` limits the copy to the columns a CSV file actually has, so a file with just
    names and phone numbers does not wipe the addresses and hours already on record.
    """
    new = {f.name: _to_column(f, getattr(data, f.name)) for f in VENDOR}
    changed: dict[str, object] = {}
    for key, value in new.items():
        if only is not None and key not in only:
            continue
        if getattr(vendor, key) != value:
            setattr(vendor, key, value)
            changed[key] = value
    return changed


def _payload(v: Vendor) -> dict[str, object]:
    return {"id": v.id, **{name: getattr(v, name) for name in VENDOR_FIELDS}}


def vendor_json(v: VendorRecord) -> dict[str, object]:
    """One vendor as ``posassist vendors --json`` prints it (lists as JSON lists)."""
    values: dict[str, object] = {"id": str(v.id)}
    for f in VENDOR:
        value = getattr(v, f.name)
        values[f.name] = list(value) if f.kind == "list" else value
    return values


def _csv_cell(f: VendorField, value: object) -> str:
    """A field as the spreadsheet writes it (and :func:`read_vendor_csv` reads it back)."""
    if f.kind == "list":
        assert isinstance(value, tuple)
        return "; ".join(value)
    if f.kind == "flag":
        return "yes" if value else "no"
    return str(value)


class VendorService(NotifiesChanges):
    """Directory use cases; each public method is one user action and one session."""

    def __init__(self, ctx: StoreContext) -> None:
        super().__init__()
        self._ctx = ctx

    # ------------------------------------------------------------------- reads
    def list(self, *, include_inactive: bool = True) -> list[VendorRecord]:
        with self._ctx.db.read() as s:
            stmt = select(Vendor).order_by(func.lower(Vendor.name), Vendor.id)
            if not include_inactive:
                stmt = stmt.where(Vendor.active.is_(True))
            return [_record(v) for v in s.scalars(stmt)]

    def get(self, vendor_id: uuid.UUID) -> VendorRecord:
        with self._ctx.db.read() as s:
            vendor = s.get(Vendor, vendor_id)
            if vendor is None:
                raise InvalidInputError("vendor", "That vendor is not in the directory.")
            return _record(vendor)

    def resolve_id(self, text: str) -> uuid.UUID:
        """A full vendor id, or an unambiguous start of one (at least 6 characters)."""
        wanted = text.strip().lower().replace("-", "")
        if len(wanted) < 6 or not re.fullmatch(r"[0-9a-f]+", wanted):
            raise InvalidInputError(
                "vendor",
                f"No vendor with id {text.strip()!r}.",
                hint="`posassist vendors` lists the ids.",
            )
        with self._ctx.db.read() as s:
            ids = [v for v in s.scalars(select(Vendor.id)) if v.hex.startswith(wanted)]
        if len(ids) != 1:
            what = "No vendor" if not ids else plural(len(ids), "vendor")
            raise InvalidInputError(
                "vendor",
                f"{what} with id {text.strip()!r}.",
                hint="`posassist vendors` lists the ids.",
            )
        return ids[0]

    # ------------------------------------------------------------------ writes
    def create(self, data: VendorInput) -> uuid.UUID:
        require(self._ctx, "edit_vendors")
        clean = clean_vendor(data)
        vendor = Vendor(id=uuid.uuid4())
        _apply(vendor, clean)
        with self._ctx.db.write() as s:
            s.add(vendor)
            self._log(s, vendor, "insert", _payload(vendor))
        self._changed()
        return vendor.id

    def update(self, vendor_id: uuid.UUID, data: VendorInput) -> None:
        require(self._ctx, "edit_vendors")
        clean = clean_vendor(data)
        with self._ctx.db.write() as s:
            vendor = s.get(Vendor, vendor_id)
            if vendor is None:
                raise InvalidInputError("vendor", "That vendor is not in the directory.")
            changed = _apply(vendor, clean)
            if not changed:
                return
            self._log(s, vendor, "update", changed)
        self._changed()

    def set_active(self, vendor_id: uuid.UUID, active: bool) -> None:
        """Deactivating keeps the vendor (and its referral history) but hides it from the
        finder; it is the usual way to "remove" a partner."""
        require(self._ctx, "edit_vendors")
        with self._ctx.db.write() as s:
            vendor = s.get(Vendor, vendor_id)
            if vendor is None:
                raise InvalidInputError("vendor", "That vendor is not in the directory.")
            if vendor.active == active:
                return
            vendor.active = active
            self._log(s, vendor, "update", {"active": active})
        self._changed()

    def delete(self, vendor_id: uuid.UUID) -> None:
        """Only a vendor nobody was ever referred to or from may go; else deactivate it."""
        require(self._ctx, "edit_vendors")
        with self._ctx.db.write() as s:
            vendor = s.get(Vendor, vendor_id)
            if vendor is None:
                raise InvalidInputError("vendor", "That vendor is not in the directory.")
            used = s.scalar(
                select(func.count()).select_from(Referral).where(Referral.vendor_id == vendor_id)
            )
            if used:
                raise InvalidInputError(
                    "vendor",
                    f"{vendor.name} has {plural(used, 'referral')} on record, so it cannot "
                    "be deleted.",
                    hint="Mark it inactive instead: it then no longer appears in the finder.",
                )
            s.delete(vendor)
            append_change(
                s,
                entity="vendor",
                entity_id=vendor_id,
                op="delete",
                payload={"id": vendor_id},
                hlc=self._ctx.stamp(),
            )
            bump_catalog_version(s)
        self._changed()

    def _log(self, s: Session, vendor: Vendor, op: str, payload: dict[str, object]) -> None:
        append_change(
            s,
            entity="vendor",
            entity_id=vendor.id,
            op=op,
            payload={"id": vendor.id, **payload} if op == "update" else payload,
            hlc=self._ctx.stamp(),
        )
        bump_catalog_version(s)

    # -------------------------------------------------------------------- CSV
    def import_csv(self, path: Path, *, dry_run: bool = False) -> ImportResult:
        """Add or update vendors from ``path``; nothing is written unless every row is good
        (a ``dry_run`` checks and counts them, then rolls back)."""
        require(self._ctx, "edit_vendors")
        rows = read_vendor_csv(path)
        added = updated = 0
        with self._ctx.db.write() as s:
            by_id = {v.id: v for v in s.scalars(select(Vendor))}
            by_name: dict[str, list[Vendor]] = {}
            for v in by_id.values():
                by_name.setdefault(v.name.casefold(), []).append(v)
            for row in rows:
                vendor = by_id.get(row.id) if row.id is not None else None
                if vendor is None and row.id is None:
                    same = by_name.get(row.data.name.casefold(), [])
                    if len(same) > 1:
                        raise InvalidInputError(
                            f"{path}:{row.line}",
                            f"{path}, line {row.line}: {len(same):,} vendors are called "
                            f"“{row.data.name}”; give this row the id of the one to update.",
                        )
                    vendor = same[0] if same else None
                if vendor is None:
                    vendor = Vendor(id=row.id or uuid.uuid4())
                    _apply(vendor, row.data)
                    s.add(vendor)
                    by_id[vendor.id] = vendor
                    by_name.setdefault(vendor.name.casefold(), []).append(vendor)
                    self._log(s, vendor, "insert", _payload(vendor))
                    added += 1
                else:
                    changed = _apply(vendor, row.data, row.columns)
                    if changed:
                        self._log(s, vendor, "update", changed)
                        updated += 1
            if dry_run:
                s.rollback()  # checked against the store and counted; nothing kept
        if (added or updated) and not dry_run:
            self._changed()
        return ImportResult(added, updated, path, len(rows) - added - updated)

    def export_csv(self, path: Path) -> int:
        """Write every vendor (inactive ones too) to ``path``; returns the number written."""
        require(self._ctx, "edit_vendors")
        vendors = self.list()
        rows = [[str(v.id), *(_csv_cell(f, getattr(v, f.name)) for f in VENDOR)] for v in vendors]
        write_csv(path, CSV_COLUMNS, rows)
        return len(rows)


# ---------------------------------------------------------------------- CSV helpers


def _parse_bool(path: Path, line: int, text: str) -> bool:
    value = text.strip().casefold()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise bad_line(path, line, f"active must be yes or no, not “{text.strip()[:20]}”.")


def _csv_fields(path: Path, line: int, values: dict[str, str]) -> dict[str, Any]:
    """The cells of one row as :class:`VendorInput` fields (a missing column is blank)."""
    out: dict[str, Any] = {}
    for f in VENDOR:
        text = values.get(f.name, "")
        if f.kind == "list":
            out[f.name] = split_list(text)
        elif f.kind == "flag":
            out[f.name] = _parse_bool(path, line, text)
        else:
            out[f.name] = text
    return out


def read_vendor_csv(path: Path) -> list[_Row]:
    """Parse and validate a whole vendor CSV, or raise on the first bad line."""
    columns, lines = csv_rows(
        path, CSV_COLUMNS, ("name",), max_rows=MAX_IMPORT_ROWS, what="vendors"
    )
    rows: list[_Row] = []
    seen_ids: dict[uuid.UUID, int] = {}
    for start, values in lines:
        vendor_id = row_id(path, start, values, seen_ids)
        try:
            data = clean_vendor(VendorInput(**_csv_fields(path, start, values)))
        except InvalidInputError as exc:
            if exc.field.startswith(str(path)):
                raise
            raise bad_line(path, start, f"{exc.field}: {exc}") from exc
        rows.append(_Row(line=start, id=vendor_id, data=data, columns=frozenset(columns)))
    return rows
