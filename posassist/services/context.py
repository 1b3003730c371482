"""What every service needs: the store, the settings, the clock and who is working.

Built once by the composition root (``app.py`` or the CLI) and handed to services, so
no service reaches for globals and tests can build one on a temporary store.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from posassist.config import Settings
from posassist.domain.clock import Clock, system_clock
from posassist.domain.hlc import HybridClock
from posassist.storage.database import Database
from posassist.storage.orm import Branch, Register, Staff


@dataclass
class StoreContext:
    db: Database
    settings: Settings
    branch_id: uuid.UUID
    register_id: uuid.UUID
    staff_id: uuid.UUID | None
    branch_name: str
    tz: ZoneInfo
    clock: Clock = system_clock
    hlc: HybridClock = field(init=False)

    def __post_init__(self) -> None:
        self.hlc = HybridClock(self.register_id.hex[:12])

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.clock().astimezone(self.tz).date()

    def stamp(self) -> str:
        return self.hlc.now().encode()


def open_context(db: Database, settings: Settings, clock: Clock = system_clock) -> StoreContext:
    """Find (or create, on a brand-new store) this register's branch, register and staff.

    A new standalone store gets one branch named after the store, one register and one
    manager account, so the register works from the first minute.
    """
    with db.write() as s:
        branch = None
        if settings.store.branch_code:
            branch = s.scalar(select(Branch).where(Branch.code == settings.store.branch_code))
        if branch is None:
            branch = s.scalar(select(Branch).order_by(Branch.code).limit(1))
        if branch is None:
            branch = Branch(
                code=settings.store.branch_code or "MAIN",
                name=settings.store.name,
                timezone=settings.store.timezone,
            )
            s.add(branch)
            s.flush()
        register = s.scalar(
            select(Register).where(
                Register.branch_id == branch.id, Register.name == settings.store.register_name
            )
        )
        if register is None:
            register = Register(branch_id=branch.id, name=settings.store.register_name)
            s.add(register)
        staff = s.scalar(
            select(Staff)
            .where(Staff.branch_id == branch.id, Staff.active.is_(True))
            .order_by(Staff.role.desc(), Staff.name)
            .limit(1)
        )
        if staff is None:
            staff = Staff(branch_id=branch.id, name="Manager", role="manager")
            s.add(staff)
        s.flush()
        return StoreContext(
            db=db,
            settings=settings,
            branch_id=branch.id,
            register_id=register.id,
            staff_id=staff.id,
            branch_name=branch.name,
            tz=ZoneInfo(branch.timezone),
            clock=clock,
        )
