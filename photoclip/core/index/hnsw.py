"""The HNSW index: a rebuildable cache of the catalog's vectors for one model.

Labels are embedding ids from the catalog. The file is saved atomically (temp + rename) with a small JSON
sidecar; on open it is checked against the catalog and caught up (new vectors added, removed ones marked
deleted) or, when unreadable, rebuilt, so a crash between a catalog commit and an index save costs a
catch-up, never a wrong result. An open index also follows what other processes did (``refresh``): vectors
another indexer added (the app, ``watch`` and ``photoclip index`` may share a library) and vectors a
``photoclip cleanup`` removed (``Catalog.removal_mark`` tells it to look). A save first brings the copy up to
the catalog, under an exclusive lock on the file, so a sidecar never claims vectors the file lacks.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from photoclip.core.job_lock import file_lock
from photoclip.core.store.catalog import Catalog

M = 16
EF_CONSTRUCTION = 200
MIN_EF = 64


class VectorIndex:
    def __init__(self, directory: Path, model_id: str, dim: int) -> None:
        import hnswlib  # lazy: compiled extension, not needed to open the window

        self._hnswlib = hnswlib
        self.model_id = model_id
        self.dim = dim
        stem = hashlib.blake2b(model_id.encode(), digest_size=8).hexdigest()
        self.path = directory / f"{stem}.hnsw"
        self.meta_path = directory / f"{stem}.json"
        #: flock'd while the file and its sidecar are written (exclusive) or read (shared), across processes
        self.lock_path = directory / f"{stem}.lock"
        self._lock = threading.Lock()  # hnswlib's add_items is not thread-safe with knn_query
        self._refresh_lock = threading.Lock()  # one refresh at a time (a query's and the indexer's save)
        self._index = self._new(1024)
        self.max_id = 0
        #: labels marked deleted (reclaimed vectors): still in the file, never returned by a query
        self.deleted = 0
        self._dirty = False
        self._last_save = time.monotonic()
        #: the catalog this index caches (set by sync) and its removal mark when this copy last matched it
        self.catalog: Catalog | None = None
        self.removal_mark = -1
        #: the catalog's last issued embedding id when this copy last held all its vectors
        self.seen_id = -1

    def _new(self, capacity: int) -> Any:
        index = self._hnswlib.Index(space="ip", dim=self.dim)
        index.init_index(max_elements=capacity, M=M, ef_construction=EF_CONSTRUCTION, allow_replace_deleted=False)
        index.set_ef(MIN_EF)
        return index

    def __len__(self) -> int:
        """Live vectors (labels marked deleted excluded)."""
        return int(self._index.get_current_count()) - self.deleted

    # lifecycle -----------------------------------------------------------------------------------------
    def sync(self, catalog: Catalog) -> str:
        """Load the saved file (repaired if the catalog moved on), then add what it lacks. Returns what it did."""
        self.catalog = catalog
        # read first: what another process removes or adds while this loads is looked at again later
        mark, last = catalog.removal_mark(), catalog.last_embedding_id()
        action = "loaded" if self._load_if_consistent(catalog) else "rebuilt"
        if action == "rebuilt":
            self._reset()
        added = 0
        for ids, vectors in catalog.embeddings_after(self.model_id, self.max_id):
            self.add(ids, vectors, threads=-1)  # bulk (re)build: use every core
            added += len(ids)
        if added and action == "loaded":
            action = f"caught up {added}"
        self.removal_mark, self.seen_id = mark, last
        return action

    def rebuild(self, catalog: Catalog) -> None:
        """From the catalog alone: what compacts an index with many deleted labels (the file shrinks)."""
        self._reset()
        for ids, vectors in catalog.embeddings_after(self.model_id, 0):
            self.add(ids, vectors, threads=-1)
        with self._lock:
            self._dirty = True  # also when now empty: the old file must be replaced

    def _reset(self) -> None:
        with self._lock:
            self._index = self._new(1024)
            self.max_id = 0
            self.deleted = 0

    @classmethod
    def saved(cls, directory: Path, model_id: str) -> VectorIndex | None:
        """An empty index for a model whose file is on disk (dimension from its sidecar), else None."""
        meta_path = directory / f"{hashlib.blake2b(model_id.encode(), digest_size=8).hexdigest()}.json"
        try:
            dim = int(json.loads(meta_path.read_text())["dim"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return cls(directory, model_id, dim)

    def load_after_removal(self, catalog: Catalog) -> bool:
        """Load the saved file, with the vectors just deleted from the catalog marked deleted; False when
        there is no usable file (the next open rebuilds it anyway)."""
        self.catalog = catalog
        self.removal_mark = catalog.removal_mark()
        return self._load_if_consistent(catalog)

    def _load_if_consistent(self, catalog: Catalog) -> bool:
        with file_lock(self.lock_path, exclusive=False, required=False):  # never half of another's save
            loaded = self._load_file(catalog)
        if loaded is None:
            return False
        if loaded:
            # The catalog moved on after this file was saved (another process's batches, a cleanup elsewhere,
            # a kill before the save): repair in place, seconds cheaper than a rebuild of a large library.
            self._match(catalog)
        return True

    def _load_file(self, catalog: Catalog) -> bool | None:
        """Load the file if it may serve this catalog: None if not, else whether it needs repairing."""
        try:
            meta = json.loads(self.meta_path.read_text())
            if meta.get("model_id") != self.model_id or meta.get("dim") != self.dim:
                return None
            catalog_id = catalog.catalog_id()
            if meta.get("catalog_id", catalog_id) != catalog_id:
                return None  # saved for another catalog (this one was deleted and started over)
            count, _ = catalog.embedding_stats(self.model_id, up_to_id=meta["max_id"])
            if count != meta["count"] and not _repairable(meta, catalog_id, catalog):
                return None
            index = self._hnswlib.Index(space="ip", dim=self.dim)
            deleted = int(meta.get("deleted", 0))
            index.load_index(str(self.path), max_elements=max(meta["count"] + deleted, 1024))
            if index.get_current_count() != meta["count"] + deleted:
                return None
        except (OSError, ValueError, KeyError, RuntimeError):
            return None  # missing, truncated or corrupt: the catalog has everything to rebuild
        index.set_ef(MIN_EF)
        with self._lock:
            self._index = index
            self.max_id = int(meta["max_id"])
            self.deleted = deleted
        return bool(count != meta["count"])

    def refresh(self) -> int:
        """Follow what other processes did to the catalog since this copy last matched it: vectors another
        indexer added are added, vectors a cleanup removed are marked deleted (so no query returns them and a
        save never writes them back). Costs two one-row reads when nothing changed (our own batches move the
        catalog's last id too: then one indexed COUNT). Returns how many were marked deleted."""
        catalog = self.catalog
        if catalog is None:
            return 0
        with self._refresh_lock:
            mark, last = catalog.removal_mark(), catalog.last_embedding_id()  # first: later changes seen next time
            if mark == self.removal_mark and last == self.seen_id:
                return 0
            marked = 0
            if mark != self.removal_mark or catalog.embedding_stats(self.model_id, self.max_id)[0] != len(self):
                # removed elsewhere, or added elsewhere below this copy's highest id (batches interleave)
                marked = self._match(catalog)
            for ids, vectors in catalog.embeddings_after(self.model_id, self.max_id):
                self.add(ids, vectors)
            self.removal_mark, self.seen_id = mark, last
            return marked

    def _match(self, catalog: Catalog) -> int:
        """Bring this copy to the catalog's vectors up to ``max_id``: labels gone from the catalog are marked
        deleted, vectors it lacks are added. Returns how many were marked deleted."""
        in_catalog = catalog.embedding_ids(self.model_id, self.max_id)
        with self._lock:
            labels = np.asarray(self._index.get_ids_list(), dtype=np.int64)
        gone = np.setdiff1d(labels, in_catalog, assume_unique=True)  # also labels marked deleted before
        marked = self.remove(gone.tolist())
        lacking = np.setdiff1d(in_catalog, labels, assume_unique=True)
        if len(lacking):
            self.add(*catalog.embeddings_by_id(self.model_id, lacking.tolist()))
        return marked

    def save_if_due(self, interval: float) -> None:
        """Throttled save for trickles of new photos: a 100k index is ~230 MB to rewrite, and the catalog
        catch-up on open makes a skipped save cost nothing but a few inserts."""
        if self._dirty and time.monotonic() - self._last_save >= interval:
            self.save()

    def save(self) -> None:
        """Atomic: a kill during save leaves the previous file (and its matching sidecar) in place. Under an
        exclusive lock on the file (two processes' saves never mix), and only after taking in what other
        processes added or removed: the sidecar's count is then what the catalog holds up to ``max_id``."""
        if not self._dirty:
            return
        with file_lock(self.lock_path, exclusive=True, required=False):
            self.refresh()
            self._write()

    def _write(self) -> None:
        catalog_id = self.catalog.catalog_id() if self.catalog is not None else None
        with self._lock:
            if not self._dirty:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".hnsw.tmp")
            self._index.save_index(str(tmp))
            # count: live labels, what the catalog must still hold up to max_id for the file to be trusted
            meta = {"model_id": self.model_id, "dim": self.dim, "max_id": self.max_id, "count": len(self),
                    "deleted": self.deleted}
            if catalog_id:
                meta["catalog_id"] = catalog_id
            _fsync_file(tmp)
            # Sidecar first with the new counts would mismatch the old file if we died in between; the load
            # check (count of catalog ids <= max_id) then repairs or rebuilds. Either order is safe.
            os.replace(tmp, self.path)
            tmp_meta = self.meta_path.with_suffix(".json.tmp")
            tmp_meta.write_text(json.dumps(meta))
            _fsync_file(tmp_meta)
            os.replace(tmp_meta, self.meta_path)
            self._dirty = False
            self._last_save = time.monotonic()

    # data ----------------------------------------------------------------------------------------------
    def add(self, ids: np.ndarray, vectors: np.ndarray, threads: int = 1) -> None:
        if len(ids) == 0:
            return
        with self._lock:
            needed = self._index.get_current_count() + len(ids)
            if needed > self._index.get_max_elements():
                self._index.resize_index(max(needed, 2 * self._index.get_max_elements()))
            self._index.add_items(np.asarray(vectors, np.float32), np.asarray(ids, np.int64), num_threads=threads)
            self.max_id = max(self.max_id, int(np.max(ids)))
            self._dirty = True

    def remove(self, ids: list[int]) -> int:
        """Mark reclaimed vectors deleted (hnswlib keeps them in the graph for routing, never returns them).
        The catalog rows must be deleted first: a kill before the next save then leaves a sidecar whose count
        the catalog no longer matches, and the next open rebuilds. Returns how many were in the index."""
        marked = 0
        with self._lock:
            for label in ids:
                try:
                    self._index.mark_deleted(int(label))
                except RuntimeError:
                    continue  # not in this index (never added, or deleted already)
                marked += 1
            self.deleted += marked
            self._dirty = self._dirty or marked > 0
        return marked

    def query(self, vector: np.ndarray, k: int, ef: int | None = None,
              allowed: set[int] | np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids, cosine scores), best first. Vectors are normalised, so inner product = cosine. ``ef``:
        how wide the graph search looks (never below k); search passes what recall needs (index/recall.py).
        ``allowed``: the only labels the answer may hold (a filter's scope); the graph search passes over the
        others and goes on until it holds ``ef`` allowed ones."""
        self.refresh()
        members = allowed if allowed is None or isinstance(allowed, set) else set(np.asarray(allowed).tolist())
        with self._lock:
            n = len(self) if members is None else min(len(self), len(members))
            if n == 0 or k <= 0:
                return np.zeros(0, np.int64), np.zeros(0, np.float32)
            k = min(k, n)
            self._index.set_ef(max(ef or MIN_EF, k))
            query = np.asarray(vector, np.float32).reshape(1, -1)
            try:
                if members is None:
                    labels, distances = self._index.knn_query(query, k=k)
                else:  # the set's own method: hnswlib calls it per label it visits, no Python frame each time
                    labels, distances = self._index.knn_query(query, k=k, num_threads=1,
                                                              filter=members.__contains__)
            except RuntimeError:
                labels = None  # the graph reached fewer than k (allowed) labels: k near their number
        if labels is None:
            return self._exact(vector, k) if members is None else self._exact_among(vector, members, k)
        return labels[0].astype(np.int64), (1.0 - distances[0]).astype(np.float32)

    def _exact_among(self, vector: np.ndarray, members: set[int], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k of the allowed labels by their stored vectors: where the graph could not find k of them
        (there are about k, or few are reachable), reading k-odd vectors costs about what the search would."""
        if self.catalog is None:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        ids, vectors = self.catalog.embeddings_by_id(self.model_id, sorted(members))
        scores = vectors @ np.asarray(vector, np.float32) if len(ids) else np.zeros(0, np.float32)
        order = np.argsort(-scores, kind="stable")[:k]
        return ids[order], scores[order].astype(np.float32)

    def _exact(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k by a scan of the catalog's vectors: only for a k close to the whole library, where hnswlib
        may not find k and a scan costs about what the search would."""
        if self.catalog is None:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        chunks = [(ids, vectors @ np.asarray(vector, np.float32))
                  for ids, vectors in self.catalog.embeddings_after(self.model_id, 0)]
        if not chunks:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        ids = np.concatenate([c[0] for c in chunks])
        scores = np.concatenate([c[1] for c in chunks]).astype(np.float32)
        order = np.argsort(-scores, kind="stable")[:k]
        return ids[order], scores[order]

    def query_many(self, vectors: np.ndarray, k: int, ef: int = MIN_EF,
                   threads: int = -1) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids, cosine scores) for each row of ``vectors`` in one call (hnswlib spreads the rows over
        ``threads``, outside the GIL): near-duplicate grouping queries every vector of the library. The
        caller passes a few thousand rows at a time, so a search waiting for the lock waits for one chunk."""
        self.refresh()
        with self._lock:
            n = len(self)
            if n == 0 or k <= 0 or not len(vectors):
                return np.zeros((len(vectors), 0), np.int64), np.zeros((len(vectors), 0), np.float32)
            k = min(k, n)
            self._index.set_ef(max(ef, k))
            try:
                labels, distances = self._index.knn_query(np.asarray(vectors, np.float32), k=k,
                                                          num_threads=threads)
            except RuntimeError:
                labels = None  # as in query: fewer than k reached (k near n, many identical vectors)
        if labels is None:
            return self._exact_many(np.asarray(vectors, np.float32), k)
        return labels.astype(np.int64), (1.0 - distances).astype(np.float32)

    def _exact_many(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k of each row by one scan of the catalog's vectors (the fallback of query_many)."""
        best_ids = np.zeros((len(vectors), 0), np.int64)
        best = np.zeros((len(vectors), 0), np.float32)
        if self.catalog is not None:
            for ids, chunk in self.catalog.embeddings_after(self.model_id, 0):
                best_ids = np.concatenate([best_ids, np.broadcast_to(ids, (len(vectors), len(ids)))], axis=1)
                best = np.concatenate([best, vectors @ chunk.T], axis=1)
                if best.shape[1] > k:
                    keep = np.argpartition(-best, k - 1, axis=1)[:, :k]
                    best_ids, best = np.take_along_axis(best_ids, keep, 1), np.take_along_axis(best, keep, 1)
        order = np.argsort(-best, axis=1, kind="stable")
        return np.take_along_axis(best_ids, order, 1), np.take_along_axis(best, order, 1).astype(np.float32)


def _repairable(meta: dict[str, Any], catalog_id: str, catalog: Catalog) -> bool:
    """A file that does not match the catalog can be repaired in place only if it was saved for this very
    catalog (files from before catalog ids are rebuilt once) and the catalog is not older than the file: a
    restored backup would issue ids the file already holds again, for other photos."""
    return meta.get("catalog_id") == catalog_id and catalog.last_embedding_id() >= meta["max_id"]


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
