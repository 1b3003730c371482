"""The "held for you at …" slip: where the customer's item waits, and until when.

Built by the same engine as the referral slip (:func:`~posassist.printing.slip_pdf.
render_slip`), so it prints alike on every printer and layout. Like the referral slip it
carries nothing about the customer: :class:`HoldSlipData` has no field that could hold
a name, a phone or a card, only the hold's code, the item and the collecting branch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from posassist.printing.layouts import get_layout
from posassist.printing.slip_content import (
    Block,
    Code,
    Gap,
    Line,
    Logo,
    Run,
    SlipContent,
    b,
    clean,
    place_block,
    text,
)
from posassist.printing.slip_fonts import register_fonts
from posassist.printing.slip_pdf import flowables, render_slip

__all__ = ["HoldSlipData", "build_hold_slip_pdf", "hold_content", "slip_title"]


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


def hold_content(data: HoldSlipData) -> SlipContent:
    """What the hold slip says, for every printer (PDF and ESC/POS alike)."""
    items: list[Block] = []
    if data.logo_png:
        items += [Logo(data.logo_png), Gap(4)]
    items.append(text("heading", clean(data.store_name)))
    items.append(Line(space=6))
    items.append(text("label", "HELD FOR YOU AT"))
    items.append(text("target", clean(data.branch_name)))
    items.append(text("ask", b(data.item)))
    if data.relay:
        items.append(text("small", "We are bringing it here from our other branch."))
    items += place_block(
        data.branch_address, data.branch_phone, data.branch_hours, data.qr_url,
        "Scan for directions",
    )  # fmt: skip
    items.append(Line(dashed=True, space=7))
    items.append(text("small", "Show this code when you collect it"))
    items.append(Gap(3))
    items.append(Code(data.hold_code.strip()))
    items.append(Gap(3))
    items.append(text("body", "Held until ", Run(f"{data.until:%A %d %B %Y}", bold=True)))
    items.append(Line(dashed=True, space=7))
    items.append(text("small", f"{clean(data.store_name)} · {data.issued_on.isoformat()}"))
    return tuple(items)


def slip_title(hold_code: str) -> str:
    """ "Hold slip K7Q2-M9XD": the PDF's title and the print job's name."""
    return f"Hold slip {hold_code.strip()}"


def build_hold_slip_pdf(data: HoldSlipData, layout: str) -> bytes:
    """The hold slip on the named layout; same errors as the referral slip's."""
    lay = get_layout(layout)
    register_fonts()
    return render_slip(
        flowables(hold_content(data), lay),
        lay,
        title=slip_title(data.hold_code),  # cups-pdf and PDF viewers name it by this
        author=data.store_name,
        subject=f"Hold {data.hold_code}",
    )
