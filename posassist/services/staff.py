"""Staff accounts: who may sign in at a register, with which PIN, in which role.

Every check of a PIN happens here, so the window, the CLI and the tests share one
lockout: five wrong PINs lock the account for a while (``domain/pins.py``), and each
lock in a row lasts longer. A PIN check is slow on purpose (scrypt), so the window
calls these methods on its worker thread. The PIN never leaves this module: the
audit trail records who and what happened (``sign_in``, ``sign_in_failed``,
``locked_out``), never what was typed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from posassist.domain import pins
from posassist.domain.fields import STAFF_NAME_MAX
from posassist.domain.identifiers import IdentifierError, check_text
from posassist.errors import InvalidInputError, KnownError
from posassist.services import access
from posassist.services.audit_trail import record
from posassist.services.context import StoreContext
from posassist.storage.orm import Branch, PinAttempt, Staff
from posassist.storage.staff import queue_staff

NAME_MAX = STAFF_NAME_MAX  # what other registers accept too (domain/staff.py)


class SignInError(KnownError):
    """A PIN was refused: wrong, locked out, or the account is disabled or unknown."""

    def __init__(self, message: str, *, locked_until: datetime | None = None) -> None:
        super().__init__(message)
        self.locked_until = locked_until


@dataclass(frozen=True, slots=True)
class StaffView:
    """One account as the sign-in list and ``posassist staff list`` show it."""

    id: uuid.UUID
    name: str
    role: str
    active: bool
    branch_id: uuid.UUID | None
    has_pin: bool

    @property
    def is_manager(self) -> bool:
        return self.role in ("manager", "admin")

    @property
    def effective_role(self) -> str:
        """The role services check (``admin`` rows from older stores act as managers)."""
        return access.MANAGER if self.is_manager else access.CASHIER


def _view(staff: Staff) -> StaffView:
    return StaffView(
        id=staff.id,
        name=staff.name,
        role=staff.role,
        active=bool(staff.active),
        branch_id=staff.branch_id,
        has_pin=bool(staff.pin_hash),
    )


def _check_name(name: str) -> str:
    try:
        cleaned = " ".join(check_text(name, "name", "name").split())
    except IdentifierError as e:
        raise InvalidInputError("name", str(e)) from None
    if not cleaned:
        raise InvalidInputError("name", "Type the staff member's name.")
    if len(cleaned) > NAME_MAX:
        raise InvalidInputError("name", f"A name has at most {NAME_MAX} characters.")
    return cleaned


def _check_role(role: str) -> str:
    if role not in access.ROLES:
        raise InvalidInputError("role", f"The role is one of: {', '.join(access.ROLES)}.")
    return role


def _wait_words(until: datetime, now: datetime) -> str:
    seconds = max(1, int((until - now).total_seconds() + 0.999))
    return f"{seconds} s" if seconds < 120 else f"{(seconds + 59) // 60} minutes"


class StaffService:
    """Staff use cases; each public method is one user action and one session."""

    def __init__(self, ctx: StoreContext) -> None:
        self._ctx = ctx

    # ---- reading -------------------------------------------------------------------
    def accounts(self, *, include_disabled: bool = True) -> list[StaffView]:
        """Every account of the chain, by name (the sign-in list shows active ones)."""
        with self._ctx.db.read() as s:
            query = select(Staff).order_by(func.lower(Staff.name), Staff.id)
            if not include_disabled:
                query = query.where(Staff.active.is_(True))
            return [_view(staff) for staff in s.scalars(query)]

    def can_sign_in(self) -> list[StaffView]:
        """The accounts the sign-in list offers: active, with a PIN, this branch's first."""
        mine = self._ctx.branch_id
        people = [v for v in self.accounts(include_disabled=False) if v.has_pin]
        return sorted(people, key=lambda v: (v.branch_id != mine, v.name.casefold()))

    def has_managers(self) -> bool:
        """Whether any active manager can sign in (else the store needs its first-run set-up)."""
        return any(v.is_manager for v in self.can_sign_in())

    def branch_codes(self) -> dict[uuid.UUID, str]:
        """Each branch's code by id: a listing says where an account belongs."""
        with self._ctx.db.read() as s:
            return {bid: code for bid, code in s.execute(select(Branch.id, Branch.code))}

    def find(self, name: str) -> StaffView:
        """The account called ``name`` (case and extra spaces ignored), active ones first."""
        with self._ctx.db.read() as s:
            return _view(self._by_name(s, name))

    def current_is_active(self) -> bool:
        """Whether the person signed in here may go on working (the window asks after a
        sync brought staff rows, ``CycleReport.staff_changed``): False once their account
        is disabled (here, or anywhere and synced) or gone; True when nobody is signed in.

        A role changed elsewhere takes effect here too: a manager made a cashier acts as
        a cashier from now on (never the other way round without a new sign-in).
        """
        staff_id = self._ctx.staff_id
        if staff_id is None:
            return True
        with self._ctx.db.read() as s:
            staff = s.get(Staff, staff_id)
            view = None if staff is None else _view(staff)
        if view is None or not view.active:
            return False
        if self._ctx.staff_role == access.MANAGER and view.effective_role != access.MANAGER:
            self._ctx.sign_in(view.id, view.name, view.effective_role)
        return True

    # ---- managing accounts (managers only) ---------------------------------------------
    def add(self, name: str, role: str, pin: str) -> StaffView:
        """A new account at this branch. Names are unique among active accounts of the
        chain, because ``staff disable NAME`` and the sign-in list go by name."""
        access.require(self._ctx, "staff")
        return self._add(name, role, pin)

    def first_manager(self, name: str, pin: str) -> StaffView:
        """The store's first manager, made by the first-run set-up.

        Allowed only while no active account has a PIN (a store before set-up); the
        placeholder "Manager" account an older store had is renamed rather than left
        behind, so the visits it logged keep a name.
        """
        name, digest = self.first_manager_digest(name, pin)
        with self._ctx.db.write() as s:
            view = self.add_first_manager(s, name, digest)
        self._ctx.sign_in(view.id, view.name, view.effective_role)
        return view

    @staticmethod
    def first_manager_digest(name: str, pin: str) -> tuple[str, str]:
        """The first manager's checked name and PIN hash (slow: before any session)."""
        return _check_name(name), pins.hash_pin(pins.check_pin(pin))

    def add_first_manager(self, s: Session, name: str, digest: str) -> StaffView:
        """:meth:`first_manager` inside the caller's session (the first-run set-up makes
        the manager, its audit entry and the settings file one transaction); nobody is
        signed in by it."""
        has_pin = s.scalar(
            select(Staff.id).where(Staff.active.is_(True), Staff.pin_hash.is_not(None)).limit(1)
        )
        if has_pin is not None:
            raise KnownError(
                "This store already has staff who sign in with a PIN.",
                hint="A manager adds accounts: Manager → Staff… or `posassist staff add`.",
            )
        staff = s.scalar(
            select(Staff).where(Staff.active.is_(True), Staff.pin_hash.is_(None)).limit(1)
        )
        if staff is None:
            staff = Staff(branch_id=self._ctx.branch_id, active=True)
            s.add(staff)
        staff.name, staff.role, staff.pin_hash = name, access.MANAGER, digest
        # The whole row as an insert: central may not know a placeholder yet.
        queue_staff(s, staff, "insert", self._ctx.stamp())
        record(s, self._ctx, "staff_add", "staff", str(staff.id), "first manager")
        return _view(staff)

    def _add(self, name: str, role: str, pin: str) -> StaffView:
        name, role, pin = _check_name(name), _check_role(role), pins.check_pin(pin)
        digest = pins.hash_pin(pin)  # slow: before the write session, not inside it
        with self._ctx.db.write() as s:
            if self._active_named(s, name) is not None:
                raise InvalidInputError("name", f"There is already an active account named {name}.")
            staff = Staff(
                branch_id=self._ctx.branch_id,
                name=name,
                role=role,
                pin_hash=digest,
                active=True,
            )
            s.add(staff)
            queue_staff(s, staff, "insert", self._ctx.stamp())
            record(s, self._ctx, "staff_add", "staff", str(staff.id), role)
            return _view(staff)

    def disable(self, name: str) -> StaffView:
        """Disable an account: it can no longer sign in here, nor anywhere after a sync.
        The last active manager cannot be disabled (nobody could manage the store)."""
        access.require(self._ctx, "staff")
        with self._ctx.db.write() as s:
            staff = self._by_name(s, name)
            if not staff.active:
                return _view(staff)
            if staff.role in ("manager", "admin") and self._managers_left(s, staff.id) == 0:
                raise InvalidInputError(
                    "name", f"{staff.name} is the last active manager: add another one first."
                )
            staff.active = False
            queue_staff(s, staff, "update", self._ctx.stamp())
            record(s, self._ctx, "staff_disable", "staff", str(staff.id))
            return _view(staff)

    def set_role(self, name: str, role: str) -> StaffView:
        """Make an account a cashier or a manager (audited as a role change)."""
        access.require(self._ctx, "staff")
        role = _check_role(role)
        with self._ctx.db.write() as s:
            staff = self._by_name(s, name)
            if staff.role == role:
                return _view(staff)
            if role == access.CASHIER and self._managers_left(s, staff.id) == 0:
                raise InvalidInputError(
                    "role", f"{staff.name} is the last active manager: add another one first."
                )
            before, staff.role = staff.role, role
            queue_staff(s, staff, "update", self._ctx.stamp())
            record(s, self._ctx, "role_change", "staff", str(staff.id), f"{before} to {role}")
            return _view(staff)

    def set_pin(self, name: str, pin: str) -> StaffView:
        """A new PIN for an account (a manager resets a forgotten one); clears its lock."""
        access.require(self._ctx, "staff")
        digest = pins.hash_pin(pins.check_pin(pin))
        with self._ctx.db.write() as s:
            staff = self._by_name(s, name)
            staff.pin_hash = digest
            queue_staff(s, staff, "update", self._ctx.stamp())
            attempt = s.get(PinAttempt, staff.id)
            if attempt is not None:
                s.delete(attempt)
            record(s, self._ctx, "pin_change", "staff", str(staff.id))
            return _view(staff)

    # ---- signing in ----------------------------------------------------------------------
    def sign_in(self, staff_id: uuid.UUID, pin: str) -> StaffView:
        """Check the PIN and make this person the one working at the register (the CLI
        and tests; the window checks with :meth:`verify` and signs in on its GUI thread)."""
        view = self.verify(staff_id, pin)
        self._ctx.sign_in(view.id, view.name, view.effective_role)
        return view

    def verify(self, staff_id: uuid.UUID, pin: str) -> StaffView:
        """Check a sign-in PIN (audited as ``sign_in``) without signing anyone in: the
        window's worker checks, and the window signs in only if its dialog still waits."""
        return self._verify(staff_id, pin, success="sign_in")

    def approve(self, staff_id: uuid.UUID, pin: str, action: str) -> StaffView:
        """A manager's PIN approving one ``action`` at someone else's register.

        The caller runs the action inside ``ctx.acting_as(view.id, view.name,
        view.effective_role)``; the audit trail records who approved what. A cashier's
        own account chosen here is refused before its PIN is looked at, and counts as a
        wrong try (``sign_in_failed`` "not a manager"): the dialog must not become a
        way to try PINs, nor to clear a count of wrong ones.
        """
        if action not in access.ACTIONS:
            raise KeyError(action)
        return self._verify(staff_id, pin, success="approve", detail=action, manager=True)

    def sign_out(self) -> None:
        """Nobody is working here now (the register locks): a cashier's rights at most.

        The entry names who was signed in, not a manager whose approval was in force when
        the lock came (an idle lock during an approved dialog)."""
        who = self._ctx.signed_in
        if who.staff_id is not None:
            with self._ctx.acting_as(who.staff_id, who.name, who.role), self._ctx.db.write() as s:
                record(s, self._ctx, "sign_out", "staff", str(who.staff_id))
        self._ctx.sign_in(None, "", access.CASHIER)

    def _verify(
        self,
        staff_id: uuid.UUID,
        pin: str,
        *,
        success: str,
        detail: str = "",
        manager: bool = False,
    ) -> StaffView:
        """The account if ``pin`` is its PIN (and it is a manager's when ``manager``);
        every refusal is audited, a try during a lock too."""
        now = self._ctx.now()
        with self._ctx.db.read() as s:
            staff = s.get(Staff, staff_id)
            if staff is None:
                raise SignInError("That account does not exist (any more): choose another.")
            view, digest = _view(staff), staff.pin_hash
            attempt = s.get(PinAttempt, staff_id)
            locked = attempt.locked_until if attempt is not None else None
        if not view.active:
            self._audit("sign_in_failed", staff_id, "account disabled")
            raise SignInError(f"{view.name}'s account is disabled. A manager can say why.")
        if locked is not None and locked > now:
            self._audit("sign_in_failed", staff_id, "locked")
            raise SignInError(
                f"{view.name} is locked after {pins.WRONG_PINS_BEFORE_LOCK} wrong PINs: try "
                f"again in {_wait_words(locked, now)}.",
                locked_until=locked,
            )
        if manager and not view.is_manager:
            raise self._wrong_pin(view, now, "not a manager")
        if pins.pin_matches(pin, digest):  # slow: outside any session
            with self._ctx.db.write() as s:
                attempt = s.get(PinAttempt, staff_id)
                if attempt is not None:
                    s.delete(attempt)
                record(s, self._ctx, success, "staff", str(staff_id), detail)
            return view
        raise self._wrong_pin(view, now)

    def _wrong_pin(self, view: StaffView, now: datetime, why: str = "wrong PIN") -> SignInError:
        """Count a wrong try (committed: an error must not roll the count back)."""
        with self._ctx.db.write() as s:
            attempt = s.get(PinAttempt, view.id)
            if attempt is None:
                attempt = PinAttempt(staff_id=view.id, failed=0, lockouts=0)
                s.add(attempt)
            attempt.failed += 1
            left = pins.WRONG_PINS_BEFORE_LOCK - attempt.failed
            if left > 0:
                record(s, self._ctx, "sign_in_failed", "staff", str(view.id), why)
                tries = "1 try" if left == 1 else f"{left} tries"
                if why == "not a manager":
                    return SignInError(
                        f"{view.name} is not a manager: a manager's PIN approves this "
                        f"({tries} left before a lock)."
                    )
                return SignInError(f"Wrong PIN for {view.name}: {tries} left before a lock.")
            attempt.failed, attempt.lockouts = 0, attempt.lockouts + 1
            attempt.locked_until = now + pins.lockout_after(attempt.lockouts)
            record(s, self._ctx, "locked_out", "staff", str(view.id), str(attempt.lockouts))
            return SignInError(
                f"Wrong PIN for {view.name} {pins.WRONG_PINS_BEFORE_LOCK} times: locked for "
                f"{_wait_words(attempt.locked_until, now)}.",
                locked_until=attempt.locked_until,
            )

    def _audit(self, action: str, staff_id: uuid.UUID, detail: str) -> None:
        with self._ctx.db.write() as s:
            record(s, self._ctx, action, "staff", str(staff_id), detail)

    # ---- lookups -------------------------------------------------------------------------
    @staticmethod
    def _active_named(s: Session, name: str) -> Staff | None:
        key = " ".join(name.split()).casefold()
        for staff in s.scalars(select(Staff).where(Staff.active.is_(True))):
            if " ".join(staff.name.split()).casefold() == key:
                return staff
        return None

    def _by_name(self, s: Session, name: str) -> Staff:
        found = self._active_named(s, name)
        if found is None:
            key = " ".join(name.split()).casefold()
            found = next(
                (
                    staff
                    for staff in s.scalars(select(Staff))
                    if " ".join(staff.name.split()).casefold() == key
                ),
                None,
            )
        if found is None:
            raise InvalidInputError("name", f"No staff account is named {' '.join(name.split())}.")
        return found

    @staticmethod
    def _managers_left(s: Session, other_than: uuid.UUID) -> int:
        """Active managers who can sign in (a PIN set), other than ``other_than``: a
        pinless placeholder from an older store cannot manage anything."""
        return len(
            list(
                s.scalars(
                    select(Staff.id).where(
                        Staff.active.is_(True),
                        Staff.role.in_(("manager", "admin")),
                        Staff.pin_hash.is_not(None),
                        Staff.id != other_than,
                    )
                )
            )
        )
