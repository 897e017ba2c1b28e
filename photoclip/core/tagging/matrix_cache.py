"""One model's image vectors as a plain matrix: a memory-mapped file in the cache, appended to as photos arrive.

The matrix is a raw float32 file mapped read-only (``mmap``), so the vectors live in the page cache, not in
the process: a million 512-d vectors are 2 GB of file the kernel can drop and re-read, where a matrix in memory
(the ``.npz`` this replaced, grown 1.25× with a copy) held 2-2.5 GB of the app's own memory for as long as it
ran. New rows (only those newer than the last one in the file are read from SQLite) are appended to the file;
a rebuild streams the catalog into a new file in chunks. Neither needs the whole matrix in memory.

Files, in ``<cache>/vectors/``: ``<stem>.json`` (model, dimension, rows, generation, content hashes of 256
evenly spaced ids), ``<stem>.<generation>.f32`` (rows × dim float32) and ``<stem>.<generation>.ids`` (rows
int64). The JSON is replaced atomically after the data it counts is written (and synced), so a kill at any
moment leaves a sidecar that counts only complete rows; a rebuild writes a new generation and then switches the
sidecar to it. Writes happen under an exclusive lock on ``<stem>.lock`` (the app and ``photoclip tag`` may share
a library).

Like the HNSW file it is only a cache: embedding rows are never updated and their ids never reused
(AUTOINCREMENT), so the file is valid for the ids it holds as long as the catalog still has exactly those
rows; it is checked on open (model, row count up to its max id, the sampled content hashes), caught up with
newer rows, and rebuilt from the catalog when anything is off. Without a cache folder, or when it cannot be
written, the matrix is kept in memory instead.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import uuid
from pathlib import Path

import numpy as np

from photoclip.core.job_lock import file_lock
from photoclip.core.tagging.store import TagStore

#: ids whose content hash is checked when the cache file is opened
SAMPLE = 256
#: rows read from SQLite and written per step (20 MB of 512-d vectors)
CHUNK = 10_000
class MatrixCache:
    def __init__(self, directory: Path | None, model_id: str) -> None:
        self.model_id = model_id
        self.stem = hashlib.blake2b(model_id.encode(), digest_size=8).hexdigest()
        self.directory = directory
        self.path = directory / f"{self.stem}.json" if directory else None
        self._ids = np.zeros(0, np.int64)
        self._matrix = np.zeros((0, 0), np.float32)
        self._generation: str | None = None  # the files the matrix maps (None: in memory)
        self._loaded = False

    # reading -----------------------------------------------------------------------------------------------
    def load(self, store: TagStore) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of every embedding of the model in the catalog, in id order. The vectors are a
        read-only memory map of the cache file (or an array, without one)."""
        if not self._loaded or not self._still_valid(store):
            self._ids, self._matrix, self._generation = np.zeros(0, np.int64), np.zeros((0, 0), np.float32), None
            self._loaded = True
        max_id = int(self._ids[-1]) if len(self._ids) else 0
        if store.catalog.embedding_stats(self.model_id)[1] > max_id:  # an indexed MAX: new rows to take in
            self._catch_up(store)
        return self._ids, self._matrix

    def current_on_disk(self, store: TagStore, most_behind: int) -> bool:
        """Whether ``load`` would map the file on disk (its rows are still this catalog's: ``_file_rows``) and
        read at most ``most_behind`` newer rows from the catalog, writing nothing but those: no rebuild, which
        reads every vector. Cheap: the sidecar, the ids file, the kept counts and 256 lookups."""
        if self.path is None or not os.access(self.directory, os.W_OK):
            return False
        found = self._file_rows(store)
        return found is not None and store.catalog.embedding_stats(self.model_id)[0] - len(found[1]) <= most_behind

    def _still_valid(self, store: TagStore) -> bool:
        """Rows held are still the catalog's (none deleted); cheap: one indexed COUNT."""
        if not len(self._ids):
            return True
        count, _ = store.catalog.embedding_stats(self.model_id, up_to_id=int(self._ids[-1]))
        return count == len(self._ids)

    def _catch_up(self, store: TagStore) -> None:
        if self.path is None:
            self._catch_up_in_memory(store)
            return
        try:
            with file_lock(self.directory / f"{self.stem}.lock", exclusive=True, required=False):
                if not self._adopt_file(store):
                    self._new_generation()
                self._append_rows(store)
        except OSError:  # a read-only or full cache folder: the catalog has everything, memory will do
            self._generation = None
            self._catch_up_in_memory(store)

    def _adopt_file(self, store: TagStore) -> bool:
        """Map the file on disk when it holds a prefix of the catalog's rows (another process may have
        appended since); False when it is missing, damaged or another catalog's."""
        found = self._file_rows(store)
        if found is None:
            return False
        meta, ids = found
        self._ids, self._generation = ids, meta["generation"]
        self._matrix = _mapped(self._data_paths(meta["generation"])[0], len(ids), int(meta["dim"]))
        return True

    def _file_rows(self, store: TagStore) -> tuple[dict, np.ndarray] | None:
        """(sidecar, ids) of the file on disk where it is whole and holds a prefix of the catalog's rows: the
        catalog's count up to its last id and its sampled content hashes agree; None when it is missing,
        damaged, or rows were deleted since, or it is another catalog's."""
        meta = self._meta()
        if meta is None:
            return None
        rows, dim = int(meta["rows"]), int(meta["dim"])
        vectors, ids_path = self._data_paths(meta["generation"])
        try:
            if vectors.stat().st_size < rows * dim * 4 or ids_path.stat().st_size < rows * 8:
                return None
            ids = np.fromfile(ids_path, np.int64, count=rows)
        except (OSError, ValueError):
            return None
        if len(ids) != rows:
            return None
        count, _ = store.catalog.embedding_stats(self.model_id, up_to_id=int(ids[-1]))
        if count != rows or meta.get("sample") != self._sample(store, ids):
            return None
        return meta, ids

    def _meta(self) -> dict | None:
        try:
            meta = json.loads(self.path.read_text(encoding="utf-8"))
            ok = (meta.get("model_id") == self.model_id and int(meta.get("rows", 0)) > 0
                  and int(meta.get("dim", 0)) > 0 and isinstance(meta.get("generation"), str))
        except (OSError, ValueError, TypeError, AttributeError):
            return None
        return meta if ok else None

    def _data_paths(self, generation: str) -> tuple[Path, Path]:
        return (self.directory / f"{self.stem}.{generation}.f32", self.directory / f"{self.stem}.{generation}.ids")

    # writing -----------------------------------------------------------------------------------------------
    def _new_generation(self) -> None:
        """Empty files for a rebuild; the sidecar moves to them once they hold rows."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._generation = uuid.uuid4().hex[:12]
        for path in self._data_paths(self._generation):
            path.write_bytes(b"")
        self._ids, self._matrix = np.zeros(0, np.int64), np.zeros((0, 0), np.float32)

    def _append_rows(self, store: TagStore) -> None:
        """Append the catalog's rows newer than the file's last one, chunk by chunk, then count them in the
        sidecar (after an fsync: the sidecar never counts rows the file may lack)."""
        vectors_path, ids_path = self._data_paths(self._generation)
        rows, dim = len(self._ids), self._matrix.shape[1] if len(self._ids) else 0
        max_id = int(self._ids[-1]) if rows else 0
        new_ids = []
        with open(vectors_path, "r+b") as vf, open(ids_path, "r+b") as idf:
            vf.seek(rows * dim * 4)
            idf.seek(rows * 8)
            for ids, chunk in store.catalog.embeddings_after(self.model_id, max_id, chunk=CHUNK):
                dim = chunk.shape[1]
                vf.write(np.ascontiguousarray(chunk, np.float32).tobytes())
                idf.write(ids.astype(np.int64).tobytes())
                new_ids.append(ids)
            if not new_ids:
                return
            vf.truncate()  # a longer file (rows a killed writer left uncounted) ends here
            idf.truncate()
            for fh in (vf, idf):
                fh.flush()
                os.fsync(fh.fileno())
        self._ids = np.concatenate([self._ids, *new_ids])
        self._matrix = _mapped(vectors_path, len(self._ids), dim)
        self._write_meta(store, dim)

    def _write_meta(self, store: TagStore, dim: int) -> None:
        meta = {"model_id": self.model_id, "dim": dim, "rows": len(self._ids), "generation": self._generation,
                "sample": self._sample(store, self._ids)}
        tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(meta), encoding="utf-8")
        os.replace(tmp, self.path)
        self._remove_other_generations()

    def _remove_other_generations(self) -> None:
        """Files of earlier generations, and the ``.npz`` matrix older versions wrote (2 GB at a million)."""
        for path in self.directory.glob(f"{self.stem}.*"):
            parts = path.name.split(".")
            stale = (len(parts) == 3 and parts[2] in ("f32", "ids") and parts[1] != self._generation) or (
                path.name == f"{self.stem}.npz")
            if stale:
                path.unlink(missing_ok=True)  # a process still mapping it keeps reading it until it lets go

    def _catch_up_in_memory(self, store: TagStore) -> None:
        max_id = int(self._ids[-1]) if len(self._ids) else 0
        parts = list(store.catalog.embeddings_after(self.model_id, max_id, chunk=CHUNK))
        if parts:
            old = [self._matrix] if len(self._ids) else []
            self._matrix = np.concatenate([*old, *(v for _, v in parts)]).astype(np.float32, copy=False)
            self._ids = np.concatenate([self._ids, *(i for i, _ in parts)])

    def _sample(self, store: TagStore, ids: np.ndarray) -> list[list]:
        """Content hashes of evenly spaced ids: with the row count, enough to tell this catalog's rows from
        another's (or a restored backup's) without reading all of them."""
        picks = sorted({int(ids[i]) for i in np.linspace(0, len(ids) - 1, min(SAMPLE, len(ids))).astype(int)})
        hashes = store.embedding_hashes(self.model_id, picks)
        return [[i, hashes.get(i)] for i in picks]


def current_matrix(directory: Path, store: TagStore, model_id: str,
                   most_behind: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(ids, mapped vectors) of the model's matrix file where it holds the catalog's vectors with at most
    ``most_behind`` newer ones (those are appended); None otherwise: never a rebuild, which reads every vector."""
    cache = MatrixCache(directory, model_id)
    return cache.load(store) if cache.current_on_disk(store, most_behind) else None


def _mapped(path: Path, rows: int, dim: int) -> np.ndarray:
    """The first ``rows`` rows of a float32 file, mapped read-only (the array keeps the mapping alive)."""
    with open(path, "rb") as fh:
        mapping = mmap.mmap(fh.fileno(), rows * dim * 4, access=mmap.ACCESS_READ)
    return np.frombuffer(mapping, np.float32, rows * dim).reshape(rows, dim)
