"""Fonts for the referral slip, and text made safe for reportlab in them.

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
from importlib import resources
from typing import Final
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

__all__ = [
    "FONT_BOLD",
    "FONT_FALLBACK",
    "FONT_REGULAR",
    "fallback_runs",
    "markup",
    "markup_kept",
    "register_fonts",
]

FONT_REGULAR: Final = "PosassistDejaVuSans"
FONT_BOLD: Final = "PosassistDejaVuSans-Bold"
_FONT_FILES: Final = {FONT_REGULAR: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}
FONT_FALLBACK: Final = "PosassistWenQuanYiMicroHei-Fallback"
_FALLBACK_FILE: Final = "wqy-microhei.ttc"  # face 0: the proportional one (1 is mono)
_LAST_BMP: Final = 0xFFFF
_REPLACEMENT: Final = "\ufffd"

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


def markup(text: str) -> str:
    """Escape for reportlab's mini-markup (with the CJK fallback font where needed) and keep
    the person's line breaks."""
    return "<br/>".join(_with_fallback(line.strip()) for line in text.strip().splitlines())


def markup_kept(text: str) -> str:
    """Like :func:`markup` for text already cleaned (a slip block's run): its spaces are
    the slip's own wording ("We don't carry "), so nothing is stripped."""
    return "<br/>".join(_with_fallback(line) for line in text.split("\n"))


def fallback_runs(text: str) -> list[tuple[bool, str]]:
    """``text`` cut into runs, each with whether it needs the CJK fallback font: the same
    choice the PDF makes, for the ESC/POS raster (which draws with Pillow)."""
    main = _main_coverage()
    if all(ord(ch) in main for ch in text):
        return [(False, text)]
    fallback = _fallback_coverage()
    return [
        (use, "".join(run))
        for use, run in itertools.groupby(
            text, key=lambda ch: ord(ch) not in main and ord(ch) in fallback
        )
    ]
