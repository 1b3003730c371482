"""ESC/POS slips sent to a real listening TCP socket, and the bytes that arrive parsed.

The parser below knows the commands the renderer may send and fails on any other byte
sequence, so a stray or malformed command is a failure, not noise.
"""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from posassist.config import PrintingSettings, StoreSettings, load_settings
from posassist.errors import ConfigError, NoPrinterError, PrinterUnreachableError
from posassist.printing.escpos_slip import EscposPrinter, probe, render, send
from posassist.printing.slip_pdf import referral_content
from posassist.services.diagnostics import check_escpos
from posassist.services.printers import PrintService
from tests.printing.cupsd import Cups
from tests.printing.slip_samples import sample_slip_data

ESC, GS = 0x1B, 0x1D


@dataclasses.dataclass
class Parsed:
    text: bytearray = dataclasses.field(default_factory=bytearray)
    qr_data: list[bytes] = dataclasses.field(default_factory=list)
    rasters: list[tuple[int, int]] = dataclasses.field(default_factory=list)  # (bytes, rows)
    commands: list[str] = dataclasses.field(default_factory=list)
    codepage: int | None = None


def parse(data: bytes) -> Parsed:
    """Walk the ESC/POS stream command by command."""
    out = Parsed()
    i = 0
    fixed = {b"@": 0, b"t": 1, b"E": 1, b"a": 1, b"!": 1, b"d": 1, b"M": 1, b"-": 1}
    while i < len(data):
        byte = data[i]
        if byte == ESC:
            cmd = data[i + 1 : i + 2]
            if cmd == b"p":
                out.commands.append("ESC p")
                i += 5
                continue
            assert cmd in fixed, f"unknown ESC {cmd!r} at {i}"
            if cmd == b"t":
                out.codepage = data[i + 2]
            out.commands.append(f"ESC {cmd.decode()}")
            i += 2 + fixed[cmd]
        elif byte == GS:
            cmd = data[i + 1 : i + 2]
            if cmd == b"!":
                out.commands.append("GS !")
                i += 3
            elif cmd == b"V":
                out.commands.append("GS V")
                i += 3 if data[i + 2] in (0, 1, 48, 49) else 4
            elif cmd == b"(" and data[i + 2 : i + 3] == b"k":
                length = data[i + 3] + 256 * data[i + 4]
                body = data[i + 5 : i + 5 + length]
                if body[:2] == b"1P":  # store the data: cn=1 fn=80 m=0
                    out.qr_data.append(body[3:])
                out.commands.append("GS ( k")
                i += 5 + length
            elif cmd == b"v" and data[i + 2 : i + 3] == b"0":
                width = data[i + 4] + 256 * data[i + 5]
                rows = data[i + 6] + 256 * data[i + 7]
                out.rasters.append((width, rows))
                out.commands.append("GS v 0")
                i += 8 + width * rows
                assert i <= len(data), "raster data cut short"
            else:
                raise AssertionError(f"unknown GS {cmd!r} at {i}")
        else:
            assert byte == 0x0A or byte >= 0x20, f"control byte {byte:#x} at {i}"
            out.text.append(byte)
            i += 1
    return out


