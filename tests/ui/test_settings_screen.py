"""Manager → Settings…: every bad value gets its message, Save keeps the file's comments."""

from __future__ import annotations

import resource
import signal
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from posassist.app import Backend
from posassist.config import load_settings
from posassist.errors import InvalidInputError
from posassist.services.printers import PrintTarget
from posassist.services.settings import SettingsService
from posassist.storage.orm import AuditLog
from posassist.ui.views.settings import SettingsDialog
from posassist.ui.workers import Worker
from tests.ui.setup_helpers import LEFT, pdf_text, type_into

FILE = """# Kept by store IT: do not remove this line
[store]
name = "Old Name"  # printed on slips

[central]
# the chain's server comes later
"""

# A bad value for every field that has a rule, and words its message must hold.
BAD = {
    "store.hours": ("Mo-Fr 25:00-18:00", "write them like"),
    "store.region": ("ZZ", "two-letter country code"),
    "store.timezone": ("Nowhere/Town", "not a known time zone"),
    "printing.layout": ("napkin", "not one of"),
    "holds.expire_days": ("0", "between 1 and 90"),
    "staff.idle_lock_minutes": ("999", "between 0"),
    "flags.regular_top_share": ("2", "(0, 1]"),
    "flags.regular_min_p_alive": ("1.5", "probability"),
    "flags.new_customer_days": ("soon", "whole number"),
    "flags.lapsing_interval_factor": ("x", "number such as"),
}


@pytest.fixture
def screen(qtbot: QtBot, backend: Backend, tmp_path: Path) -> tuple[SettingsDialog, Path]:
    path = tmp_path / "settings.toml"
    path.write_text(FILE, encoding="utf-8")
    service = SettingsService(backend.ctx, path, backend.printing)
    dialog = SettingsDialog(service, Worker())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog, path


def _input(dialog: SettingsDialog, name: str):  # type: ignore[no-untyped-def]
    return next(f.inputs[name] for f in dialog.forms if name in f.inputs)


@pytest.mark.parametrize("name", sorted(BAD))
def test_each_bad_value_shows_its_message_and_greys_save_out(
    qtbot: QtBot, screen: tuple[SettingsDialog, Path], name: str
) -> None:
    dialog, _ = screen
    assert dialog.save_button.isEnabled()
    good = (lambda w: w.currentText() if hasattr(w, "currentText") else w.text())(
        _input(dialog, name)
    )
    bad, words = BAD[name]
    type_into(qtbot, _input(dialog, name), bad)
    qtbot.waitUntil(lambda: words in dialog.message(name), timeout=2000)  # after a pause
    assert not dialog.save_button.isEnabled()
    others = [n for f in dialog.forms for n in f.inputs if n != name]
    assert all(dialog.message(n) == "" for n in others)
    type_into(qtbot, _input(dialog, name), good)
    qtbot.waitUntil(lambda: dialog.message(name) == "", timeout=2000)
    assert dialog.save_button.isEnabled()


