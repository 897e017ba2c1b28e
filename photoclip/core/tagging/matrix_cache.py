"""One model's image vectors as a plain matrix, in memory and in a disk cache.

In memory it grows as photos are indexed (only rows newer than the last one it holds are read from SQLite, into
a buffer with spare capacity), so a watcher adding photos one by one costs a tiny catch-up, not a reload.
On disk it lets the first tagging run of a session read one file instead of 100k SQLite rows (measured:
~0.3 s vs 1-2 s for 100k × 512); it is rewritten only after a sizeable catch-up, since a small tail is read
from SQLite next time anyway.

Like the HNSW file it is only a cache: embedding rows are never updated and their ids never reused
(AUTOINCREMENT), so the file is valid for the ids it holds as long as the catalog still has exactly those
rows; it is checked on load (model, row count up to its max id, content hashes of 256 evenly spaced ids),
caught up with newer rows, and rebuilt from the catalog when anything is off.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from photoclip.core.tagging.store import TagStore

#: ids whose content hash is checked when the cache file is loaded
SAMPLE = 256
#: rewrite the file once this many rows (or this share of them) arrived since it was written
REWRITE_ROWS, REWRITE_SHARE = 5_000, 0.05


class MatrixCache:
    def __init__(self, directory: Path | None, model_id: str) -> None:
        self.model_id = model_id
        stem = hashlib.blake2b(model_id.encode(), digest_size=8).hexdigest()
        self.path = directory / f"{stem}.npz" if directory else None
        self._ids = np.zeros(0, np.int64)
        self._buffer: np.ndarray | None = None  # (capacity, d); rows [:n] are valid
        self._n = 0
        self._loaded = False
        self._saved_rows = 0

    def load(self, store: TagStore) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of every embedding of the model in the catalog, in id order. The arrays are views
        of the cache: treat them as read-only."""
        if not self._loaded or not self._still_valid(store):
            self._reset(*self._read(store))
            self._loaded = True
        max_id = int(self._ids[self._n - 1]) if self._n else 0
        for chunk_ids, chunk in store.catalog.embeddings_after(self.model_id, max_id, chunk=50_000):
            self._append(chunk_ids, chunk)
        if self._n and self._n - self._saved_rows >= min(REWRITE_ROWS, max(1, int(self._n * REWRITE_SHARE))):
            self._write(store)
        return self._ids[: self._n], self._matrix()

    def _matrix(self) -> np.ndarray:
        return self._buffer[: self._n] if self._buffer is not None else np.zeros((0, 0), np.float32)

    def _still_valid(self, store: TagStore) -> bool:
        """Rows in memory are still the catalog's (none deleted); cheap: one indexed COUNT."""
        if not self._n:
            return True
        count, _ = store.catalog.embedding_stats(self.model_id, up_to_id=int(self._ids[self._n - 1]))
        return count == self._n

    def _reset(self, ids: np.ndarray, matrix: np.ndarray) -> None:
        self._ids, self._buffer, self._n = ids.copy(), (matrix if len(matrix) else None), len(ids)
        self._saved_rows = len(ids)

    def _append(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        need = self._n + len(ids)
        if self._buffer is None or need > len(self._buffer) or self._buffer.shape[1] != vectors.shape[1]:
            capacity = max(need, int(need * 1.25), 1024)  # spare room: the next photos need no copy
            buffer = np.empty((capacity, vectors.shape[1]), np.float32)
            ids_buffer = np.empty(capacity, np.int64)
            if self._n:
                buffer[: self._n] = self._buffer[: self._n]
                ids_buffer[: self._n] = self._ids[: self._n]
            self._buffer, self._ids = buffer, ids_buffer
        self._buffer[self._n:need] = vectors
        self._ids[self._n:need] = ids
        self._n = need

    def _sample(self, store: TagStore, ids: np.ndarray) -> list[list]:
        """Content hashes of evenly spaced ids: with the row count, enough to tell this catalog's rows from
        another's (or a restored backup's) without reading all of them."""
        picks = sorted({int(ids[i]) for i in np.linspace(0, len(ids) - 1, min(SAMPLE, len(ids))).astype(int)})
        hashes = store.embedding_hashes(self.model_id, picks)
        return [[i, hashes.get(i)] for i in picks]

    def _read(self, store: TagStore) -> tuple[np.ndarray, np.ndarray]:
        empty = np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
        if self.path is None:
            return empty
        try:
            with np.load(self.path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                ids, matrix = data["ids"], data["vectors"]
            if meta.get("model_id") != self.model_id or len(ids) != len(matrix) or not len(ids):
                return empty
            count, _ = store.catalog.embedding_stats(self.model_id, up_to_id=int(ids[-1]))
            if count != len(ids) or meta.get("sample") != self._sample(store, ids):
                return empty  # rows deleted, or another catalog's vectors: rebuild
            return ids, matrix
        except (OSError, ValueError, KeyError, EOFError):
            return empty  # missing, truncated or corrupt: the catalog has everything

    def _write(self, store: TagStore) -> None:
        self._saved_rows = self._n  # also on failure: do not retry at every read
        if self.path is None:
            return
        ids = self._ids[: self._n]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
            meta = json.dumps({"model_id": self.model_id, "sample": self._sample(store, ids)})
            with open(tmp, "wb") as fh:
                np.savez(fh, ids=ids, vectors=self._matrix(), meta=np.array(meta))
            os.replace(tmp, self.path)
        except OSError:
            pass  # a cache that cannot be written costs time next session, nothing else
