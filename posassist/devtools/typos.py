"""What a cashier types in a hurry: one slipped letter, and a mix of finder asks.

One helper for every bench row and test that types like a person in a hurry, so every
figure and every "typos are forgiven" check uses the same kind of mistake. :func:`typo`
makes the same slips, from the same random draws, as the finder's synthetic benchmark
(``tests/domain``), so that copy can become this one without changing a test.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

NONSENSE_LETTERS = "abcdefghijklmnopqrstuvwxyz "


def typo(word: str, rng: random.Random) -> str:
    """One realistic slip of the fingers: a dropped, swapped or wrong letter.

    Words under five letters are left alone: a slip there makes another word, not a typo.
    """
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1 :]  # deletion
    if kind == 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # transposition
    return word[:i] + rng.choice("aeiourstn") + word[i + 1 :]  # substitution


def query_mix(phrases: Sequence[str], asks: Sequence[str], n: int, rng: random.Random) -> list[str]:
    """``n`` finder queries, a quarter each: a product phrase as typed, the same phrase
    with a typo in every word, an ask only a partner vendor answers, and nonsense.

    ``phrases`` are what a customer would name a product by (a word or two of its name);
    an empty catalogue asks for "nothing".
    """
    queries: list[str] = []
    for _ in range(n):
        kind = rng.randrange(4)
        phrase = rng.choice(phrases).lower() if phrases else "nothing"
        if kind == 0:
            queries.append(phrase)
        elif kind == 1:
            queries.append(" ".join(typo(w, rng) for w in phrase.split()))
        elif kind == 2:
            queries.append(rng.choice(asks))
        else:
            queries.append("".join(rng.choice(NONSENSE_LETTERS) for _ in range(12)))
    return queries
