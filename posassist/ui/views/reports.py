"""Managers' reports: the goodwill ledger per partner, and what customers asked for that
we don't carry.  Both export to spreadsheet-safe CSV."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractItemModel, QDate
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from posassist.errors import KnownError
from posassist.services.referrals import ReferralService
from posassist.ui.feedback import MessageLine, show_error
from posassist.ui.models.referrals import DemandModel, LedgerModel
from posassist.ui.screen import fit_to_screen
from posassist.ui.theme import named
from posassist.ui.views.files import choose_save_path, still_open
from posassist.ui.views.tables import read_only_table
from posassist.ui.workers import BackgroundOp, Worker

LEDGER_DAYS = 90


def _table(model: QAbstractItemModel) -> QTableView:
    """A report table: the first column (the name) takes the spare width."""
    table = read_only_table(model, stretch_last=False)
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    return table


class ReportsDialog(QDialog):
    """Two tabs of read-only tables; their exports are written on the worker."""

    def __init__(
        self,
        referrals: ReferralService,
        tz: ZoneInfo,
        worker: Worker,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.referrals = referrals
        self.worker = worker
        self.choose_save_path = choose_save_path
        self.setWindowTitle("Goodwill and unmet demand")
        self.resize(1100, 720)
        self.ledger_model = LedgerModel(tz)
        self.demand_model = DemandModel(tz)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._ledger_tab(referrals.today()), "Goodwill ledger")
        self.tabs.addTab(self._demand_tab(), "Unmet demand")
        self.message = MessageLine()
        close = QPushButton("Esc  Close")
        close.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addStretch(0)
        bottom.addWidget(close, 0)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        self.refresh_ledger()
        self.refresh_demand()
        fit_to_screen(self)

    def _ledger_tab(self, today: date) -> QWidget:
        self.start = QDateEdit(_qdate(today - timedelta(days=LEDGER_DAYS - 1)))
        self.end = QDateEdit(_qdate(today))
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd MMM yyyy")
            edit.dateChanged.connect(self.refresh_ledger)
        self.ledger = _table(self.ledger_model)
        ledger_export = QPushButton("Export CSV…")
        ledger_export.clicked.connect(self.export_ledger)
        period = QHBoxLayout()
        period.addWidget(QLabel("From"))
        period.addWidget(self.start)
        period.addWidget(QLabel("to"))
        period.addWidget(self.end)
        period.addStretch(1)
        period.addWidget(ledger_export)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(period)
        layout.addWidget(
            named(
                QLabel("Referrals we sent each partner, and customers they sent us back."),
                "method",
            )
        )
        layout.addWidget(self.ledger, 1)
        return tab

    def _demand_tab(self) -> QWidget:
        self.days = QSpinBox()
        self.days.setRange(1, 365)
        self.days.setValue(30)
        self.days.setSuffix(" days")
        self.days.valueChanged.connect(self.refresh_demand)
        self.demand = _table(self.demand_model)
        demand_export = QPushButton("Export CSV…")
        demand_export.clicked.connect(self.export_demand)
        window = QHBoxLayout()
        window.addWidget(QLabel("Asked in the last"))
        window.addWidget(self.days)
        window.addWidget(QLabel("compared with the period before"))
        window.addStretch(1)
        window.addWidget(demand_export)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(window)
        layout.addWidget(self.demand, 1)
        return tab

    def say(self, text: str, *, problem: bool = False) -> None:
        self.message.say(text, problem=problem)

    def refresh_ledger(self) -> None:
        try:
            rows = self.referrals.goodwill_ledger(
                _pydate(self.start.date()), _pydate(self.end.date())
            )
        except KnownError as exc:
            show_error(self.message, exc)
            return
        self.say("")
        self.ledger_model.set_rows(rows)

    def refresh_demand(self) -> None:
        try:
            rows = self.referrals.unmet_demand(self.days.value())
        except KnownError as exc:
            show_error(self.message, exc)
            return
        self.demand_model.set_rows(rows)

    def export_ledger(self) -> None:
        path = still_open(
            self,
            lambda: self.choose_save_path(
                self, "Export the goodwill ledger", "goodwill-ledger.csv", "CSV files (*.csv)"
            ),
        )
        if path is None:
            return
        rows = self.ledger_model.rows()
        self._export(
            lambda: self.referrals.export_ledger_csv(rows, path), f"Ledger written to {path}."
        )

    def export_demand(self) -> None:
        path = still_open(
            self,
            lambda: self.choose_save_path(
                self, "Export unmet demand", "unmet-demand.csv", "CSV files (*.csv)"
            ),
        )
        if path is None:
            return
        rows = self.demand_model.rows()
        self._export(
            lambda: self.referrals.export_demand_csv(rows, path),
            f"Unmet demand written to {path}.",
        )

    def _export(self, write: Callable[[], None], written: str) -> None:
        BackgroundOp(self.worker, write).success(lambda _: self.say(written)).failure(
            lambda exc: show_error(self.message, exc)
        ).run_in_background()


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())
