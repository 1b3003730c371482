"""[printing] and the slip header settings: read, and refused with file and line when bad."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from posassist.cli.doctor import run_doctor
from posassist.config import load_settings
from posassist.errors import ConfigError
from posassist.services.diagnostics import check_logo


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_printing_and_slip_header_settings_are_read(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGB", (60, 20), "black").save(logo)
    path = write(
        tmp_path,
        f'[store]\naddress = "1 Main St"\nphone = "555"\nlogo = "{logo}"\n'
        '[printing]\nprinter = "Thermal 80"\nlayout = "A6"\n',
    )
    settings = load_settings(data_dir=tmp_path, config_file=path, env={})
    assert settings.printing.printer == "Thermal 80"
    assert settings.printing.layout == "A6"
    assert (settings.store.address, settings.store.phone) == ("1 Main St", "555")
    defaults = load_settings(data_dir=tmp_path, config_file=None, env={})
    assert (defaults.printing.printer, defaults.printing.layout) == ("", "80mm")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('[printing]\nprinter = ""\nlayout = "A4"\n', 3, "layout 'A4' is not one of"),
        ('[store]\nname = "X"\nlogo = "/no/such/logo.png"\n', 3, "is not a file"),
    ],
)
def test_bad_values_name_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_settings(data_dir=tmp_path, config_file=path, env={})
    assert f"{path}:{line}" in str(info.value)
    assert words in str(info.value)


def test_environment_overrides_the_printer(tmp_path: Path) -> None:
    env = {"POSASSIST_PRINTING_PRINTER": "Back office laser"}
    settings = load_settings(data_dir=tmp_path, config_file=None, env=env)
    assert settings.printing.printer == "Back office laser"


def bad_logos(tmp_path: Path) -> dict[str, Path]:
    """Files that are there but cannot be printed as a logo."""
    truncated = tmp_path / "truncated.png"
    Image.new("RGB", (200, 200), "black").save(truncated)
    truncated.write_bytes(truncated.read_bytes()[:60])
    gif = tmp_path / "logo.gif"
    Image.new("RGB", (20, 20), "black").save(gif)
    text = tmp_path / "logo.png.txt"
    text.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    return {
        "passwd": Path("/etc/passwd"),
        "text": text,
        "magic-only": _write(tmp_path / "magic.png", b"\x89PNG\r\n\x1a\n"),
        "truncated": truncated,
        "gif": gif,
        "folder": tmp_path,
    }


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("which", ["passwd", "text", "magic-only", "truncated", "gif", "folder"])
def test_logo_must_be_a_readable_png_or_jpeg(tmp_path: Path, which: str) -> None:
    logo = bad_logos(tmp_path)[which]
    path = write(tmp_path, f'[store]\nname = "X"\nlogo = "{logo}"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(data_dir=tmp_path, config_file=path, env={})
    message = str(info.value)
    assert f"{path}:3" in message
    assert "[store] logo" in message
    assert "PNG or JPEG" in message


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_png_and_jpeg_logos_are_accepted(tmp_path: Path, kind: str) -> None:
    logo = tmp_path / f"logo.{kind.lower()}"
    Image.new("RGB", (60, 20), "black").save(logo, kind)
    path = write(tmp_path, f'[store]\nlogo = "{logo}"\n')
    settings = load_settings(data_dir=tmp_path, config_file=path, env={})
    assert settings.store.logo == str(logo)
    assert [f.level for f in check_logo(settings)] == ["ok"]


def test_doctor_reports_a_bad_logo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGB", (60, 20), "black").save(logo)
    path = write(tmp_path, f'[store]\nlogo = "{logo}"\n')
    settings = load_settings(data_dir=tmp_path / "data", config_file=path, env={})
    logo.write_text("replaced by a text file after start-up", encoding="utf-8")
    (finding,) = check_logo(settings)
    assert finding.level == "problem"
    assert str(logo) in finding.what
    assert "[store] logo" in finding.todo
    # A logo that is bad when doctor starts: the settings themselves are the problem.
    assert run_doctor(tmp_path / "data", path) == 1
    out = capsys.readouterr().out
    assert "PROBLEM" in out
    assert "[store] logo" in out
    assert "not a PNG or JPEG image" in out
