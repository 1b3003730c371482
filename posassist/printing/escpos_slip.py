"""A slip printed raw in ESC/POS, for thermal printers without a good OS driver.

Many 58 mm and 80 mm register printers (on Linux especially) have no usable driver and
are driven with ESC/POS bytes, as Odoo and uniCenta do. The slip is the same content as
the PDF (:mod:`posassist.printing.slip_content`), rendered for the printer's dot width:

- text in the printer's code page where every character of a paragraph encodes in it
  (the printer's own font is the sharpest a thermal head prints);
- a paragraph with a character the code page lacks (Cyrillic in cp437, Chinese…) is
  drawn with Pillow in the slip's own fonts (DejaVu, the CJK fallback) and sent as a
  raster image (``GS v 0``), never as question marks;
- the QR code as the printer's native QR (``GS ( k``), or as a raster for printers
  without it; the logo and the test ruler as rasters; a paper cut (``GS V``) at the end
  and a cash-drawer pulse (``ESC p``) when the profile asks for them.

python-escpos builds the bytes (its ``Dummy`` printer collects them), so no command is
written by hand here. They are then sent in one piece: to TCP port 9100 with a plain
socket and a timeout, to a raw CUPS queue with ``lp -o raw``, or to a Windows printer in
RAW mode through python-escpos's ``Win32Raw`` (Windows only). Every failure is a
:class:`~posassist.errors.PrinterError` that names the printer; sending may wait for the
network for seconds, so callers run it on the worker, never on the GUI thread.

Thermal heads print 8 dots per millimetre (203 dpi): 384 dots is 48 mm (58 mm roll),
576 dots is 72 mm (80 mm roll).
"""

from __future__ import annotations

import functools
import io
import os
import re
import socket
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from posassist.errors import PrinterError, PrinterUnreachableError
from posassist.printing import cups
from posassist.printing.readiness import check_raw_queue
from posassist.printing.slip_content import Code, Gap, Line, Logo, Qr, Ruler, SlipContent, Text

if TYPE_CHECKING:
    from PIL import Image, ImageFont

__all__ = [
    "CONNECTIONS",
    "DOTS_PER_MM",
    "QR_KINDS",
    "Connection",
    "EscposPrinter",
    "QrKind",
    "codepage_names",
    "default_dots",
    "probe",
    "render",
    "send",
]

Connection = Literal["tcp", "cups-raw", "windows-raw"]
QrKind = Literal["native", "raster"]
CONNECTIONS: Final = ("tcp", "cups-raw", "windows-raw")
QR_KINDS: Final = ("native", "raster")
DOTS_PER_MM: Final = 8
"""203 dpi, the resolution of nearly every thermal receipt head."""
TIMEOUT_S: Final = 5.0
"""How long a network printer may take to answer, or to take the slip."""

_FONT_A_DOTS: Final = 12  # a character of the printer's font A is 12 × 24 dots
_RASTER_PX: Final = {"heading": 44, "target": 34, "label": 22, "ask": 24, "body": 22, "small": 19}
_SIZE: Final = {"heading": 2, "target": 1}  # width multiplier of the printer's font
_TALL: Final = {"heading", "target"}  # printed double height
_BOLD: Final = {"heading", "target", "label"}


@dataclass(frozen=True, slots=True, kw_only=True)
class EscposPrinter:
    """One ESC/POS printer profile, as ``[printing]`` in the settings describes it."""

    connection: Connection = "tcp"
    host: str = ""
    port: int = 9100
    queue: str = ""
    dots: int = 576
    cut: bool = True
    cash_drawer: bool = False
    codepage: str = "CP437"
    qr: QrKind = "native"
    timeout: float = field(default=TIMEOUT_S)

    def describe(self) -> str:
        if self.connection == "tcp":
            return f"the ESC/POS printer at {self.host}:{self.port}"
        if self.connection == "cups-raw":
            return f"the raw ESC/POS queue “{self.queue}”"
        return f"the ESC/POS printer “{self.queue}” (Windows, RAW)"


def default_dots(layout: str) -> int:
    """The dot width for a slip layout: 384 for a 58 mm roll, else 576 (80 mm)."""
    return 384 if layout.strip().casefold() == "58mm" else 576


@functools.cache
def codepage_names() -> tuple[str, ...]:
    """The code pages python-escpos can encode text in for a generic printer (CP437,
    CP858, CP1252, CP866…): the ones its default profile names and whose characters it
    knows."""
    _load_escpos()
    from escpos.capabilities import get_profile
    from escpos.codepages import CodePages

    names: list[str] = []
    for name in get_profile().codePages.values():
        data = CodePages.data.get(name, {})
        if name != "Unknown" and ("data" in data or "python_encode" in data):
            names.append(name)
    return tuple(dict.fromkeys(names))


