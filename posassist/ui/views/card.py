"""The customer card: who they are, how often they come, everything that happened."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from posassist.services.customers import ContactDetails, CustomerCard, TimelineEntry
from posassist.ui import formatting as fmt
from posassist.ui.models.customers import TimelineModel
from posassist.ui.theme import named
from posassist.ui.views.favourites import FavouritesPanel
from posassist.ui.views.tables import read_only_table

# (key, label, kind) — the F-key is shown on the button, the window binds it.
ACTIONS = (
    ("F5", "Purchase", "purchase"),
    ("F6", "Help, no sale", "service"),
    ("F7", "Question", "question"),
    ("F8", "Feedback", "feedback"),
)
# What can be logged with no customer open: help or a question for a walk-in. Their
# buttons stay enabled on the empty card, so they do not look as if they could not.
WALK_IN_KINDS = ("service", "question")
# How the timeline's flexible columns share the width: What, Branch, Staff, Items / note.
SHARES = {1: 1.3, 2: 1.0, 3: 1.0, 5: 2.6}
# The columns as wide as their widest cell: When, Basket.
CONTENT_COLUMNS = (0, 4)


class _Tile(QFrame):
    def __init__(self, caption: str) -> None:
        super().__init__()
        self.setObjectName("tile")
        self.value = named(QLabel("—"), "tileValue")
        layout = QVBoxLayout(self)
        layout.addWidget(self.value)
        self.caption = named(QLabel(caption), "tileCaption")
        self.caption.setWordWrap(True)  # "visits, last 90 days" on a narrow screen
        layout.addWidget(self.caption)


class CustomerCardView(QWidget):
    def __init__(self, tz: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.card: CustomerCard | None = None
        # The open customer's details in full after a reveal (Ctrl+I); None: masked.
        self.revealed: ContactDetails | None = None
        self.name = named(QLabel(), "customerName")
        # Names in right-to-left scripts would otherwise align right, under the badge.
        self.name.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.name.setWordWrap(True)
        self.greeting = named(QLabel(), "greeting")
        self.contact = named(QLabel(), "contact")
        self.badge = named(QLabel(), "badge")
        self.reasons = named(QLabel(), "reasons")
        self.reasons.setWordWrap(True)
        self.method = named(QLabel(), "method")
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.favourites = FavouritesPanel()
        self.tiles = {
            key: _Tile(caption)
            for key, caption in (
                ("total", "visits in all"),
                ("recent", "visits, last 90 days"),
                ("last", "last visit"),
                ("usual", "usually comes"),
                ("since", "customer since"),
            )
        }
        tiles = QGridLayout()
        for col, tile in enumerate(self.tiles.values()):
            tiles.addWidget(tile, 0, col)
        buttons = self._make_buttons()
        self.timeline_model = TimelineModel(tz)
        self.timeline = read_only_table(self.timeline_model)
        self._fit_timeline_columns()
        layout = QVBoxLayout(self)
        title = QHBoxLayout()
        title.addWidget(self.name, 1)
        title.addWidget(self.badge)
        layout.addLayout(title)
        layout.addWidget(self.greeting)
        layout.addWidget(self.reasons)
        layout.addWidget(self.method)
        layout.addWidget(self.contact)
        layout.addLayout(tiles)
        layout.addWidget(self.notes)
        layout.addWidget(self.favourites)
        layout.addLayout(buttons)
        layout.addWidget(self.timeline, 1)
        self.show_card(None)

    def _fit_timeline_columns(self) -> None:
        """Headers are never clipped and the table never scrolls sideways on a 1024-pixel
        screen: When and Basket fit their contents, the other columns share the rest (each
        at least as wide as its header) and elide; the tooltip has the full text.

        Every column is Fixed and sized here, once per card, not ``ResizeToContents``: Qt
        re-measures a contents-sized column over every row (through ``data()``, in Python)
        each time *any* section moves, so sharing out the width cost a long timeline a
        dozen passes over its rows on every Enter.
        """
        self.timeline.setWordWrap(False)
        self.timeline.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.timeline.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.timeline.horizontalHeader()
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(40)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self._content_widths: dict[int, int] = {}
        self.timeline.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.timeline.viewport() and event.type() == QEvent.Type.Resize:
            self._spread_timeline_columns()
        return super().eventFilter(watched, event)

    def _measure_content_columns(self) -> None:
        """When and Basket as wide as ``ResizeToContents`` would make them: the header's
        own hint or the widest cell, whichever is wider. The widest cell is found by the
        font's text widths (cheap), and only that one cell is asked of the delegate, so
        margins, font and grid line come out exactly as Qt measures them."""
        header = self.timeline.horizontalHeader()
        metrics = self.timeline.fontMetrics()
        grid = 1 if self.timeline.showGrid() else 0
        for column in CONTENT_COLUMNS:
            width = header.sectionSizeHint(column)
            texts = self.timeline_model.column_texts(column)
            if texts:
                widest = max(range(len(texts)), key=lambda r: metrics.horizontalAdvance(texts[r]))
                cell = self.timeline.sizeHintForIndex(self.timeline_model.index(widest, column))
                width = max(width, cell.width() + grid)
            low, high = header.minimumSectionSize(), header.maximumSectionSize()
            self._content_widths[column] = min(max(width, low), high)

    def _spread_timeline_columns(self) -> None:
        header = self.timeline.horizontalHeader()
        for column, width in self._content_widths.items():
            if header.sectionSize(column) != width:
                header.resizeSection(column, width)
        fixed = sum(self._content_widths.values())
        room = self.timeline.viewport().width() - fixed - 2 * self.timeline.frameWidth() - 4
        total = sum(SHARES.values())
        for column, share in SHARES.items():
            width = max(header.sectionSizeHint(column), int(room * share / total))
            if header.sectionSize(column) != width:
                header.resizeSection(column, width)

    def _make_buttons(self) -> QGridLayout:
        """F5–F8, F9 and F12, two rows of three so the card fits a 1280-pixel screen."""
        self.action_buttons: dict[str, QPushButton] = {}
        for key, label, kind in ACTIONS:
            button = QPushButton(f"{key}  {label}")
            button.setProperty("kind", kind)
            self.action_buttons[kind] = button
        self.notes_button = QPushButton("F9  Notes")
        self.referral_button = QPushButton("F12  Sent by a partner")
        buttons = QGridLayout()
        for i, button in enumerate(
            [*self.action_buttons.values(), self.notes_button, self.referral_button]
        ):
            buttons.addWidget(button, i // 3, i % 3)
        return buttons

    def show_card(self, card: CustomerCard | None) -> None:
        """Show ``card`` with its contact details masked, unless this same customer's were
        revealed and the card has not closed since (a reload after logging a visit)."""
        if card is None or self.card is None or card.id != self.card.id:
            self.revealed = None
        self.card = card
        for kind, button in self.action_buttons.items():
            button.setEnabled(card is not None or kind in WALK_IN_KINDS)
        for button in (self.notes_button, self.referral_button):
            button.setEnabled(card is not None)
        if card is None:
            self.name.setText("No customer selected")
            self.greeting.setText("")
            self.badge.hide()
            self.reasons.setText("")
            self.method.setText("")
            self.contact.setText("Find a customer on the left, or log a walk-in (F6, F7).")
            self.notes.setText("")
            self.favourites.show_favourites(None)
            for tile in self.tiles.values():
                tile.value.setText("—")
            self._show_timeline(())
            return
        self.name.setText(card.display_name)
        self.greeting.setText(card.greeting)
        badges = [fmt.tier_label(t) for t in card.flag.badges]
        self.badge.setText("  ".join(b for b in badges if b))
        self.badge.setProperty("tier", card.flag.tier.value)
        self.badge.style().unpolish(self.badge)
        self.badge.style().polish(self.badge)
        self.badge.setVisible(any(badges))
        self.reasons.setText(card.flag.reasons)
        self.method.setText(card.flag_method_note)
        self._show_contact(card)
        notes = []
        if card.notes:
            notes.append(f"Notes: {card.notes[:300]}")
        if card.preferences:
            notes.append(f"Likes: {card.preferences[:300]}")
        self.notes.setText("\n".join(notes))
        self.notes.setVisible(bool(notes))
        self.tiles["total"].value.setText(str(card.visits.visit_days_total))
        self.tiles["recent"].value.setText(str(card.visits.visit_days_90d))
        self.tiles["last"].value.setText(fmt.day(card.visits.last_visit))
        self.tiles["usual"].value.setText(fmt.interval(card.visits.usual_interval_days))
        self.tiles["since"].value.setText(card.customer_since.strftime("%b %Y"))
        self.favourites.show_favourites(card.favourites)
        self._show_timeline(card.timeline)

    def reveal(self, details: ContactDetails) -> None:
        """Show the open customer's details in full until the card closes (Ctrl+I)."""
        if self.card is not None:
            self.revealed = details
            self._show_contact(self.card)

    def _show_contact(self, card: CustomerCard) -> None:
        shown = self.revealed
        if shown is not None:
            parts = [shown.phone, shown.email, f"card {shown.card_code}" if shown.card_code else ""]
        else:
            card_part = f"card {card.card_masked}" if card.card_code else ""
            parts = [card.phone_masked, card.email_masked, card_part]
        contact = "   ·   ".join(p for p in parts if p)
        if not contact:
            self.contact.setText("No contact details")
        elif shown is None:
            self.contact.setText(f"{contact}   (Ctrl+I shows them)")
        else:
            self.contact.setText(contact)

    def _show_timeline(self, entries: Sequence[TimelineEntry]) -> None:
        """New rows, then the columns sized for them before the next paint (one layout,
        one paint: no frame with the last customer's widths)."""
        self.timeline_model.set_entries(entries)
        self._measure_content_columns()
        self._spread_timeline_columns()
