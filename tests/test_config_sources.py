"""Settings errors point at where the value came from: the variable, or the file's line."""

from __future__ import annotations

from pathlib import Path

import pytest

from posassist.config import load_settings
from posassist.errors import ConfigError


@pytest.mark.parametrize(
    ("name", "value"),
    [("POSASSIST_STORE_REGION", "XX1"), ("POSASSIST_CENTRAL_PORT", "99999")],
)
def test_a_bad_environment_override_names_the_variable(
    tmp_path: Path, name: str, value: str
) -> None:
    with pytest.raises(ConfigError) as exc:
        load_settings(data_dir=tmp_path, env={name: value})  # no settings file at all
    assert f"{name}={value!r}" in str(exc.value)
    assert "settings.toml" not in str(exc.value)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("[app]\ndata_dir = 5\n", "[app] data_dir must be a str"),
        ("[app]\ndata_dir = ''\n", "must not be empty"),
        ("[app]\ndatadir = '/x'\n", "unknown setting [app] datadir"),
        ("app = 3\n", "[app] must be a table"),
    ],
)
def test_the_app_section_is_validated(tmp_path: Path, body: str, expected: str) -> None:
    settings = tmp_path / "settings.toml"
    settings.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(config_file=settings, env={})
    assert expected in str(exc.value)
    assert str(settings) in str(exc.value)
