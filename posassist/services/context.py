"""What every service needs: the store, the settings, the clock and who is working.

Built once by the composition root (``posassist.app``) and handed to services, so
no service reaches for globals and tests can build one on a temporary store.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from posassist.config import Settings
from posassist.domain.clock import Clock, millis, system_clock
from posassist.domain.hlc import HybridClock
from posassist.errors import ConfigError
from posassist.storage.database import Database
from posassist.storage.orm import Branch, Register, Staff, SyncState


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is working: a staff id (None: nobody, or the command line), a name and the
    role the services check ("cashier" or "manager", ``services/access.py``)."""

    staff_id: uuid.UUID | None
    name: str
    role: str


@dataclass
class StoreContext:
    db: Database
    settings: Settings
    branch_id: uuid.UUID
    register_id: uuid.UUID
    signed_in: Identity
    branch_name: str
    tz: ZoneInfo
    clock: Clock = system_clock
    hlc: HybridClock = field(init=False)
    # A manager's approval of one action: per thread of work (a ContextVar), so it holds
    # for that action and for the background work it starts (``ui/workers.py`` runs each
    # job in a copy of its starter's context) and for nothing running beside it.
    _acting: ContextVar[Identity | None] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # The HLC reads the same injected clock (system_clock: the PC's own time).
        clock = self.clock
        wall = None if clock is system_clock else (lambda: millis(clock))
        self.hlc = HybridClock(self.register_id.hex[:12], wall_millis=wall)
        self._acting = ContextVar(f"posassist_acting_{id(self)}", default=None)

    @property
    def identity(self) -> Identity:
        """Who the services see now: the approver inside ``acting_as``, else who signed in."""
        return self._acting.get() or self.signed_in

    @property
    def staff_id(self) -> uuid.UUID | None:
        return self.identity.staff_id

    @property
    def staff_name(self) -> str:
        return self.identity.name

    @property
    def staff_role(self) -> str:
        return self.identity.role

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.clock().astimezone(self.tz).date()

    def stamp(self) -> str:
        return self.hlc.now().encode()

    def sign_in(self, staff_id: uuid.UUID | None, name: str, role: str) -> None:
        """Who is working from now on (a PIN sign-in or a staff switch), on every thread."""
        self.signed_in = Identity(staff_id, name, role)

    @contextmanager
    def acting_as(self, staff_id: uuid.UUID | None, name: str, role: str) -> Iterator[None]:
        """One action approved by someone else (a manager's PIN at a cashier's register):
        inside the block (and in work it starts), the services see, and the audit trail
        records, the approver. Other threads never do, and leaving the block ends it even
        if approvals overlap, because each one resets its own token."""
        token = self._acting.set(Identity(staff_id, name, role))
        try:
            yield
        finally:
            self._acting.reset(token)


# Branch ids are derived from the branch code, so two registers of one branch that were
# set up separately still agree on the branch's id when they sync.
_BRANCH_NAMESPACE = uuid.UUID("7d0f6a4e-3c1b-5b8e-9a54-0c2f1e6d8b31")
_REGISTER_KEY = "register_id"


def branch_id_for(code: str) -> uuid.UUID:
    return uuid.uuid5(_BRANCH_NAMESPACE, f"branch:{code}")


def _own_register(s: Session, settings: Settings, branch_id: uuid.UUID) -> Register:
    """This store's register row, remembered by id.

    Looking it up by name alone stops working once a sync brings other registers'
    rows (every till may be called "Register 1"); mixing them up would make a register
    skip its own changes as someone else's. ``[central] register_id`` wins when set.
    """
    remembered = s.get(SyncState, _REGISTER_KEY)
    wanted = settings.central.register_id.strip()
    register_id = uuid.UUID(wanted) if wanted else None
    if register_id is None and remembered is not None:
        register_id = uuid.UUID(remembered.value)
    register = None
    if register_id is not None:
        register = s.get(Register, register_id)
        if register is None:
            register = Register(
                id=register_id, branch_id=branch_id, name=settings.store.register_name
            )
            s.add(register)
    else:
        register = s.scalar(
            select(Register).where(
                Register.branch_id == branch_id, Register.name == settings.store.register_name
            )
        )
        if register is None:
            register = Register(
                id=uuid.uuid4(), branch_id=branch_id, name=settings.store.register_name
            )
            s.add(register)
    if remembered is None:
        s.add(SyncState(key=_REGISTER_KEY, value=str(register.id)))
    elif remembered.value != str(register.id):
        remembered.value = str(register.id)
    return register


