"""The first-run set-up's use cases: is it needed, the chain's branches, and finishing.

A store with no settings file and no manager who can sign in is not set up yet: the
window (``app/first_start.py``) then shows the set-up (``ui/views/setup.py``) before it
opens. Finishing makes the branch's name, the first manager and their audit
entries one transaction whose commit point is writing ``settings.toml``
(``audit_trail.committed_with_files``): if anything fails (an unwritable config folder,
the store), there is neither a file nor a manager with a PIN, a central password stored
for a join is removed from the keyring again, and the set-up simply runs again at the
next start. Only then may settings be saved without a manager's sign-in
(:func:`setup_allowed`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from posassist.config import Problems, Settings, check_values
from posassist.domain import pins
from posassist.errors import InvalidInputError, KnownError
from posassist.secrets import SecretStore, central_password_key, open_secret_store
from posassist.services.audit_trail import committed_with_files
from posassist.services.context import StoreContext, open_context
from posassist.services.settings import audit_changes, prepare_settings, raise_first
from posassist.services.staff import StaffService, StaffView
from posassist.services.sync import ChainBranch, ChainDirectory, chain_directory
from posassist.storage.database import Database
from posassist.storage.orm import Branch, Staff

__all__ = ["FirstRun", "SetupPlan", "setup_allowed", "store_has_managers"]

BRANCH_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$")
CENTRAL_KEYS = ("central.host", "central.port", "central.database", "central.user")


def store_has_managers(db: Database) -> bool:
    """Whether an active manager with a PIN exists (read-only; no context needed yet)."""
    with db.read() as s:
        found = s.scalar(
            select(Staff.id)
            .where(
                Staff.active.is_(True),
                Staff.pin_hash.is_not(None),
                Staff.role.in_(("manager", "admin")),
            )
            .limit(1)
        )
    return found is not None


def setup_allowed(path: Path, db: Database) -> bool:
    """The first run: no settings file yet and nobody who could sign in as a manager."""
    return not path.exists() and not store_has_managers(db)


@dataclass(frozen=True, slots=True)
class SetupPlan:
    """What the set-up's pages gathered. ``texts`` are settings (``store.name`` …, the
    ``central.*`` ones when joining); the PIN goes to the staff service, never a file."""

    texts: Mapping[str, str]
    branch_name: str = ""  # a new branch's name (joining: the chosen branch's own)
    joined: ChainBranch | None = None
    central_password: str = ""
    manager_name: str = ""
    manager_pin: str = ""

    @property
    def skip_manager(self) -> bool:
        """Joining a chain that has managers: they sign in with their chain accounts."""
        return self.joined is not None and not self.manager_pin


class FirstRun:
    """The set-up on the store ``db`` whose settings will be written to ``path``."""

    def __init__(
        self, db: Database, base: Settings, path: Path, secrets: SecretStore | None = None
    ) -> None:
        self.db = db
        self.base = base
        self.path = path
        self._secrets = secrets

    def needed(self) -> bool:
        return setup_allowed(self.path, self.db)

    def check(self, texts: Mapping[str, str]) -> Problems:
        """Every problem with the values on a page (branch code included)."""
        problems = check_values(self.base, dict(texts))[1]
        code = texts.get("store.branch_code")
        if code is not None and not BRANCH_CODE.match(code.strip()):
            problems["store.branch_code"] = (
                "Type a short code: letters, digits, - or _, at most 20 (e.g. B01)."
            )
        return problems

    def preview(self, texts: Mapping[str, str]) -> Settings:
        """The settings as they would be with ``texts`` (for the test slip)."""
        return check_values(self.base, dict(texts))[0]

    @staticmethod
    def check_manager(name: str, pin: str, confirm: str) -> Problems:
        """The manager page's problems (``name``, ``pin``, ``confirm``), PIN rules from
        ``domain/pins.py``; the PIN itself is never part of a message."""
        problems: Problems = {}
        if not name.strip():
            problems["name"] = "Type the manager's name."
        try:
            pins.check_pin(pin)
        except InvalidInputError as exc:
            problems["pin"] = exc.message
        if "pin" not in problems and pin != confirm:
            problems["confirm"] = "The two PINs differ: type the same PIN twice."
        return problems

    def chain(self, texts: Mapping[str, str], password: str) -> ChainDirectory:
        """The chain's branches and managers from central (slow: on the worker)."""
        central_texts = {k: v for k, v in texts.items() if k in CENTRAL_KEYS}
        settings, problems = check_values(self.base, central_texts)
        if not settings.central.enabled:
            problems.setdefault("central.host", "Type the central server's name or address.")
        raise_first(problems)
        return chain_directory(settings.central, password or None)

    def finish(self, plan: SetupPlan) -> Settings:
        """Save the settings, then the branch and the first manager; the new settings.

        Refused once the store is set up (a settings file or a manager exists). Slow
        (scrypt for the PIN): on the worker.
        """
        if not self.needed():
            raise KnownError(
                "This store is already set up.",
                hint="A manager changes the settings in Manager → Settings….",
            )
        raise_first(self.check(plan.texts))
        if not plan.skip_manager and not plan.manager_name.strip():
            raise InvalidInputError("name", "Type the manager's name.")
        change = prepare_settings(self.path, self.base, plan.texts)
        settings = change.settings
        manager = None
        if not plan.skip_manager:  # scrypt: before any session
            manager = StaffService.first_manager_digest(plan.manager_name, plan.manager_pin)
        secret: tuple[SecretStore, str] | None = None
        try:
            if plan.joined is not None and plan.central_password:
                keyring = self._secrets or open_secret_store()
                secret = (keyring, central_password_key(settings.central))
                keyring.set(secret[1], plan.central_password)
            ctx = self._branch(settings, plan)
            with committed_with_files(self.db, change.files, field="settings") as s:
                view = self._people(s, ctx, plan, manager)
                audit_changes(s, ctx, change.changed)
        except BaseException:
            if secret is not None:
                secret[0].delete(secret[1])  # nothing half-done: the set-up runs again
            raise
        if view is not None:
            ctx.sign_in(view.id, view.name, view.effective_role)
        return settings

    @staticmethod
    def _people(
        s: Session, ctx: StoreContext, plan: SetupPlan, manager: tuple[str, str] | None
    ) -> StaffView | None:
        """Inside the finishing transaction: a new branch's name and the first manager."""
        if plan.joined is None and plan.branch_name.strip():
            branch = s.get(Branch, ctx.branch_id)
            if branch is not None:
                branch.name = " ".join(plan.branch_name.split())[:200]
        if manager is None:
            return None
        return StaffService(ctx).add_first_manager(s, *manager)

    def _branch(self, settings: Settings, plan: SetupPlan) -> StoreContext:
        """The branch (the chain's own row when joining, so its id matches central's) and
        this register's context: rows a set-up run again reuses, never a manager."""
        joined = plan.joined
        if joined is not None:
            with self.db.write() as s:
                if s.scalar(select(Branch.id).where(Branch.code == joined.code)) is None:
                    s.add(
                        Branch(
                            id=joined.id,
                            code=joined.code,
                            name=joined.name,
                            address=joined.address,
                            phone=joined.phone,
                            timezone=joined.timezone or settings.store.timezone,
                            hours=joined.hours,
                        )
                    )
        return open_context(self.db, settings)
