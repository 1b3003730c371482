"""Putting the slip PDF on paper: the PDF itself where the printer takes it, else a picture.

The PDF built by :mod:`posassist.printing.slip_pdf` stays the one source of truth: the
preview, "Save as PDF", a thermal roll and a sheet printer all show those bytes.  Where
the destination takes PDF as it is -- a CUPS queue (Linux, macOS: ``lp``), or a PDF
file -- those very bytes are sent, so text stays vector text.  Elsewhere (Windows
drivers, a printer Qt knows but CUPS does not) QtPdf (pdfium inside Qt) rasterises each
page at up to :data:`MAX_DPI` onto a ``QPrinter``: sharper than any receipt printer (203
dpi), and a half-letter page stays well under 20 MB of pixels.

Everything here except dialogs may run on a worker thread: QPdfDocument, QImage, QPainter
and QPrinter are safe to use from one non-GUI thread at a time (Qt's "reentrant" classes),
so the cashier's window never freezes while a driver spools.  This is the only module of
``posassist/printing`` that imports Qt (``tests/test_layering.py``).

Printer problems are the commonest support call at a till, so each one is a
:class:`~posassist.errors.PrinterError` saying which printer and what to do; the kinds
(none installed, server down, queue paused, printer in trouble) are told apart by
:mod:`posassist.printing.readiness`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from posassist.errors import (
    NoPrinterError,
    PrinterError,
    PrinterPausedError,
    PrintServerDownError,
)
from posassist.printing import cups
from posassist.printing.readiness import NO_PRINTER_HINT, QtView, Ready, check_printer
from posassist.printing.target import PrintTarget

__all__ = [
    "MAX_DPI",
    "PageImage",
    "PrintTarget",
    "available_printers",
    "default_printer_name",
    "make_printer",
    "print_pdf",
    "printer_ready",
    "render_pages",
]

MAX_DPI = 300.0
"""Rasterisation resolution cap for printing (thermal heads are 203 dpi, lasers 600)."""

PageImage = QImage
"""What :func:`render_pages` returns; services hand these to the preview unchanged."""


def available_printers() -> list[str]:
    """Names of the printers the operating system offers, for the settings page."""
    return list(QPrinterInfo.availablePrinterNames())


def default_printer_name() -> str:
    """The system default printer's name, "" when there is none."""
    return str(QPrinterInfo.defaultPrinterName())


class _Document:
    """A loaded QPdfDocument and the buffer it reads from (which must outlive it)."""

    def __init__(self, pdf: bytes) -> None:
        if not pdf.startswith(b"%PDF"):
            raise ValueError("not PDF bytes")
        self._buffer = QBuffer()
        self._buffer.setData(QByteArray(pdf))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.doc = QPdfDocument()
        self.doc.load(self._buffer)
        if self.doc.status() != QPdfDocument.Status.Ready or self.doc.pageCount() < 1:
            error = self.doc.error()
            self.close()
            raise ValueError(f"QtPdf could not load the slip PDF ({error})")

    def close(self) -> None:
        self.doc.close()
        self._buffer.close()

    def __enter__(self) -> _Document:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def page_size(self, page: int) -> QSizeF:
        """Page size in PDF points."""
        size: QSizeF = self.doc.pagePointSize(page)
        return size

    def render(self, page: int, dpi: float) -> QImage:
        """The page at ``dpi`` on white (QtPdf leaves unpainted areas transparent)."""
        size = self.page_size(page)
        pixels = QSize(
            max(1, round(size.width() * dpi / 72)), max(1, round(size.height() * dpi / 72))
        )
        page_image = self.doc.render(page, pixels)
        out = QImage(pixels, QImage.Format.Format_RGB32)
        out.fill(Qt.GlobalColor.white)
        painter = QPainter(out)
        painter.drawImage(0, 0, page_image)
        painter.end()
        return out


def render_pages(pdf: bytes, dpi: float = 110.0) -> list[QImage]:
    """Every page as an image, for an on-screen preview of exactly what will print."""
    with _Document(pdf) as loaded:
        return [loaded.render(page, dpi) for page in range(loaded.doc.pageCount())]


def _in_error(name: str) -> bool:
    info = QPrinterInfo.printerInfo(name)
    return not info.isNull() and info.state() == QPrinter.PrinterState.Error


def printer_ready(name: str) -> Ready:
    """The printer for ``name`` ("" = default) if it can print; else the PrinterError
    of its kind (none installed, server down, paused, reporting a problem)."""
    qt = QtView(available_printers(), default_printer_name(), _in_error)
    return check_printer(name, qt)


def make_printer(target: PrintTarget) -> QPrinter:
    """A ready ``QPrinter`` for ``target`` (the raster path), or a PrinterError."""
    if target.pdf_file is not None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(target.pdf_file))
        return printer
    name = printer_ready(target.printer_name).name
    info = QPrinterInfo.printerInfo(name)
    if info.isNull():
        raise NoPrinterError(f"The printer “{name}” cannot be found.", hint=NO_PRINTER_HINT)
    printer = QPrinter(info, QPrinter.PrinterMode.HighResolution)
    if not printer.isValid():
        raise PrinterError(f"The printer “{name}” is not usable.", hint=NO_PRINTER_HINT)
    return printer


