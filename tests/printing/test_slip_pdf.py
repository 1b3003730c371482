"""Referral slip PDFs, checked as real output: parsed back with pypdf, rendered with pdfium.

Set ``POSASSIST_SLIP_PREVIEW_DIR`` to keep one PNG per layout for a human look.
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pypdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image, ImageDraw
from reportlab.graphics.barcode import qrencoder
from reportlab.lib.units import inch, mm

from posassist.errors import ConfigError, InvalidInputError
from posassist.printing.layouts import LAYOUTS, UnknownLayoutError, get_layout, layout_names
from posassist.printing.slip_pdf import SlipData, build_slip_pdf
from tests.printing.slip_samples import bench_slip_pdf, sample_slip_data

LAYOUT_NAMES = ["80mm", "58mm", "a6", "half-letter"]
DPI = 150
PT_TO_PX = DPI / 72
DARK = 128

MAP_URL = "https://www.openstreetmap.org/?mlat=50.7857&mlon=-1.0872#map=18/50.7857/-1.0872"


def make_slip(**changes: object) -> SlipData:
    return dataclasses.replace(sample_slip_data(), **changes)  # type: ignore[arg-type]


def long_slip() -> SlipData:
    """Worst case: long names in Greek and Cyrillic, unbroken words, a long URL."""
    return make_slip(
        store_name="Καφεκοπτείο & Παντοπωλείο «Ο Μπακάλης της Γειτονιάς»",
        store_address="Οδός Ερμού 123, Αθήνα 10563",
        item_asked="Электрический самовар " + "Supercalifragilisticexpialidocious" * 3,
        target_kind="branch",
        target_name="Магазин «Всё для дома» " + "W" * 60,
        target_address="Пр. Невский 28, Санкт-Петербург\nhttps://example.com/" + "a" * 150,
        qr_url="https://example.com/vendor/12345?ref=K7Q2-M9XD&utm=" + "x" * 80,
    )


def png_logo() -> bytes:
    image = Image.new("RGB", (300, 100), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((5, 5, 95, 95), fill="black")
    draw.rectangle((110, 30, 290, 70), fill="black")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return str(reader.pages[0].extract_text())


def squashed(text: str) -> str:
    """Text with all whitespace removed: wrapping may break a line anywhere."""
    return re.sub(r"\s+", "", text)


@pytest.fixture
def rendered() -> Iterator[list[pdfium.PdfDocument]]:
    """Collects pdfium documents and closes them, so no handle outlives the test."""
    docs: list[pdfium.PdfDocument] = []
    yield docs
    for doc in docs:
        doc.close()


def render(pdf: bytes, docs: list[pdfium.PdfDocument]) -> tuple[np.ndarray, pdfium.PdfPage]:
    doc = pdfium.PdfDocument(pdf)
    docs.append(doc)
    assert len(doc) == 1
    page = doc[0]
    pixels = page.render(scale=PT_TO_PX, grayscale=True).to_numpy()
    if pixels.ndim == 3:
        pixels = pixels[..., 0]
    return pixels, page


def dark_rows_and_cols(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dark = pixels < DARK
    return np.flatnonzero(dark.any(axis=1)), np.flatnonzero(dark.any(axis=0))


# --- layouts ----------------------------------------------------------------------------------


def test_layout_registry() -> None:
    assert layout_names() == tuple(LAYOUT_NAMES)
    assert get_layout(" 80MM ") is LAYOUTS["80mm"]
    assert LAYOUTS["80mm"].printable_width == pytest.approx(72 * mm)
    assert LAYOUTS["58mm"].printable_width == pytest.approx(48 * mm)
    assert LAYOUTS["80mm"].is_roll
    assert not LAYOUTS["a6"].is_roll


def test_unknown_layout_lists_valid_ones() -> None:
    with pytest.raises(UnknownLayoutError) as info:
        build_slip_pdf(make_slip(), "A4")
    error = info.value
    assert isinstance(error, ValueError)
    assert isinstance(error, InvalidInputError)
    for name in LAYOUT_NAMES:
        assert name in error.message
    assert "'A4'" in error.message


# --- content ----------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_text_content(layout: str) -> None:
    text = text_of(build_slip_pdf(make_slip(), layout))
    flat = squashed(text)
    for expected in (
        "Bluebell Hardware & Home",
        "We don't carry Bluetooth speaker, but here's where:",
        "PARTNER STORE",
        "Sound Hut Audio",
        "22 Elm Street, Southsea PO5 3XY",
        "+44 23 9281 1234",
        "Mo-Fr 09:00-18:00",
        "Su closed",
        "K7Q2-M9XD",
        "Come back and see us soon!",
        "2025-06-04",
        "Scan for directions",
    ):
        assert squashed(expected) in flat, (layout, expected)


def test_branch_slip_says_so_and_no_optional_lines() -> None:
    slip = make_slip(
        target_kind="branch",
        target_address=None,
        target_phone=None,
        target_hours=None,
        qr_url=None,
        store_phone=None,
    )
    text = text_of(build_slip_pdf(slip, "80mm"))
    assert "OUR OTHER BRANCH" in text
    assert "HOURS" not in text
    assert "Scan" not in text
    assert "Tel." not in text


def test_markup_characters_are_printed_literally() -> None:
    slip = make_slip(target_name="Tom & Jerry <Tools>", item_asked='3/8" drill bits & <more>')
    flat = squashed(text_of(build_slip_pdf(slip, "58mm")))
    assert squashed("Tom & Jerry <Tools>") in flat
    assert squashed('3/8" drill bits & <more>') in flat


def test_greek_and_cyrillic_render_and_fonts_are_embedded() -> None:
    pdf = build_slip_pdf(long_slip(), "80mm")
    flat = squashed(text_of(pdf))
    assert squashed("Καφεκοπτείο & Παντοπωλείο «Ο Μπακάλης της Γειτονιάς»") in flat
    assert squashed("Магазин «Всё для дома»") in flat
    assert squashed("Пр. Невский 28, Санкт-Петербург") in flat
    assert "Supercalifragilisticexpialidocious" * 3 in flat  # split across lines, not lost
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    page: Any = reader.pages[0]  # pypdf's dictionary types are loose; test code reads them
    fonts = page["/Resources"]["/Font"]
    assert fonts
    for ref in fonts.values():
        font = ref.get_object()
        assert "DejaVu" in str(font["/BaseFont"])
        descendant = (
            font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        )
        assert "/FontFile2" in descendant["/FontDescriptor"].get_object()  # embedded TrueType


def test_no_customer_data_fields() -> None:
    """A slip may be left on a counter; adding a field is a privacy decision."""
    names = {f.name for f in dataclasses.fields(SlipData)}
    assert names == {
        "store_name", "store_address", "store_phone", "logo_png", "item_asked", "target_kind",
        "target_name", "target_address", "target_phone", "target_hours", "qr_url",
        "referral_code", "come_back_line", "issued_on",
    }  # fmt: skip
    pattern = re.compile(r"customer|client|email|loyalty|card|member|buyer|person|name_of")
    assert not [n for n in names if pattern.search(n)]


def test_slip_data_validation() -> None:
    with pytest.raises(ValueError, match="target_kind"):
        make_slip(target_kind="friend")
    with pytest.raises(ValueError, match="item_asked"):
        make_slip(item_asked="  ")
    with pytest.raises(dataclasses.FrozenInstanceError):
        make_slip().item_asked = "x"  # type: ignore[misc]


def test_output_is_deterministic() -> None:
    assert build_slip_pdf(make_slip(), "58mm") == build_slip_pdf(make_slip(), "58mm")


def test_bad_logo_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="logo"):
        build_slip_pdf(make_slip(logo_png=b"not a png"), "80mm")


# --- geometry -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layout", "width", "height"),
    [
        ("80mm", 80 * mm, None),
        ("58mm", 58 * mm, None),
        ("a6", 105 * mm, 148 * mm),
        ("half-letter", 5.5 * inch, 8.5 * inch),
    ],
)
def test_page_size(layout: str, width: float, height: float | None) -> None:
    box = pypdf.PdfReader(io.BytesIO(build_slip_pdf(make_slip(), layout))).pages[0].mediabox
    assert float(box.width) == pytest.approx(width, abs=0.01)
    if height is not None:
        assert float(box.height) == pytest.approx(height, abs=0.01)
    else:
        assert 100 * mm < float(box.height) < 200 * mm


@pytest.mark.parametrize("layout", ["80mm", "58mm"])
def test_thermal_page_length_fits_content(layout: str, rendered: list[pdfium.PdfDocument]) -> None:
    short = build_slip_pdf(make_slip(), layout)
    longer = build_slip_pdf(make_slip(target_address="22 Elm Street\n" * 8), layout)
    height_short = pypdf.PdfReader(io.BytesIO(short)).pages[0].mediabox.height
    height_long = pypdf.PdfReader(io.BytesIO(longer)).pages[0].mediabox.height
    assert float(height_long) > float(height_short) + 7 * 8 * 0.9  # ~7 more body lines

    # No blank paper fed: ink starts at the top margin and stops at the bottom margin.
    lay = LAYOUTS[layout]
    for pdf in (short, longer):
        pixels, _ = render(pdf, rendered)
        rows, _ = dark_rows_and_cols(pixels)
        top_gap_mm = rows[0] / PT_TO_PX / mm
        bottom_gap_mm = (pixels.shape[0] - 1 - rows[-1]) / PT_TO_PX / mm
        assert top_gap_mm == pytest.approx(lay.margin_top / mm, abs=1.5)
        assert bottom_gap_mm == pytest.approx(lay.margin_bottom / mm, abs=2.5)


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_long_text_stays_inside_the_printable_area(
    layout: str, rendered: list[pdfium.PdfDocument], tmp_path: Path
) -> None:
    lay = LAYOUTS[layout]
    pdf = build_slip_pdf(dataclasses.replace(long_slip(), logo_png=png_logo()), layout)
    pixels, _ = render(pdf, rendered)
    _, cols = dark_rows_and_cols(pixels)
    if lay.is_roll:
        # Nothing where the thermal head cannot print (0.2 mm tolerance for anti-aliasing).
        limit_px = (lay.margin_x - 0.2 * mm) * PT_TO_PX
        assert cols[0] >= limit_px
        assert cols[-1] <= pixels.shape[1] - 1 - limit_px
    else:
        # Sheets: only the card frame may come near the edge, and not within 2 mm of it.
        edge = int(2 * mm * PT_TO_PX)
        dark = pixels < DARK
        assert not dark[:edge].any()
        assert not dark[-edge:].any()
        assert not dark[:, :edge].any()
        assert not dark[:, -edge:].any()
        # Content (inside the frame) keeps to the margins.
        inner = dark[:, int(lay.margin_x * 0.6 * PT_TO_PX) : -int(lay.margin_x * 0.6 * PT_TO_PX)]
        frame_free = inner[int(lay.margin_top * PT_TO_PX) : -int(lay.margin_bottom * PT_TO_PX)]
        content_cols = np.flatnonzero(frame_free.any(axis=0))
        offset = int(lay.margin_x * 0.6 * PT_TO_PX)
        assert content_cols[0] + offset >= (lay.margin_x - 0.2 * mm) * PT_TO_PX
        assert content_cols[-1] + offset <= pixels.shape[1] - (lay.margin_x - 0.2 * mm) * PT_TO_PX
    # The page is one page even when the sheet content had to shrink to fit.
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == 1


def test_logo_is_drawn(rendered: list[pdfium.PdfDocument]) -> None:
    _, page = render(build_slip_pdf(make_slip(logo_png=png_logo()), "80mm"), rendered)
    images = list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))
    assert len(images) == 1
    left, _, right, _ = images[0].get_bounds()
    assert (left + right) / 2 == pytest.approx(40 * mm, abs=1)  # centred


# --- QR code ----------------------------------------------------------------------------------


def reportlab_matrix(url: str) -> list[list[bool]]:
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(url)
    code.make()
    return [[bool(m) for m in row] for row in code.modules]


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_qr_code_is_printed_module_for_module(
    layout: str, rendered: list[pdfium.PdfDocument]
) -> None:
    """Sample each module's centre in the rendering and compare with the encoder's matrix.

    This catches a flipped, shifted or clipped code, which a phone would fail to scan.
    """
    pixels, page = render(build_slip_pdf(make_slip(), layout), rendered)
    page_height = page.get_height()
    paths = [obj.get_bounds() for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH])]
    squares = [
        (left, bottom, right, top)
        for left, bottom, right, top in paths
        if right - left > 15 * mm and abs((right - left) - (top - bottom)) < 0.5
    ]
    assert len(squares) == 1, paths
    left, bottom, right, top = squares[0]
    matrix = reportlab_matrix(MAP_URL)
    n = len(matrix)
    module = (right - left) / n
    assert module * PT_TO_PX >= 2.5  # at least ~2.5 px a module at 150 dpi

    # Quiet zone: nothing dark within 3 modules around the code (2 px for anti-aliasing).
    def px_box(grow: float, slack: int) -> tuple[slice, slice]:
        y0 = int((page_height - top - grow) * PT_TO_PX) - slack
        y1 = int((page_height - bottom + grow) * PT_TO_PX) + slack
        x0 = int((left - grow) * PT_TO_PX) - slack
        x1 = int((right + grow) * PT_TO_PX) + slack
        return slice(y0, y1 + 1), slice(x0, x1 + 1)

    ring = pixels < DARK
    outside = np.zeros_like(ring)
    outside[px_box(3 * module, 0)] = True
    outside[px_box(0, 2)] = False
    assert not (ring & outside).any()
    mismatches = 0
    for r in range(n):
        for c in range(n):
            x = (left + (c + 0.5) * module) * PT_TO_PX
            y = (page_height - top + (r + 0.5) * module) * PT_TO_PX
            dark = pixels[int(y), int(x)] < DARK
            mismatches += dark != matrix[r][c]
    assert mismatches == 0


def test_no_qr_without_url(rendered: list[pdfium.PdfDocument]) -> None:
    _, page = render(build_slip_pdf(make_slip(qr_url=None), "80mm"), rendered)
    paths = [o.get_bounds() for o in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH])]
    assert not [p for p in paths if p[2] - p[0] > 15 * mm and abs(p[2] - p[0] - (p[3] - p[1])) < 1]


def test_website_link_caption() -> None:
    text = text_of(build_slip_pdf(make_slip(qr_url="https://soundhut.example/"), "80mm"))
    assert "Scan for their website" in text


# --- previews for a human ---------------------------------------------------------------------


def test_preview_pngs(rendered: list[pdfium.PdfDocument], tmp_path: Path) -> None:
    """Write one PNG per layout; set POSASSIST_SLIP_PREVIEW_DIR to keep them."""
    out = Path(os.environ.get("POSASSIST_SLIP_PREVIEW_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    for layout in LAYOUT_NAMES:
        doc = pdfium.PdfDocument(build_slip_pdf(make_slip(logo_png=png_logo()), layout))
        rendered.append(doc)
        image = doc[0].render(scale=200 / 72).to_pil()
        image.save(out / f"slip-{layout}.png")
        assert image.width > 0


def test_bench_slip_pdf_returns_samples() -> None:
    samples = bench_slip_pdf(runs=3)
    assert len(samples) == 3
    assert all(s > 0 for s in samples)


# --- scripts beyond DejaVu: the CJK fallback font ---------------------------------------------


def font_names(pdf: bytes) -> list[str]:
    page: Any = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    return [str(ref.get_object()["/BaseFont"]) for ref in page["/Resources"]["/Font"].values()]


def glyph_ink(page: pdfium.PdfPage, pixels: np.ndarray, char: str) -> np.ndarray:
    """The rendered pixels inside the box pdfium gives for the first ``char`` on the page."""
    textpage = page.get_textpage()
    index = textpage.get_text_range().index(char)
    left, bottom, right, top = textpage.get_charbox(index)
    height = page.get_size()[1]
    rows = slice(int((height - top) * PT_TO_PX), int((height - bottom) * PT_TO_PX) + 1)
    cols = slice(int(left * PT_TO_PX), int(right * PT_TO_PX) + 1)
    box = pixels[rows, cols] < DARK
    assert box.size > 50, char  # a real box, not a zero-width one
    return box


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_cjk_item_prints_in_the_fallback_font(
    layout: str, rendered: list[pdfium.PdfDocument]
) -> None:
    pdf = build_slip_pdf(make_slip(item_asked="漢字 turntable"), layout)
    flat = squashed(text_of(pdf))
    assert squashed("We don't carry 漢字 turntable, but here's where:") in flat
    assert any("WenQuanYi" in name for name in font_names(pdf))
    pixels, page = render(pdf, rendered)
    kan, ji = glyph_ink(page, pixels, "漢"), glyph_ink(page, pixels, "字")
    assert kan.mean() > 0.15  # strokes, not an empty box's outline
    assert ji.mean() > 0.1
    # Missing glyphs would all draw the same box; two real ideographs differ.
    rows, cols = min(kan.shape[0], ji.shape[0]), min(kan.shape[1], ji.shape[1])
    assert (kan[:rows, :cols] != ji[:rows, :cols]).mean() > 0.1


def test_japanese_korean_and_full_width_names_extract_back() -> None:
    slip = make_slip(
        store_name="ＣＯＲＮＥＲ ＆ ＣＯ．",
        target_name="東京レコード 한국 음반",
        target_address="東京都渋谷区 1-2-3\n서울특별시 중구 세종대로 110",
        target_hours="月-金 09:00-18:00",
    )
    pdf = build_slip_pdf(slip, "58mm")
    flat = squashed(text_of(pdf))
    for expected in (
        "ＣＯＲＮＥＲ ＆ ＣＯ．",
        "東京レコード 한국 음반",
        "東京都渋谷区 1-2-3",
        "서울특별시 중구 세종대로 110",
        "月-金 09:00-18:00",
        "Show this code at 東京レコード 한국 음반",
    ):
        assert squashed(expected) in flat, expected


def test_latin_slips_do_not_embed_the_fallback_font() -> None:
    assert all("DejaVu" in name for name in font_names(build_slip_pdf(make_slip(), "80mm")))


def test_rtl_and_emoji_do_not_crash(
    rendered: list[pdfium.PdfDocument], caplog: pytest.LogCaptureFixture
) -> None:
    """Not shaped (reportlab cannot), but printed without failing and without a PDF that
    readers complain about."""
    slip = make_slip(
        store_name="متجر الزاوية 🛒",
        store_address="רחוב הרצל 5, תל אביב\n👋 🇬🇧 𠀀",
        item_asked="سماعة 🎧 & <تجربة>",
        target_name="Sound Hut 🎵",
        target_hours="Mo-Fr 09:00-18:00 ☕",
        come_back_line="Merci ! 🙂",
    )
    for layout in LAYOUT_NAMES:
        pdf = build_slip_pdf(slip, layout)
        pixels, _page = render(pdf, rendered)
        assert (pixels < DARK).mean() > 0.01
        text = text_of(pdf)
        assert "Sound Hut" in text
        assert "\ufffd" in text  # emoji beyond the BMP print as the replacement character
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]


def test_messages_name_the_setting_in_the_settings_file() -> None:
    with pytest.raises(ConfigError) as logo:
        build_slip_pdf(make_slip(logo_png=b"root:x:0:0"), "80mm")
    with pytest.raises(UnknownLayoutError) as layout:
        get_layout("A4")
    for error, setting in ((logo.value, "[store] logo"), (layout.value, "[printing] layout")):
        assert setting in str(error)
        assert "settings file" in str(error)
        assert "in Settings" not in str(error)  # there is no settings window
