"""Helpers of the sync tests: registers on temporary stores, full-state comparison."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import select

from posassist.app import Backend, build_backend
from posassist.config import load_settings
from posassist.devtools.pgserver import PgTestServer
from posassist.domain.clock import Clock
from posassist.domain.fields import (
    CUSTOMER_DERIVED,
    CUSTOMER_FIELDS,
    HOLD_FIELDS,
    HOLD_STEP_FIELDS,
    PRODUCT_FIELDS,
    STOCK_FIELDS,
)
from posassist.domain.hlc import HybridClock
from posassist.domain.picks import PICK_FIELDS
from posassist.secrets import SessionSecretStore
from posassist.services.context import open_context
from posassist.services.customers import NewCustomer
from posassist.services.privacy import PrivacyService
from posassist.services.sync import SyncService
from posassist.storage.database import open_database
from posassist.storage.orm import (
    BranchStock,
    Customer,
    CustomerAlias,
    HoldRequest,
    HoldStep,
    Interaction,
    InteractionVoid,
    Outbox,
    Product,
    PurchaseLine,
    StaffPick,
)
from posassist.sync.central import CentralTarget, Fault

TEMPLATE = "central_template"


@dataclass
class Central:
    """One fresh central database (a copy of the migrated template) on the test server."""

    server: PgTestServer
    dbname: str

    def target(self, port: int | None = None) -> CentralTarget:
        return CentralTarget(
            self.server.host, port or self.server.port, self.dbname, "postgres", connect_timeout=2
        )

    def connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(**self.target().conninfo(), autocommit=True)

    def query(self, query: str | sql.Composable, *params: Any) -> list[tuple[Any, ...]]:
        with self.connect() as conn:
            return conn.execute(query, params).fetchall()

    def ensure_running(self) -> None:
        if not self.server.is_running():
            self.server.start()
        self.server.wait_ready()


@dataclass
class Reg:
    """One register: its own store folder, services and sync service."""

    name: str
    data_dir: Path
    backend: Backend
    sync: SyncService
    privacy: PrivacyService

    @property
    def db(self) -> Any:
        return self.backend.db

    def close(self) -> None:
        self.sync.link.close()
        self.backend.close()


MakeReg = Callable[..., Reg]  # the `registers` fixture: registers("Register A", branch=...)


def add_customer(reg: Reg, name: str, **kwargs: object) -> uuid.UUID:
    """A customer created through the service on ``reg`` (so it has its outbox row)."""
    return reg.backend.customers.create(NewCustomer(name, **kwargs))  # type: ignore[arg-type]


def open_register(
    data_dir: Path,
    central: Central,
    *,
    name: str = "Register 1",
    branch: str = "B01",
    clock: Clock | None = None,
    skew_ms: int = 0,
    port: int | None = None,
    op_timeout: float = 5.0,
    fault: Fault | None = None,
    batch_size: int = 500,
) -> Reg:
    target = central.target(port)
    env = {
        "POSASSIST_STORE_BRANCH_CODE": branch,
        "POSASSIST_STORE_REGISTER_NAME": name,
        "POSASSIST_CENTRAL_HOST": target.host,
        "POSASSIST_CENTRAL_PORT": str(target.port),
        "POSASSIST_CENTRAL_DATABASE": target.dbname,
        "POSASSIST_CENTRAL_USER": target.user,
        "POSASSIST_CENTRAL_CONNECT_TIMEOUT": "2",
        "POSASSIST_CENTRAL_POLL_SECONDS": "0.2",
    }
    settings = load_settings(data_dir=data_dir, env=env)
    db = open_database(data_dir)
    ctx = open_context(db, settings, clock=clock) if clock else open_context(db, settings)
    if skew_ms:
        ctx.hlc = HybridClock(
            ctx.register_id.hex[:12], wall_millis=lambda: time.time_ns() // 1_000_000 + skew_ms
        )
    backend = build_backend(settings, db, ctx)
    sync = SyncService(
        ctx,
        SessionSecretStore(),
        names=backend.customers.names,
        op_timeout=op_timeout,
        batch_size=batch_size,
        fault=fault,
    )
    return Reg(name, data_dir, backend, sync, PrivacyService(ctx, backend.customers.names))


# -- comparing full state ----------------------------------------------------------
CUSTOMER_COLS = (
    "id",
    *CUSTOMER_FIELDS,
    *CUSTOMER_DERIVED,
    "created_at",
    "erased_at",
    "field_clocks",
)
INTERACTION_COLS = (
    "id",
    "customer_id",
    "branch_id",
    "register_id",
    "staff_id",
    "occurred_at",
    "local_day",
    "kind",
    "basket_minor",
    "note",
)
LINE_COLS = ("id", "interaction_id", "position", "sku", "description", "quantity", "unit_minor")
VOID_COLS = ("id", "interaction_id", "reason", "voided_at", "register_id")
ALIAS_COLS = ("id", "merged_id", "survivor_id", "merged_at", "register_id")
PICK_COLS = ("id", *PICK_FIELDS)
HOLD_COLS = ("id", *HOLD_FIELDS)
STEP_COLS = ("id", *HOLD_STEP_FIELDS)
PRODUCT_COLS = ("id", *PRODUCT_FIELDS)
STOCK_COLS = ("id", *STOCK_FIELDS)


def _norm(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return tuple(sorted(value.items()))
    if hasattr(value, "isoformat"):
        return value.isoformat().replace("+00:00", "")[:26]
    return value


def local_state(reg: Reg) -> dict[str, set[tuple[Any, ...]]]:
    out: dict[str, set[tuple[Any, ...]]] = {}
    with reg.db.read() as s:
        for key, model, cols in (
            ("customer", Customer, CUSTOMER_COLS),
            ("interaction", Interaction, INTERACTION_COLS),
            ("purchase_line", PurchaseLine, LINE_COLS),
            ("interaction_void", InteractionVoid, VOID_COLS),
            ("customer_alias", CustomerAlias, ALIAS_COLS),
            ("staff_pick", StaffPick, PICK_COLS),
            ("hold_request", HoldRequest, HOLD_COLS),
            ("hold_step", HoldStep, STEP_COLS),
            ("product", Product, PRODUCT_COLS),
            ("branch_stock", BranchStock, STOCK_COLS),
        ):
            query = select(*(getattr(model, c) for c in cols))
            if model is HoldStep:  # a step another register beat never reached central
                query = query.where(HoldStep.outcome != "ignored")
            rows = s.execute(query).all()
            out[key] = {tuple(_norm(v) for v in row) for row in rows}
    return out


def central_state(central: Central) -> dict[str, set[tuple[Any, ...]]]:
    out: dict[str, set[tuple[Any, ...]]] = {}
    with central.connect() as conn:
        for table, cols in (
            ("customer", CUSTOMER_COLS),
            ("interaction", INTERACTION_COLS),
            ("purchase_line", LINE_COLS),
            ("interaction_void", VOID_COLS),
            ("customer_alias", ALIAS_COLS),
            ("staff_pick", PICK_COLS),
            ("hold_request", HOLD_COLS),
            ("hold_step", STEP_COLS),
            ("product", PRODUCT_COLS),
            ("branch_stock", STOCK_COLS),
        ):
            query = sql.SQL("SELECT {} FROM {}").format(
                sql.SQL(", ").join(map(sql.Identifier, cols)), sql.Identifier(table)
            )
            rows = conn.execute(query).fetchall()
            out[table] = {tuple(_norm(v) for v in row) for row in rows}
    return out


def outbox_states(reg: Reg) -> dict[str, int]:
    with reg.db.read() as s:
        rows = s.execute(select(Outbox.state)).scalars().all()
    out: dict[str, int] = {}
    for state in rows:
        out[state] = out.get(state, 0) + 1
    return out


def assert_exactly_once(
    central: Central, regs: list[Reg], *, dead: dict[str, set[int]] | None = None
) -> None:
    """Every op of every register was applied exactly once and logged at most once.

    ``dead`` names, per register, the outbox rows (by seq) that must instead be dead
    letters the server never applied: the poison changes of ``test_sync_poison``.
    """
    with central.connect() as conn:
        dup_log = conn.execute(
            "SELECT op_id, count(*) FROM change_log GROUP BY op_id HAVING count(*) > 1"
        ).fetchall()
        applied = {r[0] for r in conn.execute("SELECT op_id FROM applied_ops")}
    assert dup_log == []
    for reg in regs:
        poison = (dead or {}).get(reg.name, set())
        with reg.db.read() as s:
            rows = s.execute(select(Outbox.seq, Outbox.op_id, Outbox.state)).all()
        ops = [(op_id, state) for seq, op_id, state in rows if seq not in poison]
        assert all(state == "acked" for _, state in ops), outbox_states(reg)
        assert {op_id for op_id, _ in ops} <= applied
        refused = [(op_id, state) for seq, op_id, state in rows if seq in poison]
        assert len(refused) == len(poison)
        assert all(state == "dead" and op_id not in applied for op_id, state in refused)


def converge(regs: list[Reg], rounds: int = 3) -> None:
    """Sync every register until none has anything left to push or pull."""
    for _ in range(rounds):
        for reg in regs:
            reg.sync.sync_once()


def assert_converged(central: Central, regs: list[Reg]) -> None:
    expected = central_state(central)
    for reg in regs:
        got = local_state(reg)
        for table in expected:
            missing = expected[table] - got[table]
            extra = got[table] - expected[table]
            assert (missing, extra) == (set(), set()), (reg.name, table)


def queue_visits(reg: Reg, customers: int, visits_each: int) -> list[uuid.UUID]:
    """Write many customers and visits at once, exactly as the services would.

    One transaction instead of thousands keeps the tests fast; the rows and their
    outbox payloads are built by the same code paths as a cashier's actions.
    """
    from posassist.services.customers import add_customer, new_customer
    from posassist.services.interactions import add_interaction, new_interaction

    ctx = reg.backend.ctx
    made = []
    with reg.db.write() as s:
        for i in range(customers):
            c = new_customer(ctx.now(), display_name=f"Queued Customer {reg.name} {i}")
            add_customer(s, ctx, c)
            s.flush()
            for _ in range(visits_each):
                add_interaction(s, ctx, new_interaction(ctx, c.id, "service", "queued"))
            made.append(c.id)
    return made