class Listener:
    """A printer's port 9100 in miniature: accepts connections, keeps what arrives."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.jobs: list[bytes] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                chunks = []
                while chunk := conn.recv(65536):
                    chunks.append(chunk)
            self.jobs.append(b"".join(chunks))
            self.done.set()

    def job(self) -> bytes:
        assert self.done.wait(10), "nothing arrived"
        self.done.clear()
        return self.jobs[-1]

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener() -> object:
    server = Listener()
    yield server
    server.close()


def _settings(port: int, **kw: object) -> PrintingSettings:
    base = {"mode": "escpos", "connection": "tcp", "host": "127.0.0.1", "port": port}
    return PrintingSettings(**{**base, **kw})  # type: ignore[arg-type]


def _referral_job(listener: Listener, **kw: object) -> Parsed:
    service = PrintService(_settings(listener.port, **kw))
    slip = sample_slip_data()
    where = service.print_slip(b"", referral_content(slip))
    assert where == f"the ESC/POS printer at 127.0.0.1:{listener.port}"
    return parse(listener.job())


def test_referral_slip_over_tcp_has_text_qr_and_cut_at_the_end(listener: Listener) -> None:
    got = _referral_job(listener, codepage="cp858")
    text = " ".join(got.text.decode("cp858").split())
    slip = sample_slip_data()
    for words in ("Bluebell", "Sound Hut Audio", "Bluetooth speaker", "K7Q2-M9XD", "HOURS"):
        assert words in text
    assert "Mo-Fr 09:00-18:00" in text
    assert "Su closed" in text
    assert got.codepage == 19  # CP858 in the ESC t table
    assert got.qr_data == [slip.qr_url.encode()]
    assert got.commands[-1] == "GS V"
    assert "ESC p" not in got.commands
    assert got.rasters == []  # every character encodes: no picture


def test_no_cut_when_not_configured_and_a_drawer_pulse_when_configured(
    listener: Listener,
) -> None:
    got = _referral_job(listener, cut=False, cash_drawer=True)
    assert "GS V" not in got.commands
    assert got.commands.count("ESC p") == 1
    assert got.commands[-1] == "ESC d"  # fed out to be torn off


def test_cyrillic_is_a_raster_within_the_dot_width(listener: Listener) -> None:
    service = PrintService(_settings(listener.port, dots=384))
    slip = dataclasses.replace(sample_slip_data(), item_asked="Колонка 蓝牙")
    service.print_slip(b"", referral_content(slip))
    got = parse(listener.job())
    assert got.rasters, "the Cyrillic line must be a picture"
    assert all(width <= 384 // 8 for width, _ in got.rasters)
    text = got.text.decode("cp437")
    assert "We don't carry" not in text  # that paragraph went as a picture
    assert "?" not in text  # nothing replaced by question marks
    assert "Sound Hut Audio" in text  # the rest stays printer text


def test_raster_qr_when_asked(listener: Listener) -> None:
    got = _referral_job(listener, qr="raster", dots=576)
    assert got.qr_data == []
    assert got.rasters
    assert all(width <= 576 // 8 for width, _ in got.rasters)


def test_test_slip_on_the_profile(listener: Listener) -> None:
    store = StoreSettings(name="Bluebell Hardware", address="14 Harbour Road", phone="555")
    service = PrintService(PrintingSettings())
    printing = _settings(listener.port, layout="58mm")
    where = service.print_test_slip(store, printing, date(2026, 12, 3))
    assert "127.0.0.1" in where
    got = parse(listener.job())
    text = " ".join(got.text.decode("cp437").split())  # lines wrapped at 16 or 32 columns
    assert "Test slip" in text
    assert "Bluebell Hardware" in text
    assert "2026-12-03" in text
    assert "384 dots" in text
    assert "48 mm" in text
    assert got.rasters == [(48, 34)]  # the ruler, exactly the width
    assert got.commands[-1] == "GS V"


def _closed_port() -> int:
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_a_closed_port_says_so() -> None:
    port = _closed_port()
    printer = EscposPrinter(host="127.0.0.1", port=port)
    with pytest.raises(PrinterUnreachableError, match=f"127.0.0.1:{port} refused"):
        send(render(referral_content(sample_slip_data()), printer), printer, title="t")


def test_a_printer_that_does_not_answer_times_out() -> None:
    """A full accept queue drops new connections, as a hung printer does."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    try:
        for _ in range(3):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            fillers.append(s)
        printer = EscposPrinter(host="127.0.0.1", port=port, timeout=0.5)
        with pytest.raises(PrinterUnreachableError, match="did not answer within"):
            probe(printer)
    finally:
        for s in fillers:
            s.close()
        server.close()


def test_doctor_checks_the_escpos_printer(listener: Listener, tmp_path: Path) -> None:
    ok = check_escpos(_settings_file(tmp_path, listener.port))
    assert [f.level for f in ok] == ["ok"]
    assert "answers" in ok[0].what
    bad = check_escpos(_settings_file(tmp_path, _closed_port()))
    assert [f.level for f in bad] == ["problem"]
    assert "refused" in bad[0].what


def _settings_file(tmp_path: Path, port: int) -> object:
    path = tmp_path / "settings.toml"
    path.write_text(
        f'[printing]\nmode = "escpos"\nhost = "127.0.0.1"\nport = {port}\n', encoding="utf-8"
    )
    return load_settings(tmp_path / "data", path, env={})


