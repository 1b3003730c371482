"""The card's favourites strip and the reusable "customers who bought this also bought" list.

Both are read-only and filled from data the card already has (``CustomerCard.favourites``),
so they add no store read of their own. Every line is one line, elided at the window's
width with the full text in its tooltip: the card keeps its height on a 1024×768 screen.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from posassist.errors import KnownError
from posassist.services.also_bought import AlsoBought, AlsoBoughtService, BuildResult
from posassist.services.favourites import Favourites
from posassist.ui import formatting as fmt
from posassist.ui.workers import BackgroundOp, Worker

if TYPE_CHECKING:
    from posassist.services.customers import CustomerCard


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
    """ "Customers who bought X also bought: …", each suggestion with its customer count.

    Reusable: give it any product's suggestions (``AlsoBoughtService.for_sku``), e.g. in
    the finder beside a product row. ``rows`` lines under a title, or with ``one_line``
    all on one elided line (the card, where height is scarce).
    """

    def __init__(
        self, parent: QWidget | None = None, *, rows: int = 3, one_line: bool = False
    ) -> None:
        super().__init__(parent)
        self._texts: list[str] = []
        self.title = OneLine("" if one_line else "method")
        self.lines = [OneLine() for _ in range(0 if one_line else rows)]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.title)
        for line in self.lines:
            layout.addWidget(line)

    def show_suggestions(self, product: str, suggestions: Sequence[AlsoBought]) -> None:
        title = f"Customers who bought {product} also bought:" if product else ""
        self._texts = [title] + [a.label for a in suggestions] if suggestions else []
        if self.lines:
            self.title.set_full_text(title)
            for i, line in enumerate(self.lines):
                line.set_full_text(suggestions[i].label if i < len(suggestions) else "")
                line.setVisible(i < len(suggestions))
        else:
            self.title.set_full_text(f"{title} {' · '.join(self._texts[1:])}")
        self.setVisible(bool(product and suggestions))

    def texts(self) -> list[str]:
        """What it shows (for tests and accessibility): the title, then each suggestion."""
        return list(self._texts)


def _day(d: date | None) -> str:
    """A short day on the card: "05 Nov" this year, "05 Nov 2025" before."""
    if d is None:
        return "—"
    return d.strftime("%d %b") if d.year == date.today().year else fmt.day(d)


def favourite_lines(fav: Favourites) -> dict[str, str]:
    """The favourites strip's three lines; an empty string hides a line."""
    often = " · ".join(f"{f.name} ({f.times}×)" for f in fav.most_often)
    last = ", ".join(fav.last_time)
    asked = " · ".join(f"{a.item} ({_day(a.asked_on)})" for a in fav.asked_before)
    return {
        "often": f"Buys most often: {often}" if often else "",
        "last": f"The same as last time? ({_day(fav.last_time_on)}) {last}" if last else "",
        "asked": f"Asked for before, we didn't have: {asked}" if asked else "",
    }


class FavouritesPanel(QFrame):
    """The favourites, then what others bought with the top favourite: one full-width
    line each, so a long product name still reads at 1024 pixels."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("favourites")
        self.lines = {key: OneLine() for key in ("often", "last", "asked")}
        self.also_bought = AlsoBoughtList(one_line=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        for line in self.lines.values():
            layout.addWidget(line)
        layout.addWidget(self.also_bought)

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


class _ShowsCard(Protocol):
    card: CustomerCard | None
    favourites: FavouritesPanel


def rebuild_in_background(
    worker: Worker,
    also: AlsoBoughtService,
    view: _ShowsCard,
    load_card: Callable[[uuid.UUID], CustomerCard],
    on_failure: Callable[[BaseException], None],
) -> None:
    """Rebuild "also bought" on the worker if stale; when it was rebuilt, refresh only the
    favourites strip of the card on screen (an indexed read): the rest of the card, the
    focus and the status line stay as the cashier left them."""

    def built(result: BuildResult) -> None:
        shown = view.card
        if not result.built or shown is None:
            return
        try:
            card = load_card(shown.id)
        except KnownError:
            return
        view.favourites.show_favourites(card.favourites)

    BackgroundOp(worker, also.rebuild_if_stale).success(built).failure(
        on_failure
    ).run_in_background()
