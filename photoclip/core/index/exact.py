"""Exact search over a model's memory-mapped vector matrix, for a process that runs one query and ends.

Loading the HNSW file reads all of it into memory (2.2 GB and ~2 s at a million 512-d vectors) before a query
that then takes milliseconds; a cold ``photoclip search`` paid that every time. The matrix the tags and albums
already keep on disk (core/tagging/matrix_cache.py, raw float32 rows mapped read-only) answers the same query
exactly in one pass of block products: no index to load, recall 1.0, and the pages it reads stay in the page
cache, not in the process (each block's are let go). Same interface as ``VectorIndex`` for the searcher.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: score vectors kept for the queries announced by ``prefetch`` (the ranking and the margin ranking of a query)
KEPT = 4


class ExactVectors:
    def __init__(self, model_id: str, ids: np.ndarray, matrix: np.ndarray,
                 product: Callable[[np.ndarray, np.ndarray], np.ndarray] = np.matmul) -> None:
        """``product(matrix, other)``: ``matrix @ other``, for a mapped matrix in blocks whose pages are let go
        (``matrix_cache.product``), so the pass holds a block of it in the process, not the whole file."""
        self.model_id = model_id
        self.ids = ids
        self.matrix = matrix
        self._product = product
        self._scores: dict[bytes, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def prefetch(self, vectors: np.ndarray) -> None:
        """Score several query vectors in one pass over the matrix (a pass reads the whole file once)."""
        if not len(self.ids):
            return
        vectors = np.asarray(vectors, np.float32).reshape(-1, self.matrix.shape[1])
        if not len(vectors):
            return
        scores = self._product(self.matrix, vectors.T)
        if len(self._scores) + len(vectors) > KEPT:
            self._scores.clear()
        for i, vector in enumerate(vectors):
            self._scores[vector.tobytes()] = scores[:, i]

    def query(self, vector: np.ndarray, k: int, ef: int | None = None,
              allowed: set[int] | np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids, cosine scores), best first; ``ef`` is ignored (the search is exact); ``allowed``: the
        only ids the answer may hold."""
        vector = np.asarray(vector, np.float32).ravel()
        if not len(self.ids) or k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        scores = self._scores.get(vector.tobytes())
        if scores is None:
            self.prefetch(vector)
            scores = self._scores[vector.tobytes()]
        ids = self.ids
        if allowed is not None:
            members = np.fromiter(allowed, np.int64) if isinstance(allowed, set) else np.asarray(allowed, np.int64)
            keep = np.isin(ids, members)
            ids, scores = ids[keep], scores[keep]
        k = min(k, len(ids))
        if k == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        top = np.argpartition(-scores, k - 1)[:k] if k < len(ids) else np.arange(len(ids))
        order = top[np.argsort(-scores[top], kind="stable")]
        return ids[order].astype(np.int64), scores[order].astype(np.float32)

    def save(self) -> None:
        """Nothing to save: the matrix is the tags' cache, kept by its own owner."""
