"""A store needs a name (it heads every slip): one rule, said by load_settings, the
set-up and the settings screen alike; the settings screen opens ready to type."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from posassist.app import Backend
from posassist.config import load_settings
from posassist.errors import ConfigError
from posassist.services.settings import SettingsService
from posassist.ui.views.settings import SettingsDialog
from posassist.ui.views.setup import STORE_PAGE
from posassist.ui.workers import Worker
from tests.ui.setup_helpers import next_page, setup_wizard, type_into

EMPTY = "Must not be empty: it is printed at the top of every slip."


def test_load_settings_refuses_an_empty_store_name_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('[store]\nregion = "GB"\nname = "  "\n', encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_settings(tmp_path / "store", path, env={})
    assert f"{path}:3" in str(refused.value)
    assert "[store] name must not be empty" in str(refused.value)


def test_the_setup_keeps_an_unnamed_store_on_its_page(qtbot: QtBot, tmp_path: Path) -> None:
    with setup_wizard(qtbot, tmp_path) as (wizard, _db, _path):
        form = wizard.store.form
        type_into(qtbot, form.inputs["store.name"], " ")
        next_page(qtbot, wizard)
        assert wizard.currentId() == STORE_PAGE
        assert form.message("store.name") == EMPTY
        type_into(qtbot, form.inputs["store.name"], "Corner Books")
        assert form.message("store.name") == ""


def test_the_settings_screen_opens_on_the_store_name_and_refuses_it_empty(
    qtbot: QtBot, backend: Backend, tmp_path: Path
) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('[store]\nname = "Old Name"\n', encoding="utf-8")
    dialog = SettingsDialog(SettingsService(backend.ctx, path, backend.printing), Worker())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    name = dialog.forms[0].inputs["store.name"]
    assert dialog.focusWidget() is name
    assert name.isVisible()
    qtbot.keyClicks(name, "X")  # typed straight into it
    assert name.text().endswith("X")
    type_into(qtbot, name, "")
    qtbot.waitUntil(lambda: dialog.message("store.name") == EMPTY, timeout=2000)  # after a pause
    assert not dialog.save_button.isEnabled()
    type_into(qtbot, name, "New Name")
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=2000)
