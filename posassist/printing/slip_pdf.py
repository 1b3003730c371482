"""The referral slip as PDF bytes: "we don't carry it, but here's where".

The slip is what the customer walks out with instead of the product, so it has to be worth
keeping: the store's name, where to go (address, phone, hours, a QR code for the map), a
referral code the partner can hand back to us, and an invitation to come back.  It never
carries anything about the customer - it may be left on a counter or in a bin.

PDF is the single source of truth for every printer: the Qt side (``qt_print.py``) only
renders these bytes onto a ``QPrinter``, so the preview, a thermal roll and a sheet printer
all show the same thing, and tests can check real output by parsing and rendering it.

Layout is done by hand rather than with a ``DocTemplate``: every flowable is measured with
``wrap()`` at the printable width, which gives the exact content height.  Thermal rolls
get a page exactly that long (no blank paper fed, nothing split onto a second "page"); a
sheet that is somehow too short for the content is scaled down to stay one page.

Fonts and text markup are in :mod:`posassist.printing.slip_fonts`; the rules, code box,
QR code and logo in :mod:`posassist.printing.slip_flowables`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal
from urllib.parse import urlsplit

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, Spacer

from posassist.printing.layouts import Layout, get_layout
from posassist.printing.slip_content import (
    Block,
    Code,
    Gap,
    Line,
    Logo,
    Qr,
    SlipContent,
    Text,
    b,
    clean,
    place_block,
    text,
)
from posassist.printing.slip_flowables import CodeBox, QrCode, Rule, RulerFlowable, logo_image
from posassist.printing.slip_fonts import FONT_REGULAR, markup_kept, register_fonts

__all__ = [
    "SlipData",
    "TargetKind",
    "build_slip_pdf",
    "flowables",
    "referral_content",
    "render_slip",
    "slip_styles",
]

TargetKind = Literal["vendor", "branch"]
_TARGET_LABELS: Final[dict[str, str]] = {"vendor": "PARTNER STORE", "branch": "OUR OTHER BRANCH"}


@dataclass(frozen=True, slots=True, kw_only=True)
class SlipData:
    """Everything printed on one slip - and deliberately nothing about the customer.

    Keyword-only because fourteen positional strings invite swapping an address for a
    phone number.  Adding a field here is a privacy decision: the test suite pins the
    field list.
    """

    store_name: str
    store_address: str
    store_phone: str | None
    logo_png: bytes | None = None
    item_asked: str
    target_kind: TargetKind
    target_name: str
    target_address: str | None
    target_phone: str | None
    target_hours: str | None = None
    qr_url: str | None = None
    """A map or website link; printed as a QR code when given."""
    referral_code: str
    come_back_line: str = "Thanks for asking us. Come back and see us soon!"
    issued_on: date

    def __post_init__(self) -> None:
        if self.target_kind not in _TARGET_LABELS:
            raise ValueError(f"target_kind must be 'vendor' or 'branch', not {self.target_kind!r}")
        for name in ("store_name", "item_asked", "target_name", "referral_code"):
            if not str(getattr(self, name)).strip():
                raise ValueError(f"SlipData.{name} must not be empty")


def _qr_caption(url: str) -> str:
    """Tell the customer what the code opens; map links (Google, Apple, OSM) say "map"."""
    parts = urlsplit(url)
    if "map" in (parts.netloc + parts.path + parts.fragment).casefold():
        return "Scan for directions"
    return "Scan for their website"


@dataclass(frozen=True, slots=True)
class _Styles:
    heading: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    label: ParagraphStyle
    target: ParagraphStyle
    ask: ParagraphStyle


def slip_styles(layout: Layout) -> _Styles:
    """The slip's paragraph styles on ``layout`` (heading, body, small, label, target, ask)."""
    return _styles(layout)


def _styles(layout: Layout) -> _Styles:
    regular, bold = register_fonts()

    def style(
        name: str, font: str, size: float, *, after: float = 0, **kw: object
    ) -> ParagraphStyle:
        return ParagraphStyle(
            name,
            fontName=font,
            fontSize=size,
            leading=size * 1.25,
            alignment=TA_CENTER,
            spaceAfter=after,
            splitLongWords=True,
            **kw,
        )

    s = layout.small_size
    return _Styles(
        heading=style("heading", bold, layout.heading_size, after=2),
        body=style("body", regular, layout.body_size, after=1),
        small=style("small", regular, s),
        label=style("label", bold, s, after=2),
        target=style("target", bold, layout.target_size, after=3),
        ask=style("ask", regular, layout.body_size + 1, after=2),
    )


def referral_content(data: SlipData) -> SlipContent:
    """What the referral slip says, for every printer (PDF and ESC/POS alike)."""
    items: list[Block] = []
    if data.logo_png:
        items += [Logo(data.logo_png), Gap(4)]
    items.append(text("heading", clean(data.store_name)))
    if data.store_address.strip():
        items.append(text("small", clean(data.store_address)))
    if data.store_phone:
        items.append(text("small", "Tel. ", clean(data.store_phone)))
    items.append(Line(space=6))
    items.append(text("ask", "We don't carry ", b(data.item_asked), ", but here's where:"))
    items.append(Gap(4))
    items.append(text("label", _TARGET_LABELS[data.target_kind]))
    items.append(text("target", clean(data.target_name)))
    items += place_block(
        data.target_address,
        data.target_phone,
        data.target_hours,
        data.qr_url,
        _qr_caption(data.qr_url) if data.qr_url else "",
    )
    items.append(Line(dashed=True, space=7))
    items.append(text("small", f"Show this code at {clean(data.target_name)}"))
    items.append(Gap(3))
    items.append(Code(data.referral_code.strip()))
    items.append(Line(dashed=True, space=7))
    items.append(text("body", clean(data.come_back_line)))
    items.append(text("small", f"{clean(data.store_name)} · {data.issued_on.isoformat()}"))
    return tuple(items)


