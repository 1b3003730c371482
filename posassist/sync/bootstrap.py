"""Join by snapshot: load the chain from one consistent read of central, then follow the log.

A new register (an empty cursor) would otherwise replay the whole change log from its
first row, slower the older the chain; a register away for longer than central keeps its
log (its cursor below the log's floor, ``central/snapshot.py``) cannot replay it at all.
Both load a snapshot instead:

- central is read in ONE ``REPEATABLE READ`` transaction, table by table, in chunks from
  a server-side cursor (memory stays flat), every chunk under the link's deadline;
- everything goes into the store in ONE SQLite write transaction, with the pull cursor
  set to the snapshot's position in that same transaction: a crash or a cut link leaves
  the store exactly as it was, and the next sync starts over;
- the outbox is never touched: unsent changes survive (the cycle pushes before it pulls,
  so by now they normally went out already; any still pending win where they are newer).

Two ways in per table. Into an empty table the rows are bulk-inserted as the store holds
them: PostgreSQL itself turns ids into hex and times into the store's naive-UTC text, so
Python only hands tuples on (a million rows a few seconds). Into a table that has rows
(a register rejoining) each row is merged by the rules a pull follows: facts are inserted
once; customers field by field by their clocks (a central erasure wins outright);
shared rows last writer wins by ``row_hlc`` (``shared_rows.apply_shared``, tombstones
included); holds take central's steps as applied.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Date,
    Table,
    Text,
    bindparam,
    cast,
    func,
    insert,
    select,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP, UUID
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from posassist.domain.fields import CUSTOMER_FIELDS
from posassist.importers.load import import_pragmas
from posassist.importers.load_rows import db_time
from posassist.storage.base import Base, utcnow
from posassist.storage.catalog import bump_catalog_version
from posassist.storage.database import Database
from posassist.storage.holds import refresh_state
from posassist.storage.orm import Customer, HoldRequest
from posassist.storage.outbox import scrub_outbox
from posassist.sync import schema
from posassist.sync.central import CentralLink
from posassist.sync.central.snapshot import Snapshot, open_snapshot
from posassist.sync.external_ids import PULL_UPSERT
from posassist.sync.outbox import set_state
from posassist.sync.protocol import Change, CustomerState
from posassist.sync.pull import CURSOR_KEY, apply_ref
from posassist.sync.rejoin import CENTRAL_ID_KEY
from posassist.sync.shared_rows import SHARED_TABLES, apply_shared

log = logging.getLogger(__name__)

# The last bootstrap, for ``sync status`` and ``doctor``: "<when>|<reason>|<position>".
BOOTSTRAP_KEY = "last_bootstrap"
NEW = "new"  # an empty cursor: a register joining
AWAY = "away"  # a cursor below the log's floor: away longer than central keeps its log
CHUNK = 20_000

_DIALECT = sqlite.dialect()
_NO_ID = uuid.UUID(int=0)
# Central's tables in dependency order, each with its local table (same name, except the
# change log and friends, which a register has no copy of).
_LOADED = tuple(
    (t, Base.metadata.tables[t.name])
    for t in schema.metadata.sorted_tables
    if t.name in Base.metadata.tables
)
_FACTS = frozenset(t.name for t in schema.FACT_TABLES.values()) | {"purchase_line"}
_REFS = {t.name: entity for entity, t in schema.REF_TABLES.items()}
# A step central holds is applied: the columns only a register keeps, as a pull sets them.
_STEP_VERDICT = ("outcome", "reason", "decided_at")


Progress = Callable[[str, int], None]  # (table, rows of it so far), after every chunk


@dataclass
class Bootstrapped:
    """What one bootstrap loaded, and from where the log is followed now."""

    reason: str
    position: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    changed_customers: set[uuid.UUID] = field(default_factory=set)
    all_customers_new: bool = False  # loaded into an empty store: reload the name index
    erased: bool = False  # an erasure arrived: its old row versions leave the WAL too
    staff: set[uuid.UUID] = field(default_factory=set)
    holds_to_follow: bool = False
    progress: Progress | None = field(default=None, repr=False)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


# -- the two forms a table is read in ----------------------------------------------------
def _stored_form(central: Column[Any]) -> ColumnElement[Any]:
    """``central`` as the store's column holds it (``rows.py``'s types in SQLite: ids as
    32 hex digits, times as naive UTC text, days and JSON as text), converted by
    PostgreSQL, which does it faster than Python could one value at a time."""
    kind = central.type
    if isinstance(kind, UUID):
        return func.replace(cast(central, Text), "-", "")
    if isinstance(kind, TIMESTAMP):
        return func.to_char(func.timezone("UTC", central), "YYYY-MM-DD HH24:MI:SS.US")
    if isinstance(kind, Date | JSONB):
        return cast(central, Text)
    return central


def _shared_columns(central: Table, local: Table) -> list[str]:
    return [c.name for c in local.columns if c.name in central.c]


def _stored_select(central: Table, local: Table, columns: list[str]) -> Any:
    query = select(*(_stored_form(central.c[c]) for c in columns))
    if "deleted_at" in central.c and central.name not in _FACTS:
        query = query.where(central.c.deleted_at.is_(None))  # an empty table needs no tombstones
    return query.order_by(central.c[_key(central)])


def _typed_select(central: Table, local: Table) -> Any:
    columns = _shared_columns(central, local)
    extra = ["deleted_at"] if "deleted_at" in central.c and "deleted_at" not in columns else []
    return select(*(central.c[c] for c in columns + extra)), columns + extra


def _key(table: Table) -> str:
    return "id" if "id" in table.c else next(iter(table.primary_key.columns)).name


def _compiled(statement: Any, columns: list[str]) -> str:
    compiled = statement.values({c: bindparam(c) for c in columns}).compile(dialect=_DIALECT)
    assert list(compiled.positiontup or ()) == columns, compiled.positiontup
    return str(compiled)


def _bulk_sql(local: Table, columns: list[str]) -> str:
    """The insert a bulk load runs: a row already here is left as it is, but for the
    two kinds where central's row is the word (an external id, a hold's step)."""
    if local.name == "customer_external_id":
        return _compiled(PULL_UPSERT, columns)
    if local.name == "hold_step":
        stmt = sqlite_insert(local)
        stmt = stmt.on_conflict_do_update(
            index_elements=["id"], set_={c: stmt.excluded[c] for c in _STEP_VERDICT}
        )
        return _compiled(stmt, columns)
    return _compiled(insert(local).prefix_with("OR IGNORE"), columns)


# -- the load ----------------------------------------------------------------------------
def bootstrap(
    db: Database, link: CentralLink, reason: str, *, progress: Progress | None = None
) -> Bootstrapped:
    """Load central's snapshot into ``db`` and set the cursor to its position; all or
    nothing. Raises SyncError if the link fails (then nothing here changed)."""
    started = time.perf_counter()
    with link.use() as conn, open_snapshot(conn) as snap:
        done = Bootstrapped(reason, snap.position, progress=progress)
        with db.write(foreign_keys=False) as s, import_pragmas(s):
            for central_table, local in _LOADED:
                done.rows[local.name] = _load_table(s, snap, link, central_table, local, done)
            if done.holds_to_follow:  # after the steps: they decide a hold's state
                _follow_central_holds(s, snap, link, schema.hold_request)
            set_state(s, CURSOR_KEY, str(snap.position))
            set_state(s, CENTRAL_ID_KEY, snap.central_id)
            stamp = utcnow().isoformat()
            set_state(s, BOOTSTRAP_KEY, f"{stamp}|{reason}|{snap.position}")
    if done.erased:
        db.checkpoint()  # as a pull does after an erasure (``Database.checkpoint``)
    done.seconds = time.perf_counter() - started
    log.info(
        "bootstrapped (%s) from a snapshot: %d rows in %.1f s, following the log after %d",
        reason,
        done.total,
        done.seconds,
        done.position,
    )
    return done


def _chunks(snap: Snapshot, link: CentralLink, query: Any) -> Iterator[list[tuple[Any, ...]]]:
    for chunk in snap.rows(query, CHUNK):
        link.still_working()
        yield chunk


def _is_empty(s: Session, local: Table) -> bool:
    return s.execute(select(local.c[_key(local)]).limit(1)).first() is None


def _load_table(
    s: Session,
    snap: Snapshot,
    link: CentralLink,
    central: Table,
    local: Table,
    done: Bootstrapped,
) -> int:
    name = local.name
    if name in _REFS:
        return _merge_refs(s, snap, link, central, local)
    empty = _is_empty(s, local)
    if name in _FACTS or name == "hold_step" or empty:
        count = _bulk(s, snap, link, central, local, done)
        if name in SHARED_TABLES and count:
            bump_catalog_version(s)
        if name == "customer":
            done.all_customers_new = True
        if name == "hold_request" and not empty:
            done.holds_to_follow = True
        return count
    if name == "customer":
        return _merge_customers(s, snap, link, central, local, done)
    if name in SHARED_TABLES:
        return _merge_shared(s, snap, link, central, local, done)
    raise AssertionError(f"no way to load {name}")  # every central table has one above


def _bulk(
    s: Session,
    snap: Snapshot,
    link: CentralLink,
    central: Table,
    local: Table,
    done: Bootstrapped,
) -> int:
    columns = _shared_columns(central, local)
    extra: tuple[Any, ...] = ()
    if local.name == "hold_step":
        extra = ("applied", "", db_time(utcnow()))
        columns_sql = [*columns, *_STEP_VERDICT]
    else:
        columns_sql = columns
    sql = _bulk_sql(local, columns_sql)
    raw = s.connection()
    count = 0
    for chunk in _chunks(snap, link, _stored_select(central, local, columns)):
        rows = [(*row, *extra) for row in chunk] if extra else chunk
        raw.exec_driver_sql(sql, rows)
        count += len(chunk)
        if done.progress is not None:
            done.progress(local.name, count)
    return count


def _as_change(entity: str, row: dict[str, Any], op: str, hlc: str) -> Change:
    return Change(0, _NO_ID, entity, str(row["id"]), op, row, hlc, _NO_ID)


def _typed_rows(
    snap: Snapshot, link: CentralLink, central: Table, local: Table
) -> Iterator[dict[str, Any]]:
    query, columns = _typed_select(central, local)
    for chunk in _chunks(snap, link, query):
        for n, values in enumerate(chunk, 1):
            yield dict(zip(columns, values, strict=True))
            if n % 1000 == 0:  # a merge does work per row: the deadline is the network's
                link.still_working()


def _merge_refs(s: Session, snap: Snapshot, link: CentralLink, central: Table, local: Table) -> int:
    """Branches and registers: upserted as a pull does (a branch code clash resolved)."""
    count = 0
    for row in _typed_rows(snap, link, central, local):
        apply_ref(s, _as_change(_REFS[local.name], row, "upsert", ""))
        count += 1
    return count


def _merge_shared(
    s: Session,
    snap: Snapshot,
    link: CentralLink,
    central: Table,
    local: Table,
    done: Bootstrapped,
) -> int:
    """Each row as the change that made it: newer than the row here wins, a tombstone
    deletes, an unsent edit here waits for the server's verdict."""
    count = 0
    for row in _typed_rows(snap, link, central, local):
        deleted = row.pop("deleted_at", None) is not None
        change = _as_change(local.name, row, "delete" if deleted else "insert", row["row_hlc"])
        apply_shared(s, change)
        if local.name == "staff":
            done.staff.add(row["id"])
        count += 1
    return count


