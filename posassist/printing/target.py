"""Where a slip is printed: a named printer, the system default, or a PDF file.

Plain data (no Qt) so that settings, services and tests can name a destination without
importing the print stack; :mod:`posassist.printing.qt_print` turns it into a ``QPrinter``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["PrintTarget"]


@dataclass(frozen=True, slots=True)
class PrintTarget:
    """``printer_name`` "" means the system's default printer.

    ``pdf_file`` prints through Qt's own PDF printer into that file instead of a device:
    the exact same rendering path as paper, which is what tests and "print to file" use.
    (Saving the slip's original PDF bytes is a different, lossless thing: "Save as PDF".)
    """

    printer_name: str = ""
    pdf_file: Path | None = None

    def describe(self) -> str:
        if self.pdf_file is not None:
            return f"PDF file {self.pdf_file}"
        return f"printer “{self.printer_name}”" if self.printer_name else "the default printer"
