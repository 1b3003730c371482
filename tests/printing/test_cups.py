"""Printer truth on a real CUPS: each kind of trouble is told apart, and a slip printed
to a PDF printer keeps its text (vector), not a picture of it."""

from __future__ import annotations

import io
import os
import pwd
import subprocess
import sys
import uuid
from pathlib import Path

import pypdf
import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from posassist.errors import (
    NoPrinterError,
    PrinterPausedError,
    PrinterProblemError,
    PrintServerDownError,
)
from posassist.printing import cups as cups_client
from posassist.printing import qt_print
from posassist.printing.slip_pdf import build_slip_pdf
from posassist.printing.target import PrintTarget
from tests.printing.cupsd import PPD, Cups
from tests.printing.slip_samples import sample_slip_data


def test_no_printer_at_all_says_so(qapp: QApplication, cups: Cups) -> None:
    with pytest.raises(NoPrinterError, match="No printer is installed") as info:
        qt_print.make_printer(PrintTarget())
    assert "Save as PDF" in str(info.value)


def test_a_named_printer_that_is_not_there(qapp: QApplication, cups: Cups) -> None:
    cups.add_queue("Front")
    with pytest.raises(NoPrinterError, match=r"“Back” is not installed.*Installed: Front"):
        qt_print.printer_ready("Back")
    with pytest.raises(NoPrinterError, match="No default printer is set") as info:
        qt_print.printer_ready("")
    assert "[printing] printer in the settings (installed: Front)" in str(info.value)
    cups.run("lpadmin", "-d", "Front")
    assert qt_print.printer_ready("").name == "Front"


def test_print_server_not_running(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUPS_SERVER", str(tmp_path / "no-cupsd-here.sock"))
    slip = build_slip_pdf(sample_slip_data(), "80mm")
    with pytest.raises(PrintServerDownError, match=r"print server \(CUPS\).*not running") as info:
        qt_print.print_pdf(slip, PrintTarget(printer_name="Front"))
    assert "systemctl start cups" in str(info.value)


def test_paused_and_rejecting_queues(qapp: QApplication, cups: Cups) -> None:
    cups.add_queue("Front")
    assert qt_print.printer_ready("Front").cups
    cups.run("cupsdisable", "-r", "toner change", "Front")
    with pytest.raises(PrinterPausedError, match=r"“Front” is paused.*toner change") as paused:
        qt_print.printer_ready("Front")
    assert "cupsenable Front" in str(paused.value)
    cups.run("cupsenable", "Front")
    cups.run("cupsreject", "Front")
    with pytest.raises(PrinterPausedError, match="“Front” is not accepting jobs") as refusing:
        qt_print.print_pdf(build_slip_pdf(sample_slip_data(), "80mm"), PrintTarget("Front"))
    assert "cupsaccept Front" in str(refusing.value)


def test_printer_reporting_out_of_paper(qtbot: QtBot, cups: Cups, tmp_path: Path) -> None:
    cups.add_jammed_queue("Jam")
    slip = tmp_path / "slip.pdf"
    slip.write_bytes(build_slip_pdf(sample_slip_data(), "80mm"))
    cups.run("lp", "-d", "Jam", str(slip))  # its backend answers "media-empty-error"
    qtbot.waitUntil(lambda: "media-empty" in cups.run("lpstat", "-l", "-p", "Jam"), timeout=20_000)
    state = cups_client.queue_state("Jam")
    assert state is not None
    assert state.problems == ("media-empty-error",)
    with pytest.raises(PrinterProblemError, match="“Jam” reports a problem: out of paper"):
        qt_print.printer_ready("Jam")


def test_parse_state_reads_lpstat_words() -> None:
    state = cups_client.parse_state(
        "T",
        "printer T disabled since Tue -\n\tpaused by IT\n\tAlerts: paused offline-report\n",
        "T not accepting requests since Tue -\n\tno more\n",
    )
    assert (state.enabled, state.accepting, state.message) == (False, False, "paused by IT")
    assert state.problems == ("offline-report",)
    assert cups_client.problem_reasons(("toner-low-warning", "none", "media-jam-error")) == (
        "media-jam-error",
    )


def _page_facts(pdf: bytes) -> tuple[str, float]:
    """The first page's text, and the largest share of the page one image covers."""
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    area = float(page.mediabox.width) * float(page.mediabox.height)
    largest = 0.0
    for image in page.images:
        with image.image as pil:  # pixel size at 72 dpi is an upper bound on the cover
            largest = max(largest, pil.width * pil.height / area)
    return page.extract_text(), largest


def test_slip_printed_to_a_cups_pdf_printer_keeps_its_text(qtbot: QtBot, cups: Cups) -> None:
    cups.run("lpadmin", "-p", "PDFPrinter", "-E", "-v", "cups-pdf:/", "-m", PPD)
    title = f"posassist-test-{uuid.uuid4().hex[:8]}"
    out_dir = Path(pwd.getpwuid(os.getuid()).pw_dir) / "PDF"  # cups-pdf's Out ${HOME}/PDF
    slip = build_slip_pdf(sample_slip_data(), "80mm")
    assert qt_print.print_pdf(slip, PrintTarget("PDFPrinter"), job_name=title) == 1
    qtbot.waitUntil(lambda: any(out_dir.glob(f"{title}*.pdf")), timeout=30_000)
    (printed,) = out_dir.glob(f"{title}*.pdf")
    try:
        qtbot.waitUntil(lambda: not cups.run("lpstat", "-o", "PDFPrinter").strip())
        text, cover = _page_facts(printed.read_bytes())
    finally:
        printed.unlink()
    assert "K7Q2-M9XD" in text
    assert "come back" in text.lower()
    assert cover < 0.5  # the QR code and the logo, never the whole page as a picture


def test_pdf_file_target_is_vector_and_raster_only_on_request(
    qapp: QApplication, tmp_path: Path
) -> None:
    slip = build_slip_pdf(sample_slip_data(), "80mm")
    vector, raster = tmp_path / "vector.pdf", tmp_path / "raster.pdf"
    qt_print.print_pdf(slip, PrintTarget(pdf_file=vector))
    qt_print.print_pdf(slip, PrintTarget(pdf_file=raster, raster=True))
    text, cover = _page_facts(vector.read_bytes())
    assert "K7Q2-M9XD" in text
    assert cover < 0.5
    text, cover = _page_facts(raster.read_bytes())
    assert "K7Q2-M9XD" not in text
    assert cover > 0.9


def test_doctor_in_its_own_process_sees_the_private_server(cups: Cups) -> None:
    """libcups inside Qt reads CUPS_SERVER once per process: a fresh process is a fresh
    read, as a register PC starting doctor would be."""
    cups.add_queue("Front")
    cups.run("cupsdisable", "Front")
    env = {**cups.env, "QT_QPA_PLATFORM": "offscreen", "POSASSIST_PRINTING_PRINTER": "Front"}
    done = subprocess.run(
        [sys.executable, "-m", "posassist", "--data-dir", str(cups.root / "data"), "doctor"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "PROBLEM  The printer “Front” is paused" in done.stdout
    cups.run("cupsenable", "Front")
    done = subprocess.run(
        [sys.executable, "-m", "posassist", "--data-dir", str(cups.root / "data"), "doctor"],
        env={**env, "POSASSIST_PRINTING_PRINTER": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "WARNING  No default printer is set" in done.stdout
