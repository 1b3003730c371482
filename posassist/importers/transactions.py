"""Importing a transaction log (customer id, date, optional amount) from CSV.

For a manager who wants to check the repeat-visitor flags on their own history, or to
bring years of till data into a new store. The header is matched case-insensitively
against documented synonyms; other columns are ignored. The import is all or nothing:
the first bad row stops it with the file and line named, and nothing is written.

Customers are keyed by the file's customer id through a UUIDv5, and each row's
interaction id is derived from its content, so importing the same file twice adds
nothing the second time.
"""

from __future__ import annotations

import csv
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from posassist.domain.identifiers import name_key
from posassist.errors import InvalidInputError
from posassist.storage.base import utcnow
from posassist.storage.orm import Customer, Interaction
from posassist.storage.outbox import append_change

CUSTOMER_COLUMNS = ("customer_id", "customer", "customerid", "customer_no", "id", "member_id")
DATE_COLUMNS = ("date", "day", "timestamp", "datetime", "purchase_date", "order_date", "time")
AMOUNT_COLUMNS = ("amount", "total", "dollars", "value", "spend", "basket", "price")
NAMESPACE = uuid.UUID("5b0f3c1e-6c2d-4a64-9a57-2b8c0f1d7e42")
MAX_ERRORS_SHOWN = 1


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


def _pick(header: list[str], names: tuple[str, ...]) -> int | None:
    folded = [h.strip().lower().replace(" ", "_") for h in header]
    for name in names:
        if name in folded:
            return folded.index(name)
    return None


def _parse_day(text: str) -> date:
    value = text.strip()
    for parser in (date.fromisoformat, lambda v: datetime.fromisoformat(v).date()):
        try:
            return parser(value)
        except ValueError:
            continue
    for fmt in ("%Y%m%d", "%d/%m/%Y", "%m/%d/%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"“{value[:30]}” is not a date (use YYYY-MM-DD)")


def _parse_amount(text: str) -> int | None:
    value = text.strip().replace(",", "")
    if not value:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"“{value[:20]}” is not an amount") from exc
    if amount < 0 or not amount.is_finite():
        raise ValueError(f"“{value[:20]}” is not an amount of zero or more")
    return int((amount * 100).to_integral_value())


def read_rows(path: Path) -> Iterator[_Row]:
    """Parse and validate the file; raises InvalidInputError naming file and line."""
    try:
        fh = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInputError(str(path), f"Cannot open {path}: {exc.strerror}.") from exc
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
                    if max(cust, day, amount or 0) >= len(cells):
                        raise ValueError(f"expected {len(header)} columns, found {len(cells)}")
                    customer = cells[cust].strip()
                    if not customer:
                        raise ValueError("the customer id is empty")
                    yield _Row(
                        line,
                        customer,
                        _parse_day(cells[day]),
                        _parse_amount(cells[amount]) if amount is not None else None,
                    )
                except ValueError as exc:
                    raise InvalidInputError(f"{path}:{line}", f"{path}:{line}: {exc}.") from exc
        except UnicodeDecodeError as exc:
            raise InvalidInputError(str(path), f"{path} is not UTF-8 text.") from exc
        except csv.Error as exc:
            raise InvalidInputError(str(path), f"{path}: {exc}.") from exc


def import_transactions(
    session: Session,
    path: Path,
    *,
    branch_id: uuid.UUID,
    tz: ZoneInfo,
    stamp: Callable[[], str],
) -> ImportResult:
    """Validate the whole file first, then write customers and purchases in one go."""
    rows = list(read_rows(path))
    source = name_key(path.stem) or "import"
    customer_ids = {uuid.uuid5(NAMESPACE, f"customer:{r.customer}") for r in rows}
    existing_customers = _existing(session, Customer.id, customer_ids)
    seen: Counter[tuple[str, date, int | None]] = Counter()
    new_customers: dict[uuid.UUID, dict[str, object]] = {}
    new_interactions: list[dict[str, object]] = []
    now = utcnow()
    for row in rows:
        cid = uuid.uuid5(NAMESPACE, f"customer:{row.customer}")
        if cid not in existing_customers and cid not in new_customers:
            name = f"Customer {row.customer}"[:200]
            at = datetime.combine(row.day, time(12), tz)
            new_customers[cid] = {
                "id": cid,
                "display_name": name,
                "name_key": name_key(name),
                "consent_contact": False,
                "notes": f"Imported from {path.name}",
                "preferences": "",
                "created_at": at,
                "updated_at": now,
            }
        key = (row.customer, row.day, row.amount_minor)
        seen[key] += 1
        iid = uuid.uuid5(
            NAMESPACE, f"purchase:{row.customer}:{row.day}:{row.amount_minor}:{seen[key]}"
        )
        at = datetime.combine(row.day, time(12), tz)
        new_interactions.append(
            {
                "id": iid,
                "customer_id": cid,
                "branch_id": branch_id,
                "occurred_at": at,
                "local_day": row.day,
                "kind": "purchase",
                "basket_minor": row.amount_minor,
                "note": f"Imported from {source}",
            }
        )
    existing_interactions = _existing(session, Interaction.id, {i["id"] for i in new_interactions})
    duplicates = len(existing_interactions)
    new_interactions = [i for i in new_interactions if i["id"] not in existing_interactions]
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
    return ImportResult(len(rows), len(new_customers), len(new_interactions), duplicates)


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
