"""Which staff picks an ask is about: the finder's banner shows only those.

A banner of unrelated picks is worse than none: the cashier reads it aloud. So an ask is
matched strictly, on whole words in the finder's text form (``domain/finder_text.py``):

- a category matches when the ask names it: every word of the category is in the ask,
  singular or plural alike ("game" names "Games", "board games" names "Board games");
- a product matches when at least half of the ask's significant words are words of its
  name, singular or plural alike ("headphone" finds "Wireless headphones", "board game"
  finds "Classic board game"). Significant: not filler ("need", "for") and not one of
  the generic words catalogues put in front of everything ("everyday", "special",
  "classic", …): "everyday" alone brings up no "Everyday paperback novel".
"""

from __future__ import annotations

from posassist.domain.finder_text import is_filler, tokens

__all__ = ["ask_words", "names_category", "names_product"]

# Words that describe almost any product: matching on them alone shows unrelated picks.
GENERIC_WORDS = frozenset({
    "best", "big", "cheap", "classic", "collector", "collectors", "compact", "deluxe",
    "essential", "everyday", "family", "good", "great", "handmade", "large", "limited",
    "mini", "new", "nice", "no", "please", "pocket", "premium", "recycled", "retro",
    "small", "special", "studio", "thanks", "vintage",
})  # fmt: skip


def _singular(word: str) -> str:
    """A crude English singular, enough to treat "games"/"game", "accessories"/"accessory"
    and "boxes"/"box" as one word; a word under four letters is left alone ("cds" aside)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _forms(text: str) -> set[str]:
    """The singular form of each word of ``text`` (numbers left out: "no. 283")."""
    return {_singular(w) for w in tokens(text) if not w.isdigit()}


def ask_words(ask: str) -> list[str]:
    """The ask's words, singular, without filler ("do you have headphones" → headphone)."""
    return [_singular(w) for w in tokens(ask) if not is_filler(w)]


def names_category(words: list[str], category: str) -> bool:
    """Whether the ask (its :func:`ask_words`) names every word of ``category``."""
    wanted = _forms(category)
    return bool(wanted) and wanted <= set(words)


def names_product(words: list[str], name: str) -> bool:
    """Whether at least half of the ask's significant words are in the product's name."""
    significant = [w for w in words if w not in GENERIC_WORDS and len(w) >= 2]
    if not significant:
        return False
    have = _forms(name)
    found = sum(1 for w in significant if w in have)
    return found > 0 and 2 * found >= len(significant)