def _fit(image_size: QSizeF, box: QRectF) -> QRectF:
    """The largest rectangle of the image's shape inside ``box``, centred at the top."""
    scale = min(box.width() / image_size.width(), box.height() / image_size.height())
    width, height = image_size.width() * scale, image_size.height() * scale
    return QRectF(box.left() + (box.width() - width) / 2, box.top(), width, height)


def print_pdf(pdf: bytes, target: PrintTarget, *, job_name: str = "Referral slip") -> int:
    """Print every page of ``pdf`` on ``target``; returns the number of pages sent.

    The vector PDF goes to a PDF file or a CUPS queue as it is; other printers get the
    pages as pictures (:func:`_print_raster`).
    """
    with _Document(pdf) as loaded:
        count = int(loaded.doc.pageCount())
        first_page = loaded.page_size(0)
    if target.raster:
        _print_raster(pdf, make_printer(target), target.describe(), job_name)
    elif target.pdf_file is not None:
        _write_pdf_file(pdf, target)
    else:
        ready = printer_ready(target.printer_name)
        if ready.cups:
            _send_to_cups(pdf, ready.name, job_name, first_page)
        else:
            _print_raster(pdf, make_printer(target), target.describe(), job_name)
    return count


def _write_pdf_file(pdf: bytes, target: PrintTarget) -> None:
    assert target.pdf_file is not None
    try:
        target.pdf_file.write_bytes(pdf)
    except OSError as exc:
        raise PrinterError(
            f"Could not start printing on {target.describe()}: {exc.strerror or exc}.",
            hint="Choose another folder, or use Save as PDF.",
        ) from exc


def _send_to_cups(pdf: bytes, name: str, job_name: str, page: QSizeF) -> None:
    """``lp`` the slip to CUPS, on the slip's own paper size; lp's refusals classified."""
    media = f"Custom.{page.width():.1f}x{page.height():.1f}"
    fd, spool = tempfile.mkstemp(prefix="posassist-slip-", suffix=".pdf")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pdf)
        cups.submit_pdf(name, Path(spool), title=job_name, media=media)
    except OSError as exc:
        raise _refusal(name, str(exc)) from exc
    finally:
        Path(spool).unlink(missing_ok=True)


def _refusal(name: str, words: str) -> PrinterError:
    low = words.lower()
    if "not accepting" in low:
        return PrinterPausedError(
            f"The printer “{name}” is not accepting jobs.",
            hint=f"Run `cupsaccept {name}` (or resume it in the printer settings), "
            "then print again.",
        )
    if "does not exist" in low or "not found" in low:
        return NoPrinterError(f"The printer “{name}” is not installed.", hint=NO_PRINTER_HINT)
    if "scheduler" in low or "connect" in low:
        return PrintServerDownError(
            "The print server (CUPS) stopped answering.",
            hint="Start it (Linux: `sudo systemctl start cups`), then print again.",
        )
    return PrinterError(
        f"The print server refused the slip for “{name}”: {words}.",
        hint="Check the printer in the computer's printer settings, or use Save as PDF.",
    )


def _print_raster(pdf: bytes, printer: QPrinter, where: str, job_name: str) -> None:
    """Every page at up to :data:`MAX_DPI` onto ``printer``, on the PDF's own page size
    (a thermal roll is cut at the end of the content; the driver matches a standard
    sheet when it is one)."""
    printer.setDocName(job_name)
    printer.setFullPage(True)
    with _Document(pdf) as loaded:
        count = int(loaded.doc.pageCount())

        def use_page_size(page: int) -> None:
            size = QPageSize(loaded.page_size(page), QPageSize.Unit.Point, "Slip")
            layout = QPageLayout(size, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0))
            printer.setPageLayout(layout)  # a driver may refuse; it then keeps its paper

        use_page_size(0)
        dpi = min(float(printer.resolution()), MAX_DPI)
        painter = QPainter()
        if not painter.begin(printer):
            raise PrinterError(
                f"Could not start printing on {where}.",
                hint="Check that it is switched on and connected, or use Save as PDF.",
            )
        try:
            for page in range(count):
                if page:
                    use_page_size(page)
                    if not printer.newPage():
                        raise PrinterError(f"{where.capitalize()} stopped after page {page}.")
                image = loaded.render(page, dpi)
                box = QRectF(printer.paperRect(QPrinter.Unit.DevicePixel))
                painter.drawImage(_fit(QSizeF(image.size()), box), image)
        finally:
            finished = painter.end()
    if not finished or printer.printerState() in (
        QPrinter.PrinterState.Error,
        QPrinter.PrinterState.Aborted,
    ):
        raise PrinterError(
            f"Printing on {where} failed.",
            hint="Check the printer (paper, lid, cable), then print again or use Save as PDF.",
        )


def save_pdf(pdf: bytes, path: Path) -> None:
    """Write the slip's own PDF bytes (lossless, unlike printing to a PDF printer)."""
    try:
        path.write_bytes(pdf)
    except OSError as exc:
        raise PrinterError(
            f"Cannot save the slip as {path}: {exc.strerror or exc}.",
            hint="Choose another folder.",
        ) from exc
