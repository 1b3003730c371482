"""A manager's PIN at a cashier's register: one action, approved and run once.

The services refuse a cashier a manager's action with a
:class:`~posassist.errors.PermissionDeniedError` naming it (``services/access.py``).
Instead of a dead end the window offers "Manager PIN to <what>": a manager chooses their
name and types their PIN (``StaffService.approve`` checks it on the worker and audits the
approval), and the same action runs once more inside ``ctx.acting_as(manager)``; the
cashier is signed in as before right after. Two ways in:

* :func:`run_gated` for the window's entry points (the Manager menu, Ctrl+R, Ctrl+D…):
  the action's check (``access.require``) runs first, then ``fn``; work ``fn`` starts on
  the worker takes the approval with it through :meth:`Gate.carry`;
* :meth:`Gate.run_op` for a service call on the worker that may be refused there.

Menu items a cashier may not use directly say so: "Erase … (manager PIN)".
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from posassist.errors import PermissionDeniedError
from posassist.services import access
from posassist.services.staff import StaffView
from posassist.ui.feedback import show_error
from posassist.ui.views.sign_in import PinDialog
from posassist.ui.workers import BackgroundOp

if TYPE_CHECKING:
    from posassist.ui.main_window import MainWindow

T = TypeVar("T")
HINT = " (manager PIN)"


def approval_title(action: str) -> str:
    """ "Manager PIN to erase a customer" (the words of ``access.ACTIONS``)."""
    return f"Manager PIN to {access.ACTIONS[action]}"


class Gate:
    """The window's one way through a manager's action (see the module's text)."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.desk = window.services.staff_desk
        self.dialog: PinDialog | None = None
        self._approver: StaffView | None = None
        self._hinted: list[tuple[QAction, str, str]] = []

    # -- entry points ---------------------------------------------------------------
    def gated(self, action: str, fn: Callable[[], object]) -> Callable[[], None]:
        """A menu item's slot: ``fn`` behind ``action``'s check."""
        return lambda: run_gated(self.window, action, fn)

    def add(
        self, menu: QMenu, text: str, action: str, fn: Callable[[], object], key: str = ""
    ) -> QAction:
        """A menu item opening ``fn`` behind ``action``; its hint follows who signs in."""
        menu_action = menu.addAction(text)
        if key:
            menu_action.setShortcut(QKeySequence(key))
        menu_action.triggered.connect(self.gated(action, fn))
        self._hinted.append((menu_action, text, action))
        self._hint(menu_action, text, action)
        return menu_action

    def refresh_hints(self) -> None:
        """After a sign-in: "(manager PIN)" on what the person may not do directly."""
        for menu_action, text, action in self._hinted:
            self._hint(menu_action, text, action)

    def _hint(self, menu_action: QAction, text: str, action: str) -> None:
        needs_pin = self.desk is not None and not access.allowed(self.desk.ctx, action)
        menu_action.setText(text + HINT if needs_pin else text)

    # -- running ---------------------------------------------------------------------
    def attempt(self, action: str, fn: Callable[[], object]) -> None:
        if self.desk is not None:
            access.require(self.desk.ctx, action)
        fn()

    def ask(self, action: str, then: Callable[[StaffView], None]) -> None:
        """The manager's PIN for ``action`` (window-modal); ``then(manager)`` once approved."""
        desk = self.desk
        if desk is None:
            return
        managers = [v for v in desk.staff.can_sign_in() if v.is_manager]
        if not managers:
            self.window.say(f"Only a manager can {access.ACTIONS[action]}, and none can sign in.")
            return
        staff = desk.staff

        def check(staff_id: uuid.UUID, pin: str) -> StaffView:
            return staff.approve(staff_id, pin, action)

        dialog = PinDialog(
            self.window.worker,
            managers,
            check,
            self.window,
            title=approval_title(action),
            prompt=f"Only a manager can {access.ACTIONS[action]}. A manager approves it "
            "here once with their PIN; then this register is back as it was.",
            ok_text="Approve",
        )

        def finished(_result: int) -> None:
            self.dialog = None
            if self.window.locked():  # locked meanwhile: nothing runs on a locked register
                return
            if dialog.signed is not None:
                then(dialog.signed)
            else:
                self.window.search.focus_box()

        dialog.finished.connect(finished)
        self.dialog = dialog
        dialog.open()

    def run_approved(self, manager: StaffView, fn: Callable[[], object]) -> None:
        """``fn`` once as ``manager``; the person signed in before is back afterwards."""
        desk = self.desk
        assert desk is not None
        self._approver = manager
        try:
            with desk.ctx.acting_as(manager.id, manager.name, manager.effective_role):
                fn()
        except PermissionDeniedError as exc:  # a second, different refusal: say it
            show_error(self.window.message_label, exc)
        finally:
            self._approver = None
            lock = self.window.register_lock
            if lock is not None and lock.locked:  # it locked meanwhile: nobody is signed in
                desk.ctx.sign_in(None, "", access.CASHIER)

    def carry(self, op: Callable[[], T]) -> Callable[[], T]:
        """``op`` for the worker, under the approval in force now (if any): work an
        approved action starts in the background is approved too, and only that work."""
        manager, desk = self._approver, self.desk
        if manager is None or desk is None:
            return op

        def approved() -> T:
            with desk.ctx.acting_as(manager.id, manager.name, manager.effective_role):
                return op()

        return approved

    def run_op(
        self,
        op: Callable[[], T],
        success: Callable[[T], None],
        failure: Callable[[BaseException], None],
    ) -> None:
        """``op`` on the worker; refused for want of a manager, asked once more as one."""

        def refused(exc: BaseException) -> None:
            if not isinstance(exc, PermissionDeniedError) or self.desk is None:
                failure(exc)
                return

            def approved(manager: StaffView) -> None:
                self._approver = manager
                try:
                    again = self.carry(op)
                finally:
                    self._approver = None
                BackgroundOp(self.window.worker, again).success(success).failure(
                    failure
                ).run_in_background()

            self.ask(exc.action, approved)

        BackgroundOp(self.window.worker, op).success(success).failure(refused).run_in_background()


def run_gated(window: MainWindow, action: str, fn: Callable[[], Any]) -> None:
    """Run ``fn`` behind ``action``'s check; refused, ask a manager's PIN and run it once
    more, as that manager (:meth:`Gate.run_approved`)."""
    gate = window.gate
    try:
        gate.attempt(action, fn)
    except PermissionDeniedError as exc:
        gate.ask(exc.action, lambda manager: gate.run_approved(manager, fn))
