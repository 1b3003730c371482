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
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph

from posassist.printing.layouts import get_layout
from posassist.printing.slip_flowables import Rule
from posassist.printing.slip_fonts import markup, register_fonts
from posassist.printing.slip_pdf import render_slip, slip_styles

__all__ = ["TestSlipData", "build_test_slip_pdf"]

TITLE = "Test slip"


@dataclass(frozen=True, slots=True, kw_only=True)
class TestSlipData:
    """The store's details as the settings hold them; no field could carry a customer."""

    __test__ = False  # not a pytest test class, whatever its name

    store_name: str
    address: str = ""
    phone: str = ""
    printed_on: date


class Ruler(Flowable):  # type: ignore[misc]  # reportlab ships no type hints
    """A line across the printable width with a tick every centimetre (a taller one every
    five), so a cut-off right end is seen at once."""

    def __init__(self) -> None:
        super().__init__()
        self.spaceBefore = 4
        self.spaceAfter = 4

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        return avail_width, 4 * mm

    def draw(self) -> None:
        canvas: Any = self.canv
        canvas.setLineWidth(0.6)
        canvas.line(0, 0, self.width, 0)
        tick = 0
        while tick * 10 * mm <= self.width + 0.01:
            height = 4 * mm if tick % 5 == 0 else 2 * mm
            canvas.line(tick * 10 * mm, 0, tick * 10 * mm, height)
            tick += 1
        canvas.line(self.width, 0, self.width, 4 * mm)


def build_test_slip_pdf(data: TestSlipData, layout: str) -> bytes:
    """The test slip on the named layout, as PDF bytes (UnknownLayoutError for a layout
    we do not have)."""
    lay = get_layout(layout)
    register_fonts()
    st = slip_styles(lay)
    items: list[Flowable] = [Paragraph(markup(data.store_name), st.heading)]
    if data.address.strip():
        items.append(Paragraph(markup(data.address), st.small))
    if data.phone.strip():
        items.append(Paragraph(f"Tel. {markup(data.phone)}", st.small))
    items.append(Rule(space=6))
    items.append(Paragraph(TITLE, st.target))
    items.append(Paragraph(data.printed_on.isoformat(), st.body))
    items.append(Paragraph(f"Layout: {markup(lay.name)} ({markup(lay.description)})", st.small))
    items.append(Ruler())
    width_mm = lay.printable_width / mm
    items.append(Paragraph(f"The line above is {width_mm:.0f} mm, ticked every 10 mm.", st.small))
    return render_slip(
        items, lay, title=f"{TITLE} - {data.store_name}", author=data.store_name, subject=TITLE
    )