def _follow_central_holds(s: Session, snap: Snapshot, link: CentralLink, central: Table) -> None:
    """A hold already here moves to the state its (now applied) steps give it."""
    here = {hid: state for hid, state in s.execute(select(HoldRequest.id, HoldRequest.state))}
    for chunk in _chunks(snap, link, select(central.c.id, central.c.state)):
        for hold_id, state in chunk:
            if here.get(hold_id, state) != state:
                refresh_state(s, hold_id)


# -- customers: field by field ------------------------------------------------------------
_CUSTOMER: Table = Customer.__table__  # type: ignore[assignment]


def _merge_customers(
    s: Session,
    snap: Snapshot,
    link: CentralLink,
    central: Table,
    local: Table,
    done: Bootstrapped,
) -> int:
    """Each field takes the newer clock's value; central's erasure wins outright, and an
    erasure here stays. A card central gives someone is taken from whoever holds it here
    (only an unsent claim can: central refuses it too, as a pull assumes)."""
    count = 0
    for row in _typed_rows(snap, link, central, local):
        count += 1
        cid = row["id"]
        held = s.get(Customer, cid)
        clocks = dict(row["field_clocks"] or {})
        if held is None:
            _take_card(s, row.get("card_code"), cid)
            s.execute(insert(local), [row])
            done.changed_customers.add(cid)
            continue
        if held.erased_at is not None:
            continue
        mine = dict(held.field_clocks or {})
        if row["erased_at"] is not None:
            values = {f: row[f] for f in CUSTOMER_FIELDS}
            new_clocks, erased_at = clocks, row["erased_at"]
        else:
            values = {f: getattr(held, f) for f in CUSTOMER_FIELDS}
            new_clocks, erased_at = dict(mine), None
            for f in CUSTOMER_FIELDS:
                if clocks.get(f, "") > mine.get(f, ""):
                    values[f] = row[f]
                    new_clocks[f] = clocks[f]
        if new_clocks == mine and erased_at is None:
            continue
        state = CustomerState.stored(cid, values, new_clocks, held.created_at, erased_at)
        merged = {**state.fields, **state.derived()}
        if merged["referred_by_id"] is not None:
            merged["referred_by_id"] = uuid.UUID(str(merged["referred_by_id"]))
        if merged.get("card_code") and merged["card_code"] != held.card_code:
            _take_card(s, merged["card_code"], cid)
        for name, value in merged.items():
            setattr(held, name, value)
        held.field_clocks = new_clocks
        held.erased_at = erased_at
        held.updated_at = utcnow()
        s.flush()
        if erased_at is not None:
            scrub_outbox(s, cid)
            done.erased = True
        done.changed_customers.add(cid)
    return count


def _take_card(s: Session, card: str | None, cid: uuid.UUID) -> None:
    if card:
        s.execute(
            _CUSTOMER.update()
            .where(_CUSTOMER.c.card_code == card, _CUSTOMER.c.id != cid)
            .values(card_code=None)
        )
        s.flush()
