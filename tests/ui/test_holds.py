"""Holds at the register: asked from the finder in two keys, kept in the Holds queue."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from posassist.app import Backend
from posassist.printing.target import PrintTarget
from posassist.services.customers import NewCustomer
from posassist.storage.orm import HoldRequest
from posassist.ui.main_window import MainWindow
from posassist.ui.views.finder import FinderDialog
from posassist.ui.views.holds import HoldsDialog
from tests.conftest import NOW, MovableClock
from tests.qt_helpers import when_dialog
from tests.small_store import SmallStore, fill
from tests.ui.windows import register_window


@pytest.fixture
def store(backend: Backend) -> SmallStore:
    return fill(backend)


@pytest.fixture
def maria(backend: Backend) -> uuid.UUID:
    return backend.customers.create(NewCustomer("Maria Garcia", card_code="PA00000042"))


@pytest.fixture
def window(
    qtbot: QtBot, backend: Backend, store: SmallStore, maria: uuid.UUID
) -> Iterator[MainWindow]:
    w = register_window(qtbot, backend, desk=True, holds=True)
    yield w
    if w.finder is not None:
        w.finder.close()
    w.worker.wait_idle()


def _finder_for_maria(qtbot: QtBot, window: MainWindow, ask: str) -> FinderDialog:
    qtbot.keyClicks(window.search.box, "maria garcia")
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    assert window.card.card is not None
    qtbot.keyClick(window, Qt.Key.Key_F4)
    finder = window.finder
    assert finder is not None
    qtbot.waitUntil(finder.isActiveWindow)
    qtbot.keyClicks(finder.box, ask)
    qtbot.waitUntil(lambda: finder.model.first_printable_row() is not None)
    return finder


@pytest.mark.parametrize(("key", "relay"), [(Qt.Key.Key_F6, False), (Qt.Key.Key_F7, True)])
def test_two_keys_in_the_finder_ask_the_other_branch_to_hold_it(
    qtbot: QtBot, window: MainWindow, backend: Backend, maria: uuid.UUID, key: Qt.Key, relay: bool
) -> None:
    finder = _finder_for_maria(qtbot, window, "wireless headphones")
    qtbot.keyClick(finder.box, Qt.Key.Key_Return)  # 1: the best place, our other branch
    entry = finder.selected_entry()
    assert entry is not None
    assert entry.tier == "branch"
    qtbot.keyClick(finder.results, key)  # 2: hold it there / bring it here
    qtbot.waitUntil(lambda: "code " in finder.message.text(), timeout=10_000)
    (hold,) = backend.holds.queue().outgoing
    assert (hold.customer_id, hold.relay, hold.sku, hold.state) == (maria, relay, "P2", "requested")
    assert hold.code in finder.message.text()
    assert finder.focusWidget() is finder.box
    notes = [e.note for e in backend.customers.card(maria).timeline if e.kind.startswith("hold_")]
    assert len(notes) == 1
    assert hold.code in notes[0]


def test_no_hold_is_asked_without_a_customer_or_a_branch(
    qtbot: QtBot, window: MainWindow, backend: Backend
) -> None:
    qtbot.keyClick(window, Qt.Key.Key_F4)
    finder = window.finder
    assert finder is not None
    qtbot.waitUntil(finder.isActiveWindow)
    qtbot.keyClicks(finder.box, "wireless headphones")
    qtbot.keyClick(finder.box, Qt.Key.Key_F6)
    assert "Open the customer's card first" in finder.message.text()
    finder.close()
    window.worker.wait_idle()
    assert backend.holds.queue().outgoing == ()


def _incoming(backend: Backend, store: SmallStore, customer: uuid.UUID) -> str:
    with backend.db.write() as s:
        s.add(
            HoldRequest(
                code="K7Q2-M9XD", requesting_branch_id=store.riverside,
                holding_branch_id=backend.ctx.branch_id, sku="P1", product_name="Classic notebook",
                customer_id=customer, relay=False, created_at=NOW - timedelta(hours=2),
                expires_at=NOW + timedelta(days=3),
            )
        )  # fmt: skip
    return "K7Q2-M9XD"


def test_the_holds_queue_steps_a_hold_through_with_single_keys(
    qtbot: QtBot, backend: Backend, store: SmallStore, maria: uuid.UUID, tmp_path: Path
) -> None:
    code = _incoming(backend, store, maria)
    w = register_window(qtbot, backend, desk=True, holds=True)
    assert w.holds_watch is not None
    assert w.holds_watch.label.text() == "1 hold waiting"
    dialog = HoldsDialog(backend.holds, backend.printing, w.worker, backend.ctx.tz, w)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)  # keys go to the active window, as on a desktop
    assert dialog.model.rowCount() == 1
    texts = [dialog.model.index(0, c).data() for c in range(dialog.model.columnCount())]
    assert texts[:7] == [
        "◀ in", code, "requested", "from Corner & Co. Riverside", "Classic notebook",
        "Maria Garcia", "2 h",
    ]  # fmt: skip
    for key, state in ((Qt.Key.Key_A, "accepted"), (Qt.Key.Key_R, "ready")):
        qtbot.keyClick(dialog.table, key)
        qtbot.waitUntil(lambda st=state: backend.holds.hold(code).state == st, timeout=10_000)
        qtbot.waitUntil(lambda st=state: st in dialog.model.index(0, 2).data())
    printed = tmp_path / "held.pdf"
    backend.printing.redirect(PrintTarget(pdf_file=printed))
    qtbot.keyClick(dialog.table, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: "printed on" in dialog.message.text(), timeout=20_000)
    text = " ".join(pypdf.PdfReader(printed).pages[0].extract_text().split())
    assert code in text
    assert "Maria" not in text
    qtbot.keyClick(dialog.table, Qt.Key.Key_C)
    qtbot.waitUntil(lambda: backend.holds.hold(code).state == "collected", timeout=10_000)
    qtbot.waitUntil(lambda: dialog.model.index(0, 2).data() == "collected", timeout=10_000)
    qtbot.keyClick(dialog.table, Qt.Key.Key_X)  # over: refused at once, no second X asked
    qtbot.waitUntil(lambda: "collected already" in dialog.message.text(), timeout=10_000)
    assert backend.holds.hold(code).state == "collected"
    w.holds_watch.poll()
    assert not w.holds_watch.label.isVisible()
    dialog.close()
    w.worker.wait_idle()


def test_ctrl_h_opens_the_queue_and_ctrl_s_saves_the_slip(
    qtbot: QtBot, backend: Backend, store: SmallStore, maria: uuid.UUID, tmp_path: Path
) -> None:
    code = _incoming(backend, store, maria)
    w = register_window(qtbot, backend, desk=True, holds=True)
    out = tmp_path / "slip.pdf"
    seen: list[int] = []

    def act(dialog: QDialog) -> None:
        assert isinstance(dialog, HoldsDialog)
        seen.append(dialog.model.rowCount())
        dialog.choose_save_path = lambda *_a: out  # type: ignore[assignment]
        qtbot.waitUntil(dialog.isActiveWindow)
        qtbot.keyClick(dialog.table, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: "saved as" in dialog.message.text(), timeout=20_000)
        dialog.reject()

    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    when_dialog(act)
    qtbot.keyClick(w.search.box, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    assert seen == [1]
    assert code in pypdf.PdfReader(out).pages[0].extract_text()
    w.worker.wait_idle()


def test_the_message_line_says_when_another_till_was_first(
    qtbot: QtBot, backend: Backend, store: SmallStore, maria: uuid.UUID
) -> None:
    from posassist.storage.holds import record_verdict
    from posassist.storage.orm import HoldStep

    code = _incoming(backend, store, maria)
    w = register_window(qtbot, backend, desk=True, holds=True)
    watch = w.holds_watch
    assert watch is not None
    backend.holds.mark(code, "accepted")
    told = "Till 2 at Riverside accepted this hold first (10:29)"
    with backend.db.write() as s:  # what a push's answer records when another till was first
        record_verdict(s, s.query(HoldStep).one().id, "ignored", told, NOW)
    watch.poll()
    assert w.message_label.text() == f"Hold {code}: {told}."
    assert backend.holds.hold(code).told == told
    assert backend.holds.hold(code).state == "requested"  # it follows the server's steps
    w.say("")
    watch.poll()
    assert w.message_label.text() == ""  # told once


def test_due_holds_are_recorded_as_expired_on_the_worker(
    qtbot: QtBot, backend: Backend, store: SmallStore, maria: uuid.UUID, clock: MovableClock
) -> None:
    code = _incoming(backend, store, maria)
    w = register_window(qtbot, backend, desk=True, holds=True)
    assert w.holds_watch is not None
    assert w.holds_watch.label.text() == "1 hold waiting"
    clock.at = NOW + timedelta(days=3)
    w.holds_watch.expire()  # what its timer does every minute
    qtbot.waitUntil(lambda: not w.holds_watch.label.isVisible(), timeout=10_000)  # type: ignore[union-attr]
    steps = backend.holds.hold(code).steps
    assert [(st.to_state, st.outcome) for st in steps] == [("expired", "pending")]
    w.worker.wait_idle()


def _queue(qtbot: QtBot, backend: Backend, w: MainWindow) -> HoldsDialog:
    dialog = HoldsDialog(backend.holds, backend.printing, w.worker, backend.ctx.tz, w)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def test_cancel_needs_a_second_x_and_anything_else_forgets_the_first(
    qtbot: QtBot, backend: Backend, store: SmallStore, maria: uuid.UUID
) -> None:
    code = _incoming(backend, store, maria)
    other = backend.holds.request(store.riverside, "P2", maria)
    w = register_window(qtbot, backend, desk=True, holds=True)
    dialog = _queue(qtbot, backend, w)
    assert dialog.selected() is not None
    assert dialog.selected().code == code  # type: ignore[union-attr]
    asked = f"Press X again to cancel hold {code} (it cannot be undone)."
    qtbot.keyClick(dialog.table, Qt.Key.Key_X)
    assert dialog.message.text() == asked
    dialog.refresh(focus=False)  # the poll re-reads the queue: the same hold stays chosen
    qtbot.keyClick(dialog.table, Qt.Key.Key_Down)  # another hold: the first X is forgotten
    qtbot.keyClick(dialog.table, Qt.Key.Key_Up)
    qtbot.keyClick(dialog.table, Qt.Key.Key_X)
    assert dialog.message.text() == asked  # asked again, not cancelled
    qtbot.keyClick(dialog.table, Qt.Key.Key_Q)  # a key with no meaning here forgets it too
    qtbot.keyClick(dialog.table, Qt.Key.Key_Delete)
    w.worker.wait_idle()
    assert backend.holds.hold(code).state == "requested"
    assert dialog.message.text() == asked
    qtbot.keyClick(dialog.table, Qt.Key.Key_X)  # the second press cancels
    qtbot.waitUntil(lambda: backend.holds.hold(code).state == "cancelled", timeout=10_000)
    qtbot.waitUntil(lambda: "is cancelled now" in dialog.message.text(), timeout=10_000)
    assert backend.holds.hold(other.code).state == "requested"
    dialog.close()
    w.worker.wait_idle()


def test_no_slip_prints_for_a_cancelled_hold_and_the_message_line_says_why(
    qtbot: QtBot, backend: Backend, store: SmallStore, maria: uuid.UUID, tmp_path: Path
) -> None:
    code = _incoming(backend, store, maria)
    backend.holds.mark(code, "cancelled")
    w = register_window(qtbot, backend, desk=True, holds=True)
    dialog = _queue(qtbot, backend, w)
    printed = tmp_path / "held.pdf"
    backend.printing.redirect(PrintTarget(pdf_file=printed))
    qtbot.keyClick(dialog.table, Qt.Key.Key_P)
    words = f"Hold {code} is cancelled: there is nothing to collect, so no slip."
    qtbot.waitUntil(lambda: words in dialog.message.text(), timeout=10_000)
    w.worker.wait_idle()
    assert "printed" not in dialog.message.text()
    assert not printed.exists()
    dialog.close()
    w.worker.wait_idle()


def test_the_hold_preview_says_what_it_shows_not_the_referral_words(
    qtbot: QtBot, backend: Backend, store: SmallStore, maria: uuid.UUID
) -> None:
    from posassist.ui.views.slip_preview import REFERRAL_HEADER, SlipPreviewDialog

    code = _incoming(backend, store, maria)
    w = register_window(qtbot, backend, desk=True, holds=True)
    dialog = _queue(qtbot, backend, w)
    seen: list[str] = []

    def look(preview: QDialog) -> None:
        assert isinstance(preview, SlipPreviewDialog)
        seen.append(preview.header.text())
        preview.reject()

    when_dialog(look)
    qtbot.keyClick(dialog.table, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: bool(seen), timeout=20_000)
    assert seen[0] != REFERRAL_HEADER
    assert code in seen[0]
    assert "no code" not in seen[0]
    dialog.close()
    w.worker.wait_idle()


def test_the_queue_fits_1024_pixels_and_a_cut_note_is_in_its_tooltip(
    qtbot: QtBot, backend: Backend, store: SmallStore, maria: uuid.UUID
) -> None:
    from posassist.storage.holds import record_verdict
    from posassist.storage.orm import HoldStep

    code = _incoming(backend, store, maria)
    backend.holds.mark(code, "accepted")
    told = "Till 2 at Corner & Co. Riverside accepted this hold first (10:29), long ago"
    with backend.db.write() as s:
        record_verdict(s, s.query(HoldStep).one().id, "ignored", told, NOW)
    w = register_window(qtbot, backend, desk=True, holds=True)
    dialog = _queue(qtbot, backend, w)
    dialog.resize(1000, 600)
    qtbot.waitUntil(lambda: dialog.width() <= 1000)
    table = dialog.table
    assert table.horizontalScrollBar().maximum() == 0
    right = table.columnViewportPosition(8) + table.columnWidth(8)
    assert right <= table.viewport().width()  # Note, the last column, is in sight
    assert table.columnWidth(8) >= 100
    note = dialog.model.index(0, 8)
    assert note.data(Qt.ItemDataRole.ToolTipRole) == told
    dialog.close()
    w.worker.wait_idle()


def test_f6_twice_makes_one_hold_and_the_message_line_names_it(
    qtbot: QtBot, window: MainWindow, backend: Backend, maria: uuid.UUID
) -> None:
    finder = _finder_for_maria(qtbot, window, "wireless headphones")
    qtbot.keyClick(finder.box, Qt.Key.Key_Return)
    qtbot.keyClick(finder.results, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: "code " in finder.message.text(), timeout=10_000)
    (hold,) = backend.holds.queue().outgoing
    finder.results.setFocus()
    qtbot.keyClick(finder.results, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: "already a hold" in finder.message.text(), timeout=10_000)
    assert f"There is already a hold for this: code {hold.code} (requested, until" in (
        finder.message.text()
    )
    window.worker.wait_idle()
    assert [h.code for h in backend.holds.queue().outgoing] == [hold.code]


def test_f6_on_a_branch_whose_count_went_to_zero_asks_and_warns(
    qtbot: QtBot, window: MainWindow, backend: Backend, store: SmallStore
) -> None:
    from posassist.storage.orm import BranchStock

    finder = _finder_for_maria(qtbot, window, "wireless headphones")
    qtbot.keyClick(finder.box, Qt.Key.Key_Return)
    with backend.db.write() as s:  # a count that arrived by sync after the finder showed it
        count = s.query(BranchStock).filter_by(branch_id=store.riverside, sku="P2").one()
        count.on_hand = 0
    qtbot.keyClick(finder.results, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: "code " in finder.message.text(), timeout=10_000)
    assert finder.message.text().endswith(
        "Corner & Co. Riverside counted 0 of P2: ask them by phone first."
    )
    assert len(backend.holds.queue().outgoing) == 1


def test_a_step_in_the_queue_shows_on_the_open_card_at_once(
    qtbot: QtBot, window: MainWindow, backend: Backend, store: SmallStore, maria: uuid.UUID
) -> None:
    from posassist.ui.formatting import kind_label

    code = _incoming(backend, store, maria)
    window.open_customer(maria)
    model = window.card.timeline_model

    def whats() -> list[str]:
        return [model.index(r, 1).data() for r in range(model.rowCount())]

    assert whats() == ["Hold requested"]
    assert code in model.index(0, 5).data()
    steps: list[str] = []

    def act(dialog: QDialog) -> None:
        assert isinstance(dialog, HoldsDialog)
        qtbot.waitUntil(dialog.isActiveWindow)
        qtbot.keyClick(dialog.table, Qt.Key.Key_A)
        qtbot.waitUntil(lambda: "Hold accepted" in whats(), timeout=10_000)
        steps.append(kind_label("hold_accepted"))
        dialog.reject()

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    when_dialog(act)
    qtbot.keyClick(window.search.box, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    assert steps == ["Hold accepted"]
    assert whats() == ["Hold accepted", "Hold requested"]
    window.worker.wait_idle()
