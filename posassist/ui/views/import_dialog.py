"""Manager → Import a file…: pick a file, confirm its kind, preview, import.

A thin widget over :class:`~posassist.services.importing.ImportService` (and, for the
reference kinds, ``services/reference_import.py``): every step that touches the disk or
the store runs on the worker (:class:`~posassist.ui.workers.BackgroundOp`), the header
and its kinds as soon as a file is chosen, the dry run, the import itself. The kind the
header looks like is preselected and the manager confirms or changes it; a file nothing
recognises is a ``mapped`` one and gets its column mapping. The dry run's counts and first
problems (file, line, column) come before the import, and Import stays off while there
are problems: the import is one transaction, so what the preview said is what it does.
Cancel (or Esc, or the register locking) sets the run's :class:`threading.Event`: the
service stops within a second and writes nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from posassist.domain.wording import plural
from posassist.errors import CancelledError
from posassist.services.reference_import import KINDS, ImportReport, Progress
from posassist.ui.feedback import MessageLine, show_error
from posassist.ui.screen import fit_to_screen
from posassist.ui.views.files import choose_open_path, still_open
from posassist.ui.views.import_steps import MappingStep, RunPanel
from posassist.ui.workers import BackgroundOp, Worker

if TYPE_CHECKING:
    from posassist.services.importing import ImportService

TITLE = "Import a file"
CANCELLED = "Cancelled, nothing imported."
FILES = "CSV and text files (*.csv *.txt *.tsv);;All files (*)"


ReferenceRun = Callable[[str, Path, bool], ImportReport]
"""A reference kind (products, stock, vendors, picks): ``(kind, path, dry_run)``."""


@dataclass
class ImportDesk:
    """What the window's import dialog may call (built by the composition root)."""

    service: ImportService
    reference: ReferenceRun | None = None  # without it the reference kinds are not offered


@dataclass(frozen=True)
class FileLook:
    """What the worker found in a chosen file: its header, the kinds it looks like (best
    first) and the saved column mappings (name → field → column)."""

    path: Path
    header: list[str]
    kinds: list[str]
    saved: dict[str, dict[str, str]]


