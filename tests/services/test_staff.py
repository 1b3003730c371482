"""Staff accounts and PIN sign-in on a real store: hashing, lockout, roles, disabling."""

from __future__ import annotations

import base64
import hashlib
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from posassist.app import Backend
from posassist.domain import pins
from posassist.errors import InvalidInputError, PermissionDeniedError
from posassist.services.staff import SignInError
from posassist.storage.orm import AuditLog, PinAttempt, Staff
from tests.conftest import MovableClock

PIN = "73195084"  # eight digits nothing else in a store would hold


def _actions(backend: Backend) -> list[str]:
    with backend.db.read() as s:
        return list(s.scalars(select(AuditLog.action).order_by(AuditLog.id)))


def test_pin_rules_and_hash() -> None:
    for bad in ("123", "123456789", "12a4", "١٢٣٤", ""):
        with pytest.raises(InvalidInputError) as e:
            pins.check_pin(bad)
        assert (e.value.field == "pin" and bad not in e.value.message) or bad == ""
    digest = pins.hash_pin("0042")
    assert digest.startswith("scrypt$")
    assert "0042" not in digest
    assert pins.pin_matches("0042", digest)
    assert not pins.pin_matches("0043", digest)
    assert pins.hash_pin("0042") != digest  # salted
    for broken in (None, "", "scrypt$x", "md5$1$2$3$4$5", digest[:-4] + "!!!!"):
        assert not pins.pin_matches("0042", broken)
    assert pins.lockout_after(1) == timedelta(seconds=30)
    assert pins.lockout_after(2) == timedelta(seconds=60)
    assert pins.lockout_after(99) == pins.LONGEST_LOCK


def _hash_at(pin: str, n: int, r: int, p: int) -> str:
    salt = b"0123456789abcdef"
    key = hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, maxmem=2**31 - 1, dklen=32)
    b64 = [base64.b64encode(x).decode() for x in (salt, key)]
    return "$".join(("scrypt", str(n), str(r), str(p), *b64))


def test_a_hash_asking_too_much_is_refused_before_any_work() -> None:
    """The cost travels with a synced hash: a higher one (within bounds) still works, one
    over n 2**17, r 16 or p 4 is False at once, without deriving (it would need GiBs)."""
    assert pins.pin_matches("0042", _hash_at("0042", 2**15, 8, 1))
    well_formed = _hash_at("0042", 2**10, 1, 1).split("$")
    for n, r, p in ((2**18, 8, 1), (2**14, 17, 1), (2**14, 8, 5), (2**30, 8, 1), (3, 8, 1)):
        hostile = "$".join(("scrypt", str(n), str(r), str(p), *well_formed[4:]))
        started = time.monotonic()
        assert not pins.pin_matches("0042", hostile)
        assert not pins.is_pin_hash(hostile)
        assert time.monotonic() - started < 0.05


def test_add_sign_in_and_the_pin_is_never_in_the_store_bytes(backend: Backend) -> None:
    ana = backend.staff.add("  Ana   Lopez ", "cashier", PIN)
    with pytest.raises(InvalidInputError, match="already an active account"):
        backend.staff.add("ana lopez", "manager", "1111")
    assert ana.name == "Ana Lopez"
    assert ana.has_pin
    assert ana.effective_role == "cashier"
    view = backend.staff.sign_in(ana.id, PIN)
    assert (backend.ctx.staff_id, backend.ctx.staff_role) == (view.id, "cashier")
    assert _actions(backend)[-2:] == ["staff_add", "sign_in"]
    raw = b"".join(p.read_bytes() for p in Path(backend.settings.data_dir).glob("*") if p.is_file())
    assert raw
    assert PIN.encode() not in raw
    assert PIN.encode("utf-16-le") not in raw


