"""The ask as it will be printed and counted: the cashier's words with typos corrected.

The cashier types fast ("deluxe hedphones"); the slip a customer carries to a partner and
the unmet-demand report a manager reads should say what was meant ("deluxe headphones").
Each typed word the finder matched only *fuzzily* is replaced by the vocabulary word it
matched best; words the index knows, words it could not match at all, filler words, numbers
and type-ahead prefixes ("blue" for "bluetooth") are kept as typed: a correction must never
invent an ask the customer did not make.
"""

from __future__ import annotations

from collections.abc import Callable

from posassist.domain.finder_text import is_filler, tokens

__all__ = ["corrected_wording"]


def corrected_wording(query: str, correction: Callable[[str], str | None]) -> str:
    """``query`` tidied (one space between words) with each correctable word replaced.

    ``correction`` maps one normalised token to the vocabulary word it stands for, or None
    to keep the word as typed.  A typed word that normalises to several tokens ("USB-C") is
    kept whole: it is a spelling the catalogue's own joined words already cover.
    """
    out: list[str] = []
    for typed in query.split():
        words = tokens(typed)
        fix = correction(words[0]) if len(words) == 1 and not is_filler(words[0]) else None
        out.append(typed if fix is None else _cased_like(typed, fix))
    return " ".join(out)


def _cased_like(typed: str, word: str) -> str:
    """ "Hedphones" -> "Headphones", "HEDPHONES" -> "HEADPHONES": the cashier's case stays."""
    if typed.isupper() and len(typed) > 1:
        return word.upper()
    if typed[:1].isupper():
        return word[:1].upper() + word[1:]
    return word
