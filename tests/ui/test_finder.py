"""F4 "Find elsewhere", slips, referrals in, the vendor directory and the reports, driven
offscreen the way a cashier and a manager would."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select, text

from posassist.app import Backend
from posassist.printing.target import PrintTarget
from posassist.services.customers import NewCustomer
from posassist.storage.orm import Interaction, Referral, UnmetDemand
from posassist.ui.main_window import MainWindow
from posassist.ui.models.referrals import (
    DemandModel,
    FinderResultsModel,
    LedgerModel,
    PartnerChoicesModel,
    VendorTableModel,
    finder_entries,
)
from posassist.ui.views.finder import FinderDialog, ReferralDesk
from posassist.ui.views.reports import ReportsDialog
from posassist.ui.views.vendors import VendorsDialog
from posassist.ui.workers import Worker
from tests.printing.cupsd import Cups
from tests.qt_helpers import when_dialog
from tests.small_store import SmallStore, fill
from tests.ui.windows import register_window


@pytest.fixture
def store(backend: Backend) -> SmallStore:
    return fill(backend)


@pytest.fixture
def window(qtbot: QtBot, backend: Backend, store: SmallStore) -> Iterator[MainWindow]:
    backend.customers.create(NewCustomer("Maria Garcia", card_code="PA00000042"))
    w = register_window(qtbot, backend, desk=True)
    yield w
    if w.finder is not None:
        w.finder.close()
    w.worker.wait_idle()


def open_maria(qtbot: QtBot, window: MainWindow) -> uuid.UUID:
    qtbot.keyClicks(window.search.box, "maria garcia")
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    assert window.card.card is not None
    return window.card.card.id


def open_finder(qtbot: QtBot, window: MainWindow) -> FinderDialog:
    qtbot.keyClick(window, Qt.Key.Key_F4)
    finder = window.finder
    assert finder is not None
    qtbot.waitUntil(finder.isActiveWindow)  # keys go to the active window, as on a desktop
    return finder


def count(backend: Backend, model: type[object]) -> int:
    with backend.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_type_item_vendor_appears_print_to_pdf_and_everything_is_recorded(
    qtbot: QtBot, window: MainWindow, backend: Backend, store: SmallStore, tmp_path: Path
) -> None:
    """The flow of issue 4: type → the vendor appears → print → referral and demand recorded."""
    cid = open_maria(qtbot, window)
    printed = tmp_path / "printed-slip.pdf"
    backend.printing.redirect(PrintTarget(pdf_file=printed))
    finder = open_finder(qtbot, window)
    assert finder.focusWidget() is finder.box
    qtbot.keyClicks(finder.box, "turntabels")  # typo
    qtbot.waitUntil(lambda: "Sound Hut Audio" in _texts(finder))
    assert "Printing as: turntables" in finder.wording_line.text()  # seen before printing
    qtbot.keyClick(finder.box, Qt.Key.Key_Return)  # 1: jump to the best place
    entry = finder.selected_entry()
    assert entry is not None
    assert entry.text.startswith("Sound Hut Audio")
    assert "OPEN NOW" in entry.text
    with qtbot.waitSignal(finder.print_finished, timeout=20_000) as printed_signal:
        qtbot.keyClick(finder.results, Qt.Key.Key_Return)  # 2: print
    assert printed_signal.args == [True]
    assert "printed on PDF file" in finder.message.text()
    assert finder.focusWidget() is finder.box

    reader = pypdf.PdfReader(printed)
    assert len(reader.pages) == 1
    doc = pdfium.PdfDocument(printed)
    try:
        pixels = doc[0].render(scale=1, grayscale=True).to_numpy()
    finally:
        doc.close()
    assert (pixels < 128).mean() > 0.02  # real ink on the page

    with backend.db.read() as s:
        referral = s.scalar(select(Referral))
        assert referral is not None
        assert (referral.direction, referral.vendor_id, referral.customer_id) == (
            "out",
            store.sound_hut,
            cid,
        )
        # The slip and the referral say what was meant; the typed spelling is kept as the
        # unmet demand's variant (issue 9: the typo is corrected before it is printed).
        assert referral.item_asked == "turntables"
        demand = s.scalar(select(UnmetDemand))
        assert demand is not None
        assert demand.customer_id == cid
        assert (demand.item_asked, demand.item_key) == ("turntabels", "turntables")
    assert referral.code is not None
    assert referral.code in finder.message.text()
    # The card, behind the finder, already shows the referral.
    assert window.card.timeline_model.data(window.card.timeline_model.index(0, 1)) == (
        "Referred elsewhere"
    )
    # The same ask and place again reprints the same slip: one referral, not two.
    with qtbot.waitSignal(finder.print_finished, timeout=20_000):
        qtbot.keyClick(finder, Qt.Key.Key_F10)
    assert count(backend, Referral) == 1
    qtbot.keyClick(finder, Qt.Key.Key_Escape)
    assert not finder.isVisible()
    assert window.focusWidget() is window.search.box


def _texts(finder: FinderDialog) -> str:
    model = finder.model
    return "\n".join(model.entry(row).text for row in range(model.rowCount()))


def test_f11_logs_unmet_demand_once_even_without_a_slip(
    qtbot: QtBot, window: MainWindow, backend: Backend, tmp_path: Path
) -> None:
    finder = open_finder(qtbot, window)
    qtbot.keyClicks(finder.box, "sewing machine")
    qtbot.keyClick(finder, Qt.Key.Key_F11)  # one key
    qtbot.waitUntil(lambda: "sewing machine" in finder.message.text())  # noted on the worker
    assert count(backend, UnmetDemand) == 1
    assert "sewing machine" in finder.message.text()
    assert finder.focusWidget() is finder.box
    # Printing a slip for the same ask afterwards does not count it twice.
    qtbot.keyClicks(finder.box, "turntables")
    finder.search_now()
    backend.printing.redirect(PrintTarget(pdf_file=tmp_path / "x.pdf"))
    qtbot.keyClick(finder, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: "turntables" in finder.message.text())
    with qtbot.waitSignal(finder.print_finished, timeout=20_000):
        qtbot.keyClick(finder, Qt.Key.Key_F10)
    assert count(backend, UnmetDemand) == 2  # "sewing machine" and "turntables", once each
    assert count(backend, Referral) == 1


def test_missing_printer_is_said_plainly_and_the_referral_is_kept(
    qtbot: QtBot, window: MainWindow, backend: Backend, tmp_path: Path, cups: Cups
) -> None:
    """CUPS runs (a private one) but the named queue is not there: unplugged, renamed."""
    cups.add_queue("Office_laser")
    backend.printing.redirect(PrintTarget(printer_name="Thermal 80 (unplugged)"))
    finder = open_finder(qtbot, window)
    qtbot.keyClicks(finder.box, "wireless headphones")
    qtbot.keyClick(finder.box, Qt.Key.Key_Return)
    entry = finder.selected_entry()
    assert entry is not None
    assert entry.tier == "branch"  # another branch of ours comes before partners
    with qtbot.waitSignal(finder.print_finished, timeout=20_000) as signal:
        qtbot.keyClick(finder.results, Qt.Key.Key_Return)
    assert signal.args == [False]
    text = finder.message.text()
    assert "Thermal 80 (unplugged)" in text
    assert "The referral is recorded" in text
    assert finder.message.objectName() == "error"
    assert count(backend, Referral) == 1
    # Save as PDF gives the customer the very same slip.
    saved = tmp_path / "saved.pdf"
    finder.choose_save_path = lambda *_a: saved
    qtbot.keyClick(finder, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "saved as" in finder.message.text())  # written on the worker
    assert saved.read_bytes().startswith(b"%PDF")
    with backend.db.read() as s:
        code = s.scalar(select(Referral.code))
    assert code is not None
    assert code in str(pypdf.PdfReader(saved).pages[0].extract_text())
    assert count(backend, Referral) == 1


def test_referral_in_from_finder_selection_and_from_card_in_two_keys(
    qtbot: QtBot, window: MainWindow, backend: Backend, store: SmallStore
) -> None:
    cid = open_maria(qtbot, window)
    finder = open_finder(qtbot, window)
    qtbot.keyClicks(finder.box, "comics")
    qtbot.keyClick(finder.box, Qt.Key.Key_Return)
    qtbot.keyClick(finder.results, Qt.Key.Key_F12)  # the highlighted partner sent them
    qtbot.waitUntil(lambda: "Referral from" in finder.message.text())  # logged on the worker
    assert "Referral from Book Nook logged for Maria Garcia" in finder.message.text()
    qtbot.keyClick(finder, Qt.Key.Key_Escape)
    qtbot.waitUntil(window.isActiveWindow)

    told: list[str] = []

    def press_enter(dialog: QDialog) -> None:
        assert dialog.windowTitle() == "Referral came in — Maria Garcia"
        assert "Who sent Maria Garcia?" in [label.text() for label in dialog.findChildren(QLabel)]
        box = dialog.findChildren(QLineEdit)[0]
        qtbot.keyClick(box, Qt.Key.Key_Return)  # nobody chosen: nobody is credited
        told.append(dialog.findChild(object, "error").text())  # type: ignore[union-attr]
        qtbot.keyClick(box, Qt.Key.Key_Down)  # the most recently involved partner
        qtbot.keyClick(box, Qt.Key.Key_Return)

    when_dialog(press_enter)
    qtbot.keyClick(window, Qt.Key.Key_F12)  # 1 (↓ and Enter in the dialog are 2 and 3)
    assert "Choose who sent them" in told[0]
    with backend.db.read() as s:
        rows = s.execute(
            select(Referral.direction, Referral.vendor_id).order_by(Referral.created_at)
        ).all()
        kinds = s.scalars(select(Interaction.kind).where(Interaction.customer_id == cid)).all()
    # The most recently involved partner is at the top of the list.
    assert rows == [("in", store.book_nook), ("in", store.book_nook)]
    assert kinds == ["referral_arrived", "referral_arrived"]
    assert window.card.timeline_model.rowCount() == 2
    assert window.focusWidget() is window.search.box


def test_referral_in_by_code_of_our_slip(
    qtbot: QtBot, window: MainWindow, backend: Backend, store: SmallStore
) -> None:
    slip = backend.referrals.issue_slip("speakers", vendor_id=store.sound_hut)
    seen: list[str] = []

    def type_code(dialog: QDialog) -> None:
        box = dialog.findChildren(QLineEdit)[0]
        qtbot.keyClicks(box, slip.code.lower().replace("-", " ")[:-1] + "u")  # a typo first
        qtbot.keyClick(box, Qt.Key.Key_Return)
        error = dialog.findChild(object, "error")
        qtbot.waitUntil(lambda: bool(error.text()))  # type: ignore[union-attr]  # refused on the worker
        seen.append(error.text())  # type: ignore[union-attr]
        box.setText(slip.code.lower())
        qtbot.keyClick(box, Qt.Key.Key_Return)

    when_dialog(type_code)
    qtbot.keyClick(window, Qt.Key.Key_F12)
    assert "never contain the letter U" in seen[0]
    with backend.db.read() as s:
        arrived = s.scalar(select(Referral).where(Referral.direction == "in"))
    assert arrived is not None
    assert arrived.vendor_id == store.sound_hut


def test_a_code_without_digits_is_still_a_code(
    qtbot: QtBot, window: MainWindow, backend: Backend, store: SmallStore
) -> None:
    """About one slip code in twenty has no digit; it must not be read as a partner name."""
    import random

    from posassist.domain import referral_codes

    rng = random.Random(0)
    code = next(
        c
        for c in iter(lambda: referral_codes.new_code(rng), None)
        if not any(ch.isdigit() for ch in c)
    )
    slip = backend.referrals.issue_slip("speakers", vendor_id=store.sound_hut)
    with backend.db.write() as s:
        s.execute(
            text("UPDATE referral SET code = :new WHERE code = :old"),
            {"new": code, "old": slip.code},
        )

    def type_code(dialog: QDialog) -> None:
        box = dialog.findChildren(QLineEdit)[0]
        qtbot.keyClicks(box, code.replace("-", "").lower())
        qtbot.keyClick(box, Qt.Key.Key_Return)

    notes = when_dialog(type_code)
    qtbot.keyClick(window, Qt.Key.Key_F12)
    assert notes == []
    with backend.db.read() as s:
        arrived = s.scalar(select(Referral).where(Referral.direction == "in"))
    assert arrived is not None
    assert arrived.vendor_id == store.sound_hut


def test_vendor_directory_add_with_bad_hours_then_import_and_export(
    qtbot: QtBot, backend: Backend, store: SmallStore, tmp_path: Path
) -> None:
    dialog = VendorsDialog(backend.vendors, Worker())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.isActiveWindow)
    assert dialog.model.rowCount() == 3
    errors: list[str] = []

    def fill_in(editor: QDialog) -> None:
        fields = editor.fields  # type: ignore[attr-defined]
        fields["name"].setText("Kite Corner")
        fields["hours"].setText("weekdays 9-5")
        qtbot.keyClick(fields["hours"], Qt.Key.Key_Return)
        error = editor.findChild(object, "error")
        qtbot.waitUntil(lambda: bool(error.text()))  # type: ignore[union-attr]  # refused on the worker
        errors.append(error.text())  # type: ignore[union-attr]
        assert editor.focusWidget() is fields["hours"]
        fields["hours"].setText("Mo-Fr 09:00-17:00")
        fields["keywords"].setText("kites; yo-yos")
        qtbot.keyClick(fields["hours"], Qt.Key.Key_Return)

    when_dialog(fill_in)
    dialog.add()
    assert "is not a day or day range" in errors[0]
    assert dialog.model.rowCount() == 4
    assert "Partner added" in dialog.message.text()
    assert [m.vendor.name for m in backend.finder.find("yo-yos").vendors] == ["Kite Corner"]

    bad = tmp_path / "bad.csv"
    bad.write_text("name,hours\nGood,24/7\nBad,sometimes\n", encoding="utf-8")
    dialog.choose_open_path = lambda *_a: bad
    dialog.import_csv()
    qtbot.waitUntil(lambda: "Nothing was imported" in dialog.message.text())  # on the worker
    assert f"{bad}, line 3" in dialog.message.text()
    assert "Nothing was imported" in dialog.message.text()
    assert dialog.model.rowCount() == 4

    out = tmp_path / "partners.csv"
    dialog.choose_save_path = lambda *_a: out
    dialog.export_csv()
    qtbot.waitUntil(lambda: "partners written" in dialog.message.text())
    with out.open(encoding="utf-8-sig", newline="") as fh:
        assert len(list(csv.reader(fh))) == 5
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClicks(dialog.filter, "kite")
    assert dialog.proxy.rowCount() == 1
    qtbot.keyClick(dialog.filter, Qt.Key.Key_Down)  # into the list, on the first match
    assert dialog.focusWidget() is dialog.table
    qtbot.keyClick(dialog.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: "is inactive" in dialog.message.text())  # switched on the worker
    assert backend.finder.find("yo-yos").vendors == ()


def test_reports_show_ledger_and_demand_and_export(
    qtbot: QtBot, backend: Backend, store: SmallStore, tmp_path: Path
) -> None:
    backend.referrals.issue_slip("=speakers", vendor_id=store.sound_hut)
    backend.referrals.record_arrival(vendor_id=store.sound_hut)
    dialog = ReportsDialog(backend.referrals, backend.ctx.tz, Worker())
    qtbot.addWidget(dialog)
    assert dialog.ledger_model.rowCount() == 1
    assert dialog.ledger_model.data(dialog.ledger_model.index(0, 3)) == "1.00"
    assert dialog.demand_model.rowCount() == 1
    assert dialog.demand_model.data(dialog.demand_model.index(0, 3)) == "new"
    out = tmp_path / "demand.csv"
    dialog.choose_save_path = lambda *_a: out
    dialog.export_demand()
    qtbot.waitUntil(lambda: "Unmet demand written" in dialog.message.text())  # on the worker
    assert "'=speakers" in out.read_text(encoding="utf-8-sig")
    ledger = tmp_path / "ledger.csv"
    dialog.choose_save_path = lambda *_a: ledger
    dialog.export_ledger()
    qtbot.waitUntil(lambda: "Ledger written" in dialog.message.text())
    assert "Sound Hut Audio,1,1,1.0" in ledger.read_text(encoding="utf-8-sig")


def test_models_pass_qt_model_tester(
    qtmodeltester: object, backend: Backend, store: SmallStore
) -> None:
    finder = FinderResultsModel()
    result = backend.finder.find("wireless headphones")
    finder.set_entries(finder_entries(result, backend.ctx.tz, backend.finder.local_now()))
    assert finder.first_printable_row() is not None
    qtmodeltester.check(finder)  # type: ignore[attr-defined]
    vendors = VendorTableModel()
    vendors.set_vendors(backend.vendors.list())
    qtmodeltester.check(vendors)  # type: ignore[attr-defined]
    partners = PartnerChoicesModel()
    partners.set_choices(backend.referrals.partners())
    qtmodeltester.check(partners)  # type: ignore[attr-defined]
    backend.referrals.issue_slip("speakers", vendor_id=store.sound_hut)
    today = backend.referrals.today()
    ledger = LedgerModel(backend.ctx.tz)
    ledger.set_rows(backend.referrals.goodwill_ledger(today, today, include_idle=True))
    qtmodeltester.check(ledger)  # type: ignore[attr-defined]
    demand = DemandModel(backend.ctx.tz)
    demand.set_rows(backend.referrals.unmet_demand())
    qtmodeltester.check(demand)  # type: ignore[attr-defined]


def test_finder_never_rebuilds_on_the_gui_thread(
    qtbot: QtBot, window: MainWindow, backend: Backend, store: SmallStore
) -> None:
    """After a directory change the finder answers at once, then refreshes from the worker."""
    from posassist.services.vendors import VendorInput

    backend.finder.warm_up()
    finder = open_finder(qtbot, window)
    backend.vendors.create(
        VendorInput("Kite & Sail Loft", categories=("Kites",), keywords=("kite", "kites"))
    )
    assert backend.finder.needs_rebuild()
    qtbot.keyClicks(finder.box, "kites")
    finder.search_now()  # answers from the previous index: no rebuild on this thread
    assert "Kite & Sail Loft" not in _texts(finder)
    qtbot.waitUntil(lambda: "Kite & Sail Loft" in _texts(finder), timeout=10_000)
    assert not backend.finder.needs_rebuild()


def open_customer(qtbot: QtBot, window: MainWindow, name: str) -> uuid.UUID:
    """Back in the register window, search for ``name`` and open the best match."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.search.box.clear()
    qtbot.keyClicks(window.search.box, name)
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    card = window.card.card
    assert card is not None
    assert card.display_name == name.title()
    return card.id


