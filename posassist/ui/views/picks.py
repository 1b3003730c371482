"""F11, "what's good here?": the staff's own top three per category, who picked and why.

The cashier reads it to the customer: each category with its #1–#3, the product's name,
the staff member and their one-line reason. Keyboard first: type to narrow (a category
or a product), ↑/↓ move between picks, Enter (or →) jumps to the next category and ←
back, Esc closes. The picks load on the worker and show as they arrive.

Managers edit them from Manager → Staff picks… (:class:`PickEditorDialog`): fill or
replace one slot (category and rank, chain-wide or for this branch only) or remove it.
The save runs on the worker; a refusal shows next to the field it is about.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QModelIndex, QObject, QSize, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from posassist.domain.picks import WHY_MAX, PickInput
from posassist.errors import KnownError
from posassist.services.picks import CategoryPicks, PicksService, ShownPick
from posassist.ui.feedback import MessageLine, show_error
from posassist.ui.models.base import RowsTableModel
from posassist.ui.screen import fit_to_screen
from posassist.ui.theme import named
from posassist.ui.views.dialogs import _FormDialog
from posassist.ui.views.tables import read_only_table
from posassist.ui.workers import BackgroundOp, Worker

_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
WRAP_ROOM = 14
"""Pixels of a cell the wrapped why may not use (text margins, grid line, rounding): the
row is sized for the text at the width it is painted at, so its last line is never cut."""


class _WrappedWhy(QStyledItemDelegate):
    """Sizes a why's row for its text wrapped at the column's width, less ``WRAP_ROOM``
    (Qt's own hint measures at the full width, and a why that only just fits is cut)."""

    def __init__(self, table: QTableView) -> None:
        super().__init__(table)
        self._table = table

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # type: ignore[override]
        hint = super().sizeHint(option, index)
        width = max(self._table.columnWidth(index.column()) - WRAP_ROOM, 40)
        text = str(index.data() or "")
        rect = option.fontMetrics.boundingRect(0, 0, width, 100_000, Qt.TextFlag.TextWordWrap, text)
        return QSize(hint.width(), max(hint.height(), rect.height() + 8))


class PicksModel(RowsTableModel[ShownPick]):
    """One pick a row; a category's name on its first row only, so the threes stand out."""

    HEADERS = ("Category", "#", "Product", "Picked by", "Why")
    WHY = 4  # last, stretched and word-wrapped: a long why never pushes "Picked by" away

    def cell(self, p: ShownPick, column: int, role: int) -> str:
        first = self._first_of_category(p)
        values = (
            p.category if first or role != Qt.ItemDataRole.DisplayRole else "",
            f"#{p.rank}",
            p.product or p.sku,
            p.staff + ("  (this branch)" if p.branch_pick else ""),
            p.why,
        )
        return values[column]

    def _first_of_category(self, p: ShownPick) -> bool:
        index = self._rows.index(p)
        return index == 0 or self._rows[index - 1].category != p.category

    def category_starts(self) -> list[int]:
        return [i for i, p in enumerate(self._rows) if i == 0 or self._first_of_category(p)]


def _matches(category: CategoryPicks, text: str) -> bool:
    words = text.casefold().split()
    haystack = " ".join([category.category, *(p.product or p.sku for p in category.picks)])
    return all(w in haystack.casefold() for w in words)


class PicksDialog(QDialog):
    """The Picks view; ``load`` is the service read, run on the worker."""

    def __init__(
        self,
        load: Callable[[], list[CategoryPicks]],
        worker: Worker,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Staff picks — what's good here?")
        self.categories: list[CategoryPicks] = []
        self.box = named(QLineEdit(), "search")
        self.box.setPlaceholderText("Type a category or product to narrow the list")
        self.box.setClearButtonEnabled(True)
        self.model = PicksModel()
        self.table = read_only_table(self.model)
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.horizontalHeader().setSectionResizeMode(
            PicksModel.WHY, QHeaderView.ResizeMode.Stretch
        )  # the why takes what is left and wraps; rows grow to fit it (_fit_rows)
        self.table.setItemDelegateForColumn(PicksModel.WHY, _WrappedWhy(self.table))
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self._refit = QTimer(self, singleShot=True, interval=0)  # once per burst of resizes
        self._refit.timeout.connect(self.table.resizeRowsToContents)
        self.table.horizontalHeader().sectionResized.connect(self._fit_rows)
        self.message = MessageLine()
        layout = QVBoxLayout(self)
        layout.addWidget(named(QLabel("What's good here? Our staff's top three."), "customerName"))
        layout.addWidget(self.box)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addWidget(
            named(
                QLabel("↑/↓ picks  ·  Enter / → next category  ·  ← back  ·  Esc close"), "method"
            )
        )
        self.box.textChanged.connect(self._on_box_text_changed)
        self.box.installEventFilter(self)
        self.table.installEventFilter(self)
        self.message.say("Loading the staff picks…")
        self.resize(1000, 640)
        fit_to_screen(self)
        BackgroundOp(worker, load).success(self.show_categories).failure(
            lambda exc: show_error(self.message, exc, prefix="Could not load the staff picks:")
        ).run_in_background()

    def show_categories(self, categories: Sequence[CategoryPicks]) -> None:
        self.categories = list(categories)
        self._fill()

    def _fill(self) -> None:
        text = self.box.text().strip()
        shown = [c for c in self.categories if not text or _matches(c, text)]
        self.model.set_rows([p for c in shown for p in c.picks])
        self._fit_rows()
        if not self.categories:
            self.message.say("No staff picks yet. A manager adds them: Manager → Staff picks….")
        elif not shown:
            self.message.say(f"No picks for “{text[:40]}”.")
        else:
            self.message.say("")
            self._select(0)

    def _on_box_text_changed(self, _text: str) -> None:
        self._fill()

    def _fit_rows(self, *_args: object) -> None:
        """Row heights follow the wrapped why at the current width: once, after the
        columns have settled (every column's resize asks for it)."""
        self._refit.start()

    def _select(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.table.selectRow(row)

    def current_row(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def jump(self, step: int) -> None:
        """To the first pick of the next (``step`` 1) or previous (-1) category."""
        starts = self.model.category_starts()
        row = self.current_row()
        if not starts:
            return
        if step > 0:
            target = next((s for s in starts if s > row), starts[0])
        else:  # to this category's start, or from there to the one before
            earlier = [s for s in starts if s < row]
            target = earlier[-1] if earlier else starts[-1]
        self._select(target)
        self.table.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return super().eventFilter(watched, event)
        key = event.key()
        if key in _ENTER or (watched is self.table and key == Qt.Key.Key_Right):
            self.jump(1)
            return True
        if watched is self.table and key == Qt.Key.Key_Left:
            self.jump(-1)
            return True
        if watched is self.box and key == Qt.Key.Key_Down and self.model.rowCount():
            self.table.setFocus()
            return True
        if watched is self.table and event.text().isprintable() and event.text().strip():
            self.box.setFocus()  # typing in the list narrows it, as in the finder
            self.box.insert(event.text())
            return True
        return super().eventFilter(watched, event)


def show_finder_picks(line: QLabel, picks: PicksService | None, ask: str) -> dict[str, str]:
    """The finder's staff-picks line for ``ask`` (hidden when none is about it); returns
    the badges for the rows of picked products. A small read, on the GUI thread."""
    if picks is None:
        line.setVisible(False)
        return {}
    try:
        about, badges = picks.for_finder(ask)
    except KnownError:
        about, badges = [], {}  # the finder's own answer matters more than the picks
    parts = [
        f"★ Staff picks in {c.category}: "
        + "  ·  ".join(f"#{p.rank} {p.product or p.sku} — {p.why} ({p.staff})" for p in c.picks)
        for c in about[:2]
    ]
    line.setText("\n".join(parts))
    line.setVisible(bool(parts))
    return badges


SCOPES = ("Chain-wide (every branch)", "This branch only")


class PickEditorDialog(_FormDialog):
    """Manager: fill, replace or remove one slot; OK saves on the worker."""

    def __init__(
        self,
        picks: PicksService,
        worker: Worker,
        staff_name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Staff picks", worker, parent)
        self.picks = picks
        self.removed = False
        self.category = QComboBox()
        self.category.setEditable(True)
        self.category.addItems(picks.categories())
        self.rank = QComboBox()
        self.rank.addItems(["#1", "#2", "#3"])
        self.scope = QComboBox()
        self.scope.addItems(SCOPES)
        self.sku = QLineEdit()
        self.sku.setPlaceholderText("the product's SKU")
        self.staff = QLineEdit(staff_name)
        self.why = QLineEdit()
        self.why.setPlaceholderText(f"one line, at most {WHY_MAX} characters")
        self.why_count = named(QLabel(), "method")
        self.why.textChanged.connect(self._on_why_text_changed)
        self._on_why_text_changed("")
        for label, key, widget in (
            ("Category", "category", self.category),
            ("Rank", "rank", self.rank),
            ("For", "scope", self.scope),
            ("SKU", "sku", self.sku),
            ("Picked by", "staff", self.staff),
            ("Why", "why", self.why),
        ):
            self.add_field(label, key, widget)
        self.form.addRow("", self.why_count)
        self.ok_button.setText("Save pick")
        self.remove_button = QPushButton("Remove this pick")
        self.remove_button.clicked.connect(self.remove)
        self.buttons.addButton(self.remove_button, self.buttons.ButtonRole.ActionRole)
        fit_to_screen(self)

    def _on_why_text_changed(self, text: str) -> None:
        self.why_count.setText(f"{len(text)} / {WHY_MAX}")

    def change(self) -> Callable[[], ShownPick]:
        data = PickInput(
            category=self.category.currentText(),
            rank=self.rank.currentIndex() + 1,
            sku=self.sku.text(),
            staff=self.staff.text(),
            why=self.why.text(),
            branch_id=self.picks.branch_id if self.scope.currentIndex() == 1 else None,
        )
        return lambda: self.picks.set_pick(data)

    def remove(self) -> None:
        category, rank = self.category.currentText(), self.rank.currentIndex() + 1
        branch = self.picks.branch_id if self.scope.currentIndex() == 1 else None

        def removed(_: object) -> None:
            self.removed = True
            self.accept()

        BackgroundOp(
            self.worker, lambda: self.picks.remove_pick(category, rank, branch_id=branch)
        ).success(removed).failure(lambda exc: show_error(self.error, exc)).disable(
            self.remove_button, self.ok_button
        ).run_in_background()
