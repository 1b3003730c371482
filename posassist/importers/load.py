"""Writing a format's records into the store: people matched, sales added, all in bulk.

A format (``square.py``, ``shopify.py``, ``generic.py``) yields :class:`Person`,
:class:`Sale` and :class:`Skip` records; :func:`load` takes them in chunks of about
:data:`CHUNK_ROWS` rows and, per chunk, asks the store a handful of ``IN (…)`` questions and
writes with a handful of ``executemany`` inserts. Nothing is kept from one chunk to the
next but the counts (and the ids of the store's customers matched so far, which the
store's size bounds, never the file's), so memory stays flat whatever the file's size.
Rows written by earlier chunks are found again by the next chunk's queries: the whole
import is one transaction on one connection, which sees its own writes.

Matching (README, *How an import matches and writes*): a person is the customer whose
``(source, external_id)`` (or one of ``other_ids``) is on record, else whose card, else
whose phone, else whose e-mail is theirs, else the customer with the id derived from their
first key, else a new customer with that id. Merged customers resolve to the survivor; an
erased one keeps their rows out of the store (counted as skipped).

Every id is derived (UUIDv5) from what the file says, so two registers importing the
same export make the same rows, and a second import of a file adds nothing.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from datetime import time as clock_time
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import String, Table, bindparam, select, update
from sqlalchemy import cast as sa_cast
from sqlalchemy.orm import Session

from posassist.domain.fields import customer_derived
from posassist.domain.money import format_minor
from posassist.errors import CancelledError
from posassist.importers import load_rows as bulk
from posassist.importers.load_feed import CANCELLED, records
from posassist.importers.load_indexes import MIN_ROWS, DeferredIndexes
from posassist.importers.load_people import ERASED, Known, PeopleChunk, one_of
from posassist.importers.reader import Table as FileTable
from posassist.importers.records import ParseContext, Person, Sale, Skip
from posassist.importers.report import COUNTS, Progress
from posassist.storage.base import utcnow
from posassist.storage.orm import Branch, Customer, Interaction, PurchaseLine

__all__ = [
    "CHUNK_ROWS",
    "NAMESPACE",
    "Counts",
    "interaction_id",
    "load",
]

# The namespace of every derived id; the same as the first transactions importer's, so a
# store that imported a file before this loader existed gets nothing twice.
NAMESPACE = uuid.UUID("5b0f3c1e-6c2d-4a64-9a57-2b8c0f1d7e42")
CHUNK_ROWS = 5000  # rows per chunk: all the import holds at once (a few MB)
CHECK_EVERY = 256  # records between two looks at the Cancel button (a few ms of work)
PROGRESS_EVERY_S = 0.1  # at most ten progress calls a second

_CUSTOMER = cast(Table, Customer.__table__)


@dataclass(slots=True)
class Counts:
    """What a load did: the counts of :data:`report.COUNTS` but ``problems``.

    ``interactions`` and ``lines`` are the new ones; ``anonymous`` the new interactions
    with no customer (among ``interactions``); ``skipped`` the records left out (already
    stored, a duplicate, an erased person's, a non-sale event); ``contacts_withheld``
    the phones and e-mails kept as match-only keys, not in clear (``load_people.py``)."""

    rows: int = 0
    customers_new: int = 0
    customers_matched: int = 0
    contacts_withheld: int = 0
    interactions: int = 0
    lines: int = 0
    anonymous: int = 0
    skipped: int = 0

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTS if name != "problems"}


def interaction_id(source: str, key: str) -> uuid.UUID:
    """A sale's interaction id: the same on every import of the file. The ``transactions``
    source keeps the first importer's form (``purchase:{key}:1``, its first row of a key)."""
    return uuid.UUID(hex=_interaction_hex(source, key))


_NAMESPACE_BYTES = NAMESPACE.bytes


def _interaction_hex(source: str, key: str) -> str:
    """:func:`interaction_id` as the store holds it (hex), made without UUID objects."""
    if source == "transactions":
        return bulk.uuid5_hex(_NAMESPACE_BYTES, f"purchase:{key}:1")
    return bulk.uuid5_hex(_NAMESPACE_BYTES, f"sale:{source}:{key}")


def _rows_of(record: Person | Sale | Skip) -> int:
    """How many rows of the file a record stands for (a sale: one per line item)."""
    if isinstance(record, Sale):
        return max(1, len(record.items))
    return 1


def load(
    session: Session,
    fmt: Any,
    table: FileTable,
    ctx: ParseContext,
    *,
    stamp: Callable[[], str],
    branch_id: uuid.UUID,
    progress: Callable[[Progress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    chunk_rows: int = CHUNK_ROWS,
    defer_min_rows: int = MIN_ROWS,
) -> Counts:
    """Parse ``table`` with ``fmt`` and write its records in ``session`` (the caller's one
    write transaction). Raises :class:`CancelledError` as soon as ``cancelled()`` is true
    (the caller rolls back). After the first problem the rest of the file is still read,
    to count its problems, but nothing more is written (the import is refused whole).
    A big import drops the tables' plain indexes after its first chunk and builds them
    again before returning (``load_indexes.py``; ``defer_min_rows``: its smallest)."""
    _check_branch(session, branch_id)
    writer = _Writer(session, ctx, stamp, branch_id)
    deferred = DeferredIndexes(session, min_rows=defer_min_rows)
    started = time.monotonic()
    last_report = started
    chunk: list[Person | Sale | Skip] = []
    rows = 0
    for n, record in enumerate(records(fmt, table, ctx, cancelled), 1):
        chunk.append(record)
        rows += _rows_of(record)
        if n % CHECK_EVERY == 0 or rows >= chunk_rows:
            if cancelled is not None and cancelled():
                raise CancelledError(CANCELLED)
            now = time.monotonic()
            if progress is not None and now - last_report >= PROGRESS_EVERY_S:
                progress(_progress(table, writer.counts.rows + rows, now - started))
                last_report = now
        if rows >= chunk_rows:
            writer.write(chunk, rows, skip_writes=bool(table.problems))
            chunk, rows = [], 0
            if not table.problems:
                deferred.consider(_expected(writer.counts, table))
    if cancelled is not None and cancelled():
        raise CancelledError(CANCELLED)
    if chunk:
        writer.write(chunk, rows, skip_writes=bool(table.problems))
    deferred.rebuild(restore=_IMPORT_CACHE)
    if progress is not None:
        done = writer.counts.rows
        progress(Progress(table.size, table.size, done, time.monotonic() - started))
    return writer.counts


# The import's own connection settings, for the one long transaction (and put back after):
# no memory map, so the process's RSS is its own memory and not the store file's pages
# read through the map (a 650 MB store would count whole), and a page cache large enough
# for the tables' index pages that every chunk touches, still far under the RSS budget.
_IMPORT_CACHE = "PRAGMA cache_size = -131072"
_IMPORT_PRAGMAS = ("PRAGMA mmap_size = 0", _IMPORT_CACHE)
_USUAL_PRAGMAS = ("PRAGMA mmap_size = 1073741824", "PRAGMA cache_size = -65536")


@contextmanager
def import_pragmas(s: Session) -> Iterator[None]:
    """Inside the import's write session: :data:`_IMPORT_PRAGMAS`, then the usual ones
    (``storage/database.py``) again, whatever happened."""
    conn = s.connection()
    for pragma in _IMPORT_PRAGMAS:
        conn.exec_driver_sql(pragma)
    try:
        yield
    finally:
        for pragma in _USUAL_PRAGMAS:
            conn.exec_driver_sql(pragma)


def _expected(counts: Counts, table: FileTable) -> dict[type, int]:
    """The rows the whole file will add to each table, guessed from what the part read
    so far added (the reader's position: a buffer ahead, so a guess on the low side)."""
    share = table.size / max(1, table.bytes_read)
    return {Interaction: int(counts.interactions * share), PurchaseLine: int(counts.lines * share)}


def _progress(table: FileTable, rows: int, seconds: float) -> Progress:
    return Progress(table.bytes_read, table.size, rows, seconds)


class _Writer:
    """The per-import state: the counts, the store's customers matched so far, and the
    instant that marks this import's own new customers (their ``updated_at``)."""

    def __init__(
        self,
        session: Session,
        ctx: ParseContext,
        stamp: Callable[[], str],
        branch_id: uuid.UUID,
    ) -> None:
        self.s = session
        self.tz = ZoneInfo(ctx.tz_name)
        self.stamp = stamp
        self.branch_id = branch_id
        self.now = utcnow()
        self.created = bulk.db_time(self.now)
        self.branch = (branch_id.hex, str(branch_id))
        self.counts = Counts()
        self.matched: set[uuid.UUID] = set()

    def write(self, chunk: list[Person | Sale | Skip], rows: int, *, skip_writes: bool) -> None:
        self.counts.rows += rows
        if skip_writes:
            return
        people = [r for r in chunk if isinstance(r, Person)]
        sales = [r for r in chunk if isinstance(r, Sale)]
        self.counts.skipped += sum(1 for r in chunk if isinstance(r, Skip))
        everyone = people + [s.person for s in sales if s.person is not None]
        known = Known.look_up(self.s, everyone, self.now, NAMESPACE)
        found = PeopleChunk(known, NAMESPACE, self.matched, self.counts, self.now)
        for person in people:
            cid = found.resolve(person, self._born_at(person))
            if cid is None or cid == ERASED:  # nobody to tell apart, or erased
                self.counts.skipped += 1
        self._insert(found, self._sales(sales, found))

    def _born_at(self, person: Person) -> datetime:
        """A new customer from a customer export: born at noon of their first visit."""
        if person.first_seen is not None:
            return datetime.combine(person.first_seen, clock_time(12), self.tz)
        return self.now

    def _sales(self, sales: list[Sale], found: PeopleChunk) -> _SaleRows:
        """The chunk's new interactions and their lines (already stored ones skipped)."""
        wanted: list[tuple[str, uuid.UUID | None, Sale]] = []
        resolve = found.resolve
        for sale in sales:
            cid = None
            if sale.person is not None:
                cid = resolve(sale.person, sale.occurred_at)
                if cid == ERASED:
                    self.counts.skipped += 1
                    continue
            wanted.append((_interaction_hex(sale.source, sale.key), cid, sale))
        stored = _existing_hex(self.s, Interaction.id, [w[0] for w in wanted])
        out = _SaleRows()
        for iid, cid, sale in wanted:
            if iid in stored:
                self.counts.skipped += 1
                continue
            stored.add(iid)  # a second sale with the same key in this chunk
            self._interaction(iid, cid, sale, out)
        return out

    def _interaction(self, iid_hex: str, cid: uuid.UUID | None, sale: Sale, out: _SaleRows) -> None:
        """One sale's row, lines and payload (the shape ``services/interactions.py
        add_interaction`` queues). No register and no staff member: the visit happened at
        the till that exported it, and every register importing the file must make the
        very same row (its id is derived), or they would not converge. A refund is a
        visit but not a sale: kind ``service``, no basket, no lines, its amount in the
        note."""
        counts = self.counts
        counts.interactions += 1
        if cid is None:
            counts.anonymous += 1
        kind, basket, note = "purchase", sale.basket_minor, sale.note[:20_000]
        if sale.kind == "refund":
            kind, basket, note = "service", None, _refund_note(sale)
        elif sale.kind == "void":  # not a purchase: a visit with no basket and no lines
            kind, basket = "service", None
        iid_text = bulk.text_of_hex(iid_hex)
        db_at, iso_at = bulk.times(sale.occurred_at)
        day = sale.local_day.isoformat()
        out.interactions.append(
            (iid_hex, None if cid is None else cid.hex, self.branch[0], None, None,
             db_at, day, kind, basket, note)
        )  # fmt: skip
        lines: list[dict[str, Any]] = []
        if kind == "purchase" and sale.items:
            iid_bytes = bytes.fromhex(iid_hex)
            for pos, item in enumerate(sale.items):
                line_hex = bulk.uuid5_hex(iid_bytes, str(pos))
                desc = item.description[:300]
                out.lines.append(
                    (line_hex, iid_hex, pos, item.sku, desc, item.quantity, item.unit_minor)
                )
                lines.append(
                    {"id": bulk.text_of_hex(line_hex), "position": pos, "sku": item.sku,
                     "description": desc, "quantity": item.quantity,
                     "unit_minor": item.unit_minor}
                )  # fmt: skip
        counts.lines += len(lines)
        payload = bulk.interaction_json(
            iid_text, None if cid is None else str(cid), self.branch[1], iso_at, day, kind,
            basket, note, lines,
        )  # fmt: skip
        out.payloads.append((iid_text, payload))

    def _insert(self, found: PeopleChunk, sales: _SaleRows) -> None:
        """The chunk's writes, parents first, each table in one executemany; the outbox
        rows in the order a register would have queued them."""
        s, stamp, created = self.s, self.stamp, self.created
        outbox: list[tuple[Any, ...]] = []
        customers = []
        for new in found.new.values():
            new.update(customer_derived(new))
            values, op = bulk.customer_rows(new, stamp(), created)
            customers.append(values)
            outbox.append(op)
        externals = []
        for ext in found.externals.values():
            values, op = bulk.external_rows(ext, stamp(), created)
            externals.append(values)
            outbox.append(op)
        updates = found.updates(s, stamp)
        for cid, changed, _clocks, hlc in updates:
            outbox.append(bulk.op_row("customer", str(cid), "update", changed, hlc, created))
        for iid_text, payload in sales.payloads:
            outbox.append(
                bulk.op_row_text("interaction", iid_text, "insert", payload, stamp(), created)
            )
        _check_parents(found, externals, sales)
        bulk.CUSTOMERS.run(s, customers)
        bulk.EXTERNAL_IDS.run(s, externals)
        _update_customers(s, updates, self.now)
        found.write_first_visits(s)
        # In customer order: the interaction table's two indexes lead with the customer,
        # so each of their pages is fetched once per chunk, not once per row (a sixth
        # faster on the bench store). Only the table's rowid order changes: the outbox
        # keeps the file's order, and nothing reads interactions by rowid.
        sales.interactions.sort(key=_by_customer)
        bulk.INTERACTIONS.run(s, sales.interactions)
        bulk.LINES.run(s, sales.lines)
        bulk.OUTBOX.run(s, outbox)


def _check_parents(found: PeopleChunk, externals: list[tuple[Any, ...]], sales: _SaleRows) -> None:
    """The foreign keys' check, done here: the import's transaction runs with SQLite's
    off (``Database.write(foreign_keys=False)``: its per-row parent lookups cost a sixth
    of the inserts). Every customer a row names is one this chunk found stored (its
    fields were read) or is writing now; the branch was checked by :func:`load`; lines
    belong to the interactions they are built with. A failure is a bug of the loader,
    and rolls the import back."""
    parents = {cid.hex for cid in found.new}
    parents.update(cid.hex for cid in found.known.info)
    strays = [row[3] for row in externals if row[3] not in parents]
    strays += [row[1] for row in sales.interactions if row[1] is not None and row[1] not in parents]
    if strays:
        raise RuntimeError(f"import loader: {len(strays)} rows name a customer not in the store")


def _check_branch(s: Session, branch_id: uuid.UUID) -> None:
    """The one branch every imported interaction names is in the store (see
    :func:`_check_parents`)."""
    if s.get(Branch, branch_id) is None:
        raise RuntimeError("import loader: the store's own branch is not in the store")


def _by_customer(row: tuple[Any, ...]) -> tuple[str, str]:
    return (row[1] or "", row[5])


class _SaleRows:
    """One chunk's new interactions, lines and interaction payloads, as tuples."""

    __slots__ = ("interactions", "lines", "payloads")

    def __init__(self) -> None:
        self.interactions: list[tuple[Any, ...]] = []
        self.lines: list[tuple[Any, ...]] = []
        self.payloads: list[tuple[str, str]] = []  # (id, the payload's JSON)


def _refund_note(sale: Sale) -> str:
    """``Refund …``: the format's own words (which payment), with the amount if known."""
    note = sale.note.strip()
    if not note.lower().startswith("refund"):
        note = f"Refund. {note}".strip() if note else "Refund"
    if sale.basket_minor:
        note = f"{note} ({format_minor(abs(sale.basket_minor))} refunded)"
    return note


def _update_customers(
    s: Session,
    updates: list[tuple[uuid.UUID, dict[str, Any], dict[str, str], str]],
    now: datetime,
) -> None:
    """Fill the empty fields of matched customers: one executemany per set of fields."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for cid, changed, clocks, _hlc in updates:
        values = {**changed, **customer_derived(changed)} if "phone_e164" in changed else changed
        names = tuple(sorted(values))
        params = {f"v_{k}": v for k, v in values.items()}
        params |= {"b_id": cid, "v_field_clocks": clocks, "v_updated_at": now}
        groups.setdefault(names, []).append(params)
    for names, rows in groups.items():
        cols: dict[str, Any] = {
            k: bindparam(f"v_{k}") for k in (*names, "field_clocks", "updated_at")
        }
        cols.pop("name_key", None)  # a fill never changes the name
        stmt = update(_CUSTOMER).where(_CUSTOMER.c.id == bindparam("b_id")).values(cols)
        s.connection().execute(stmt, rows)


def _existing_hex(s: Session, column: Any, ids: list[str]) -> set[str]:
    """Which of ``ids`` (hex, as stored) are stored (one query), as hex: read as plain
    text, so no UUID object is made per row."""
    if not ids:
        return set()
    stmt = select(sa_cast(column, String)).where(one_of(column, ids))
    return set(s.connection().scalars(stmt))
