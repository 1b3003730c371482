"""What the referral slip draws besides paragraphs: rules, the code box, the QR code, the logo.

Each is a reportlab ``Flowable`` measured by ``wrap()`` at the printable width, so the slip's
layout (:mod:`posassist.printing.slip_pdf`) knows its exact height before drawing.
"""

from __future__ import annotations

import functools
import io
import itertools
from typing import Any

from reportlab.graphics.barcode import qrencoder
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable, Image

from posassist.errors import ConfigError

__all__ = ["CodeBox", "QrCode", "Rule", "RulerFlowable", "logo_image"]


class Rule(Flowable):  # type: ignore[misc]  # reportlab ships no type hints
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


class CodeBox(Flowable):  # type: ignore[misc]
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


class RulerFlowable(Flowable):  # type: ignore[misc]  # reportlab ships no type hints
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


class QrCode(Flowable):  # type: ignore[misc]
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


def logo_image(png: bytes, max_width: float, max_height: float) -> Image:
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
