"""The card's favourites strip and the reusable "customers who bought this also bought" list.

Both are read-only and filled from data the card already has (``CustomerCard.favourites``),
so they add no store read of their own. Every line is one line, elided at the window's
width with the full text in its tooltip: the card keeps its height on a 1024×768 screen.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from posassist.services.also_bought import AlsoBought
from posassist.services.favourites import Favourites
from posassist.ui import formatting as fmt


class OneLine(QLabel):
    """A label that never wraps or widens its window: it elides, the tooltip has it all."""

    def __init__(self, object_name: str = "") -> None:
        super().__init__()
        if object_name:
            self.setObjectName(object_name)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(self.width(), 40)
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, width))


class AlsoBoughtList(QWidget):
    """ "Bought with X: …": a title and one line per suggestion with its customer count.

    Reusable: give it any product's suggestions (``AlsoBoughtService.for_sku``), e.g. in
    the finder beside a product row.
    """

    def __init__(self, parent: QWidget | None = None, *, rows: int = 3) -> None:
        super().__init__(parent)
        self.title = OneLine("method")
        self.lines = [OneLine() for _ in range(rows)]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.title)
        for line in self.lines:
            layout.addWidget(line)

    def show_suggestions(self, product: str, suggestions: Sequence[AlsoBought]) -> None:
        self.title.set_full_text(f"Customers who bought {product} also bought:" if product else "")
        for i, line in enumerate(self.lines):
            line.set_full_text(suggestions[i].label if i < len(suggestions) else "")
            line.setVisible(i < len(suggestions))
        self.setVisible(bool(product and suggestions))

    def texts(self) -> list[str]:
        """What it shows (for tests and accessibility): the title, then each suggestion."""
        return [self.title.full_text()] + [ln.full_text() for ln in self.lines if ln.full_text()]


def favourite_lines(fav: Favourites) -> dict[str, str]:
    """The favourites strip's three lines; an empty string hides a line."""
    often = " · ".join(f"{f.name} ({f.times}×)" for f in fav.most_often)
    last = ", ".join(fav.last_time)
    asked = " · ".join(f"{a.item} ({fmt.day(a.asked_on)})" for a in fav.asked_before)
    return {
        "often": f"Buys most often: {often}" if often else "",
        "last": f"The same as last time? {fmt.day(fav.last_time_on)}: {last}" if last else "",
        "asked": f"Asked for before, we didn't have: {asked}" if asked else "",
    }


class FavouritesPanel(QFrame):
    """Favourites on the left, what others bought with the top favourite on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("favourites")
        self.lines = {key: OneLine() for key in ("often", "last", "asked")}
        self.also_bought = AlsoBoughtList()
        left = QVBoxLayout()
        left.setSpacing(0)
        for line in self.lines.values():
            left.addWidget(line)
        left.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(left, 3)
        layout.addWidget(self.also_bought, 2)

    def show_favourites(self, fav: Favourites | None) -> None:
        texts = favourite_lines(fav) if fav is not None else {}
        for key, line in self.lines.items():
            line.set_full_text(texts.get(key, ""))
            line.setVisible(bool(texts.get(key)))
        if fav is None:
            self.also_bought.show_suggestions("", ())
        else:
            self.also_bought.show_suggestions(fav.also_bought_for, fav.also_bought)
        has_also = fav is not None and bool(fav.also_bought_for and fav.also_bought)
        self.setVisible(any(texts.values()) or has_also)
