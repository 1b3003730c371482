"""The demo store's vocabulary: names, products, partners' trades and visit patterns.

Kept apart from :mod:`posassist.devtools.demo.generator` so the generator reads as what it
does; changing a word here changes the demo (and the counts tests pin).
"""

from __future__ import annotations

FIRST = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Chris Karen Daniel Nancy Matthew Lisa Anthony "
    "Betty Mark Sandra Paul Ashley Steven Emily Andrew Donna Joshua Michelle Kevin Amanda "
    "Brian Melissa George Deborah Timothy Stephanie Ronald Laura Jason Rebecca Ryan Sharon "
    "Zoë José Chloé Søren Łukasz Ana Björn Mehmet Priya Aisha Wei Yuki Oluwaseun Siobhan"
).split()
LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
    "O'Brien Müller Nowak Kowalski Yılmaz Okafor Patel Chen Tanaka Dubois Rossi Svensson"
).split()
SPECIAL_NAMES = ("Ελένη Παπαδοπούλου", "Иван Петров", "李小龙", "Zoë 🌻 Hart", "محمد علي")

CATEGORIES: dict[str, tuple[str, ...]] = {
    "Music": ("vinyl record", "CD album", "cassette", "turntable needle", "record sleeve"),
    "Books": ("paperback novel", "cookbook", "travel guide", "comic book", "poetry collection"),
    "Games": ("board game", "card game", "jigsaw puzzle", "dice set", "chess set"),
    "Audio": ("bluetooth speaker", "headphones", "earbuds", "audio cable", "phono preamp"),
    "Stationery": ("notebook", "fountain pen", "ink cartridge", "sketchbook", "planner"),
    "Gifts": ("gift card", "greeting card", "candle", "mug", "tote bag"),
}
ADJECTIVES = (
    "Classic Deluxe Compact Vintage Pocket Studio Premium Travel Family Collector's "
    "Limited Everyday Retro Wireless Handmade Recycled Large Mini Special Essential"
).split()
STREETS = ("Main St", "Harbour Rd", "Elm Ave", "Market Sq", "Station Rd", "King St", "Mill Ln")
AREA_CODES = ("212", "315", "347", "516", "518", "585", "607", "631", "646", "718", "845", "914")

# How customers behave, with their share of the store ("daily" is one customer, the 8th).
PATTERNS = (
    ("weekly", 0.075),
    ("big_once", 0.2),
    ("lapsed", 0.06),
    ("help_only", 0.05),
    ("new", 0.05),
    ("occasional", 0.565),
)
NOTES: dict[str, tuple[str, ...]] = {
    "service": (
        "Helped find a gift",
        "Explained the return policy",
        "Recommended a book",
        "Checked stock at another branch",
    ),
    "question": (
        "Asked about opening hours",
        "Asked for directions",
        "Asked if we repair turntables",
    ),
    "feedback": ("Loved the new layout", "Queue was long today"),
}

# What partner shops do: (name suffix, category, keywords).
VENDOR_KINDS = (
    # Keywords are "; "-separated, as the vendor directory stores them.
    ("Records", "Music", "vinyl records; turntables"),
    ("Books", "Books", "books; comics; novels"),
    ("Games", "Games", "board games; puzzles"),
    ("Hi-Fi", "Audio", "speakers; headphones; amplifiers; repair"),
    ("Paper Co.", "Stationery", "pens; paper; ink; art supplies"),
    ("Hardware", "Tools", "tools; batteries; cables; repair"),
    ("Pharmacy", "Health", "medicine; first aid"),
    ("Tailor", "Clothing", "alterations; repair; buttons"),
)

# The demo store's staff, branch by branch (the README lists them): every manager's PIN
# is 1111 and every cashier's 2222, so anyone trying the demo can sign in and switch.
DEMO_MANAGER_PIN, DEMO_CASHIER_PIN = "1111", "2222"
DEMO_STAFF_NAMES = (
    ("Morgan Lee", "Casey Park", "Riley Chen"),
    ("Jordan Diaz", "Avery Cole", "Quinn Shah"),
    ("Taylor Ng", "Jamie Ross", "Sky Patel"),
)
