"""Who may do what: the one list of manager-only actions, checked in the services.

Hiding a menu item is a courtesy; this is the check. Every gated service method calls
:func:`require` before it touches the store, so the CLI, the window and any future
caller get the same answer. A cashier may look customers up and log interactions,
referrals, holds and walk-ins; everything in :data:`ACTIONS` needs a manager (at a
cashier's register, a manager's PIN approves one action: ``StoreContext.acting_as``).
"""

from __future__ import annotations

from typing import Protocol

from posassist.errors import PermissionDeniedError

MANAGER = "manager"
CASHIER = "cashier"
ROLES = (CASHIER, MANAGER)

# action key → the words after "Only a manager can …" (and after "Manager PIN to …").
ACTIONS: dict[str, str] = {
    "edit_vendors": "edit the partner directory",
    "edit_picks": "edit the staff picks",
    "edit_stock": "update stock counts",
    "edit_products": "edit the product list",
    "import": "import files",
    "settings": "change the settings",
    "regulars": "open the regulars list",
    "reports": "open the reports",
    "export": "export customer data",
    "merge": "merge customers",
    "void": "void an entry",
    "erase": "erase a customer",
    "staff": "manage staff accounts",
}


class HasRole(Protocol):
    @property
    def staff_role(self) -> str: ...


def allowed(ctx: HasRole, action: str) -> bool:
    """Whether the person signed in may do ``action`` (for greying out, never as the check)."""
    if action not in ACTIONS:
        raise KeyError(action)
    return ctx.staff_role == MANAGER


def require(ctx: HasRole, action: str) -> None:
    """Refuse ``action`` unless a manager is signed in (or approving this one action)."""
    if not allowed(ctx, action):
        words = ACTIONS[action]
        raise PermissionDeniedError(
            action,
            f"Only a manager can {words}.",
            hint=f"A manager can approve it here with their PIN (Manager PIN to {words}).",
        )
