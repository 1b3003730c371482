"""In-memory fuzzy index of customer names.

A misspelled name has to be found among 100,000 customers in a few milliseconds;
SQL ``LIKE`` cannot forgive typos and a trigram table would be a home-made search
engine. rapidfuzz scores the whole list in C, so we keep just (id, name key) pairs
in memory and refresh them when this register adds or renames a customer.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

from rapidfuzz import fuzz, process


class NameIndex:
    def __init__(self, loader: Callable[[], list[tuple[uuid.UUID, str]]]) -> None:
        self._loader = loader
        self._lock = threading.Lock()
        self._ids: list[uuid.UUID] = []
        self._keys: list[str] = []
        self._pos: dict[uuid.UUID, int] = {}
        self._loaded = False

    def ensure_loaded(self) -> None:
        """Load on first use (or ahead of time from a worker, to keep start-up quick)."""
        with self._lock:
            if self._loaded:
                return
            pairs = self._loader()
            self._ids = [p[0] for p in pairs]
            self._keys = [p[1] for p in pairs]
            self._pos = {cid: i for i, cid in enumerate(self._ids)}
            self._loaded = True

    def invalidate(self) -> None:
        """Forget everything; the next search reloads (after a sync brought new names)."""
        with self._lock:
            self._loaded = False

    def upsert(self, customer_id: uuid.UUID, key: str) -> None:
        with self._lock:
            if not self._loaded:
                return
            pos = self._pos.get(customer_id)
            if pos is None:
                self._pos[customer_id] = len(self._ids)
                self._ids.append(customer_id)
                self._keys.append(key)
            else:
                self._keys[pos] = key

    def remove(self, customer_id: uuid.UUID) -> None:
        with self._lock:
            pos = self._pos.get(customer_id)
            if pos is not None:
                self._keys[pos] = ""

    def search(
        self, key: str, limit: int = 10, cutoff: float = 70.0
    ) -> list[tuple[uuid.UUID, float]]:
        """Best matches for a normalised name key, as (id, score 0–100)."""
        self.ensure_loaded()
        if not key:
            return []
        with self._lock:
            keys = self._keys
            ids = self._ids
        # WRatio forgives typos, word order and partial names ("smith" → "john smith").
        hits = process.extract(
            key,
            keys,
            scorer=fuzz.WRatio,
            processor=None,
            limit=limit,
            score_cutoff=cutoff,
        )
        return [(ids[idx], float(score)) for _key, score, idx in hits]
