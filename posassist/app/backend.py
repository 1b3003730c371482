"""The composition root's non-Qt half: settings → store → services.

Everything is wired here, once, so no module below reaches for globals. The CLI, the
window (:mod:`posassist.app.gui`) and the tests all get their services from
:func:`open_backend` or :func:`build_backend`, so they cannot drift apart.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from posassist.config import SETTINGS_FILENAME, Settings, load_settings
from posassist.services.also_bought import AlsoBoughtService
from posassist.services.audit import AuditService
from posassist.services.catalog import CatalogService
from posassist.services.context import StoreContext, open_context
from posassist.services.customer_export import CustomerExportService
from posassist.services.customers import CustomerService
from posassist.services.finder import FinderService
from posassist.services.holds import HoldService
from posassist.services.interactions import InteractionService
from posassist.services.picks import PicksService
from posassist.services.printers import PrintService
from posassist.services.privacy import PrivacyService
from posassist.services.referrals import ReferralService
from posassist.services.staff import StaffService
from posassist.services.standing import StandingService
from posassist.services.vendors import VendorService
from posassist.storage.database import Database, open_database

if TYPE_CHECKING:
    from posassist.services.sync import SyncService


@dataclass
class Backend:
    """The non-Qt half of the app: what the CLI, the window and tests share."""

    settings: Settings
    db: Database
    ctx: StoreContext
    customers: CustomerService
    interactions: InteractionService
    standing: StandingService
    # Finder, referrals and printing need only the context and settings: built here.
    vendors: VendorService = field(init=False)
    finder: FinderService = field(init=False)
    referrals: ReferralService = field(init=False)
    printing: PrintService = field(init=False)
    privacy: PrivacyService = field(init=False)
    exports: CustomerExportService = field(init=False)  # a customer's data on request
    picks: PicksService = field(init=False)
    holds: HoldService = field(init=False)
    catalog: CatalogService = field(init=False)  # products and every branch's stock
    also_bought: AlsoBoughtService = field(init=False)  # co-purchases, built in the background
    staff: StaffService = field(init=False)  # accounts, PINs, sign-in and approvals
    # Central sync, only when [central] host is set (None: standalone register).
    sync: SyncService | None = field(init=False, default=None)
    audit: AuditService = field(init=False)  # the audit trail: listed, verified

    def __post_init__(self) -> None:
        self.vendors = VendorService(self.ctx)
        self.finder = FinderService(self.ctx)
        self.vendors.on_change(self.finder.invalidate)  # an edit shows in the next search
        self.referrals = ReferralService(self.ctx)
        self.printing = PrintService(self.settings.printing)
        self.privacy = PrivacyService(self.ctx, self.customers.names)
        self.picks = PicksService(self.ctx)
        self.holds = HoldService(self.ctx)
        self.exports = CustomerExportService(self.ctx, self.customers, self.holds)
        self.catalog = CatalogService(self.ctx)
        self.catalog.on_change(self.finder.invalidate)
        self.also_bought = AlsoBoughtService(self.ctx)
        self.staff = StaffService(self.ctx)
        if self.settings.central.enabled:
            from posassist.secrets import open_secret_store
            from posassist.services.sync import SyncService

            self.sync = SyncService(self.ctx, open_secret_store(), names=self.customers.names)
        self.audit = AuditService(self.ctx, self.sync)

    def close(self) -> None:
        if self.sync is not None:
            self.sync.link.close()
        self.db.close()


def resolve_settings(
    data_dir: Path | None, *, demo: bool = False, config_file: Path | None = None
) -> Settings:
    """The settings, with the demo store in its own ``demo`` folder unless a data folder
    was given: the window, ``doctor --demo`` and the second-instance check agree on it.

    Without ``--config`` (or ``POSASSIST_CONFIG``) the demo has its own settings file in
    its folder, so trying Manager → Settings… on the demo never rewrites the register's
    real settings, and the demo's slips carry the demo chain's name.
    """
    settings = load_settings(data_dir=data_dir, config_file=config_file)
    if not demo:
        return settings
    if data_dir is None:
        settings = replace(settings, data_dir=settings.data_dir / "demo")
    if config_file is not None or "POSASSIST_CONFIG" in os.environ:
        return settings
    own = settings.data_dir / SETTINGS_FILENAME
    if not own.exists():
        from posassist.devtools.demo import DemoSpec

        own.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        name = DemoSpec().chain_name.replace("\\", "").replace('"', "")
        own.write_text(f'# The demo store\'s own settings.\n[store]\nname = "{name}"\n', "utf-8")
    return load_settings(data_dir=settings.data_dir, config_file=own)


def open_backend(
    data_dir: Path | None = None,
    *,
    demo: bool = False,
    config_file: Path | None = None,
    check: bool = False,
) -> Backend:
    """The services on the store in ``data_dir``; with ``check``, SQLite's ``quick_check``
    runs first and a damaged store is refused before anything is written to it."""
    settings = resolve_settings(data_dir, demo=demo, config_file=config_file)
    db = open_database(settings.data_dir)
    try:
        if check:
            db.require_healthy()
        if demo:
            # The generator is only needed for the demo: keep it off the normal start-up.
            from posassist.devtools.demo import DemoSpec, ensure_demo_store

            ensure_demo_store(db, DemoSpec())
        ctx = open_context(db, settings)
        return build_backend(settings, db, ctx)
    except BaseException:
        db.close()
        raise


def build_backend(settings: Settings, db: Database, ctx: StoreContext) -> Backend:
    """Wire the services on an open store (shared by the app, the CLI and tests)."""
    standing = StandingService(ctx)
    return Backend(
        settings=settings,
        db=db,
        ctx=ctx,
        customers=CustomerService(ctx, standing),
        interactions=InteractionService(ctx),
        standing=standing,
    )