def print_now(qtbot: QtBot, finder: FinderDialog) -> None:
    with qtbot.waitSignal(finder.print_finished, timeout=20_000) as signal:
        qtbot.keyClick(finder, Qt.Key.Key_F10)
    assert signal.args == [True]


def test_f4_again_retargets_the_open_finder_to_the_customer_now_on_the_card(
    qtbot: QtBot, window: MainWindow, backend: Backend, store: SmallStore, tmp_path: Path
) -> None:
    """The finder stays open beside the window; F4 after opening B serves B, not A."""
    ben = backend.customers.create(NewCustomer("Ben Okafor"))
    maria = open_maria(qtbot, window)
    backend.printing.redirect(PrintTarget(pdf_file=tmp_path / "printed.pdf"))
    finder = open_finder(qtbot, window)
    assert "For Maria Garcia" in finder.for_label.text()
    qtbot.keyClicks(finder.box, "turntables")
    finder.search_now()
    print_now(qtbot, finder)  # Maria's slip

    assert open_customer(qtbot, window, "ben okafor") == ben
    assert open_finder(qtbot, window) is finder  # the same window, brought forward …
    assert "For Ben Okafor" in finder.for_label.text()  # … for Ben
    assert "Maria" not in finder.for_label.text()
    assert finder.box.text() == "turntables"
    assert finder.focusWidget() is finder.box
    print_now(qtbot, finder)  # the same ask and place, but Ben's: a new slip

    with backend.db.read() as s:
        rows = s.execute(
            select(Referral.customer_id, Referral.code).order_by(Referral.created_at)
        ).all()
        demand = s.scalars(select(UnmetDemand.customer_id).order_by(UnmetDemand.created_at))
        demand_for = list(demand)
        given = s.execute(
            select(Interaction.customer_id, Interaction.note).where(
                Interaction.kind == "referral_given"
            )
        ).all()
    assert [r.customer_id for r in rows] == [maria, ben]
    maria_code, ben_code = (r.code for r in rows)
    assert maria_code != ben_code
    assert demand_for == [maria, ben]  # each customer's ask counted once
    assert {cid: note.split("(slip ")[1].rstrip(")") for cid, note in given} == {
        maria: maria_code,
        ben: ben_code,
    }
    assert ben_code is not None
    assert ben_code in finder.message.text()
    saved = tmp_path / "saved.pdf"
    finder.choose_save_path = lambda *_a: saved
    qtbot.keyClick(finder, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "saved as" in finder.message.text())
    assert ben_code in str(pypdf.PdfReader(saved).pages[0].extract_text())  # Ben's own slip
    # Ben's slip again is a reprint of Ben's slip.
    print_now(qtbot, finder)
    assert count(backend, Referral) == 2
    # With no card open, F4 says so: asks are not put on Ben's card.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.card.show_card(None)
    qtbot.keyClick(window, Qt.Key.Key_F4)
    qtbot.waitUntil(finder.isActiveWindow)
    assert "No customer open" in finder.for_label.text()


