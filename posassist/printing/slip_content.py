"""What a slip says, as plain data: one content model for every way a slip is printed.

A slip (referral, "held for you", test) is built once as a tuple of blocks: styled text
with bold runs, gaps, rules, a QR code, the code box, the logo, the test ruler. The PDF
engine (:mod:`posassist.printing.slip_pdf`) turns the blocks into reportlab flowables and
the ESC/POS renderer (:mod:`posassist.printing.escpos_slip`) into printer commands, so a
thermal printer driven raw prints the very words the PDF shows; no sentence of a slip is
written twice. No reportlab here, and no Qt: the blocks are only data.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "Block",
    "Code",
    "Gap",
    "Line",
    "Logo",
    "Qr",
    "Ruler",
    "Run",
    "SlipContent",
    "Style",
    "Text",
    "b",
    "clean",
    "place_block",
    "text",
]

Style = Literal["heading", "body", "small", "label", "target", "ask"]
"""The slip's paragraph styles; each renderer maps them to its own sizes."""


@dataclass(frozen=True, slots=True)
class Run:
    """A stretch of text in one weight. Line breaks are ``\\n``, kept as the person typed."""

    text: str
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Text:
    """One paragraph, centred, in ``style``."""

    style: Style
    runs: tuple[Run, ...]

    @property
    def plain(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True, slots=True)
class Gap:
    """Vertical space, in points (a renderer may round it away)."""

    points: float


@dataclass(frozen=True, slots=True)
class Line:
    """A rule across the width: solid, or dashed like a tear line."""

    dashed: bool = False
    space: float = 5.0


@dataclass(frozen=True, slots=True)
class Qr:
    """A QR code for ``url`` (a map or website link)."""

    url: str


@dataclass(frozen=True, slots=True)
class Code:
    """The referral or hold code, large, to be read back over a counter."""

    code: str


@dataclass(frozen=True, slots=True)
class Logo:
    """The store's logo (PNG or JPEG bytes), scaled to the width."""

    image: bytes


@dataclass(frozen=True, slots=True)
class Ruler:
    """The test slip's ruler across the printable width, ticked every 10 mm."""


Block = Text | Gap | Line | Qr | Code | Logo | Ruler
SlipContent = tuple[Block, ...]


def clean(value: str) -> str:
    """A person's text as it prints: outer spaces gone, their line breaks kept."""
    return "\n".join(line.strip() for line in value.strip().splitlines())


def b(value: str) -> Run:
    """A bold run of a person's text (cleaned like :func:`clean`)."""
    return Run(clean(value), bold=True)


def text(style: Style, *parts: str | Run) -> Text:
    """A paragraph from parts: a ``str`` is the slip's own wording (kept exactly), a
    :class:`Run` is used as it is (see :func:`b`)."""
    return Text(style, tuple(part if isinstance(part, Run) else Run(part) for part in parts))


@functools.cache
def place_block(
    address: str | None, phone: str | None, hours: str | None, qr_url: str | None, caption: str
) -> SlipContent:
    """Where the customer goes: address, phone, opening hours and a map QR code.

    One block for the referral slip and the hold slip, so a customer reads a place the
    same way on both. Hours are one rule per line ("Mo-Fr 09:00-18:00" / "Sa 10:00-16:00"),
    which reads at a glance.
    """
    items: list[Block] = []
    if address:
        items.append(text("body", clean(address)))
    if phone:
        items.append(text("body", "Tel. ", b(phone)))
    if hours:
        rules = [clean(rule) for rule in hours.split(";") if rule.strip()]
        items += [Gap(2), text("label", "HOURS"), text("body", "\n".join(rules))]
    if qr_url:
        items += [Gap(2), Qr(qr_url), text("small", caption)]
    return tuple(items)