def flowables(content: SlipContent, layout: Layout) -> list[Flowable]:
    """The slip's blocks as reportlab flowables on ``layout``: the PDF half of the one
    content model (:mod:`posassist.printing.slip_content`)."""
    st = _styles(layout)
    _, bold = register_fonts()
    items: list[Flowable] = []
    for block in content:
        if isinstance(block, Text):
            items.append(Paragraph(_runs_markup(block), getattr(st, block.style)))
        elif isinstance(block, Gap):
            items.append(Spacer(1, block.points))
        elif isinstance(block, Line):
            items.append(Rule(dashed=block.dashed, space=block.space))
        elif isinstance(block, Qr):
            items.append(QrCode(block.url, layout.qr_size))
        elif isinstance(block, Code):
            items.append(CodeBox(block.code, bold, layout.code_size, pad=6))
        elif isinstance(block, Logo):
            items.append(logo_image(block.image, layout.printable_width, layout.logo_max_height))
        else:
            items.append(RulerFlowable())
    return items


def _runs_markup(block: Text) -> str:
    parts = [markup_kept(run.text) for run in block.runs]
    return "".join(
        f"<b>{part}</b>" if run.bold else part for run, part in zip(block.runs, parts, strict=True)
    )


_MEASURE_HEIGHT: Final = 1.0e6


def _measure(
    items: list[Flowable], width: float
) -> tuple[list[tuple[Flowable, float, float, float]], float]:
    """Wrap each flowable once; return (flowable, width, height, space before) and the total.

    Spacing follows platypus' rule of thumb: the gap between two flowables is the larger of
    the first one's ``spaceAfter`` and the next one's ``spaceBefore``, not their sum.
    """
    placed: list[tuple[Flowable, float, float, float]] = []
    total = 0.0
    previous_after = 0.0
    for index, item in enumerate(items):
        w, h = item.wrap(width, _MEASURE_HEIGHT)
        gap = 0.0 if index == 0 else max(previous_after, item.getSpaceBefore())
        placed.append((item, w, h, gap))
        total += gap + h
        previous_after = item.getSpaceAfter()
    return placed, total


def _card_border(canvas: Canvas, lay: Layout, page_height: float) -> None:
    """A thin rounded frame on sheets, so the slip reads as a card worth keeping and shows
    where to cut when a sheet printer adds its own margins."""
    inset = min(lay.margin_x, lay.margin_top, lay.margin_bottom) * 0.45
    canvas.saveState()
    canvas.setLineWidth(0.75)
    canvas.roundRect(inset, inset, lay.page_width - 2 * inset, page_height - 2 * inset, radius=8)
    canvas.restoreState()


def build_slip_pdf(data: SlipData, layout: str) -> bytes:
    """Render ``data`` on the named layout (see :func:`~posassist.printing.layouts.layout_names`).

    Raises :class:`~posassist.printing.layouts.UnknownLayoutError` (a ``ValueError``) for a
    layout we do not have, and :class:`~posassist.errors.ConfigError` for an unreadable logo.
    """
    lay = get_layout(layout)
    register_fonts()
    return render_slip(
        flowables(referral_content(data), lay),
        lay,
        title=f"Referral slip - {data.store_name}",
        author=data.store_name,
        subject=f"Referral {data.referral_code}",
    )


def render_slip(
    items: list[Flowable], lay: Layout, *, title: str, author: str, subject: str
) -> bytes:
    """The slip engine: ``items`` laid out on one page of ``lay`` (a roll exactly as long
    as the content, a sheet scaled to fit), as PDF bytes. Every kind of slip (referral,
    "held for you") goes through here, so they print alike on every printer."""
    width = lay.printable_width
    placed, content_height = _measure(items, width)

    top = lay.margin_top
    if lay.page_height is None:
        page_height = lay.margin_top + content_height + lay.margin_bottom
        scale = 1.0
    else:
        page_height = lay.page_height
        available = page_height - lay.margin_top - lay.margin_bottom
        scale = min(1.0, available / content_height)
        top += (available - content_height * scale) / 2  # centred on the card

    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=(lay.page_width, page_height),
        invariant=True,  # same input, same bytes: reproducible tests and reprints
        initialFontName=FONT_REGULAR,  # else an unembedded Helvetica is referenced
        # Compression (zlib plus reportlab's pure-Python ASCII85) was over half the build
        # time; a slip goes to a local printer, so ~85 kB instead of ~45 kB costs nothing.
        pageCompression=0,
    )
    canvas.setTitle(title)
    canvas.setAuthor(author)
    canvas.setCreator("posassist")
    canvas.setSubject(subject)

    if lay.page_height is not None:
        _card_border(canvas, lay, page_height)
    canvas.saveState()
    # Scale about the top centre so a shrunk sheet stays centred under its top margin.
    canvas.translate(lay.page_width / 2, page_height - top)
    canvas.scale(scale, scale)
    canvas.translate(-width / 2, 0)
    y = 0.0
    for item, w, h, gap in placed:
        y -= gap + h
        align = getattr(item, "hAlign", "LEFT")
        x = (width - w) / 2 if align == "CENTER" else 0.0
        item.drawOn(canvas, x, y)
    canvas.restoreState()
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