def test_five_wrong_pins_lock_for_a_growing_delay(backend: Backend, clock: MovableClock) -> None:
    bo = backend.staff.add("Bo", "cashier", "2468")
    for left in (4, 3, 2, 1):
        with pytest.raises(SignInError, match=f"{left} tr"):
            backend.staff.sign_in(bo.id, "0000")
    with pytest.raises(SignInError, match="locked for 30 s") as e:
        backend.staff.sign_in(bo.id, "0000")
    assert e.value.locked_until is not None
    with pytest.raises(SignInError, match="locked after 5 wrong PINs"):
        backend.staff.sign_in(bo.id, "2468")  # even the right PIN waits
    clock.at += timedelta(seconds=31)
    for _ in range(5):
        with pytest.raises(SignInError):
            backend.staff.sign_in(bo.id, "9999")
    with pytest.raises(SignInError, match="locked after"):
        backend.staff.sign_in(bo.id, "2468")
    clock.at += timedelta(seconds=61)  # the second lock is 60 s
    assert backend.staff.sign_in(bo.id, "2468").name == "Bo"
    actions = _actions(backend)
    assert actions.count("locked_out") == 2
    assert actions.count("sign_in_failed") == 8 + 2  # two tries while locked


def test_disabled_account_is_refused_and_the_last_manager_stays(backend: Backend) -> None:
    boss = backend.staff.first_manager("Dana Reyes", "1357")
    cy = backend.staff.add("Cy", "cashier", "8642")
    assert backend.staff.disable("cy").active is False
    with pytest.raises(SignInError, match="disabled"):
        backend.staff.sign_in(cy.id, "8642")
    with pytest.raises(InvalidInputError, match="last active manager"):
        backend.staff.disable("Dana Reyes")
    with pytest.raises(InvalidInputError, match="No staff account"):
        backend.staff.disable("Nobody")
    assert [v.name for v in backend.staff.can_sign_in()] == [boss.name]


def test_cashier_cannot_manage_staff_but_a_manager_can_approve(backend: Backend) -> None:
    boss = backend.staff.first_manager("Dana Reyes", "1357")
    cy = backend.staff.add("Cy", "cashier", "8642")
    backend.staff.sign_in(cy.id, "8642")
    with pytest.raises(PermissionDeniedError, match="Only a manager can manage staff"):
        backend.staff.add("Eve", "cashier", "1212")
    with pytest.raises(SignInError, match="not a manager"):
        backend.staff.approve(cy.id, "8642", "erase")
    ok = backend.staff.approve(boss.id, "1357", "staff")
    with backend.ctx.acting_as(ok.id, ok.name, ok.effective_role):
        backend.staff.add("Eve", "cashier", "1212")
    assert backend.ctx.staff_role == "cashier"
    assert backend.ctx.staff_id == cy.id
    with backend.db.read() as s:
        eve = s.scalar(
            select(AuditLog).where(AuditLog.action == "staff_add").order_by(AuditLog.id.desc())
        )
        assert eve is not None
        assert eve.staff_id == boss.id


def _trail(backend: Backend) -> list[tuple[str, str]]:
    with backend.db.read() as s:
        rows = s.execute(select(AuditLog.action, AuditLog.detail).order_by(AuditLog.id))
        return [(a, d) for a, d in rows]


def test_a_cashiers_own_pin_does_not_approve_and_counts_as_a_wrong_try(
    backend: Backend,
) -> None:
    """The role is checked before the PIN: no "approve" entry, a sign_in_failed "not a
    manager" that counts towards the lock, and the count of wrong PINs is not cleared."""
    backend.staff.first_manager("Dana Reyes", "1357")
    cy = backend.staff.add("Cy", "cashier", "8642")
    with pytest.raises(SignInError, match="Wrong PIN"):
        backend.staff.sign_in(cy.id, "0000")
    with pytest.raises(SignInError, match=r"not a manager.*3 tries left"):
        backend.staff.approve(cy.id, "8642", "erase")  # the right PIN, the wrong role
    trail = _trail(backend)
    assert ("approve", "erase") not in trail
    assert trail[-1] == ("sign_in_failed", "not a manager")
    with backend.db.read() as s:
        attempt = s.get(PinAttempt, cy.id)
        assert attempt is not None
        assert attempt.failed == 2
    for _ in range(3):
        with pytest.raises(SignInError):
            backend.staff.approve(cy.id, "8642", "erase")
    assert _trail(backend)[-1][0] == "locked_out"


