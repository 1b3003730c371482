"""The managers' Regulars view and the standing badge on the card, offscreen."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from posassist.app import Backend
from posassist.devtools.demo import DemoSpec, ensure_demo_store
from posassist.domain.flags import Tier
from posassist.services.customers import NewCustomer
from posassist.services.standing import StandingService
from posassist.ui.views.card import CustomerCardView
from posassist.ui.views.regulars import RegularsDialog
from posassist.ui.workers import Worker
from tests.conftest import NOW, MovableClock
from tests.qt_helpers import when_dialog
from tests.ui.windows import register_window


def _store(backend: Backend, clock: MovableClock) -> object:
    ensure_demo_store(backend.db, DemoSpec(customers=300, products=30, vendors=3), NOW.date())
    cid = backend.customers.create(NewCustomer("Rita Regular"))
    for week in range(20, 0, -1):
        clock.at = NOW - timedelta(days=7 * week)
        backend.interactions.log(cid, "question")
    clock.at = NOW
    backend.standing.refit()
    return cid


def test_regulars_dialog_filters_sorts_and_exports(
    qtbot: QtBot, qtmodeltester: object, backend: Backend, clock: MovableClock, tmp_path: Path
) -> None:
    _store(backend, clock)
    rows = backend.standing.regulars()
    dialog = RegularsDialog(backend.standing.export_regulars, Worker())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.show_rows(rows, "note")
    qtmodeltester.check(dialog.model)  # type: ignore[attr-defined]
    total = dialog.model.rowCount()
    assert total == len(rows) > 0
    dialog.tier.setCurrentIndex(dialog.tier.findData("lapsing"))
    lapsing = dialog.visible_rows()
    assert lapsing
    assert all(r.flag.tier is Tier.LAPSING for r in lapsing)
    dialog.tier.setCurrentIndex(0)
    qtbot.keyClicks(dialog.search, "rita")
    assert [r.name for r in dialog.visible_rows()] == ["Rita Regular"]
    dialog.search.clear()
    dialog.sort_by(2, Qt.SortOrder.DescendingOrder)
    visits = [r.visits_total for r in dialog.visible_rows()]
    assert visits == sorted(visits, reverse=True)
    dialog.sort_by(0, Qt.SortOrder.AscendingOrder)
    names = [r.name.casefold() for r in dialog.visible_rows()]
    assert names == sorted(names)
    out = tmp_path / "r.csv"
    assert dialog.export_to(out) == total
    qtbot.waitUntil(lambda: dialog.count.text().startswith("Exported"))  # written on the worker
    assert out.read_text(encoding="utf-8").count("\n") == total + 1


def test_ctrl_r_fills_the_list_from_the_worker(
    qtbot: QtBot, backend: Backend, clock: MovableClock
) -> None:
    """The window never computes the list itself; the dialog fills when the worker answers."""
    _store(backend, clock)
    fresh = StandingService(backend.ctx)  # a new process: cached fit, no badges computed yet
    backend.customers.standing = fresh
    window = register_window(qtbot, backend, show=False)
    seen: list[int] = []

    def look(dialog: QDialog) -> None:
        assert isinstance(dialog, RegularsDialog)
        qtbot.waitUntil(lambda: dialog.model.rowCount() > 0, timeout=20_000)
        seen.append(dialog.model.rowCount())
        assert "As of the last refit" in dialog.note.text()
        dialog.accept()

    when_dialog(look)
    window.manager.show_regulars()
    assert seen
    assert seen[0] > 0
    window.worker.wait_idle()


def test_card_shows_badge_reasons_and_method(
    qtbot: QtBot, backend: Backend, clock: MovableClock
) -> None:
    cid = _store(backend, clock)
    view = CustomerCardView(backend.ctx.tz)
    qtbot.addWidget(view)
    view.show_card(backend.customers.card(cid))  # type: ignore[arg-type]
    assert not view.badge.isHidden()
    assert "Regular" in view.badge.text()
    assert "usually every 7 days" in view.reasons.text()
    assert "model" in view.method.text().lower()
    view.show_card(None)
    assert view.badge.isHidden()


def test_enter_in_regulars_opens_the_customer_on_the_card(
    qtbot: QtBot, backend: Backend, clock: MovableClock
) -> None:
    _store(backend, clock)
    window = register_window(qtbot, backend)
    chosen: list[str] = []

    def pick(dialog: QDialog) -> None:
        assert isinstance(dialog, RegularsDialog)
        qtbot.waitUntil(lambda: dialog.model.rowCount() > 0, timeout=20_000)
        qtbot.keyClicks(dialog.search, "rita")
        chosen.append(dialog.model.row_at(0).name)
        qtbot.keyClick(dialog.search, Qt.Key.Key_Return)

    when_dialog(pick)
    window.manager.show_regulars()
    assert chosen == ["Rita Regular"]
    assert window.card.name.text() == "Rita Regular"
    window.worker.wait_idle()