# The branch a store gets when it is created with no [store] branch_code.
DEFAULT_BRANCH_CODE = "MAIN"


def _branch_code_hint(known: list[str], code: str, data_dir: Path) -> str:
    """What IT can do about a branch code the store does not know, by the likely cause.

    The common one: the store was created (first start, or a first command) before the
    settings named the branch, so it holds only the default branch. The code of a branch
    cannot be changed in place (its id is derived from it on every register), so the
    choices are to start a new store or to keep the old code."""
    if known == [DEFAULT_BRANCH_CODE]:
        return (
            f"This store was created before branch_code was set, so its one branch is "
            f"{DEFAULT_BRANCH_CODE}. If nothing in it is needed yet (a new install), move the "
            f"data folder {data_dir} aside and start again: the new store gets branch {code}. "
            f"To keep its history, remove branch_code from the settings (the register stays "
            f"on {DEFAULT_BRANCH_CODE}). More in the IT guide, 'First-run setup'."
        )
    return (
        "Check the spelling against the codes above. A new branch is started by a register "
        "with a new, empty store: its first start creates the branch named in its settings."
    )


def open_context(db: Database, settings: Settings, clock: Clock = system_clock) -> StoreContext:
    """Find (or create, on a brand-new store) this register's branch, register and staff.

    A new standalone store gets one branch named after the store, one register and one
    manager account, so the register works from the first minute.
    """
    with db.write() as s:
        branch = None
        if settings.store.branch_code:
            branch = s.scalar(select(Branch).where(Branch.code == settings.store.branch_code))
            known = sorted(s.scalars(select(Branch.code)))
            if branch is None and known:
                # A typo must not put this register's sales on another branch.
                where = settings.config_file or "the settings"
                raise ConfigError(
                    f"{where}: [store] branch_code {settings.store.branch_code!r} is not a "
                    f"branch of this store (known: {', '.join(known[:12])}).",
                    hint=_branch_code_hint(known, settings.store.branch_code, db.path.parent),
                )
        if branch is None:  # no code set: the branch this register was set up in
            remembered = s.get(SyncState, _REGISTER_KEY)
            mine = s.get(Register, uuid.UUID(remembered.value)) if remembered else None
            branch = s.get(Branch, mine.branch_id) if mine else None
        if branch is None:
            branch = s.scalar(select(Branch).order_by(Branch.code).limit(1))
        if branch is None:
            code = settings.store.branch_code or DEFAULT_BRANCH_CODE
            branch = Branch(
                id=branch_id_for(code),
                code=code,
                name=settings.store.name,
                timezone=settings.store.timezone,
            )
            s.add(branch)
            s.flush()
        if settings.store.hours.strip() and branch.hours != settings.store.hours.strip():
            branch.hours = settings.store.hours.strip()  # announced with the next push
        register = _own_register(s, settings, branch.id)
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
            signed_in=Identity(
                staff.id, staff.name, "manager" if staff.role in ("manager", "admin") else "cashier"
            ),
            branch_name=branch.name,
            tz=ZoneInfo(branch.timezone),
            clock=clock,
        )


class NotifiesChanges:
    """A service whose committed changes others must hear of: the finder drops its index
    when the catalogue or the vendor directory changes. One listener list for both, so
    they cannot drift apart in when they call."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    def on_change(self, listener: Callable[[], None]) -> None:
        """Called after any committed change (the finder drops its index)."""
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in self._listeners:
            listener()
