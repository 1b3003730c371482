"""Whether the person signed in at this register may still work here.

A manager can disable an account at another register; the change reaches this one by
sync. The window asks after every sync round and locks when the answer is no, so a
disabled account does not stay signed in until the next idle lock. (One small read of
the staff row by its key: kept apart from ``staff.py`` so the staff-sync work can
replace it with its own check without a conflict.)
"""

from __future__ import annotations

from posassist.services.context import StoreContext
from posassist.storage.orm import Staff


def signed_in_is_active(ctx: StoreContext) -> bool:
    """False when the signed-in account is disabled or gone; True when nobody is signed
    in (a locked register has nothing to lock)."""
    if ctx.staff_id is None:
        return True
    with ctx.db.read() as s:
        staff = s.get(Staff, ctx.staff_id)
        return staff is not None and bool(staff.active)
