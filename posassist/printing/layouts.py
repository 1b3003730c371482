"""Paper layouts for the referral slip.

A store prints on whatever sits beside the till: an 80 mm or 58 mm thermal roll (most
registers) or a small laser/inkjet sheet (A6, half-letter).  The slip content is the same;
only the paper geometry and type sizes change, so a layout is pure data.

Thermal rolls have a fixed width but no fixed length: the page is made exactly as long as
the content (see :mod:`posassist.printing.slip_pdf`), so the printer feeds no blank paper.
The printable width of thermal heads is narrower than the roll (72 mm of 80, 48 mm of 58),
and the side margins below are chosen so that nothing is printed where the head cannot
reach.  Sizes are in PDF points (1/72 in).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from reportlab.lib.pagesizes import A6, inch
from reportlab.lib.units import mm

from posassist.errors import InvalidInputError

__all__ = ["LAYOUTS", "Layout", "UnknownLayoutError", "get_layout", "layout_names"]


@dataclass(frozen=True, slots=True)
class Layout:
    """Geometry and type scale of one paper size."""

    name: str
    description: str
    page_width: float
    page_height: float | None
    """``None`` for a roll: the page is as long as the content."""
    margin_x: float
    margin_top: float
    margin_bottom: float
    body_size: float
    small_size: float
    heading_size: float
    target_size: float
    code_size: float
    """Largest referral-code size; it shrinks if the code would not fit the width."""
    qr_size: float
    logo_max_height: float

    @property
    def printable_width(self) -> float:
        """Width every line is wrapped to: what the print head (or sheet margin) allows."""
        return self.page_width - 2 * self.margin_x

    @property
    def is_roll(self) -> bool:
        """Rolls get a page as long as the content; sheets keep their size."""
        return self.page_height is None


_LAYOUT_LIST = (
    Layout(
        name="80mm",
        description="80 mm thermal roll (72 mm printable)",
        page_width=80 * mm,
        page_height=None,
        margin_x=4 * mm,
        margin_top=3 * mm,
        margin_bottom=8 * mm,  # room to tear off without cutting through the last line
        body_size=9,
        small_size=7.5,
        heading_size=14,
        target_size=12.5,
        code_size=22,
        qr_size=30 * mm,
        logo_max_height=14 * mm,
    ),
    Layout(
        name="58mm",
        description="58 mm thermal roll (48 mm printable)",
        page_width=58 * mm,
        page_height=None,
        margin_x=5 * mm,
        margin_top=3 * mm,
        margin_bottom=8 * mm,
        body_size=8,
        small_size=6.5,
        heading_size=12,
        target_size=10.5,
        code_size=18,
        qr_size=26 * mm,
        logo_max_height=11 * mm,
    ),
    Layout(
        name="a6",
        description="A6 sheet (105 × 148 mm)",
        page_width=A6[0],
        page_height=A6[1],
        margin_x=9 * mm,
        margin_top=8 * mm,
        margin_bottom=8 * mm,
        body_size=9.5,
        small_size=7.5,
        heading_size=16,
        target_size=13,
        code_size=26,
        qr_size=30 * mm,
        logo_max_height=15 * mm,
    ),
    Layout(
        name="half-letter",
        description="Half-letter sheet (5.5 × 8.5 in)",
        page_width=5.5 * inch,
        page_height=8.5 * inch,
        margin_x=0.55 * inch,
        margin_top=0.5 * inch,
        margin_bottom=0.5 * inch,
        body_size=12.5,
        small_size=10,
        heading_size=24,
        target_size=19,
        code_size=36,
        qr_size=1.9 * inch,
        logo_max_height=0.9 * inch,
    ),
)

LAYOUTS: Mapping[str, Layout] = MappingProxyType({lay.name: lay for lay in _LAYOUT_LIST})
"""All layouts by name, in the order a settings page should offer them."""


class UnknownLayoutError(InvalidInputError, ValueError):
    """A layout name (from settings or the command line) that we do not have."""

    def __init__(self, name: str) -> None:
        valid = ", ".join(LAYOUTS)
        super().__init__(
            "layout",
            f"Unknown slip layout {name!r}. Valid layouts: {valid}.",
            hint="Set [printing] layout in the settings file (settings.toml) to the paper "
            "your slip printer uses.",
        )
        self.name = name


def layout_names() -> tuple[str, ...]:
    """Valid layout names, for settings pages and ``--layout`` choices."""
    return tuple(LAYOUTS)


def get_layout(name: str) -> Layout:
    """Look a layout up by name (case and surrounding spaces ignored)."""
    layout = LAYOUTS.get(name.strip().casefold())
    if layout is None:
        raise UnknownLayoutError(name)
    return layout
