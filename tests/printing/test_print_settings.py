"""[printing] and the slip header settings: read, and refused with file and line when bad."""

from __future__ import annotations

from pathlib import Path

import pytest

from posassist.config import load_settings
from posassist.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_printing_and_slip_header_settings_are_read(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG")
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
