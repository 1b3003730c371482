"""The "held for you at …" slip: where the customer's item waits, and until when.

Built by the same engine as the referral slip (:func:`~posassist.printing.slip_pdf.
render_slip`), so it prints alike on every printer and layout. Like the referral slip it
carries nothing about the customer: :class:`HoldSlipData` has no field that could hold
a name, a phone or a card, only the hold's code, the item and the collecting branch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reportlab.platypus import Flowable, Paragraph, Spacer

from posassist.printing.layouts import get_layout
from posassist.printing.slip_flowables import CodeBox, Rule, logo_image
from posassist.printing.slip_fonts import markup, register_fonts
from posassist.printing.slip_pdf import place_block, render_slip, slip_styles

__all__ = ["HoldSlipData", "build_hold_slip_pdf", "slip_title"]


@dataclass(frozen=True, slots=True, kw_only=True)
class HoldSlipData:
    """Everything printed on a hold slip — and deliberately nothing about the customer.

    Adding a field here is a privacy decision: the test suite pins the field list.
    """

    store_name: str
    logo_png: bytes | None = None
    item: str
    branch_name: str
    branch_address: str | None
    branch_phone: str | None
    branch_hours: str | None
    qr_url: str | None = None
    hold_code: str
    until: date
    relay: bool = False
    issued_on: date

    def __post_init__(self) -> None:
        for name in ("store_name", "item", "branch_name", "hold_code"):
            if not str(getattr(self, name)).strip():
                raise ValueError(f"HoldSlipData.{name} must not be empty")


def _flowables(data: HoldSlipData, layout_name: str) -> list[Flowable]:
    lay = get_layout(layout_name)
    st = slip_styles(lay)
    items: list[Flowable] = []
    if data.logo_png:
        items.append(logo_image(data.logo_png, lay.printable_width, lay.logo_max_height))
        items.append(Spacer(1, 4))
    items.append(Paragraph(markup(data.store_name), st.heading))
    items.append(Rule(space=6))
    items.append(Paragraph("HELD FOR YOU AT", st.label))
    items.append(Paragraph(markup(data.branch_name), st.target))
    items.append(Paragraph(f"<b>{markup(data.item)}</b>", st.ask))
    if data.relay:
        items.append(Paragraph("We are bringing it here from our other branch.", st.small))
    items += place_block(
        st,
        lay,
        data.branch_address,
        data.branch_phone,
        data.branch_hours,
        data.qr_url,
        "Scan for directions",
    )
    items.append(Rule(dashed=True, space=7))
    items.append(Paragraph("Show this code when you collect it", st.small))
    items.append(Spacer(1, 3))
    _, bold = register_fonts()
    items.append(CodeBox(data.hold_code.strip(), bold, lay.code_size, pad=6))
    items.append(Spacer(1, 3))
    items.append(Paragraph(f"Held until <b>{data.until:%A %d %B %Y}</b>", st.body))
    items.append(Rule(dashed=True, space=7))
    items.append(Paragraph(f"{markup(data.store_name)} · {data.issued_on.isoformat()}", st.small))
    return items


def slip_title(hold_code: str) -> str:
    """ "Hold slip K7Q2-M9XD": the PDF's title and the print job's name."""
    return f"Hold slip {hold_code.strip()}"


def build_hold_slip_pdf(data: HoldSlipData, layout: str) -> bytes:
    """The hold slip on the named layout; same errors as the referral slip's."""
    lay = get_layout(layout)
    register_fonts()
    return render_slip(
        _flowables(data, lay.name),
        lay,
        title=slip_title(data.hold_code),  # cups-pdf and PDF viewers name it by this
        author=data.store_name,
        subject=f"Hold {data.hold_code}",
    )
