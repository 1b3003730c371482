"""The import dialog's parts that only show things: the column mapping and the run.

Kept apart from ``import_dialog.py`` (which decides what runs when) so each stays a
page long. Nothing here reads the disk or the store: the dialog hands them what the
worker found (the file's header, the saved mappings, a :class:`Progress`, a report).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from posassist.services.reference_import import COUNTS, MAPPED_FIELDS, ImportReport, Progress
from posassist.ui.feedback import mark_field

NOT_MAPPED = "—"
NEW_MAPPING = "(a new mapping)"
PAIRS = 3  # label-and-combo pairs side by side in the mapping step (fits 1024×768)
FIRST_PROBLEMS = 20  # shown in the list; the report's own cap may be lower
COUNT_LABELS = {
    "rows": "Rows read",
    "customers_new": "New customers",
    "customers_matched": "Customers matched",
    "contacts_withheld": "Contacts withheld",
    "interactions": "Visits",
    "lines": "Item lines",
    "anonymous": "Anonymous sales",
    "skipped": "Skipped",
    "problems": "Problems",
}
assert set(COUNT_LABELS) == set(COUNTS)  # one label per count, declared once in report.py


def pace(p: Progress) -> str:
    """ "42% · 12,000 rows · 8,500 rows/s · about 3 s left" (no ETA before there is a pace)."""
    parts = [f"{p.fraction:.0%}", f"{p.rows:,} rows"]
    if p.rows_per_second:
        parts.append(f"{p.rows_per_second:,.0f} rows/s")
    eta = p.eta_seconds
    if eta is not None:
        parts.append(f"about {eta:.0f} s left" if eta < 90 else f"about {eta / 60:.0f} min left")
    return " · ".join(parts)


class MappingStep(QGroupBox):
    """For a manager's own CSV: which column is which field, and the name it is saved under.

    One row per :data:`MAPPED_FIELDS` entry, each a combo of the file's header (or "—");
    a saved mapping fills them, and its name is reused. ``changed`` fires on any edit (a
    preview of another mapping is no longer true).
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "Which column is which (* needed; saved under its name when it imports)", parent
        )
        self.saved: dict[str, dict[str, str]] = {}
        self.chooser = QComboBox()
        self.chooser.setAccessibleName("Saved mapping")
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. old till export")
        self.name.setAccessibleName("Save this mapping as")
        mark_field(self.name, "mapping")  # a refusal about the mapping puts the cursor here
        top = QHBoxLayout()
        for text, widget in (("Saved mapping", self.chooser), ("Save it as", self.name)):
            label = QLabel(text)
            label.setBuddy(widget)
            top.addWidget(label)
            top.addWidget(widget, 1)
        grid = QGridLayout()
        self.columns: dict[str, QComboBox] = {}
        rows = -(-len(MAPPED_FIELDS) // PAIRS)  # three label-and-combo pairs a row: 5 rows
        for i, field in enumerate(MAPPED_FIELDS):
            combo = QComboBox()
            combo.setAccessibleName(field.label)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(8)
            combo.currentIndexChanged.connect(self.changed)
            label = QLabel(field.label + (" *" if field.required else ""))
            label.setWordWrap(True)  # "Customer id (this file's own)" on two lines
            label.setBuddy(combo)
            row, col = i % rows, 2 * (i // rows)
            grid.addWidget(label, row, col)
            grid.addWidget(combo, row, col + 1)
            self.columns[field.name] = combo
        for pair in range(PAIRS):
            grid.setColumnStretch(2 * pair, 4)
            grid.setColumnStretch(2 * pair + 1, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(grid)
        self.chooser.currentTextChanged.connect(self._on_chooser_changed)
        self.name.textEdited.connect(self.changed)

    def fill(self, header: list[str], saved: dict[str, dict[str, str]]) -> None:
        """The file's columns in every combo, and the saved mappings to choose from."""
        self.saved = saved
        for combo in self.columns.values():
            combo.blockSignals(True)
            combo.clear()
            combo.addItems([NOT_MAPPED, *header])
            combo.blockSignals(False)
        self.chooser.blockSignals(True)
        self.chooser.clear()
        self.chooser.addItems([NEW_MAPPING, *sorted(saved)])
        self.chooser.blockSignals(False)
        self.name.clear()
        self._guess(header)

    def _guess(self, header: list[str]) -> None:
        """A column named like a field (``date``, ``Phone``…) is preselected for it."""
        lowered = {h.strip().lower().replace(" ", "_"): h for h in header}
        for name, combo in self.columns.items():
            if name in lowered:
                combo.setCurrentText(lowered[name])

    def _on_chooser_changed(self, name: str) -> None:
        fields = self.saved.get(name)
        if fields is None:
            return
        for field, combo in self.columns.items():
            column = fields.get(field, NOT_MAPPED)
            combo.setCurrentText(column if combo.findText(column) >= 0 else NOT_MAPPED)
        self.name.setText(name)
        self.changed.emit()

    def focus_first_unmapped(self) -> None:
        """The cursor on the first needed field with no column yet, else the first field
        with none (else the name): where the manager has to choose next."""
        order = sorted(MAPPED_FIELDS, key=lambda f: not f.required)
        combo = next(
            (self.columns[f.name] for f in order if self.columns[f.name].currentIndex() <= 0), None
        )
        (combo or self.name).setFocus()

    def fields(self) -> dict[str, str]:
        """Field → column, for the fields given a column."""
        return {f: c.currentText() for f, c in self.columns.items() if c.currentIndex() > 0}


class RunPanel(QWidget):
    """The dry run's or the import's progress (bar, pace, Cancel), then its counts and
    its first problems, each with its file, line and column."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.pace = QLabel()
        self.cancel_button = QPushButton("&Cancel")
        self.cancel_button.setAutoDefault(False)
        running = QHBoxLayout()
        running.addWidget(self.bar, 1)
        running.addWidget(self.pace)
        running.addWidget(self.cancel_button)
        self.running = QWidget()
        self.running.setLayout(running)
        running.setContentsMargins(0, 0, 0, 0)
        self.counts: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        for i, name in enumerate(COUNTS):
            value = QLabel("–")
            value.setAlignment(Qt.AlignmentFlag.AlignRight)
            value.setAccessibleName(COUNT_LABELS[name])
            grid.addWidget(QLabel(COUNT_LABELS[name]), i // 4, 2 * (i % 4))
            grid.addWidget(value, i // 4, 2 * (i % 4) + 1)
            self.counts[name] = value
        counted = QWidget()
        counted.setLayout(grid)
        self.stack = QStackedWidget()  # the bar while it runs, then the counts, in one place
        self.stack.addWidget(counted)
        self.stack.addWidget(self.running)
        self.stack.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.problems = QListWidget()
        self.problems.setAccessibleName("First problems")
        self.problems.setWordWrap(True)  # each problem whole, on as many lines as it needs
        self.problems.setResizeMode(QListView.ResizeMode.Adjust)
        self.problems.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.problems.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.problems.setMinimumHeight(60)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        layout.addWidget(self.problems, 1)
        layout.addStretch(0)  # with no problems listed the rows stay at the top
        self.clear()

    def clear(self) -> None:
        self.stack.setCurrentIndex(0)
        for value in self.counts.values():
            value.setText("–")
        self.problems.clear()
        self.problems.hide()

    def start(self, *, can_cancel: bool) -> None:
        """Running: the bar from 0 (busy, with no fraction, when it cannot report one)."""
        self.clear()
        self.bar.setRange(0, 1000 if can_cancel else 0)
        self.bar.setValue(0)
        self.pace.setText("Reading the file…")
        self.cancel_button.setEnabled(can_cancel)
        self.stack.setCurrentIndex(1)

    def advance(self, p: Progress) -> None:
        self.bar.setValue(round(p.fraction * 1000))
        self.pace.setText(pace(p))

    def stop(self) -> None:
        self.stack.setCurrentIndex(0)

    def show_report(self, report: ImportReport) -> None:
        self.stop()
        for name, value in self.counts.items():
            value.setText(f"{getattr(report, name):,}")
        self.problems.clear()
        self.problems.addItems(report.first_problems[:FIRST_PROBLEMS])
        self.problems.setVisible(bool(report.first_problems))