@functools.cache
def _load_escpos() -> None:
    """Import python-escpos with its capabilities cache in our cache folder: left to
    itself it writes a pickle into a new temporary folder in every process."""
    import platformdirs

    folder = Path(platformdirs.user_cache_dir("posassist", appauthor=False)) / "escpos"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # an unwritable cache folder: python-escpos's own temporary one will do
    os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(folder))
    import escpos.capabilities  # noqa: F401  - reads the variable once, at import


# ------------------------------------------------------------------------ rendering


def render(content: SlipContent, printer: EscposPrinter) -> bytes:
    """The ESC/POS bytes of ``content`` for ``printer``'s width, code page and options."""
    _load_escpos()
    from escpos.printer import Dummy

    out = Dummy()
    # The profile's paper width lets python-escpos centre and check images; set on this
    # instance only (the profile's data is shared by every printer object).
    data = dict(out.profile.profile_data)
    data["media"] = {"width": {"pixels": printer.dots, "mm": printer.dots / DOTS_PER_MM}}
    out.profile.profile_data = data
    out.hw("INIT")
    if printer.cash_drawer:
        out.cashdraw(2)  # first, so the drawer opens while the slip prints
    out.charcode(printer.codepage)
    for block in content:
        _block(out, block, printer)
    if printer.cut:
        out.cut()
    else:
        out.print_and_feed(4)  # room to tear it off past the head
    return bytes(out.output)


