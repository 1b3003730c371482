"""The demo store's staff picks: each category's top three chain-wide, and one branch's own.

Kept apart from the generator so the generator reads as what it does. The picks follow
the rules of :mod:`posassist.domain.picks` (slot ids, ranks 1–3, a "why" of one short
line), so the demo shows the Picks view (F11) as a real store would, override included:
the second branch has its own #1 in the first category.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from posassist.domain.picks import pick_id

STAFF = ("Ana K.", "Marcus T.", "Priya S.", "Tom B.", "Lena W.", "Sam O.")
# Why a staff member recommends a product, by the kind of product (the catalog's nouns).
WHY: dict[str, str] = {
    "vinyl record": "Pressed on heavy vinyl: the bass is warmer than any stream",
    "CD album": "The liner notes alone are worth it, and it rips in a minute",
    "cassette": "Our best-selling gift for anyone who still has a walkman",
    "turntable needle": "Fits most decks, and an old record sounds new again",
    "record sleeve": "Acid-free: keeps a collection in shape for decades",
    "paperback novel": "I read it in one weekend and lent it to three friends",
    "cookbook": "Every recipe works on the first try, weeknights included",
    "travel guide": "The walking routes are better than any app's",
    "comic book": "Start here if you have never read one",
    "poetry collection": "Short enough for the bus, good enough to reread",
    "board game": "Two players or six, and everyone learns it in ten minutes",
    "card game": "Fits in a pocket and ends every family dinner in laughter",
    "jigsaw puzzle": "No two pieces alike, and the picture is worth framing",
    "dice set": "Heavy, balanced and they look great on the table",
    "chess set": "Weighted pieces and a board that folds flat",
    "bluetooth speaker": "Fills a room and still fits in a tote bag",
    "headphones": "Best noise cancelling under $100: I wear mine on the train",
    "earbuds": "Stay in on a run, and the battery lasts all week",
    "audio cable": "Braided, so it survives being stepped on",
    "phono preamp": "The cheapest way to make an old turntable sing",
    "notebook": "Lies flat, and fountain pen ink does not bleed through",
    "fountain pen": "Writes from the first stroke, even after a week in a drawer",
    "ink cartridge": "Fits the pens we sell, and the blue-black is lovely",
    "sketchbook": "Takes watercolour without buckling",
    "planner": "Undated pages: start it any month of the year",
    "gift card": "Never the wrong size, and it never expires",
    "greeting card": "Printed locally, and blank inside for your own words",
    "candle": "Burns clean for forty hours and smells like a forest",
    "mug": "Keeps coffee hot through a whole meeting",
    "tote bag": "Holds a week of groceries and folds into a pocket",
}
COLUMNS = ("id", "category", "sku", "rank", "why", "staff_id", "staff_name", "branch_id", "removed")
INSERT = f"INSERT INTO staff_pick ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"


def _why(noun: str, name: str) -> str:
    return WHY.get(noun, f"Our staff's favourite {name.lower()}")[:140]


def _distinct_kinds(products: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """One product of each kind first (a top three of three dice sets helps nobody)."""
    seen: set[str] = set()
    first: list[tuple[Any, ...]] = []
    rest: list[tuple[Any, ...]] = []
    for p in products:
        (rest if p[4] in seen else first).append(p)
        seen.add(p[4])
    return first + rest


def demo_picks(
    products: Sequence[tuple[Any, ...]], categories: Sequence[str], branch_ids: Sequence[str]
) -> list[tuple[Any, ...]]:
    """Rows for :data:`INSERT`: ``products`` as the generator writes them
    (id, sku, name, category, noun, carried, …); only carried products are picked."""
    rows: list[tuple[Any, ...]] = []
    for i, category in enumerate(categories):
        carried = _distinct_kinds([p for p in products if p[3] == category and p[5]])
        for rank, p in enumerate(carried[:3], start=1):
            staff = STAFF[(i + rank) % len(STAFF)]
            pid = pick_id(None, category, rank).hex
            rows.append((pid, category, p[1], rank, _why(p[4], p[2]), None, staff, None, 0))
        if i == 0 and len(branch_ids) > 1 and len(carried) > 3:
            branch = uuid.UUID(branch_ids[1])  # the second branch's own #1 here
            p = carried[3]
            why = f"Our regulars here swear by it: {_why(p[4], p[2]).lower()}"[:140]
            pid = pick_id(branch, category, 1).hex
            rows.append((pid, category, p[1], 1, why, None, STAFF[-1], branch.hex, 0))
    return rows
