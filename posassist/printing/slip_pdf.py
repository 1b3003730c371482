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

Text uses DejaVu Sans, embedded (subset) from the package via ``importlib.resources``, so
names in Latin, Greek, Cyrillic, Armenian, Georgian... print the same on every register
without relying on printer fonts.  DejaVu has no CJK glyphs: runs of characters it lacks
that WenQuanYi Micro Hei has (Chinese, Japanese kana, Korean Hangul, full-width forms) are
set in that font instead, loaded only when a slip first needs it (parsing it takes ~0.1 s).
reportlab does no shaping or right-to-left ordering, so Arabic or Hebrew print as unjoined
letters left to right, and emoji (in neither font) print as empty boxes; neither fails.
"""

from __future__ import annotations

import functools
import io
import itertools
import threading
import time
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Final, Literal
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from reportlab.graphics.barcode import qrencoder
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Image, Paragraph, Spacer

from posassist.errors import ConfigError
from posassist.printing.layouts import Layout, get_layout

__all__ = [
    "FONT_BOLD",
    "FONT_FALLBACK",
    "FONT_REGULAR",
    "SlipData",
    "TargetKind",
    "bench_slip_pdf",
    "build_slip_pdf",
    "register_fonts",
    "sample_slip_data",
]

FONT_REGULAR: Final = "PosassistDejaVuSans"
FONT_BOLD: Final = "PosassistDejaVuSans-Bold"
_FONT_FILES: Final = {FONT_REGULAR: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}
FONT_FALLBACK: Final = "PosassistWenQuanYiMicroHei-Fallback"
_FALLBACK_FILE: Final = "wqy-microhei.ttc"  # face 0: the proportional one (1 is mono)
_LAST_BMP: Final = 0xFFFF
_REPLACEMENT: Final = "\ufffd"

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


# --- fonts -----------------------------------------------------------------------------------

_font_lock = threading.Lock()


@functools.cache
def register_fonts() -> tuple[str, str]:
    """Register the embedded DejaVu fonts with reportlab once per process.

    Parsing a 750 kB TrueType file takes tens of milliseconds; doing it per slip would blow
    the print-latency budget, so it is cached (and locked: printing runs on a worker).
    Returns the regular and bold font names.
    """
    with _font_lock:
        package = resources.files("posassist.printing").joinpath("fonts")
        for name, filename in _FONT_FILES.items():
            data = package.joinpath(filename).read_bytes()
            pdfmetrics.registerFont(TTFont(name, io.BytesIO(data)))
        pdfmetrics.registerFontFamily(
            FONT_REGULAR, normal=FONT_REGULAR, bold=FONT_BOLD, italic=FONT_REGULAR,
            boldItalic=FONT_BOLD,
        )  # fmt: skip
    return FONT_REGULAR, FONT_BOLD


@functools.cache
def _main_coverage() -> frozenset[int]:
    """Code points both DejaVu faces have: text in them never needs the fallback."""
    register_fonts()
    regular = pdfmetrics.getFont(FONT_REGULAR).face.charToGlyph
    bold = pdfmetrics.getFont(FONT_BOLD).face.charToGlyph
    return frozenset(regular.keys() & bold.keys())


@functools.cache
def _fallback_coverage() -> frozenset[int]:
    """Register the CJK fallback font (first use only) and return the code points it has.

    It has no bold face: bold text it sets (the item asked) prints in its regular weight.
    """
    with _font_lock:
        data = resources.files("posassist.printing").joinpath("fonts", _FALLBACK_FILE)
        font = TTFont(FONT_FALLBACK, io.BytesIO(data.read_bytes()), subfontIndex=0)
        pdfmetrics.registerFont(font)
        pdfmetrics.registerFontFamily(
            FONT_FALLBACK, normal=FONT_FALLBACK, bold=FONT_FALLBACK, italic=FONT_FALLBACK,
            boldItalic=FONT_FALLBACK,
        )  # fmt: skip
    return frozenset(font.face.charToGlyph)


def _with_fallback(text: str) -> str:
    """Escape ``text`` for reportlab's mini-markup, wrapping each run of characters that
    DejaVu lacks but the fallback has in ``<font name=...>``.

    A character in neither font stays in DejaVu and prints as its empty box.  Characters
    beyond the Basic Multilingual Plane (emoji, rare ideographs) print as U+FFFD: reportlab
    writes their text mapping (ToUnicode) malformed, which PDF readers complain about.
    """
    main = _main_coverage()
    if all(ord(ch) in main for ch in text):  # nearly every slip: no fallback parsed at all
        return escape(text)
    text = "".join(ch if ord(ch) <= _LAST_BMP else _REPLACEMENT for ch in text)
    fallback = _fallback_coverage()
    parts: list[str] = []
    for use_fallback, run in itertools.groupby(
        text, key=lambda ch: ord(ch) not in main and ord(ch) in fallback
    ):
        chunk = escape("".join(run))
        parts.append(f'<font name="{FONT_FALLBACK}">{chunk}</font>' if use_fallback else chunk)
    return "".join(parts)


# --- flowables ---------------------------------------------------------------------------------


class _Rule(Flowable):  # type: ignore[misc]  # reportlab ships no type hints
    """A horizontal line across the printable width: solid, or dashed like a tear line."""

    def __init__(self, *, dashed: bool = False, space: float = 5.0) -> None:
        super().__init__()
        self.dashed = dashed
        self.spaceBefore = space
        self.spaceAfter = space

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        return avail_width, 1.0

    def draw(self) -> None:
        canv = self.canv
        canv.setLineWidth(0.8)
        if self.dashed:
            canv.setDash(3, 2)
        canv.line(0, 0.5, self.width, 0.5)


class _CodeBox(Flowable):  # type: ignore[misc]
    """The referral code, large and letter-spaced in a rounded box.

    Spacing the letters apart makes the code easier to read back over a counter; the size
    shrinks only as far as needed to fit narrow rolls.
    """

    def __init__(self, code: str, font: str, max_size: float, pad: float) -> None:
        super().__init__()
        self.code = code
        self.font = font
        self.max_size = max_size
        self.pad = pad
        self.size = max_size
        self.char_space = 0.0
        self.hAlign = "CENTER"

    def _text_width(self, size: float, char_space: float) -> float:
        glyphs = float(pdfmetrics.stringWidth(self.code, self.font, size))
        return glyphs + char_space * (len(self.code) - 1)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        size = self.max_size
        inner = avail_width - 2 * self.pad
        while size > 6 and self._text_width(size, size * 0.12) > inner:
            size -= 0.5
        self.size = size
        self.char_space = size * 0.12
        self.width = min(avail_width, self._text_width(size, self.char_space) + 2 * self.pad)
        self.height = size * 1.05 + 2 * self.pad * 0.8
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        canv.setLineWidth(1.6)
        canv.roundRect(0.8, 0.8, self.width - 1.6, self.height - 1.6, radius=self.pad * 0.6)
        text = canv.beginText()
        text.setFont(self.font, self.size)
        text.setCharSpace(self.char_space)
        x = (self.width - self._text_width(self.size, self.char_space)) / 2
        # Centre the cap height (about 0.73 em for DejaVu Sans) in the box.
        text.setTextOrigin(x, (self.height - self.size * 0.73) / 2)
        text.textOut(self.code)
        canv.drawText(text)


@functools.lru_cache(maxsize=256)
def _qr_path(url: str) -> tuple[int, str]:
    """Module count and PDF path operators (one ``re`` per dark run) for ``url``'s QR code.

    reportlab's encoder is pure Python: choosing the best mask pattern costs ~20 ms, and
    formatting thousands of rectangle coordinates through ``canvas.rect`` several more.
    A store refers customers to a few dozen places, so the same links recur: the finished
    operators are cached, in module units, and scaled into place when drawn.  Error
    correction level M (15 %) survives a smudged or creased thermal slip.
    """
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(url)
    code.make()
    count = code.getModuleCount()
    ops: list[str] = []
    for r, row in enumerate(code.modules):
        y = count - 1 - r  # PDF's y axis points up; row 0 is the top
        c = 0
        for dark, run in itertools.groupby(bool(module) for module in row):
            length = sum(1 for _ in run)
            if dark:
                ops.append(f"{c} {y} {length} 1 re")
            c += length
    return count, "\n".join(ops)


class _QrCode(Flowable):  # type: ignore[misc]
    """A QR code drawn as one filled path of horizontal runs of modules.

    reportlab's ``QrCodeWidget`` builds a validated shape object per run and encodes twice
    (bounds, then draw); emitting the cached path is two orders of magnitude faster and
    prints identically.  ``border`` is the quiet zone the QR spec asks for, in modules.
    """

    def __init__(self, url: str, size: float, border: int = 4) -> None:
        super().__init__()
        self.count, self.ops = _qr_path(url)
        self.size = size
        self.border = border
        self.hAlign = "CENTER"

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.size = min(self.size, avail_width)
        return self.size, self.size

    def draw(self) -> None:
        canv = self.canv
        box = self.size / (self.count + 2 * self.border)
        canv.saveState()
        canv.translate(self.border * box, self.border * box)
        canv.scale(box, box)
        canv.setFillColorRGB(0, 0, 0)
        canv.addLiteral(f"{self.ops}\nf")
        canv.restoreState()


def _qr_caption(url: str) -> str:
    """Tell the customer what the code opens; map links (Google, Apple, OSM) say "map"."""
    parts = urlsplit(url)
    if "map" in (parts.netloc + parts.path + parts.fragment).casefold():
        return "Scan for directions"
    return "Scan for their website"


def _logo(png: bytes, max_width: float, max_height: float) -> Image:
    try:
        image = Image(io.BytesIO(png))
    except (OSError, ValueError) as exc:  # PIL's "cannot identify image file" is an OSError
        raise ConfigError(
            "The store logo is not a PNG or JPEG image that can be read.",
            hint="Set [store] logo in the settings file (settings.toml) to the full path of a "
            "PNG or JPEG image, or remove the setting.",
        ) from exc
    scale = min(max_width / image.imageWidth, max_height / image.imageHeight)
    image.drawWidth = image.imageWidth * scale
    image.drawHeight = image.imageHeight * scale
    image.hAlign = "CENTER"
    return image


@dataclass(frozen=True, slots=True)
class _Styles:
    heading: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    label: ParagraphStyle
    target: ParagraphStyle
    ask: ParagraphStyle


@functools.cache
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


def _text(text: str) -> str:
    """Escape for reportlab's mini-markup (with the CJK fallback font where needed) and keep
    the person's line breaks."""
    return "<br/>".join(_with_fallback(line.strip()) for line in text.strip().splitlines())


