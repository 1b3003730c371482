"""Central sync in the window: its own thread, and the status bar's connection label.

The sync loop (Qt-free, ``posassist.sync``) runs on a dedicated :class:`QThread`, the
window's one long-running thread (short jobs are ``BackgroundOp`` s on the pool: see
:mod:`posassist.ui.workers`). Its status comes back to the GUI thread as a queued signal,
so the network never touches the event loop: a hanging link stalls only that thread. The
label reads "Online · last synced 14:05", "Offline since 14:02 · 12 changes waiting", and
offers a link to the changes the central database refused (for a manager) and to enter the
password when the OS keyring cannot keep it.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable
from datetime import datetime, tzinfo

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from posassist.domain.wording import plural
from posassist.errors import KnownError
from posassist.services.sync import (
    BUSY,
    STORE_PROBLEM,
    DeadLetter,
    SyncLoop,
    SyncService,
    SyncStatus,
    clock_off,
    is_network_problem,
    is_password_problem,
    problem_label,
)
from posassist.ui.feedback import show_error
from posassist.ui.screen import fit_to_screen


class _SyncThread(QThread):
    """Runs the loop; emits every new status (from this thread, delivered queued)."""

    status_changed = Signal(object)
    customers_changed = Signal(object)

    def __init__(self, service: SyncService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.loop: SyncLoop = service.new_loop(self.status_changed.emit)
        service.on_customers_changed(self.customers_changed.emit)

    def run(self) -> None:
        self.loop.run()


def _hhmm(at: datetime | None, tz: tzinfo) -> str:
    return at.astimezone(tz).strftime("%H:%M") if at else "never"


def describe(status: SyncStatus, tz: tzinfo) -> tuple[str, str]:
    """(label rich text, tooltip) for a status; plain words, local times."""
    parts: list[str] = []
    if status.state == "connecting":
        parts.append("Connecting…")
    elif status.state == "online":
        parts.append(f"Online · last synced {_hhmm(status.last_synced, tz)}")
    else:
        parts.append(f"Offline since {_hhmm(status.offline_since, tz)}")
        if label := problem_label(status.error_kind):
            parts.append(label)
    if status.pending:
        parts.append(plural(status.pending, "change waiting", "changes waiting"))
    if status.state == "offline" and status.last_synced:
        parts.append(f"last synced {_hhmm(status.last_synced, tz)}")
    skew = clock_off(status.clock_offset_ms)
    if skew:
        parts.append(f"PC clock {skew}")
    text = " · ".join(html.escape(p) for p in parts)
    if status.dead:
        text += f' · <a href="dead">{html.escape(plural(status.dead, "refused", "refused"))}</a>'
    asks_password = is_password_problem(status.error_kind) or "password" in (status.error or "")
    if status.state == "offline" and asks_password:
        text += ' · <a href="password">enter password</a>'
    tips = []
    if status.state == "offline" and is_network_problem(status.error_kind):
        tips.append(
            "The central database cannot be reached. This register keeps working on its "
            "own store; everything waiting is sent when the link returns."
        )
    elif status.state == "offline" and status.error_kind == BUSY:
        tips.append(
            "The central database is busy with other registers' changes. This register "
            "keeps working on its own store; what is waiting goes with the next try."
        )
    elif status.state == "offline" and status.error_kind == STORE_PROBLEM:
        tips.append(
            "This register's own store could not save what the central database sent "
            "(see below); nothing was half-saved. Nothing else can be saved here either "
            "until it is fixed; the sync tries again by itself."
        )
    elif status.state == "offline":
        tips.append(
            "The central database answered but did not let this register in (see below). "
            "This register keeps working on its own store; everything waiting is sent "
            "once that is fixed."
        )
    if skew:
        tips.append(
            f"This PC's clock is {skew} of the central server's. Edits are stamped with the "
            "corrected time, but reports and receipts use the PC's clock: set it right "
            "(date and time settings, automatic time)."
        )
    if status.error:
        tips.append(status.error)
    if status.dead:
        tips.append("Some changes were refused by the central database: click to review.")
    if status.problems:
        tips.append(
            plural(status.problems, "change", "changes")
            + " from other registers could not be applied here (see `posassist sync --status`)."
        )
    return text, "\n\n".join(tips) or "Changes flow both ways with the central database."


class DeadLettersDialog(QDialog):
    """The changes the central database refused, with its reasons, for a manager."""

    def __init__(self, letters: list[DeadLetter], tz: tzinfo, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Changes refused by the central database")
        self.table = QTableWidget(len(letters), 4, self)
        self.table.setHorizontalHeaderLabels(["When", "What", "Record", "Reason"])
        for row, letter in enumerate(letters):
            values = (
                letter.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                f"{letter.entity} {letter.op}",
                letter.entity_id,
                letter.reason,
            )
            for col, value in enumerate(values):
                self.table.setItem(row, col, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "These changes were not accepted centrally and are kept here. Fix the cause "
                "centrally, then run `posassist sync --retry-refused`."
            )
        )
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(900, 400)
        fit_to_screen(self)


class SyncStatusController(QObject):
    """Owns the sync thread and keeps ``label`` up to date."""

    def __init__(
        self,
        service: SyncService,
        label: QLabel,
        tz: tzinfo,
        parent: QObject | None = None,
        *,
        on_customers_changed: Callable[[set[uuid.UUID]], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self._on_customers = on_customers_changed
        self.label = label
        self.tz = tz
        self.sync_thread = _SyncThread(service, self)
        self.sync_thread.status_changed.connect(self._on_thread_status_changed)
        self.sync_thread.customers_changed.connect(self._on_thread_customers_changed)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setText("Connecting…")
        label.setToolTip(f"Central database: {service.describe()}")
        label.linkActivated.connect(self._on_label_link_activated)

    def start(self) -> None:
        self.sync_thread.start()

    def stop(self, wait_ms: int = 10_000) -> bool:
        """Stop the loop (cutting a hanging call short) and wait for the thread."""
        self.sync_thread.loop.stop()
        return bool(self.sync_thread.wait(wait_ms))

    def sync_now(self) -> None:
        self.sync_thread.loop.poke()

    def _on_thread_status_changed(self, status: object) -> None:
        if not isinstance(status, SyncStatus):
            return
        text, tip = describe(status, self.tz)
        self.label.setText(text)
        self.label.setToolTip(tip)

    def _on_thread_customers_changed(self, ids: object) -> None:
        if self._on_customers is not None and isinstance(ids, set):
            self._on_customers(ids)

    def _on_label_link_activated(self, link: str) -> None:
        parent = self.label.window()
        if link == "dead":
            DeadLettersDialog(self.service.dead_letters(), self.tz, parent).exec()
        elif link == "password":
            self.ask_password(parent)

    def ask_password(self, parent: QWidget | None = None) -> None:
        where = (
            "the OS keyring"
            if not self.service.password_kept_for_session_only
            else ("memory until posassist closes (no usable OS keyring)")
        )
        password, ok = QInputDialog.getText(
            parent,
            "Central database password",
            f"Password for {self.service.describe()}\n(kept in {where})",
            QLineEdit.EchoMode.Password,
        )
        if not ok or not password:
            return
        try:
            self.service.remember_password(password)
        except KnownError as exc:
            show_error(parent or self.label.window(), exc)
            return
        self.sync_now()
