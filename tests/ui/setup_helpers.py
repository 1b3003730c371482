"""Driving the first-run set-up with real widgets: typing, Next, Finish."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pypdf
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget, QWizard
from pytestqt.qtbot import QtBot

from posassist.config import load_settings
from posassist.secrets import SessionSecretStore
from posassist.services.first_run import FirstRun
from posassist.services.printers import PrintService, PrintTarget
from posassist.storage.database import Database, open_database
from posassist.ui.views.setup import SetupWizard
from posassist.ui.workers import Worker


def type_into(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Clear a field and type ``text`` into it, key by key."""
    edit = widget.lineEdit() if isinstance(widget, QComboBox) else widget
    assert isinstance(edit, QLineEdit)
    edit.selectAll()
    edit.del_()
    qtbot.keyClicks(edit, text)


LEFT = Qt.MouseButton.LeftButton


def next_page(qtbot: QtBot, wizard: QWizard) -> None:
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), LEFT)


def pdf_text(path: Path) -> str:
    return str(pypdf.PdfReader(io.BytesIO(path.read_bytes())).pages[0].extract_text())


@contextmanager
def setup_wizard(qtbot: QtBot, tmp_path: Path) -> Iterator[tuple[SetupWizard, Database, Path]]:
    """The set-up on a real, empty data folder with no settings file; test slips go to
    ``tmp_path / "test-slip.pdf"``."""
    path = tmp_path / "config" / "settings.toml"
    base = load_settings(tmp_path / "store", path, env={}, missing_ok=True)
    db = open_database(base.data_dir)
    printing = PrintService(base.printing)
    printing.redirect(PrintTarget(pdf_file=tmp_path / "test-slip.pdf"))
    worker = Worker()
    wizard = SetupWizard(FirstRun(db, base, path, SessionSecretStore()), worker, printing)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    try:
        yield wizard, db, path
    finally:
        worker.wait_idle()
        db.close()
