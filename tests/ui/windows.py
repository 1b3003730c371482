"""The register window on a test store, shown offscreen (one way for every UI test)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from posassist.app import Backend
from posassist.ui.main_window import MainWindow, Services
from posassist.ui.views.finder import ReferralDesk
from posassist.ui.views.import_dialog import ImportDesk
from posassist.ui.views.sign_in import StaffDesk
from posassist.ui.workers import Worker


def services_for(
    backend: Backend, *, desk: bool = False, privacy: bool = False, holds: bool = False
) -> Services:
    """What the composition root gives the window, from a test backend: the finder and
    the referral desk (F4, F12), erasure and holds only when a test asks for them."""
    b = backend
    hold_service = b.holds if holds else None
    return Services(
        b.customers,
        b.interactions,
        "Test Store",
        "Test staff",
        desk=ReferralDesk(
            b.finder,
            b.referrals,
            b.vendors,
            b.printing,
            picks=b.picks,
            holds=hold_service,
            also_bought=b.also_bought,
        )
        if desk
        else None,
        privacy=b.privacy if privacy else None,
        exports=b.exports if privacy else None,
        picks=b.picks,
        holds=hold_service,
        catalog=b.catalog,
        also_bought=b.also_bought,
    )


def register_window(
    qtbot: QtBot,
    backend: Backend,
    *,
    desk: bool = False,
    privacy: bool = False,
    holds: bool = False,
    show: bool = True,
    staff_desk: StaffDesk | None = None,
    imports: ImportDesk | None = None,
) -> MainWindow:
    """A main window on ``backend`` that qtbot closes after the test; shown and exposed
    unless ``show`` is false (tests of what happens before the window is shown); locked
    until someone signs in when ``staff_desk`` is given and the store has staff PINs."""
    services = services_for(backend, desk=desk, privacy=privacy, holds=holds)
    services.staff_desk = staff_desk  # signing in and the lock: only when a test asks
    services.imports = imports  # Manager → Import a file…: only when a test asks
    w = MainWindow(services, Worker(), backend.ctx.tz)
    qtbot.addWidget(w)
    if show:
        w.show()
        qtbot.waitExposed(w)
    return w
