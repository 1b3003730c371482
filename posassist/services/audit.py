"""Reading and verifying the audit trail (``posassist audit``, ``audit verify``).

Verifying checks this register's hash chain (``domain/audit_chain.py verify``) and,
when asked to (``central=True``), every register's chain as the central database
received it, and this register's chain against its central copy: the one way to see
the newest entries removed from the register, which leaves the local chain itself
perfect. Writing entries is ``services/audit_trail.py record``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import select

from posassist.domain.audit_chain import Entry, Problem, describe, verify
from posassist.errors import ConfigError
from posassist.services.context import StoreContext
from posassist.storage import audit
from posassist.storage.orm import AuditLog, Register, Staff

if TYPE_CHECKING:
    from posassist.services.sync import SyncService

HERE = "on this register"
CENTRAL = "in the central database"


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One entry as ``posassist audit`` lists it (ids and kinds; the staff member's name)."""

    register_id: uuid.UUID
    seq: int
    at: datetime
    staff_id: uuid.UUID | None
    staff: str
    action: str
    entity: str
    entity_id: str
    detail: str
    entry_hash: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """What ``audit verify`` found: the first problem (None: intact) and what was checked."""

    entries: int  # entries checked on this register
    central_entries: int | None  # entries checked centrally (None: central not checked)
    problem: Problem | None = None
    where: str = ""  # HERE or CENTRAL
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None


class AuditService:
    def __init__(self, ctx: StoreContext, sync: SyncService | None = None) -> None:
        self._ctx = ctx
        self._sync = sync

    @property
    def central_configured(self) -> bool:
        return self._sync is not None

    def entries(self, since: date | None = None) -> list[AuditRow]:
        """Entries oldest first; ``since`` a day in the branch's time zone."""
        start = None
        if since is not None:
            start = datetime.combine(since, time(0), tzinfo=self._ctx.tz)
        with self._ctx.db.read() as s:
            rows = audit.listed(s, start)
            names: dict[uuid.UUID, str] = {
                r[0]: r[1] for r in s.execute(select(Staff.id, Staff.name))
            }
            return [_row(r, names) for r in rows]

    def verify(self, *, central: bool = False) -> Verdict:
        """The first problem of the trail here (and centrally, with ``central``)."""
        with self._ctx.db.read() as s:
            local = audit.chains(s)
            names = {r[0]: r[1] for r in s.execute(select(Register.id, Register.name))}
        count = sum(len(chain) for chain in local.values())
        for chain in _own_first(local, self._ctx.register_id):
            problem = verify(chain)
            if problem is not None:
                return self._verdict(count, None, problem, HERE, names)
        if not central:
            return Verdict(count, None)
        held, central_names = self._central_chains()
        names = {**central_names, **names}
        central_count = sum(len(chain) for chain in held.values())
        for chain in _own_first(held, self._ctx.register_id):
            problem = verify(chain, check_storage_order=False)
            if problem is not None:
                return self._verdict(count, central_count, problem, CENTRAL, names)
        own = self._ctx.register_id
        problem, where = compare(local.get(own, []), held.get(own, []), own)
        if problem is not None:
            return self._verdict(count, central_count, problem, where, names)
        return Verdict(count, central_count)

    def _central_chains(self) -> tuple[dict[uuid.UUID, list[Entry]], dict[uuid.UUID, str]]:
        if self._sync is None:
            raise ConfigError(
                "No central database is configured: there is no central copy to compare.",
                hint="Set [central] host in the settings, or verify without --central.",
            )
        from posassist.sync.central.audit import read_chains, register_names

        link = self._sync.link
        try:
            with link.use() as conn, conn.transaction():
                return read_chains(conn), register_names(conn)
        finally:
            link.close()

    @staticmethod
    def _verdict(
        count: int,
        central_count: int | None,
        problem: Problem,
        where: str,
        names: dict[uuid.UUID, str],
    ) -> Verdict:
        name = names.get(problem.register_id, "(unknown)")
        return Verdict(count, central_count, problem, where, describe(problem, name, where))


def _row(r: AuditLog, names: dict[uuid.UUID, str]) -> AuditRow:
    staff = names.get(r.staff_id, "") if r.staff_id is not None else ""
    return AuditRow(
        r.register_id, r.seq, r.at, r.staff_id, staff, r.action, r.entity, r.entity_id,
        r.detail, r.entry_hash,
    )  # fmt: skip


def _own_first(chains: dict[uuid.UUID, list[Entry]], own: uuid.UUID) -> list[list[Entry]]:
    return [chains[r] for r in sorted(chains, key=lambda r: (r != own, str(r)))]


def compare(
    local: list[Entry], central: list[Entry], register_id: uuid.UUID
) -> tuple[Problem | None, str]:
    """This register's chain against its central copy (both already intact by themselves).

    An entry not sent yet is only here: fine. One central holds beyond the newest here
    was removed from this register (the local chain cannot show that alone).
    """
    here = {e.seq: e.entry_hash for e in local}
    newest = max(here, default=0)
    for entry in central:
        if entry.seq > newest:
            return Problem("missing", register_id, newest + 1), f"{HERE}; central holds it"
        if here.get(entry.seq) != entry.entry_hash:
            return Problem("differs", register_id, entry.seq), ""
    return None, ""