def test_tries_during_a_lock_are_audited(backend: Backend, clock: MovableClock) -> None:
    bo = backend.staff.add("Bo", "cashier", "2468")
    for _ in range(5):
        with pytest.raises(SignInError):
            backend.staff.sign_in(bo.id, "0000")
    for _ in range(2):
        with pytest.raises(SignInError, match="locked after"):
            backend.staff.sign_in(bo.id, "2468")
    assert _trail(backend)[-3:] == [
        ("locked_out", "1"),
        ("sign_in_failed", "locked"),
        ("sign_in_failed", "locked"),
    ]


def test_first_manager_only_once_and_role_changes_are_audited(backend: Backend) -> None:
    with backend.db.read() as s:
        placeholder = s.scalar(select(Staff))
    boss = backend.staff.first_manager("Dana Reyes", "1357")
    assert placeholder is None or boss.id == placeholder.id  # the pinless one is renamed
    with pytest.raises(Exception, match="already has staff"):
        backend.staff.first_manager("Again", "2222")
    backend.staff.add("Cy", "cashier", "8642")
    assert backend.staff.set_role("Cy", "manager").role == "manager"
    with backend.db.read() as s:
        row = s.scalar(select(AuditLog).where(AuditLog.action == "role_change"))
        assert row is not None
        assert row.detail == "cashier to manager"
        assert "Cy" not in row.detail


def test_an_approval_holds_for_its_own_work_only(backend: Backend) -> None:
    """acting_as is per thread of work: a concurrent action elsewhere stays the cashier's,
    overlapping approvals end cleanly, and work started inside one carries it."""
    import contextvars
    import threading

    boss = backend.staff.first_manager("Dana Reyes", "1357")
    cy = backend.staff.add("Cy", "cashier", "8642")
    backend.staff.sign_in(cy.id, "8642")
    ctx = backend.ctx
    inside, release = threading.Event(), threading.Event()
    seen: dict[str, str] = {}

    def approved_elsewhere() -> None:
        with ctx.acting_as(boss.id, boss.name, "manager"):
            seen["worker"] = ctx.staff_role
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=approved_elsewhere)
    worker.start()
    assert inside.wait(5)
    seen["gui"] = ctx.staff_role  # while the other thread is approved
    with ctx.acting_as(boss.id, boss.name, "manager"):
        started = contextvars.copy_context()  # what ui/workers.py captures
    release.set()
    worker.join(5)
    assert seen == {"worker": "manager", "gui": "cashier"}
    assert ctx.staff_role == "cashier"
    assert ctx.staff_id == cy.id
    assert started.run(lambda: ctx.staff_role) == "manager"


def test_sign_out_names_who_was_signed_in_not_an_approver(backend: Backend) -> None:
    boss = backend.staff.first_manager("Dana Reyes", "1357")
    cy = backend.staff.add("Cy", "cashier", "8642")
    backend.staff.sign_in(cy.id, "8642")
    with backend.ctx.acting_as(boss.id, boss.name, "manager"):
        backend.staff.sign_out()  # the idle lock fired during an approved dialog
    with backend.db.read() as s:
        row = s.scalar(select(AuditLog).where(AuditLog.action == "sign_out"))
    assert row is not None
    assert (row.staff_id, row.entity_id) == (cy.id, str(cy.id))
    assert backend.ctx.staff_id is None


def test_a_pinless_placeholder_does_not_count_as_a_manager_left(backend: Backend) -> None:
    with backend.db.write() as s:  # an older store's placeholder account, no PIN
        s.add(Staff(branch_id=backend.ctx.branch_id, name="Old Manager", role="manager"))
    boss = backend.staff.add("Dana Reyes", "manager", "1357")
    with pytest.raises(InvalidInputError, match="last active manager"):
        backend.staff.disable(boss.name)