@pytest.mark.parametrize(
    ("line", "key", "words"),
    [
        ('mode = "raw"', "mode", "is not one of os, escpos"),
        ('mode = "escpos"\nconnection = "usb"', "connection", "is not one of tcp"),
        ('mode = "escpos"', "host", "must name the printer"),
        ('mode = "escpos"\nconnection = "cups-raw"', "queue", "must name the raw print queue"),
        ('mode = "escpos"\nhost = "h"\ndots = 500', "dots", "multiple of 8"),
        ('mode = "escpos"\nhost = "h"\ncodepage = "utf-8"', "codepage", "cp858"),
        ('mode = "escpos"\nhost = "h"\nport = 0', "port", "1–65535"),
        ('mode = "escpos"\nhost = "h"\ncut = "yes"', "cut", "must be a bool"),
        ('mode = "escpos"\nhost = "h"\nqr = "png"', "qr", "native, raster"),
    ],
)
def test_a_bad_setting_names_the_file_line_and_key(
    tmp_path: Path, line: str, key: str, words: str
) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(f'[store]\nname = "S"\n\n[printing]\n{line}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / "data", path, env={})
    message = str(caught.value)
    number = (
        1
        + path.read_text()
        .splitlines()
        .index(next(x for x in path.read_text().splitlines() if x.startswith(f"{key} =")))
        if key != "host" and key != "queue"
        else None
    )
    assert f"[printing] {key}" in message
    assert words in message
    assert str(path) in message
    if number is not None:
        assert f"{path}:{number}" in message


def test_cli_test_print_on_the_escpos_profile(
    listener: Listener, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from posassist.cli import main

    path = tmp_path / "settings.toml"
    path.write_text(
        '[store]\nname = "Bluebell"\n\n[printing]\nmode = "escpos"\nhost = "127.0.0.1"\n'
        f"port = {listener.port}\ncut = false\n",
        encoding="utf-8",
    )
    code = main(["--config", str(path), "--data-dir", str(tmp_path / "d"), "slip", "--test-print"])
    assert code == 0
    assert f"127.0.0.1:{listener.port}" in capsys.readouterr().out
    got = parse(listener.job())
    assert "Test slip" in got.text.decode("cp437")
    assert "GS V" not in got.commands


def test_cli_slip_without_output_is_refused_by_argparse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from posassist.cli import main

    with pytest.raises(SystemExit) as caught:
        main(["--data-dir", str(tmp_path), "slip", "--vendor", "abc", "--item", "x"])
    assert caught.value.code == 2
    assert "-o/--output are required (or --test-print)" in capsys.readouterr().err


def test_cli_test_print_to_a_closed_port_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from posassist.cli import main

    port = _closed_port()
    path = tmp_path / "settings.toml"
    path.write_text(
        f'[printing]\nmode = "escpos"\nhost = "127.0.0.1"\nport = {port}\n', encoding="utf-8"
    )
    code = main(["--config", str(path), "--data-dir", str(tmp_path / "d"), "slip", "--test-print"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"The printer at 127.0.0.1:{port} refused the connection" in err
    assert "Traceback" not in err


def test_a_raw_cups_queue_gets_the_bytes_unfiltered(cups: Cups) -> None:
    """The private CUPS scheduler of the printing tests, with a raw queue whose backend
    writes what it is given to a file: the very ESC/POS bytes arrive."""
    out = cups.out / "raw.bin"
    cups.run("lpadmin", "-p", "thermal", "-E", "-v", f"capture:{out}", "-m", "raw")
    printer = EscposPrinter(connection="cups-raw", queue="thermal", dots=384)
    data = render(referral_content(sample_slip_data()), printer)
    assert send(data, printer, title="Referral slip") == "the raw ESC/POS queue “thermal”"
    deadline = time.monotonic() + 20
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert out.read_bytes() == data
    got = parse(out.read_bytes())
    assert got.commands[-1] == "GS V"
    probe(printer)  # doctor's check: the queue is there and takes jobs


def test_a_missing_raw_queue_is_named(cups: Cups) -> None:
    printer = EscposPrinter(connection="cups-raw", queue="nowhere")
    with pytest.raises(NoPrinterError, match="The raw print queue “nowhere” does not exist"):
        probe(printer)


def test_the_settings_screen_checks_the_profile_with_the_same_rules(tmp_path: Path) -> None:
    from posassist.config import Settings, check_values
    from posassist.services.settings import FIELDS

    assert FIELDS["printing.mode"].choices == ("os", "escpos")
    base = Settings(data_dir=tmp_path)
    _, problems = check_values(base, {"printing.mode": "escpos", "printing.host": ""})
    assert "must name the printer" in problems["printing.host"]
    settings, problems = check_values(
        base,
        {"printing.mode": "escpos", "printing.host": "10.0.0.5", "printing.cut": "False"},
    )
    assert problems == {}
    assert settings.printing.cut is False
    assert settings.printing.mode == "escpos"