def _block(out: Any, block: object, printer: EscposPrinter) -> None:
    if isinstance(block, Text):
        if _encodes(out, block.plain, printer.codepage):
            _text(out, block, printer.dots)
        else:
            _image(out, _text_image(block, printer.dots))
    elif isinstance(block, Line):
        columns = printer.dots // _FONT_A_DOTS
        out.set(align="center", bold=False, normal_textsize=True)
        out.textln("- " * (columns // 2) if block.dashed else "-" * columns)
    elif isinstance(block, Qr):
        from escpos.constants import QR_ECLEVEL_M

        size = 6 if printer.dots >= 512 else 5  # dots per module
        out.set(align="center")
        if printer.qr == "native":
            out.qr(block.url, ec=QR_ECLEVEL_M, size=size, native=True)
            out.ln()
        else:
            out.qr(block.url, ec=QR_ECLEVEL_M, size=size, native=False, center=True)
    elif isinstance(block, Code):
        if _encodes(out, block.code, printer.codepage):
            out.set(align="center", bold=True, custom_size=True, width=2, height=2)
            out.textln(block.code)
            out.set(bold=False, normal_textsize=True)
        else:
            _image(out, _text_image(Text("heading", ()), printer.dots, block.code))
    elif isinstance(block, Logo):
        _image(out, _logo_image(block.image, printer.dots))
    elif isinstance(block, Ruler):
        _image(out, _ruler_image(printer.dots))
    elif isinstance(block, Gap):
        pass  # thermal text lines are spaced already; a gap would only feed paper


def _encodes(out: Any, value: str, codepage: str) -> bool:
    """Whether every character of ``value`` is in the code page (python-escpos's own
    table, the one it encodes with: anything else would print as "?")."""
    encoder = out.magic.encoder
    return all(ch == "\n" or encoder.can_encode(codepage, ch) for ch in value)


def _text(out: Any, block: Text, dots: int) -> None:
    """A paragraph in the printer's font: wrapped to its columns, centred, bold runs bold."""
    wide = _SIZE.get(block.style, 1)
    columns = dots // (_FONT_A_DOTS * wide)
    out.set(
        align="center",
        bold=block.style in _BOLD,
        normal_textsize=True,
        double_width=wide == 2,
        double_height=block.style in _TALL,
    )
    current = block.style in _BOLD
    for line in _wrap_runs(block, columns):
        for word, bold in line:
            if block.style not in _BOLD and bold != current:
                out.set(bold=bold)
                current = bold
            out.text(word)
        out.text("\n")
    out.set(bold=False, normal_textsize=True)


def _wrap_runs(block: Text, columns: int) -> list[list[tuple[str, bool]]]:
    """The paragraph's lines at ``columns`` characters, as (piece, bold) pairs: words are
    kept whole where they fit, longer ones are cut."""
    lines: list[list[tuple[str, bool]]] = []
    current: list[tuple[str, bool]] = []
    width = 0

    def flush() -> None:
        nonlocal current, width
        while current and not current[-1][0].strip():
            current.pop()  # no trailing space before the line break
        lines.append(current)
        current, width = [], 0

    for run in block.runs:
        for index, part in enumerate(run.text.split("\n")):
            if index:
                flush()
            for token in re.findall(r"\S+|\s+", part):
                if not token.strip():
                    if current:
                        current.append((" ", run.bold))
                        width += 1
                    continue
                while len(token) > columns:  # a word longer than the line
                    if width:
                        flush()
                    lines.append([(token[:columns], run.bold)])
                    token = token[columns:]
                if width + len(token) > columns:
                    flush()
                current.append((token, run.bold))
                width += len(token)
    if current or not lines:
        flush()
    return lines


def _image(out: Any, image: Image.Image) -> None:
    out.set(align="left")
    out.image(image, impl="bitImageRaster", center=False)


@functools.cache
def _font(bold: bool, fallback: bool, px: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    fonts = resources.files("posassist.printing").joinpath("fonts")
    if fallback:
        data = fonts.joinpath("wqy-microhei.ttc").read_bytes()
        return ImageFont.truetype(io.BytesIO(data), px, index=0)
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(io.BytesIO(fonts.joinpath(name).read_bytes()), px)


def _pieces(value: str, bold: bool, px: int) -> list[tuple[str, ImageFont.FreeTypeFont]]:
    from posassist.printing.slip_fonts import fallback_runs  # reportlab: only when drawing

    return [(chunk, _font(bold, use, px)) for use, chunk in fallback_runs(value)]


def _length(value: str, bold: bool, px: int) -> float:
    return sum(font.getlength(chunk) for chunk, font in _pieces(value, bold, px))


def _text_image(block: Text, dots: int, code: str | None = None) -> Image.Image:
    """A paragraph the code page cannot hold, drawn in the slip's fonts at ``dots`` wide."""
    from PIL import Image, ImageDraw

    px = _RASTER_PX[block.style]
    bold_style = block.style in _BOLD
    runs = [(code, True)] if code is not None else [(r.text, r.bold) for r in block.runs]
    tokens: list[tuple[str, bool] | None] = []  # None is a line break
    for value, bold in runs:
        for index, part in enumerate(value.split("\n")):
            if index:
                tokens.append(None)
            for token in re.findall(r"\S+|\s+", part):
                tokens.append((" " if not token.strip() else token, bold or bold_style))
    lines: list[list[tuple[str, bool]]] = [[]]
    width = 0.0
    for item in tokens:
        if item is None:
            lines.append([])
            width = 0.0
            continue
        token, bold = item
        size = _length(token, bold, px)
        if token == " " and not lines[-1]:
            continue
        if width + size > dots and lines[-1]:
            lines.append([])
            width = 0.0
            if token == " ":
                continue
        while size > dots:  # no spaces to break at (Chinese, a long code): cut it
            cut = len(token)
            while cut > 1 and _length(token[:cut], bold, px) > dots:
                cut -= 1
            lines[-1].append((token[:cut], bold))
            lines.append([])
            token = token[cut:]
            size = _length(token, bold, px)
        lines[-1].append((token, bold))
        width += size
    line_height = round(px * 1.3)
    image = Image.new("L", (dots, line_height * len(lines) + 4), 255)
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        total = sum(_length(tok, bold, px) for tok, bold in line)
        x = (dots - total) / 2
        for tok, bold in line:
            for chunk, font in _pieces(tok, bold, px):
                draw.text((x, row * line_height + 2), chunk, font=font, fill=0)
                x += font.getlength(chunk)
    return image.convert("1")


def _logo_image(png: bytes, dots: int) -> Image.Image:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(png)) as opened:
            logo = opened.convert("L")
    except (OSError, ValueError) as exc:
        from posassist.errors import ConfigError

        raise ConfigError(
            "The store logo is not a PNG or JPEG image that can be read.",
            hint="Set [store] logo in the settings file (settings.toml) to the full path of a "
            "PNG or JPEG image, or remove the setting.",
        ) from exc
    scale = min(dots / logo.width, (dots // 4) / logo.height, 1.0)
    logo = logo.resize((max(1, int(logo.width * scale)), max(1, int(logo.height * scale))))
    canvas = Image.new("L", (dots, logo.height), 255)
    canvas.paste(logo, ((dots - logo.width) // 2, 0))
    return canvas.convert("1")


def _ruler_image(dots: int) -> Image.Image:
    """The test ruler, exactly ``dots`` wide: a cut-off right end shows at once."""
    from PIL import Image, ImageDraw

    height = 4 * DOTS_PER_MM
    image = Image.new("1", (dots, height + 2), 1)
    draw = ImageDraw.Draw(image)
    draw.line((0, height, dots - 1, height), fill=0, width=2)
    for tick, x in enumerate(range(0, dots, 10 * DOTS_PER_MM)):
        top = 0 if tick % 5 == 0 else height // 2
        draw.line((x, top, x, height), fill=0, width=2)
    draw.line((dots - 2, 0, dots - 2, height), fill=0, width=2)
    return image


# ------------------------------------------------------------------------ sending


def send(data: bytes, printer: EscposPrinter, *, title: str) -> str:
    """Send the bytes to ``printer``; where they went, in words, or a PrinterError."""
    if printer.connection == "tcp":
        _send_tcp(data, printer)
    elif printer.connection == "cups-raw":
        check_raw_queue(printer.queue)
        try:
            cups.submit_raw(printer.queue, data, title=title)
        except OSError as exc:
            raise PrinterError(
                f"The raw print queue “{printer.queue}” did not take the slip ({exc}).",
                hint="Check the queue in the computer's printer settings (lpstat -p).",
            ) from exc
    else:
        _send_windows(data, printer, title)
    return printer.describe()


def _connect(printer: EscposPrinter) -> socket.socket:
    where = f"{printer.host}:{printer.port}"
    try:
        return socket.create_connection((printer.host, printer.port), timeout=printer.timeout)
    except ConnectionRefusedError as exc:
        raise PrinterUnreachableError(
            f"The printer at {where} refused the connection: nothing takes print jobs on "
            f"port {printer.port} there.",
            hint="Check that the address is the printer's and that it is switched on; "
            "ESC/POS printers listen on port 9100 ([printing] host and port).",
        ) from exc
    except TimeoutError as exc:
        raise PrinterUnreachableError(
            f"The printer at {where} did not answer within {printer.timeout:.0f} s.",
            hint="Check that it is switched on and on the network (cable, Wi-Fi), and "
            "[printing] host in the settings.",
        ) from exc
    except socket.gaierror as exc:
        raise PrinterUnreachableError(
            f"The printer's address {printer.host!r} is not known on this network.",
            hint="Set [printing] host to the printer's IP address or name.",
        ) from exc
    except OSError as exc:
        raise PrinterUnreachableError(
            f"The printer at {where} cannot be reached ({exc.strerror or exc}).",
            hint="Check the network cable or Wi-Fi, and [printing] host in the settings.",
        ) from exc


def _send_tcp(data: bytes, printer: EscposPrinter) -> None:
    with _connect(printer) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except TimeoutError as exc:
            raise PrinterUnreachableError(
                f"The printer at {printer.host}:{printer.port} stopped taking the slip "
                f"(nothing moved for {printer.timeout:.0f} s).",
                hint="Check its paper and lid, then print again.",
            ) from exc
        except OSError as exc:
            raise PrinterUnreachableError(
                f"The printer at {printer.host}:{printer.port} broke off the connection "
                f"before the slip was sent ({exc.strerror or exc}).",
                hint="Check the printer (paper, lid, power), then print again.",
            ) from exc


def probe(printer: EscposPrinter) -> None:
    """Is the printer there? A TCP connect (closed at once), or the raw queue's state;
    the same PrinterError printing would give. Sends nothing: ``doctor`` uses it."""
    if printer.connection == "tcp":
        _connect(printer).close()
    elif printer.connection == "cups-raw":
        check_raw_queue(printer.queue)
    else:
        _windows_printer(printer)


def _windows_printer(printer: EscposPrinter) -> Any:
    if sys.platform != "win32":
        raise PrinterError(
            '[printing] connection = "windows-raw" works only on Windows.',
            hint='On Linux and macOS use "cups-raw" with a raw CUPS queue, or "tcp".',
        )
    _load_escpos()
    from escpos.printer import Win32Raw

    device = Win32Raw(printer_name=printer.queue)
    if printer.queue not in device.printers:
        raise PrinterError(
            f"The Windows printer “{printer.queue}” is not installed.",
            hint="Set [printing] queue to the printer's name as Windows shows it.",
        )
    return device


def _send_windows(data: bytes, printer: EscposPrinter, title: str) -> None:
    device = _windows_printer(printer)
    import pywintypes  # pywin32, there on Windows (python-escpos[win32])

    try:
        device.open(job_name=title)
        device._raw(data)
        device.close()
    except pywintypes.error as exc:
        raise PrinterError(
            f"The Windows printer “{printer.queue}” did not take the slip ({exc}).",
            hint="Check that it is switched on, and its queue in Windows' printer settings.",
        ) from exc
