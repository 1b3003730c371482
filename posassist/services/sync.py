"""Central sync as use cases: sync now, what is waiting, what was refused, the password.

Built by the composition root only when ``[central] host`` is set. The window runs
:meth:`SyncService.new_loop` on its own thread; the CLI calls :meth:`sync_once`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import select

from posassist.errors import SyncError
from posassist.secrets import SecretStore, SessionSecretStore, central_password_key
from posassist.services.context import StoreContext
from posassist.services.name_index import NameIndex
from posassist.storage.orm import Customer
from posassist.sync import outbox
from posassist.sync.central import CentralLink, CentralTarget, Fault
from posassist.sync.engine import (
    Backoff,
    CycleReport,
    LocalStatus,
    SyncEngine,
    SyncLoop,
    SyncStatus,
)
from posassist.sync.outbox import DeadLetter

INCREMENTAL_NAME_UPDATES = 2000


class SyncService:
    def __init__(
        self,
        ctx: StoreContext,
        secrets: SecretStore,
        *,
        names: NameIndex | None = None,
        op_timeout: float = 30.0,
        batch_size: int = 500,
        fault: Fault | None = None,
    ) -> None:
        if not ctx.settings.central.enabled:
            raise SyncError(
                "No central database is configured.",
                hint="Set [central] host in the settings (see the README's admin guide).",
            )
        self._ctx = ctx
        self.central = ctx.settings.central
        self.secrets = secrets
        self._names = names
        self._listeners: list[Callable[[set[uuid.UUID]], None]] = []
        self.link = CentralLink(self.target, op_timeout=op_timeout)
        self.engine = SyncEngine(
            ctx.db,
            self.link,
            ctx.register_id,
            ctx.hlc,
            batch_size=batch_size,
            clock=ctx.clock,
            on_customers_changed=self._on_customers_changed,
            fault=fault,
        )

    # -- connection --------------------------------------------------------------
    def target(self) -> CentralTarget:
        """Built on every connect, so a password entered later is used at once."""
        password = self.secrets.get(central_password_key(self.central))
        return CentralTarget.from_settings(self.central, password)

    @property
    def password_kept_for_session_only(self) -> bool:
        return not self.secrets.persistent

    @property
    def secret_notice(self) -> str:
        """Why the password is not kept in the OS keyring (empty when it is)."""
        return self.secrets.notice if isinstance(self.secrets, SessionSecretStore) else ""

    def remember_password(self, password: str) -> None:
        self.secrets.set(central_password_key(self.central), password)

    def describe(self) -> str:
        return CentralTarget.from_settings(self.central, None).describe()

    # -- use cases ---------------------------------------------------------------
    def sync_once(self) -> CycleReport:
        try:
            return self.engine.sync_once()
        finally:
            self.link.close()

    def status(self) -> LocalStatus:
        return self.engine.local_status()

    def dead_letters(self, limit: int = 200) -> list[DeadLetter]:
        """Changes the central database refused, oldest first: for a manager to review."""
        with self._ctx.db.read() as s:
            return outbox.dead_letters(s, limit)

    def retry_dead(self) -> int:
        """Queue refused changes again (once the cause was fixed centrally)."""
        return outbox.retry_dead(self._ctx.db)

    def new_loop(
        self,
        on_status: Callable[[SyncStatus], None],
        *,
        backoff: Backoff | None = None,
        tick: float = 1.0,
    ) -> SyncLoop:
        return SyncLoop(
            self.engine,
            on_status=on_status,
            poll_seconds=self.central.poll_seconds,
            backoff=backoff,
            tick=tick,
        )

    def on_customers_changed(self, listener: Callable[[set[uuid.UUID]], None]) -> None:
        """Call ``listener`` (on the sync thread) with the customers whose card a sync changed."""
        self._listeners.append(listener)

    def _on_customers_changed(self, report: CycleReport) -> None:
        if report.customers_changed:
            self._update_names(report.customers_changed)
        touched = report.customers_changed | report.customers_touched
        for listener in self._listeners:
            listener(touched)

    def _update_names(self, ids: set[uuid.UUID]) -> None:
        """Names came from elsewhere (or changed): the fuzzy name index must see them.

        Runs on the sync thread. A few changes are folded into the loaded index here, so
        the cashier's next search does not reload 100,000 names on the GUI thread; a
        flood (a new register's first sync) just invalidates it.
        """
        if self._names is None:
            return
        if len(ids) > INCREMENTAL_NAME_UPDATES:
            self._names.invalidate()
            return
        with self._ctx.db.read() as s:
            rows = s.execute(
                select(Customer.id, Customer.name_key, Customer.erased_at).where(
                    Customer.id.in_(ids)
                )
            ).all()
        for cid, key, erased_at in rows:
            if erased_at is None:
                self._names.upsert(cid, key)
            else:
                self._names.remove(cid)


__all__ = ["CycleReport", "DeadLetter", "LocalStatus", "SyncLoop", "SyncService", "SyncStatus"]