def _flowables(data: SlipData, layout: Layout) -> list[Flowable]:
    st = _styles(layout)
    width = layout.printable_width
    items: list[Flowable] = []
    if data.logo_png:
        items.append(_logo(data.logo_png, width, layout.logo_max_height))
        items.append(Spacer(1, 4))
    items.append(Paragraph(_text(data.store_name), st.heading))
    if data.store_address.strip():
        items.append(Paragraph(_text(data.store_address), st.small))
    if data.store_phone:
        items.append(Paragraph(f"Tel. {_text(data.store_phone)}", st.small))
    items.append(_Rule(space=6))

    items.append(
        Paragraph(f"We don't carry <b>{_text(data.item_asked)}</b>, but here's where:", st.ask)
    )
    items.append(Spacer(1, 4))
    items.append(Paragraph(_TARGET_LABELS[data.target_kind], st.label))
    items.append(Paragraph(_text(data.target_name), st.target))
    if data.target_address:
        items.append(Paragraph(_text(data.target_address), st.body))
    if data.target_phone:
        items.append(Paragraph(f"Tel. <b>{_text(data.target_phone)}</b>", st.body))
    if data.target_hours:
        # One rule per line ("Mo-Fr 09:00-18:00" / "Sa 10:00-16:00") reads at a glance.
        rules = [_text(rule) for rule in data.target_hours.split(";") if rule.strip()]
        items.append(Spacer(1, 2))
        items.append(Paragraph("HOURS", st.label))
        items.append(Paragraph("<br/>".join(rules), st.body))
    if data.qr_url:
        items.append(Spacer(1, 2))
        items.append(_QrCode(data.qr_url, layout.qr_size))
        items.append(Paragraph(_qr_caption(data.qr_url), st.small))

    items.append(_Rule(dashed=True, space=7))
    items.append(Paragraph(f"Show this code at {_text(data.target_name)}", st.small))
    items.append(Spacer(1, 3))
    _, bold = register_fonts()
    items.append(_CodeBox(data.referral_code.strip(), bold, layout.code_size, pad=6))
    items.append(_Rule(dashed=True, space=7))
    items.append(Paragraph(_text(data.come_back_line), st.body))
    items.append(Paragraph(f"{_text(data.store_name)} · {data.issued_on.isoformat()}", st.small))
    return items


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
    width = lay.printable_width
    placed, content_height = _measure(_flowables(data, lay), width)

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
    canvas.setTitle(f"Referral slip - {data.store_name}")
    canvas.setAuthor(data.store_name)
    canvas.setCreator("posassist")
    canvas.setSubject(f"Referral {data.referral_code}")

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


