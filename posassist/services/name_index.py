"""In-memory fuzzy index of customer names.

A misspelled name has to be found among 100,000 customers in a few milliseconds.
SQL ``LIKE`` cannot forgive typos, and scoring every full name with rapidfuzz costs
~100 ms. So the index works in two steps, both in rapidfuzz's C code:

1. each word typed is matched, typos forgiven, against the *vocabulary* of name words
   (a few thousand distinct words even in a large store), plus plain prefix matches
   so "smi" finds "smith";
2. only customers having a matching word for every typed word (or, failing that, for
   any typed word) are scored as whole names, and the best are returned.

It is refreshed when this register adds or renames a customer, and reloaded after a
sync brings names from elsewhere.
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import islice

WORD_CUTOFF = 70.0
MAX_WORD_MATCHES = 12
MAX_CANDIDATES = 20_000
TIE_FACTOR = 5  # ties at the cut kept for ranking by recency: at most 5 × the limit
# One or two letters ("Jo") start thousands of names: scoring each whole name with WRatio
# costs 10-20 ms per key on a large store, and for a prefix that short there is no typo to
# forgive, so such a key is ranked by its words (the word itself, then longer words).
SHORT_KEY = 2
EXACT_WORD_SCORE, PREFIX_SCORE = 100.0, 90.0


class NameIndex:
    def __init__(self, loader: Callable[[], Iterable[tuple[str, str]]]) -> None:
        """``loader`` yields (customer id as 32-char hex, name key) pairs."""
        self._loader = loader
        self._lock = threading.Lock()
        self._ids: list[str] = []
        self._keys: list[str] = []
        self._pos: dict[str, int] = {}
        self._postings: dict[str, list[int]] = defaultdict(list)
        self._vocab: list[str] = []
        self._dead: set[int] = set()  # positions of renamed or removed customers
        self._loaded = False

    def ensure_loaded(self) -> None:
        """Load on first use (or ahead of time from a worker, to keep start-up quick)."""
        with self._lock:
            if self._loaded:
                return
            self._ids, self._keys, self._pos = [], [], {}
            self._postings = defaultdict(list)
            self._dead = set()
            for hex_id, key in self._loader():
                self._add(hex_id, key)
            self._vocab = list(self._postings)
            self._loaded = True

    def _add(self, hex_id: str, key: str) -> None:
        pos = len(self._ids)
        self._pos[hex_id] = pos
        self._ids.append(hex_id)
        self._keys.append(key)
        for word in set(key.split()):
            postings = self._postings.get(word)
            if postings is None:
                self._postings[word] = [pos]
                if self._loaded:
                    self._vocab.append(word)
            else:
                postings.append(pos)

    def invalidate(self) -> None:
        """Forget everything; the next search reloads (after a sync brought new names)."""
        with self._lock:
            self._loaded = False

    def upsert(self, customer_id: uuid.UUID, key: str) -> None:
        with self._lock:
            if not self._loaded:
                return
            pos = self._pos.get(customer_id.hex)
            if pos is not None:
                self._keys[pos] = ""  # old postings now point at an empty key: harmless
                self._dead.add(pos)
            self._add(customer_id.hex, key)

    def remove(self, customer_id: uuid.UUID) -> None:
        with self._lock:
            pos = self._pos.pop(customer_id.hex, None)
            if pos is not None:
                self._keys[pos] = ""
                self._dead.add(pos)

    def _word_positions(self, word: str) -> set[int]:
        from rapidfuzz import fuzz, process  # imported by the index load, off start-up

        matches = {
            found
            for found, _score, _i in process.extract(
                word,
                self._vocab,
                scorer=fuzz.ratio,
                limit=MAX_WORD_MATCHES,
                score_cutoff=WORD_CUTOFF,
            )
        }
        if len(word) >= 2:
            matches.update(v for v in self._vocab if v.startswith(word))
        out: set[int] = set()
        for found in matches:
            out.update(self._postings[found])
        return out

    def search(
        self, key: str, limit: int = 10, cutoff: float = 60.0
    ) -> list[tuple[uuid.UUID, float]]:
        """Best matches for a normalised name key, as (id, score 0–100), best first."""
        return self.search_counted(key, limit, cutoff)[0][:limit]

    def search_counted(
        self, key: str, limit: int = 10, cutoff: float = 60.0
    ) -> tuple[list[tuple[uuid.UUID, float]], int]:
        """The best matches and how many matched in all ("20 of 143 shown").

        Matches tied with the ``limit``-th best are kept too (up to a few times
        ``limit``), so the caller can prefer the customer seen most recently among equals
        instead of whichever the index happened to list first.
        """
        self.ensure_loaded()
        words = key.split()
        if not words:
            return [], 0
        if len(words) == 1 and len(words[0]) <= SHORT_KEY:
            return self._by_short_prefix(words[0], limit)
        with self._lock:
            per_word = [self._word_positions(w) for w in words]
            candidates = set.intersection(*per_word) or set.union(*per_word)
            if len(candidates) > MAX_CANDIDATES:
                candidates = set(sorted(candidates)[:MAX_CANDIDATES])
            positions = list(candidates)
            choices = [self._keys[p] for p in positions]
            ids = [self._ids[p] for p in positions]
        # WRatio forgives typos, word order and partial names ("smith" → "john smith").
        from rapidfuzz import fuzz, process

        hits = process.extract(
            key, choices, scorer=fuzz.WRatio, processor=None, limit=None, score_cutoff=cutoff
        )
        if len(hits) > limit:
            boundary = hits[limit - 1][1]
            kept = [h for h in hits[: limit * TIE_FACTOR] if h[1] >= boundary]
        else:
            kept = hits
        return [(uuid.UUID(hex=ids[idx]), float(score)) for _k, score, idx in kept], len(hits)

    def _by_short_prefix(self, word: str, limit: int) -> tuple[list[tuple[uuid.UUID, float]], int]:
        """Customers with a name word equal to ``word`` first, then those whose word starts
        with it. All of them are counted, but only as many as :meth:`search_counted` would
        keep are listed: with one letter that is a few hundred of ~15,000, in set operations."""
        cap = limit * TIE_FACTOR
        with self._lock:
            exact = set(self._postings.get(word, ())) - self._dead
            everyone = set(exact)
            for v in self._vocab:
                if v.startswith(word):
                    everyone.update(self._postings[v])
            everyone -= self._dead
            ranked = [(p, EXACT_WORD_SCORE) for p in islice(exact, cap)]
            ranked += [(p, PREFIX_SCORE) for p in islice(everyone - exact, cap - len(ranked))]
            kept = ranked
            if len(everyone) > limit:
                boundary = ranked[limit - 1][1]
                kept = [r for r in ranked if r[1] >= boundary]
            return [(uuid.UUID(hex=self._ids[p]), score) for p, score in kept], len(everyone)