def test_set_customer_changes_the_reprint_and_demand_keys(
    qtbot: QtBot, backend: Backend, store: SmallStore, tmp_path: Path
) -> None:
    from posassist.ui.views.finder import CustomerRef

    a = CustomerRef(backend.customers.create(NewCustomer("Ada Lovelace")), "Ada Lovelace")
    b = CustomerRef(backend.customers.create(NewCustomer("Bo Diddley")), "Bo Diddley")
    desk = ReferralDesk(backend.finder, backend.referrals, backend.vendors, backend.printing)
    worker = Worker()
    finder = FinderDialog(desk, worker, backend.ctx.tz, a, text="turntables")
    qtbot.addWidget(finder)
    saved = tmp_path / "slip.pdf"
    finder.choose_save_path = lambda *_a: saved
    try:
        finder.log_unmet_demand()  # F11 for Ada
        finder.save_pdf()
        qtbot.waitUntil(lambda: saved.exists() and "saved as" in finder.message.text())
        finder.set_customer(b)
        assert finder.for_label.text().startswith("For Bo Diddley")
        assert finder.message.text() == ""  # Ada's "saved" line is not shown to Bo's cashier
        saved.unlink()
        finder.save_pdf()
        qtbot.waitUntil(lambda: saved.exists() and "saved as" in finder.message.text())
    finally:
        worker.wait_idle()
    with backend.db.read() as s:
        assert list(s.scalars(select(Referral.customer_id).order_by(Referral.created_at))) == [
            a.id,
            b.id,
        ]
        assert sorted(map(str, s.scalars(select(UnmetDemand.customer_id)))) == sorted(
            [str(a.id), str(b.id)]
        )  # Ada's F11 and Bo's slip: one each


def test_slip_that_cannot_be_built_says_nothing_was_recorded_and_it_is_true(
    qtbot: QtBot, backend: Backend, store: SmallStore
) -> None:
    import dataclasses

    from posassist.services.referrals import ReferralService

    settings = dataclasses.replace(
        backend.settings, store=dataclasses.replace(backend.settings.store, logo="/etc/passwd")
    )
    referrals = ReferralService(dataclasses.replace(backend.ctx, settings=settings))
    desk = ReferralDesk(backend.finder, referrals, backend.vendors, backend.printing)
    worker = Worker()
    finder = FinderDialog(desk, worker, backend.ctx.tz, None, text="turntables")
    qtbot.addWidget(finder)
    try:
        for attempt in range(2):  # F10, and F10 again
            finder.print_slip()
            qtbot.waitUntil(lambda: "Nothing was recorded" in finder.message.text())
            assert "[store] logo" in finder.message.text()
            assert "in Settings" not in finder.message.text()
            assert (count(backend, Referral), count(backend, UnmetDemand)) == (0, 0), attempt
            finder.say("")
    finally:
        worker.wait_idle()