# --- sample and benchmark (``posassist slip --sample``, ``posassist bench``) ---------------------


def sample_slip_data() -> SlipData:
    """A realistic slip for previews, documentation screenshots and the benchmark."""
    return SlipData(
        store_name="Bluebell Hardware & Home",
        store_address="14 Harbour Road\nPortsmouth PO1 2AB",
        store_phone="+44 23 9200 0000",
        item_asked="Bluetooth speaker",
        target_kind="vendor",
        target_name="Sound Hut Audio",
        target_address="22 Elm Street, Southsea PO5 3XY",
        target_phone="+44 23 9281 1234",
        target_hours="Mo-Fr 09:00-18:00; Sa 10:00-16:00; Su closed",
        qr_url="https://www.openstreetmap.org/?mlat=50.7857&mlon=-1.0872#map=18/50.7857/-1.0872",
        referral_code="K7Q2-M9XD",
        issued_on=date(2025, 6, 4),
    )


def bench_slip_pdf(layout: str = "80mm", runs: int = 50) -> list[float]:
    """Warm build times in milliseconds (fonts registered and QR cached by a first build).

    Returns the raw samples so ``posassist bench`` can report median and p95 its own way;
    the budget is a 30 ms median.  A link never printed before adds ~15-20 ms once, for
    encoding its QR code.
    """
    data = sample_slip_data()
    build_slip_pdf(data, layout)
    samples: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        build_slip_pdf(data, layout)
        samples.append((time.perf_counter() - start) * 1000.0)
    return samples
