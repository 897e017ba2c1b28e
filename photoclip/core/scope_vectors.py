"""A filter's vectors read by id from the mapped vector matrix, not from SQLite.

A filtered search of up to ~83k photos (a month, a folder) scores the scope's vectors exactly. Read from the
catalog, each is a row lookup: 36,830 of them (the busiest month of a million-photo library) took 0.47 s a
query; their ids alone 0.09 s (an index range) and the vectors gathered from the matrix file the tags already
keep on disk (core/tagging/matrix_cache.py, raw float32 rows in id order) 0.014 s once in the page cache
(benchmarks/scale_search.py). The matrix is used only while it holds the catalog's vectors with at most
``catch_up`` newer ones to append (checked once per catalog change, as a one-shot search checks it); otherwise
``gather`` says None and the caller reads the catalog as before. It never rebuilds the file (that reads every
vector)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from photoclip.core.store.catalog import Catalog
from photoclip.core.tagging.matrix_cache import current_matrix
from photoclip.core.tagging.store import TagStore


class ScopeVectors:
    def __init__(self, directory: Path | None, catch_up: int) -> None:
        self.directory, self.catch_up = directory, catch_up
        self._lock = threading.Lock()
        self._key: tuple[str, tuple[int, int]] | None = None
        self._mapped: tuple[np.ndarray, np.ndarray] | None = None

    def gather(self, catalog: Catalog, model_id: str, ids: np.ndarray) -> np.ndarray | None:
        """The vectors of ``ids`` (sorted embedding ids of ``model_id``), in that order; None when the matrix
        file is not there or not current, or lacks one of them."""
        mapped = self._matrix(catalog, model_id)
        if mapped is None:
            return None
        all_ids, matrix = mapped
        if not len(ids):
            return np.zeros((0, matrix.shape[1] if matrix.ndim == 2 else 0), np.float32)
        rows = np.searchsorted(all_ids, ids)
        if rows[-1] >= len(all_ids) or not np.array_equal(all_ids[rows], ids):
            return None
        return np.asarray(matrix[rows], np.float32)  # a copy: the mapped pages are not held

    def _matrix(self, catalog: Catalog, model_id: str) -> tuple[np.ndarray, np.ndarray] | None:
        if self.directory is None:
            return None
        key = (model_id, catalog.change_mark())
        with self._lock:
            if key != self._key:
                self._key = key
                self._mapped = current_matrix(self.directory, TagStore(catalog), model_id, self.catch_up)
            return self._mapped
