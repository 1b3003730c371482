"""Where a slip is printed: a named printer, the system default, or a PDF file.

Plain data (no Qt) so that settings, services and tests can name a destination without
importing the print stack; :mod:`posassist.printing.qt_print` turns it into a ``QPrinter``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from posassist.printing.escpos_slip import EscposPrinter

__all__ = ["PrintTarget"]


@dataclass(frozen=True, slots=True)
class PrintTarget:
    """``printer_name`` "" means the system's default printer.

    ``pdf_file`` prints into that file instead of a device: the slip's vector PDF, the
    same bytes a CUPS queue is sent; ``escpos`` sends the slip's content to that
    ESC/POS printer instead of any PDF. ``raster`` forces the picture path that printers
    without PDF input get (Windows drivers); with ``pdf_file`` it goes through Qt's own
    PDF printer, which is how tests see that path's output.
    """

    printer_name: str = ""
    pdf_file: Path | None = None
    raster: bool = False
    escpos: EscposPrinter | None = None
    """An ESC/POS printer driven raw: the slip's content goes as printer commands."""

    def describe(self) -> str:
        if self.escpos is not None:
            return self.escpos.describe()
        if self.pdf_file is not None:
            return f"PDF file {self.pdf_file}"
        return f"printer “{self.printer_name}”" if self.printer_name else "the default printer"
