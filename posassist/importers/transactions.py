"""Importing a transaction log (customer id, date, optional amount) from CSV.

For a manager who wants to check the repeat-visitor flags on their own history, or to
bring years of till data into a new store. The header is matched case-insensitively
against documented synonyms; other columns are ignored. The import is all or nothing:
the first bad row stops it with the file and line named, and nothing is written.

Amounts are read by :func:`posassist.domain.money.parse_amount` (decimal point or comma,
grouped thousands, a currency sign). Dates are read in ONE format per file, chosen so that
it reads every row: "03/04/2024" never means 3 April on one line and March on the next.
A file whose day-month dates read both ways (every day 12 or less) is refused rather than
guessed, and so are dates after the store's tomorrow.

Customers are keyed by the file's customer id through a UUIDv5, and each row's
interaction id is derived from its content, so importing the same file twice adds
nothing the second time.
"""

from __future__ import annotations

import csv
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from posassist.domain.identifiers import IdentifierError, check_text, name_key
from posassist.domain.money import parse_amount
from posassist.errors import InvalidInputError
from posassist.importers.dates import LineError, choose_day_format, future_message, is_a_date
from posassist.storage.base import utcnow
from posassist.storage.orm import Customer, Interaction
from posassist.storage.outbox import append_change

CUSTOMER_COLUMNS = ("customer_id", "customer", "customerid", "customer_no", "id", "member_id")
DATE_COLUMNS = ("date", "day", "timestamp", "datetime", "purchase_date", "order_date", "time")
AMOUNT_COLUMNS = ("amount", "total", "dollars", "value", "spend", "basket", "price")
NAMESPACE = uuid.UUID("5b0f3c1e-6c2d-4a64-9a57-2b8c0f1d7e42")


@dataclass(frozen=True)
class ImportResult:
    rows: int
    customers_new: int
    interactions_new: int
    duplicates_skipped: int


@dataclass(frozen=True)
class _Row:
    line: int
    customer: str
    day: date
    amount_minor: int | None


@dataclass(frozen=True)
class _RawRow:
    line: int
    customer: str
    day_text: str
    amount_minor: int | None


def _pick(header: list[str], names: tuple[str, ...]) -> int | None:
    folded = [h.strip().lower().replace(" ", "_") for h in header]
    for name in names:
        if name in folded:
            return folded.index(name)
    return None


def read_rows(path: Path, *, today: date) -> list[_Row]:
    """Parse and validate the whole file; raises InvalidInputError naming file and line.

    Rows are checked in order (columns, customer id, date, amount); then one date format
    is chosen for the whole file (see :func:`choose_day_format`) and dates after
    ``today`` + 1 day are refused.
    """
    raw = _read_raw_rows(path)
    try:
        fmt = choose_day_format(lambda: [(r.line, r.day_text) for r in raw])
        rows: list[_Row] = []
        for r in raw:
            day = fmt.parse(r.day_text)
            late = future_message(r.day_text, day, today)
            if late is not None:
                raise LineError(r.line, late)
            rows.append(_Row(r.line, r.customer, day, r.amount_minor))
    except LineError as exc:
        raise InvalidInputError(f"{path}:{exc.line}", f"{path}:{exc.line}: {exc}.") from exc
    return rows


def _check_day(text: str) -> None:
    """A row-level check: the text is a date in at least one of the accepted formats."""
    if not is_a_date(text):
        raise ValueError(f"“{text[:30]}” is not a date (use YYYY-MM-DD)")


def _check_cell_text(text: str, label: str) -> None:
    """No control character (a NUL from a broken export) reaches the store or the server."""
    try:
        check_text(text, "file", label)
    except IdentifierError as exc:
        raise ValueError(str(exc).removesuffix(".")) from exc


def _read_raw_rows(path: Path) -> list[_RawRow]:
    try:
        fh = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInputError(str(path), f"Cannot open {path}: {exc.strerror}.") from exc
    rows: list[_RawRow] = []
    with fh:
        try:
            sample = fh.read(4096)
            fh.seek(0)
            dialect: type[csv.Dialect] | csv.Dialect = csv.excel
            if sample:
                try:
                    dialect = csv.Sniffer().sniff(sample, delimiters=",;\t ")
                except csv.Error:
                    dialect = csv.excel
            reader = csv.reader(fh, dialect)
            header = next(reader, None)
            if header is None:
                raise InvalidInputError(f"{path}:1", f"{path}:1: the file is empty.")
            header = [h for h in header if h != ""] if dialect.delimiter == " " else header
            cust = _pick(header, CUSTOMER_COLUMNS)
            day = _pick(header, DATE_COLUMNS)
            amount = _pick(header, AMOUNT_COLUMNS)
            if cust is None or day is None:
                raise InvalidInputError(
                    f"{path}:1",
                    f"{path}:1: the header needs a customer id column "
                    f"({', '.join(CUSTOMER_COLUMNS)}) and a date column "
                    f"({', '.join(DATE_COLUMNS)}); found {', '.join(header)[:200]}.",
                )
            for cells in reader:
                line = reader.line_num
                if dialect.delimiter == " ":
                    cells = [c for c in cells if c != ""]
                if not cells or all(not c.strip() for c in cells):
                    continue
                try:
                    _check_columns(cells, header, dialect.delimiter, (cust, day, amount))
                    customer = cells[cust].strip()
                    if not customer:
                        raise ValueError("the customer id is empty")
                    _check_cell_text(customer, "customer id")
                    day_text = cells[day].strip()
                    _check_day(day_text)
                    rows.append(
                        _RawRow(
                            line,
                            customer,
                            day_text,
                            parse_amount(cells[amount]) if amount is not None else None,
                        )
                    )
                except ValueError as exc:
                    raise InvalidInputError(f"{path}:{line}", f"{path}:{line}: {exc}.") from exc
        except UnicodeDecodeError as exc:
            raise InvalidInputError(str(path), f"{path} is not UTF-8 text.") from exc
        except csv.Error as exc:
            raise InvalidInputError(str(path), f"{path}: {exc}.") from exc
    return rows


