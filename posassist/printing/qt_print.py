"""Putting the slip PDF on paper: QtPdf renders the same bytes onto a ``QPrinter``.

The PDF built by :mod:`posassist.printing.slip_pdf` stays the one source of truth: the
preview, "Save as PDF", a thermal roll and a sheet printer all show those bytes.  QtPdf
(pdfium inside Qt) rasterises each page at up to :data:`MAX_DPI`, which is sharper than
any receipt printer (203 dpi) and keeps a half-letter page well under 20 MB of pixels.

Everything here except dialogs may run on a worker thread: QPdfDocument, QImage, QPainter
and QPrinter are safe to use from one non-GUI thread at a time (Qt's "reentrant" classes),
so the cashier's window never freezes while a driver spools.  This is the only module of
``posassist/printing`` that imports Qt (``tests/test_layering.py``).

Printer problems are the commonest support call at a till, so each one is a
:class:`~posassist.errors.PrinterError` saying which printer and what to do.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from posassist.errors import PrinterError
from posassist.printing.target import PrintTarget

__all__ = [
    "MAX_DPI",
    "PageImage",
    "PrintTarget",
    "available_printers",
    "default_printer_name",
    "make_printer",
    "print_pdf",
    "render_pages",
]

MAX_DPI = 300.0
"""Rasterisation resolution cap for printing (thermal heads are 203 dpi, lasers 600)."""

PageImage = QImage
"""What :func:`render_pages` returns; services hand these to the preview unchanged."""

_NO_PRINTER_HINT = "Install the slip printer (with its driver), or use Save as PDF."


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


def make_printer(target: PrintTarget) -> QPrinter:
    """A ready ``QPrinter`` for ``target``, or a PrinterError saying what is missing."""
    if target.pdf_file is not None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(target.pdf_file))
        return printer
    names = available_printers()
    name = target.printer_name.strip()
    if not name:
        name = default_printer_name()
        if not name:
            if names:
                raise PrinterError(
                    "No default printer is set on this computer.",
                    hint=f"Choose one of {', '.join(names)} under [printing] printer in the "
                    "settings, or use Save as PDF.",
                )
            raise PrinterError("No printer is installed on this computer.", hint=_NO_PRINTER_HINT)
    elif name not in names:
        available = f" Installed: {', '.join(names)}." if names else ""
        raise PrinterError(
            f"The slip printer “{name}” is not installed or not connected.{available}",
            hint="Check its cable and power, fix [printing] printer in the settings, "
            "or use Save as PDF.",
        )
    info = QPrinterInfo.printerInfo(name)
    if info.isNull():
        raise PrinterError(f"The printer “{name}” cannot be found.", hint=_NO_PRINTER_HINT)
    if info.state() == QPrinter.PrinterState.Error:
        raise PrinterError(
            f"The printer “{name}” reports a problem (offline, out of paper or lid open).",
            hint="Fix the printer and print again, or use Save as PDF.",
        )
    printer = QPrinter(info, QPrinter.PrinterMode.HighResolution)
    if not printer.isValid():
        raise PrinterError(f"The printer “{name}” is not usable.", hint=_NO_PRINTER_HINT)
    return printer


def _fit(image_size: QSizeF, box: QRectF) -> QRectF:
    """The largest rectangle of the image's shape inside ``box``, centred at the top."""
    scale = min(box.width() / image_size.width(), box.height() / image_size.height())
    width, height = image_size.width() * scale, image_size.height() * scale
    return QRectF(box.left() + (box.width() - width) / 2, box.top(), width, height)


def print_pdf(pdf: bytes, target: PrintTarget, *, job_name: str = "Referral slip") -> int:
    """Print every page of ``pdf`` on ``target``; returns the number of pages sent.

    Each page gets a paper size equal to the PDF's own page (a thermal roll is cut at the
    end of the content); the driver matches it to a standard sheet when it is one.
    """
    printer = make_printer(target)
    where = target.describe()
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
    return count


def save_pdf(pdf: bytes, path: Path) -> None:
    """Write the slip's own PDF bytes (lossless, unlike printing to a PDF printer)."""
    try:
        path.write_bytes(pdf)
    except OSError as exc:
        raise PrinterError(
            f"Cannot save the slip as {path}: {exc.strerror or exc}.",
            hint="Choose another folder.",
        ) from exc
