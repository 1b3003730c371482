"""The test slip: does the printer print, and does the layout fit its paper?

Printed from the first-run set-up and the settings screen, through the same engine as
the referral slip (:func:`~posassist.printing.slip_pdf.render_slip`), so what comes out
is what a real slip will look like on that printer. A ruler across the printable width,
ticked every centimetre, shows at a glance whether the layout chosen is the paper in
the printer (an 80 mm layout on a 58 mm roll loses its right end). It carries the
store's own details and nothing about any customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reportlab.lib.units import mm

from posassist.printing.layouts import get_layout
from posassist.printing.slip_content import Block, Line, Ruler, SlipContent, clean, text
from posassist.printing.slip_fonts import register_fonts
from posassist.printing.slip_pdf import flowables, render_slip

__all__ = ["TITLE", "TestSlipData", "build_test_slip_pdf", "test_content"]

TITLE = "Test slip"


@dataclass(frozen=True, slots=True, kw_only=True)
class TestSlipData:
    """The store's details as the settings hold them; no field could carry a customer."""

    __test__ = False  # not a pytest test class, whatever its name

    store_name: str
    address: str = ""
    phone: str = ""
    printed_on: date


def test_content(data: TestSlipData, setup: str, width_mm: float) -> SlipContent:
    """What the test slip says: the store, the date, ``setup`` (the layout, or the ESC/POS
    profile) and the ruler, ``width_mm`` long."""
    items: list[Block] = [text("heading", clean(data.store_name))]
    if data.address.strip():
        items.append(text("small", clean(data.address)))
    if data.phone.strip():
        items.append(text("small", "Tel. ", clean(data.phone)))
    items.append(Line(space=6))
    items.append(text("target", TITLE))
    items.append(text("body", data.printed_on.isoformat()))
    items.append(text("small", setup))
    items.append(Ruler())
    items.append(text("small", f"The line above is {width_mm:.0f} mm, ticked every 10 mm."))
    return tuple(items)


test_content.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def build_test_slip_pdf(data: TestSlipData, layout: str) -> bytes:
    """The test slip on the named layout, as PDF bytes (UnknownLayoutError for a layout
    we do not have)."""
    lay = get_layout(layout)
    register_fonts()
    setup = f"Layout: {lay.name} ({lay.description})"
    items = flowables(test_content(data, setup, lay.printable_width / mm), lay)
    return render_slip(
        items, lay, title=f"{TITLE} - {data.store_name}", author=data.store_name, subject=TITLE
    )