def _check_columns(
    cells: list[str], header: list[str], delimiter: str, used: tuple[int | None, ...]
) -> None:
    """Too few cells, or extra cells with text in them (an unquoted "12,50" in a comma file
    splits in two: reading "12" and dropping "50" would be silently wrong)."""
    extra = cells[len(header) :]
    if max(i or 0 for i in used) < len(cells) and not any(c.strip() for c in extra):
        return
    hint = ""
    if extra and delimiter == ",":
        hint = " (an amount with a decimal comma must be in quotes, or use ; between columns)"
    raise ValueError(f"expected {len(header)} columns, found {len(cells)}{hint}")


def import_transactions(
    session: Session,
    path: Path,
    *,
    branch_id: uuid.UUID,
    tz: ZoneInfo,
    stamp: Callable[[], str],
    today: date,
) -> ImportResult:
    """Validate the whole file first, then write customers and purchases in one go.

    ``today`` is the store's date: rows dated after the next day are refused.
    """
    rows = read_rows(path, today=today)
    source = name_key(path.stem) or "import"
    customer_ids = {_customer_id(r.customer) for r in rows}
    existing_customers = _existing(session, Customer.id, customer_ids)
    seen: Counter[tuple[str, date, int | None]] = Counter()
    new_customers: dict[uuid.UUID, dict[str, object]] = {}
    new_interactions: list[dict[str, object]] = []
    now = utcnow()
    for row in rows:
        cid = _customer_id(row.customer)
        if cid not in existing_customers and cid not in new_customers:
            new_customers[cid] = _customer_values(cid, row, path, tz, now)
        key = (row.customer, row.day, row.amount_minor)
        seen[key] += 1
        new_interactions.append(_purchase_values(cid, row, seen[key], branch_id, tz, source))
    existing_interactions = _existing(session, Interaction.id, {i["id"] for i in new_interactions})
    duplicates = len(existing_interactions)
    new_interactions = [i for i in new_interactions if i["id"] not in existing_interactions]
    _write(session, new_customers, new_interactions, stamp)
    return ImportResult(len(rows), len(new_customers), len(new_interactions), duplicates)


def _customer_id(customer: str) -> uuid.UUID:
    """The same file customer id gives the same customer on every import."""
    return uuid.uuid5(NAMESPACE, f"customer:{customer}")


def _customer_values(
    cid: uuid.UUID, row: _Row, path: Path, tz: ZoneInfo, now: datetime
) -> dict[str, object]:
    """A customer first seen in the file, born at noon on their first row's day."""
    name = f"Customer {row.customer}"[:200]
    at = datetime.combine(row.day, time(12), tz)
    return {
        "id": cid,
        "display_name": name,
        "name_key": name_key(name),
        "consent_contact": False,
        "notes": f"Imported from {path.name}",
        "preferences": "",
        "created_at": at,
        "updated_at": now,
    }


def _purchase_values(
    cid: uuid.UUID, row: _Row, nth: int, branch_id: uuid.UUID, tz: ZoneInfo, source: str
) -> dict[str, object]:
    """One row's purchase; its id is derived from its content and how many identical rows
    came before it, so a second import of the file adds nothing."""
    iid = uuid.uuid5(NAMESPACE, f"purchase:{row.customer}:{row.day}:{row.amount_minor}:{nth}")
    return {
        "id": iid,
        "customer_id": cid,
        "branch_id": branch_id,
        "occurred_at": datetime.combine(row.day, time(12), tz),
        "local_day": row.day,
        "kind": "purchase",
        "basket_minor": row.amount_minor,
        "note": f"Imported from {source}",
    }


def _write(
    session: Session,
    new_customers: dict[uuid.UUID, dict[str, object]],
    new_interactions: list[dict[str, object]],
    stamp: Callable[[], str],
) -> None:
    """Bulk-insert the new rows and queue one outbox change per row."""
    if new_customers:
        session.execute(insert(Customer), list(new_customers.values()))
    if new_interactions:
        session.execute(insert(Interaction), new_interactions)
    for cid, values in new_customers.items():
        append_change(
            session, entity="customer", entity_id=cid, op="insert", payload=values, hlc=stamp()
        )
    for values in new_interactions:
        new_id = values["id"]
        assert isinstance(new_id, uuid.UUID)
        append_change(
            session,
            entity="interaction",
            entity_id=new_id,
            op="insert",
            payload=values | {"lines": []},
            hlc=stamp(),
        )


def _existing(
    session: Session, column: InstrumentedAttribute[uuid.UUID], ids: Iterable[object]
) -> set[object]:
    """Which of ``ids`` are already stored (checked in chunks under SQLite's limit)."""
    wanted = list(ids)
    found: set[object] = set()
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        found.update(session.scalars(select(column).where(column.in_(chunk))))
    return found