def test_typing_is_checked_once_after_a_pause_and_save_checks_what_was_typed(
    qtbot: QtBot, screen: tuple[SettingsDialog, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog, path = screen
    checks: list[int] = []
    check = dialog.service.check
    monkeypatch.setattr(dialog.service, "check", lambda t: checks.append(1) or check(t))
    type_into(qtbot, _input(dialog, "holds.expire_days"), "0")
    type_into(qtbot, _input(dialog, "store.name"), "Typed Quickly")
    assert checks == []  # not on every key
    dialog.save()  # Save straight away: the pending check runs first and refuses
    assert checks == [1]
    assert "between 1 and 90" in dialog.message("holds.expire_days")
    assert not dialog.save_button.isEnabled()
    qtbot.wait(400)
    assert checks == [1]  # once, not again after the pause
    assert dialog.saved == []
    assert path.read_text(encoding="utf-8") == FILE


def test_a_save_applies_the_printer_on_the_gui_thread(
    qtbot: QtBot, screen: tuple[SettingsDialog, Path], backend: Backend
) -> None:
    import threading

    dialog, _ = screen
    threads: list[bool] = []
    use = backend.printing.use

    def watched(printing: object) -> None:
        threads.append(threading.current_thread() is threading.main_thread())
        use(printing)  # type: ignore[arg-type]

    backend.printing.use = watched  # type: ignore[method-assign]
    type_into(qtbot, _input(dialog, "printing.layout"), "a6")
    qtbot.mouseClick(dialog.save_button, LEFT)
    qtbot.waitUntil(lambda: bool(dialog.saved), timeout=10_000)
    assert threads == [True]
    assert backend.printing.layout == "a6"


def test_save_writes_the_changes_keeps_comments_and_is_audited(
    qtbot: QtBot, screen: tuple[SettingsDialog, Path], backend: Backend
) -> None:
    dialog, path = screen
    assert _input(dialog, "store.name").text() == "Old Name"
    type_into(qtbot, _input(dialog, "store.name"), "New Name")
    type_into(qtbot, _input(dialog, "holds.expire_days"), "12")
    type_into(qtbot, _input(dialog, "printing.layout"), "a6")
    qtbot.mouseClick(dialog.save_button, LEFT)
    qtbot.waitUntil(lambda: bool(dialog.saved), timeout=10_000)
    assert dialog.saved == ["holds.expire_days", "printing.layout", "store.name"]
    text = path.read_text(encoding="utf-8")
    assert "# Kept by store IT: do not remove this line" in text
    assert "# the chain's server comes later" in text
    settings = load_settings(backend.settings.data_dir, path, env={})
    assert settings.store.name == "New Name"
    assert (settings.holds.expire_days, settings.printing.layout) == (12, "a6")
    assert backend.printing.layout == "a6"  # printer and layout apply at once
    with backend.db.read() as s:
        rows = s.execute(
            select(AuditLog.entity_id, AuditLog.detail).where(AuditLog.action == "settings_change")
        ).all()
    assert sorted(rows) == [("holds", "expire_days"), ("printing", "layout"), ("store", "name")]


def test_a_cashier_is_refused_in_plain_words_and_nothing_is_written(
    qtbot: QtBot, screen: tuple[SettingsDialog, Path], backend: Backend
) -> None:
    dialog, path = screen
    backend.ctx.sign_in(None, "Casey", "cashier")
    type_into(qtbot, _input(dialog, "store.name"), "Cashier Was Here")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    qtbot.waitUntil(lambda: "Only a manager can change the settings" in dialog.line.text())
    assert path.read_text(encoding="utf-8") == FILE


def test_a_full_disk_names_the_file_and_keeps_the_old_one(backend: Backend, tmp_path: Path) -> None:
    """The file-size limit makes the write fail as a full disk does (EFBIG, like ENOSPC,
    mid-write): the message names the file and the old one is untouched."""
    path = tmp_path / "settings.toml"
    path.write_text(FILE, encoding="utf-8")
    service = SettingsService(backend.ctx, path, backend.printing)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64, hard))
    try:
        with pytest.raises(InvalidInputError, match=f"Cannot write {path}"):
            service.save({"store.name": "A much longer name than the old one"})
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)
    assert path.read_text(encoding="utf-8") == FILE
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".settings")] == []


def test_test_print_uses_the_values_on_screen(
    qtbot: QtBot, screen: tuple[SettingsDialog, Path], backend: Backend, tmp_path: Path
) -> None:
    dialog, path = screen
    backend.printing.redirect(PrintTarget(pdf_file=tmp_path / "test.pdf"))
    type_into(qtbot, _input(dialog, "store.name"), "Unsaved Name")
    type_into(qtbot, _input(dialog, "printing.layout"), "a6")
    qtbot.mouseClick(dialog.test, LEFT)
    qtbot.waitUntil(lambda: "Test slip sent" in dialog.line.text(), timeout=20_000)
    slip = pdf_text(tmp_path / "test.pdf")
    for words in ("Unsaved Name", "Test slip", "Layout: a6"):
        assert words in slip
    assert path.read_text(encoding="utf-8") == FILE  # printing saves nothing


def test_the_line_on_when_settings_apply_names_a_whole_tab_not_its_every_field() -> None:
    from posassist.ui.views.settings import when_applied

    text = when_applied()
    assert (
        text
        == "Everything on the Printing tab applies at once; the rest when posassist starts next."
    )