class ImportDialog(QDialog):
    """The steps of one import, top to bottom; Enter presses the next step's button."""

    imported = Signal(object)  # the committed ImportReport

    def __init__(
        self,
        desk: ImportDesk,
        worker: Worker,
        parent: QWidget | None,
        carry: Callable[[Callable[[], object]], Callable[[], object]] = lambda op: op,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.desk, self.worker, self._carry = desk, worker, carry
        self.choose_open_path = choose_open_path  # tests answer instead of a native dialog
        self.look: FileLook | None = None
        self.report: ImportReport | None = None  # the last dry run's or import's
        self.committed: ImportReport | None = None  # the committed import, if any
        self._cancel: threading.Event | None = None  # set: the running op stops
        self._lay_out()
        worker.progress.reported.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self.mapping.show()  # sized for its tallest step, so it never grows off the screen
        self.resize(self.sizeHint())
        self._show_state()
        fit_to_screen(self)  # 1024×768: the buttons stay in view

    def _lay_out(self) -> None:
        self.file_label = QLabel("No file chosen yet.")
        self.file_label.setWordWrap(True)
        self.choose_button = QPushButton("C&hoose a file…")
        self.choose_button.setAutoDefault(False)
        self.choose_button.clicked.connect(self.choose_file)
        row = QHBoxLayout()  # under the file's name: choose one, and its kind
        row.addWidget(self.choose_button)
        self.kind = QComboBox()
        for kind in KINDS.values():
            if kind.streaming or self.desk.reference is not None:
                self.kind.addItem(kind.label, kind.name)
        self.kind.setAccessibleName("Kind of file")
        self.kind.currentIndexChanged.connect(self._on_kind_changed)
        kind_label = QLabel("&Kind of file")
        kind_label.setBuddy(self.kind)
        row.addWidget(kind_label)
        row.addWidget(self.kind, 1)
        self.mapping = MappingStep()
        self.mapping.changed.connect(self._forget_preview)
        self.run_panel = RunPanel()
        self.run_panel.cancel_button.clicked.connect(self.cancel)
        self.message = MessageLine()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.preview_button = self.buttons.addButton(
            "&Preview", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.import_button = self.buttons.addButton(
            "&Import", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.close_button = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        self.preview_button.clicked.connect(self.preview)
        self.import_button.clicked.connect(self.start_import)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.file_label)
        layout.addLayout(row)
        layout.addWidget(self.mapping)
        layout.addWidget(self.run_panel, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(960)  # the mapping's three columns of fields side by side

    # -- state -----------------------------------------------------------------------
    def kind_name(self) -> str:
        return str(self.kind.currentData())

    def running(self) -> bool:
        return self._cancel is not None

    def _show_state(self, *, focus: bool = True) -> None:
        """What may be pressed now; the next step's button is the default (Enter) and,
        after an answer from the worker, has the focus."""
        busy, chosen = self.running(), self.look is not None
        clean = (
            self.report is not None
            and self.report.dry_run
            and self.report.problems == 0
            and self.committed is None
        )
        self.choose_button.setEnabled(not busy)
        self.kind.setEnabled(chosen and not busy)
        self.mapping.setVisible(chosen and self.kind_name() == "mapped")
        self.mapping.setEnabled(not busy)
        self.preview_button.setEnabled(chosen and not busy and self.committed is None)
        self.import_button.setEnabled(clean and not busy)
        default = self.choose_button
        if self.committed is not None:
            default = self.close_button
        elif clean:
            default = self.import_button
        elif chosen:
            default = self.preview_button
        for button in (self.choose_button, self.preview_button, self.import_button):
            button.setDefault(button is default)
        self.close_button.setDefault(default is self.close_button)
        if focus and not busy:
            default.setFocus()

    def _forget_preview(self) -> None:
        """Another kind or mapping: the last preview is not this one's."""
        if self.report is not None and self.committed is None:
            self.report = None
            self.run_panel.clear()
        self.message.say("")
        self._show_state(focus=False)  # the manager is still choosing: the cursor stays

    def _on_kind_changed(self, _index: int) -> None:
        self._forget_preview()

    # -- step 1: the file, read on the worker ---------------------------------------
    def choose_file(self) -> None:
        path = still_open(self, lambda: self.choose_open_path(self, TITLE, FILES))
        if path is None:
            return
        self.open_file(path)

    def open_file(self, path: Path) -> None:
        """Read the header, the kinds it looks like and the saved mappings, off the GUI."""
        service = self.desk.service
        self.look, self.report, self.committed = None, None, None
        self.run_panel.clear()
        self.message.say("")
        self.file_label.setText(f"Reading {path.name}…")

        def look() -> FileLook:
            header = service.header(path)
            saved = {n: service.mapping(n) or {} for n in service.mappings()}
            return FileLook(path, header, service.detect(path), saved)

        self._show_state()
        BackgroundOp(self.worker, self._carry(look)).success(self._on_looked).failure(
            self._on_unreadable
        ).disable(self.choose_button).run_in_background()

    def _on_looked(self, look: object) -> None:
        assert isinstance(look, FileLook)
        self.look = look
        self.file_label.setText(str(look.path))
        self.mapping.fill(look.header, look.saved)
        best = next((k for k in look.kinds if self.kind.findData(k) >= 0), "mapped")
        self.kind.blockSignals(True)
        self.kind.setCurrentIndex(self.kind.findData(best))
        self.kind.blockSignals(False)
        found = KINDS[best].label if look.kinds else "Nothing recognised: map its columns"
        self.message.say(f"{found}. Change the kind if it is not, then Preview.")
        self._show_state()
        if best == "mapped":
            self.mapping.focus_first_unmapped()  # the manager's next step is there

    def _on_unreadable(self, exc: BaseException) -> None:
        self.file_label.setText("No file chosen yet.")
        self._show_state()
        show_error(self.message, exc, prefix="Cannot read this file.")

    # -- steps 2 and 3: the dry run, then the import ---------------------------------
    def preview(self) -> None:
        """The dry run on the worker: its counts, its first problems, Import if none."""
        self._start(dry_run=True)

    def start_import(self) -> None:
        if self.report is not None and self.report.dry_run and self.report.problems == 0:
            self._start(dry_run=False)

    def _start(self, *, dry_run: bool) -> None:
        look = self.look
        if look is None or self.running():
            return
        kind, path = self.kind_name(), look.path
        streaming = KINDS[kind].streaming
        cancel = threading.Event()
        key = cancel  # this run's reports: the relay is the worker's, shared
        relay = self.worker.progress

        def progress(p: Progress) -> None:
            relay.report(key, p)

        op = self._op(kind, path, dry_run, progress, cancel)
        self._cancel = cancel
        self.message.say("Checking the file (nothing is written)…" if dry_run else "Importing…")
        self.run_panel.start(can_cancel=streaming)
        self._show_state()

        def settle() -> None:
            self._cancel = None

        def answered(report: ImportReport) -> None:
            settle()
            if shiboken6.isValid(self) and self.isVisible():
                self._on_report(report)

        def failed(exc: BaseException) -> None:
            settle()
            if shiboken6.isValid(self) and self.isVisible():
                self._on_failed(exc)

        BackgroundOp(self.worker, self._carry(op)).success(answered).failure(  # type: ignore[arg-type]
            failed
        ).run_in_background()

    def _op(
        self,
        kind: str,
        path: Path,
        dry_run: bool,
        progress: Callable[[Progress], None],
        cancel: threading.Event,
    ) -> Callable[[], ImportReport]:
        """The work, with what it needs read here on the GUI thread first."""
        service, reference = self.desk.service, self.desk.reference
        if not KINDS[kind].streaming:
            assert reference is not None
            return lambda: reference(kind, path, dry_run)
        name = self.mapping.name.text().strip() if kind == "mapped" else ""
        fields = self.mapping.fields()

        def run() -> ImportReport:
            # The mapping is saved by the import itself, in its transaction: a preview, a
            # refused file or a cancel leaves the saved mappings as they were.
            return service.run(
                kind, path, dry_run=dry_run, mapping=name or None,
                mapping_fields=fields if name else None, progress=progress, cancel=cancel,
            )  # fmt: skip

        return run

    def _on_progress(self, key: object, p: object) -> None:
        if key is self._cancel and isinstance(p, Progress):  # this dialog's running job
            self.run_panel.advance(p)

    def _on_report(self, report: ImportReport) -> None:
        self.report = report
        self.run_panel.show_report(report)
        if report.dry_run:
            self.message.say(
                f"{plural(report.problems, 'problem')}: fix the file, nothing can be imported yet."
                if report.problems
                else "The preview found no problems: Import writes exactly this.",
                problem=bool(report.problems),
            )
        elif report.imported:
            self.committed = report
            self.message.say(f"Imported {report.path.name}.")
            self.imported.emit(report)
        else:
            self.message.say("Nothing was imported: the file has problems.", problem=True)
        self._show_state()

    def _on_failed(self, exc: BaseException) -> None:
        self.run_panel.stop()
        cancelled = isinstance(exc, CancelledError)
        previewed = self.report is not None and self.report.dry_run and not self.report.problems
        if cancelled and previewed and self.report is not None:
            # The import was cancelled after a clean preview: that preview still holds
            # (nothing was written), so it stays on screen and Import can run again.
            self.run_panel.show_report(self.report)
        elif cancelled:
            self.report = None
            self.run_panel.clear()
        else:
            self._back_to_detected_kind()
        self._show_state()  # first: a refusal then puts the cursor at its field
        if cancelled:
            self.message.say(
                f"{CANCELLED} The preview above still holds: Import to try again."
                if previewed
                else CANCELLED,
                problem=True,
            )
        else:
            show_error(self.message, exc, prefix="Nothing was imported.")

    def _back_to_detected_kind(self) -> None:
        """After a refusal of a kind the header is not (the message says which it is),
        the kind list goes back to what the header was recognised as: the next Preview
        is the right one, not the same refusal again."""
        look = self.look
        if look is None or not look.kinds or self.kind_name() in look.kinds:
            return
        index = self.kind.findData(look.kinds[0])
        if index >= 0:
            self.kind.blockSignals(True)
            self.kind.setCurrentIndex(index)
            self.kind.blockSignals(False)

    # -- cancel and close ------------------------------------------------------------
    def cancel(self) -> None:
        """Cancel: the service sees the event within a second and writes nothing."""
        if self._cancel is not None:
            self._cancel.set()
            self.run_panel.cancel_button.setEnabled(False)
            self.run_panel.pace.setText("Cancelling…")

    def reject(self) -> None:
        """Esc, Close or the register locking: a running import is cancelled first."""
        self.cancel()
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.cancel()
        super().closeEvent(event)
