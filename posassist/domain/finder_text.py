"""Text as the finder compares it: casefolded, accents and punctuation gone, in tokens.

Used on both sides of a search - the catalogue and vendor directory when the index is
built, the cashier's query per keystroke - and by the unmet-demand report to group asks
that differ only in case, accents or punctuation.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["is_filler", "normalise_text", "query_words", "tokens"]

_STOPWORDS = frozenset({
    "a", "an", "and", "any", "do", "does", "for", "have", "i", "in", "is", "it", "me", "my",
    "of", "on", "or", "some", "something", "the", "to", "with", "you", "your", "need", "want",
    "looking", "like",
})  # fmt: skip
"""English filler words a cashier types when copying the customer's sentence."""

_NON_WORD = re.compile(r"[\W_]+")


def normalise_text(text: str) -> str:
    """Casefold, strip accents and punctuation: "Café-Crème  XL" -> "cafe creme xl".

    Customers and catalogues disagree on accents, case and hyphens ("USB-C", "usb c"), so all
    comparison happens on this form.  Non-Latin scripts are kept (Greek, Cyrillic...), only
    their combining marks are removed.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", stripped).split())


def tokens(text: str) -> list[str]:
    """Normalised tokens of ``text`` (stopwords kept; callers decide)."""
    return normalise_text(text).split()


def is_filler(word: str) -> bool:
    """Whether a normalised token is one of the filler words ("need", "looking", "for")."""
    return word in _STOPWORDS


def query_words(query: str) -> list[str]:
    """The query's tokens without filler words, unless filler is all there is."""
    words = tokens(query)
    meaningful = [w for w in words if w not in _STOPWORDS]
    return meaningful or words
