"""The slip PDF through QtPdf onto a real QPrinter (Qt's PDF-file printer), off the GUI thread."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pypdf
import pypdfium2 as pdfium
import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from posassist.errors import PrinterError
from posassist.printing import qt_print
from posassist.printing.slip_pdf import build_slip_pdf
from posassist.printing.target import PrintTarget
from posassist.ui.workers import BackgroundOp, Worker
from tests.printing.cupsd import Cups
from tests.printing.slip_samples import sample_slip_data


def dark_box(pdf: bytes, scale: float) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Grayscale pixels and the bounding box of ink, as fractions of the page."""
    doc = pdfium.PdfDocument(pdf)
    try:
        pixels = doc[0].render(scale=scale, grayscale=True).to_numpy()
    finally:
        doc.close()
    if pixels.ndim == 3:
        pixels = pixels[..., 0]
    rows = np.flatnonzero((pixels < 128).any(axis=1))
    cols = np.flatnonzero((pixels < 128).any(axis=0))
    h, w = pixels.shape
    return pixels, (rows[0] / h, rows[-1] / h, cols[0] / w, cols[-1] / w)


@pytest.mark.parametrize("raster", [False, True])
@pytest.mark.parametrize("layout", ["80mm", "a6"])
def test_print_to_pdf_file_printer_matches_the_slip(
    qapp: QApplication, tmp_path: Path, layout: str, raster: bool
) -> None:
    slip = build_slip_pdf(sample_slip_data(), layout)
    out = tmp_path / "printed.pdf"
    assert qt_print.print_pdf(slip, PrintTarget(pdf_file=out, raster=raster)) == 1
    printed = out.read_bytes()
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) == 1
    source_box = pypdf.PdfReader(io.BytesIO(slip)).pages[0].mediabox
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(float(source_box.width), abs=1.5)
    assert float(box.height) == pytest.approx(float(source_box.height), abs=1.5)
    # The printed page carries the same ink in the same places as the slip itself.
    _, want = dark_box(slip, 2)
    _, got = dark_box(printed, 2)
    assert got == pytest.approx(want, abs=0.01)


def test_printing_runs_on_a_worker_thread(qtbot: QtBot, tmp_path: Path) -> None:
    worker = Worker()
    slip = build_slip_pdf(sample_slip_data(), "58mm")
    out = tmp_path / "bg.pdf"
    results: list[object] = []
    target = PrintTarget(pdf_file=out, raster=True)  # the slow path: pdfium and a QPrinter
    BackgroundOp(worker, lambda: qt_print.print_pdf(slip, target)).success(results.append).failure(
        results.append
    ).run_in_background()
    qtbot.waitUntil(lambda: bool(results), timeout=20_000)
    assert results == [1]
    assert pypdf.PdfReader(out).pages[0].mediabox.width == pytest.approx(58 / 25.4 * 72, abs=1.5)


def test_unknown_printer_is_a_plain_printer_error(qapp: QApplication, cups: Cups) -> None:
    """CUPS is running (a private one) with a queue, but not the one asked for."""
    cups.add_queue("Office_laser")
    slip = build_slip_pdf(sample_slip_data(), "80mm")
    with pytest.raises(PrinterError, match="“No Such Thermal 80” is not installed"):
        qt_print.print_pdf(slip, PrintTarget(printer_name="No Such Thermal 80"))


def test_unwritable_pdf_output_is_a_printer_error(qapp: QApplication, tmp_path: Path) -> None:
    slip = build_slip_pdf(sample_slip_data(), "80mm")
    with pytest.raises(PrinterError, match="Could not start printing"):
        qt_print.print_pdf(slip, PrintTarget(pdf_file=tmp_path / "no" / "such" / "dir.pdf"))
    target = PrintTarget(pdf_file=tmp_path / "no" / "such" / "dir.pdf", raster=True)
    with pytest.raises(PrinterError, match="Could not start printing"):
        qt_print.print_pdf(slip, target)
    with pytest.raises(PrinterError, match="Cannot save"):
        qt_print.save_pdf(slip, tmp_path / "no" / "such.pdf")


def test_preview_pages_are_opaque_and_sized_by_dpi(qapp: QApplication) -> None:
    slip = build_slip_pdf(sample_slip_data(), "a6")
    (page,) = qt_print.render_pages(slip, dpi=72)
    assert (page.width(), page.height()) == (298, 420)
    assert page.pixelColor(1, 1).name() == "#ffffff"  # white paper, not transparent
    assert not page.hasAlphaChannel()
