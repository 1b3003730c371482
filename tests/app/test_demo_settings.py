"""The demo keeps its own settings file, so trying the settings screen on it is harmless."""

from __future__ import annotations

from pathlib import Path

import pytest

from posassist.app.backend import resolve_settings


def test_the_demo_has_its_own_settings_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tmp_path / "config" / "settings.toml"
    real.parent.mkdir()
    real.write_text('[store]\nname = "The Real Shop"\n', "utf-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
    monkeypatch.delenv("POSASSIST_CONFIG", raising=False)
    demo = tmp_path / "demo"
    settings = resolve_settings(demo, demo=True)
    assert settings.config_file == demo / "settings.toml"
    assert settings.store.name == "Corner & Co."
    assert real.read_text("utf-8") == '[store]\nname = "The Real Shop"\n'
    # an explicit --config still wins for the demo
    assert resolve_settings(demo, demo=True, config_file=real).store.name == "The Real Shop"
