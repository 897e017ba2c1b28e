"""Text vectors of recent queries, kept in memory.

A query that runs again — the open search re-run as indexing adds photos, a filter changed, the same words
typed again — skips the text tower (~30 ms on a CPU) and, above all, does not queue for the model behind an
indexing batch (seconds on a CPU). Keys carry the model id, so a model change never mixes vectors.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

#: distinct query texts remembered (a 512-d vector is 2 KB: 256 of them is half a megabyte)
SIZE = 256


class QueryVectors:
    def __init__(self, size: int = SIZE) -> None:
        self._size = size
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, model_id: str, texts: list[str], embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """Vectors of ``texts`` in order; only texts not remembered go through ``embed`` (in one call)."""
        known = self._recall(model_id, texts)
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            fresh = embed(missing)
            known.update(zip(missing, fresh, strict=True))
            self._remember(model_id, missing, fresh)
        return np.stack([known[t] for t in texts])

    def _recall(self, model_id: str, texts: list[str]) -> dict[str, np.ndarray]:
        found = {}
        with self._lock:
            for text in texts:
                vector = self._vectors.get((model_id, text))
                if vector is not None:
                    self._vectors.move_to_end((model_id, text))
                    found[text] = vector
        return found

    def _remember(self, model_id: str, texts: list[str], vectors: np.ndarray) -> None:
        with self._lock:
            for text, vector in zip(texts, vectors, strict=True):
                self._vectors[(model_id, text)] = vector
            while len(self._vectors) > self._size:
                self._vectors.popitem(last=False)
