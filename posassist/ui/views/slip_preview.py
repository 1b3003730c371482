"""F9 in the finder and the Holds queue: the slip exactly as it will print."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from posassist.ui.screen import fit_to_screen

# A referral's code is made when its slip prints, so its preview has none; other slips
# (a hold's) say their own truth through ``header``.
REFERRAL_HEADER = "A preview shows no code: the code is made when the slip prints."


class SlipPreviewDialog(QDialog):
    """The slip exactly as it will print: the PDF's own pages, rendered by QtPdf.

    The pages are rendered on the worker; only turning them into pixmaps happens here.
    """

    def __init__(
        self,
        pages: Sequence[QImage],
        parent: QWidget | None = None,
        *,
        header: str = REFERRAL_HEADER,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Slip preview")
        self.resize(560, 860)
        column = QWidget()
        inner = QVBoxLayout(column)
        for page in pages:
            label = QLabel()
            label.setPixmap(QPixmap.fromImage(page))
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            inner.addWidget(label)
        scroll = QScrollArea()
        scroll.setWidget(column)
        scroll.setWidgetResizable(True)
        scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        buttons = QDialogButtonBox()
        self.print_button = buttons.addButton(
            "Enter / F10  Print", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.print_button.setDefault(True)
        buttons.addButton("Esc  Close", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence("F10"), self).activated.connect(self.accept)
        layout = QVBoxLayout(self)
        self.header = QLabel(header)
        self.header.setWordWrap(True)
        layout.addWidget(self.header)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        fit_to_screen(self)
