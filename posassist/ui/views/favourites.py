"""The card's favourites strip and the reusable "customers who bought this also bought" list.

Both are read-only and filled from data the card already has (``CustomerCard.favourites``),
so they add no store read of their own. Each line shows whole items only, each with its
count ("(3×)", "— 2 customers"), as many as fit at the window's width, then "+N more"; the
"also bought" line may take two lines. The full text is in the tooltip. A few font
measurements per resize, no extra widgets: the card keeps its height and its paint time.
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


class ItemsLine(OneLine):
    """``prefix`` then whole ``items`` on at most ``max_lines`` lines, "· +N more" for the
    rest: an item is never cut, so its count always shows (only an item wider than the
    whole line is elided, keeping what fits)."""

    def __init__(self, object_name: str = "", *, max_lines: int = 1, sep: str = " · ") -> None:
        super().__init__(object_name)
        self.sep = sep
        self._prefix = ""
        self._items: list[str] = []
        self._max_lines = max_lines

    def set_items(self, prefix: str, items: Sequence[str]) -> None:
        self._prefix, self._items = prefix, list(items)
        full = f"{prefix} {self.sep.join(self._items)}" if self._items else ""
        self.set_full_text(full)

    def _elide(self) -> None:
        if not self._items:
            super()._elide()
            return
        width = max(self.width(), 40)
        for shown in range(len(self._items), 0, -1):
            lines = self._lay_out(self._items[:shown], len(self._items) - shown, width)
            if lines is not None:
                self.setText("\n".join(lines))
                return
        first = self.fontMetrics().elidedText(
            f"{self._prefix} {self._items[0]}", Qt.TextElideMode.ElideRight, width
        )
        self.setText(first)

    def _lay_out(self, items: list[str], rest: int, width: int) -> list[str] | None:
        """The lines for ``items`` (+ "+rest more"), or None when they need more lines."""
        words = [*items, f"+{rest} more"] if rest else items
        metrics = self.fontMetrics()
        lines, glue = [self._prefix], " "  # a long title may end its line on its own
        for word in words:
            joined = lines[-1] + glue + word if lines[-1] else word
            if metrics.horizontalAdvance(joined) <= width:
                lines[-1] = joined
            else:
                lines.append(word)
            glue = self.sep
        too_wide = any(metrics.horizontalAdvance(line) > width for line in lines)
        return None if too_wide or len(lines) > self._max_lines else lines


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
        self.title: OneLine = ItemsLine(max_lines=2) if one_line else OneLine("method")
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
        elif isinstance(self.title, ItemsLine):
            self.title.set_items(title, self._texts[1:])
        self.setVisible(bool(product and suggestions))

    def texts(self) -> list[str]:
        """What it shows (for tests and accessibility): the title, then each suggestion."""
        return list(self._texts)


def _day(d: date | None) -> str:
    """A short day on the card: "05 Nov" this year, "05 Nov 2025" before."""
    if d is None:
        return "—"
    return d.strftime("%d %b") if d.year == date.today().year else fmt.day(d)


def favourite_lines(fav: Favourites) -> dict[str, tuple[str, list[str]]]:
    """The favourites strip's three lines as (prefix, items); no items hides a line."""
    return {
        "often": ("Buys most often:", [f"{f.name} ({f.times}×)" for f in fav.most_often]),
        "last": (f"The same as last time? ({_day(fav.last_time_on)})", list(fav.last_time)),
        "asked": (
            "Asked for before, we didn't have:",
            [f"{a.item} ({_day(a.asked_on)})" for a in fav.asked_before],
        ),
    }


class FavouritesPanel(QFrame):
    """The favourites, then what others bought with the top favourite: one full-width
    line each, so a long product name still reads at 1024 pixels."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("favourites")
        self.lines = {"often": ItemsLine(), "last": ItemsLine(sep=", "), "asked": ItemsLine()}
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
            prefix, items = texts.get(key, ("", []))
            line.set_items(prefix, items)
            line.setVisible(bool(items))
        if fav is None:
            self.also_bought.show_suggestions("", ())
        else:
            self.also_bought.show_suggestions(fav.also_bought_for, fav.also_bought)
        has_also = fav is not None and bool(fav.also_bought_for and fav.also_bought)
        self.setVisible(any(items for _, items in texts.values()) or has_also)


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
