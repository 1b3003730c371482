"""Printing slips, for the window: the printer from the settings, preview, save as PDF.

The Qt side lives in :mod:`posassist.printing.qt_print` and is imported on first use, so
neither the CLI nor start-up pays for loading Qt's print stack.  :meth:`PrintService.print_pdf`
may block on a driver for seconds: the window calls it through its worker, never on the
GUI thread.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, cast

from posassist.config import PrintingSettings, StoreSettings
from posassist.printing.target import PrintTarget

if TYPE_CHECKING:
    from posassist.printing.escpos_slip import Connection, EscposPrinter, QrKind
    from posassist.printing.qt_print import PageImage
    from posassist.printing.slip_content import SlipContent

__all__ = [
    "PrintService",
    "PrintTarget",
    "check_layout",
    "escpos_printer",
    "installed_printers",
    "layout_choices",
]


def layout_choices() -> list[str]:
    """The slip layouts a store may choose (80mm, 58mm, a6, half-letter)."""
    from posassist.printing.layouts import layout_names

    return list(layout_names())


def installed_printers() -> list[str]:
    """The printers a slip can go to, by name: CUPS's queues where CUPS runs (it also
    knows a queue Qt has not seen yet), else Qt's list (Windows). Slow-ish (a
    subprocess): the window asks on its worker."""
    from posassist.printing import cups

    names = cups.queue_names()
    if names is not None:
        return names
    from posassist.printing import qt_print

    return qt_print.available_printers()


def check_layout(name: str) -> str:
    """The layout's canonical name; UnknownLayoutError (an InvalidInputError) naming the
    valid ones if there is none, so a command can refuse it before opening the store."""
    from posassist.printing.layouts import get_layout

    return get_layout(name).name


def escpos_printer(printing: PrintingSettings) -> EscposPrinter:
    """The ESC/POS profile of ``[printing]`` (already checked by load_settings)."""
    from posassist.printing.escpos_slip import EscposPrinter, default_dots

    return EscposPrinter(
        connection=cast("Connection", printing.connection),
        host=printing.host.strip(),
        port=printing.port,
        queue=printing.queue.strip(),
        dots=printing.dots or default_dots(printing.layout),
        cut=printing.cut,
        cash_drawer=printing.cash_drawer,
        codepage=printing.codepage.strip().upper(),
        qr=cast("QrKind", printing.qr),
    )


def _configured(printing: PrintingSettings) -> PrintTarget:
    if printing.mode == "escpos":
        return PrintTarget(escpos=escpos_printer(printing))
    return PrintTarget(printer_name=printing.printer)


class PrintService:
    def __init__(self, settings: PrintingSettings) -> None:
        self._settings = settings
        self._override: PrintTarget | None = None

    @property
    def layout(self) -> str:
        return self._settings.layout

    def target(self) -> PrintTarget:
        """Where Print sends slips: the configured printer unless tests or IT redirect it."""
        if self._override is not None:
            return self._override
        return _configured(self._settings)

    def use(self, settings: PrintingSettings) -> None:
        """Print with these settings from now on (saved on the settings screen)."""
        self._settings = settings

    def print_test_slip(self, store: StoreSettings, printing: PrintingSettings, today: date) -> str:
        """Build the test slip for ``store`` on ``printing``'s profile (its layout, or its
        ESC/POS printer) and print it there (or where :meth:`redirect` points); where it
        went, in words."""
        from posassist.printing.test_slip import TestSlipData, build_test_slip_pdf, test_content

        data = TestSlipData(
            store_name=store.name, address=store.address, phone=store.phone, printed_on=today
        )
        target = self._override or _configured(printing)
        if target.escpos is not None:
            from posassist.printing.escpos_slip import DOTS_PER_MM

            dots = target.escpos.dots
            setup = f"ESC/POS, {dots} dots, code page {target.escpos.codepage.lower()}"
            content = test_content(data, setup, dots / DOTS_PER_MM)
            return self.print_slip(b"", content, target, job_name="Test slip")
        pdf = build_test_slip_pdf(data, printing.layout)
        return self.print_pdf(pdf, target, job_name="Test slip")

    def redirect(self, target: PrintTarget | None) -> None:
        """Send slips to ``target`` instead (a PDF file in tests; None restores settings)."""
        self._override = target

    def print_pdf(
        self, pdf: bytes, target: PrintTarget | None = None, *, job_name: str = "Referral slip"
    ) -> str:
        """Print and return where it went, in words; PrinterError if it could not.

        ``job_name`` is what the print queue shows (and cups-pdf names the file by)."""
        from posassist.printing import qt_print

        chosen = target or self.target()
        if chosen.escpos is not None:
            raise ValueError("an ESC/POS printer prints a slip's content: use print_slip")
        qt_print.print_pdf(pdf, chosen, job_name=job_name)
        return chosen.describe()

    def print_slip(
        self,
        pdf: bytes,
        content: SlipContent,
        target: PrintTarget | None = None,
        *,
        job_name: str = "Referral slip",
    ) -> str:
        """Print a slip on ``target`` (default: the profile's): its PDF through the OS
        printer, or its content as ESC/POS commands; where it went, in words, or a
        PrinterError. Slow (a driver, the network): on the worker."""
        chosen = target or self.target()
        if chosen.escpos is None:
            return self.print_pdf(pdf, chosen, job_name=job_name)
        from posassist.printing import escpos_slip

        return escpos_slip.send(
            escpos_slip.render(content, chosen.escpos), chosen.escpos, title=job_name
        )

    def preview_pages(self, pdf: bytes, dpi: float = 110.0) -> list[PageImage]:
        from posassist.printing import qt_print

        return qt_print.render_pages(pdf, dpi)

    def save_pdf(self, pdf: bytes, path: Path) -> None:
        from posassist.printing import qt_print

        qt_print.save_pdf(pdf, path)
