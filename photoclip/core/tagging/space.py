"""The vector space tagging and smart albums score in: the library's stored image vectors (loaded once per
library change, never re-embedded) and prompt vectors (cached per model id in memory and in the catalog, so
a run whose prompts are known does not load the model at all)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from photoclip.core import calibration
from photoclip.core.embed.base import Embedder, normalize_rows
from photoclip.core.errors import StorageError, TaggingError, user_error_for
from photoclip.core.tagging.labels import BACKGROUND_PROMPTS
from photoclip.core.tagging.matrix_cache import MatrixCache
from photoclip.core.tagging.store import ScopeRows, TagStore


@dataclass(frozen=True)
class LibraryVectors:
    """Every searchable photo's vector, one row per distinct embedding (copies of a file share one)."""

    signature: tuple[Any, ...]
    embedding_ids: np.ndarray  # (E,) every embedding of the model, sorted
    matrix: np.ndarray  # (E, d) float32, read-only view of the matrix cache
    #: rows of ``matrix`` behind searchable photos (the population calibration is fitted on); the others
    #: are vectors of removed photos, kept because dropping them would copy the whole matrix
    searchable: np.ndarray
    #: every searchable photo (the whole-library scope), cached with the vectors
    photos: ScopeRows

    def rows_of(self, embedding_ids: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.embedding_ids, embedding_ids)


class VectorSpace:
    """One per Library (it owns it: ``Library.tags``, ``Library.albums``), shared by its Tagger and Albums;
    thread-safe. What it needs of the library's model comes in as callables, so it never reaches into it."""

    def __init__(self, store: TagStore, *, stored_model_id: Callable[[], str | None],
                 text_embedder: Callable[[], Embedder], model_lock: AbstractContextManager[object],
                 cache_dir: Path | None = None) -> None:
        """``stored_model_id``: the model the stored vectors belong to (the loaded model's, else the catalog's),
        None when nothing is indexed; ``text_embedder``: what embeds prompts (loaded on the first call);
        ``model_lock``: held while it runs; ``cache_dir``: where the vector matrix is cached (None: nowhere)."""
        self.store = store
        self._stored_model_id = stored_model_id
        self._text_embedder = text_embedder
        self._model_lock = model_lock
        self._cache = cache_dir
        self._lock = threading.RLock()
        self._text: dict[tuple[str, str], np.ndarray] = {}
        self._vectors: LibraryVectors | None = None
        self._matrices: dict[str, MatrixCache] = {}
        self._calibrations: dict[tuple, calibration.Calibration] = {}

    # model -------------------------------------------------------------------------------------------------
    def model_id(self) -> str:
        """The model the stored vectors belong to, without loading it when the catalog knows."""
        model_id = self._stored_model_id()
        if not model_id:
            raise TaggingError("Nothing is indexed yet.", "Run 'photoclip index FOLDER' first.")
        return model_id

    def text_vectors(self, texts: list[str], model_id: str | None = None) -> np.ndarray:
        """(len(texts), d) prompt vectors: memory, then the catalog, then the model for the rest."""
        model_id = model_id or self.model_id()
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if (model_id, t) not in self._text]
            if missing:
                stored = self.store.text_vectors(model_id, missing)
                self._text.update({(model_id, t): v for t, v in stored.items()})
                missing = [t for t in missing if t not in stored]
            if missing:
                embedder = self._text_embedder()  # labels need the text tower only
                if embedder.model_id != model_id:
                    raise TaggingError(
                        f"The photos were indexed with {model_id}, but the model now is {embedder.model_id}.",
                        "Run 'photoclip index' to re-index with the current model.",
                    )
                with self._model_lock:
                    fresh = embedder.embed_texts(missing)
                new = dict(zip(missing, np.asarray(fresh, np.float32), strict=True))
                try:
                    self.store.put_text_vectors(model_id, new)
                except Exception as exc:  # a cache: on a read-only or full disk they are kept in memory only
                    if not isinstance(user_error_for(exc), StorageError):
                        raise
                self._text.update({(model_id, t): v for t, v in new.items()})
            return np.stack([self._text[(model_id, t)] for t in texts]) if texts else np.zeros((0, 0), np.float32)

    def ensemble(self, prompts: list[list[str]], model_id: str | None = None) -> np.ndarray:
        """One vector per prompt group: the normalised mean of its normalised prompt vectors (CLIP paper)."""
        flat = [p for group in prompts for p in group]
        vectors = self.text_vectors(flat, model_id)
        out, start = [], 0
        for group in prompts:
            out.append(vectors[start:start + len(group)].mean(axis=0))
            start += len(group)
        return normalize_rows(np.stack(out))

    def background(self, model_id: str | None = None) -> np.ndarray:
        return self.ensemble([list(BACKGROUND_PROMPTS)], model_id)[0]

    # image vectors -----------------------------------------------------------------------------------------
    def library_vectors(self, model_id: str | None = None) -> LibraryVectors:
        model_id = model_id or self.model_id()
        with self._lock:
            signature = self.store.catalog.library_signature(model_id)
            if self._vectors is None or self._vectors.signature != signature:
                everything = self.store.scope(model_id)
                cache = self._matrices.get(model_id)
                if cache is None:
                    cache = self._matrices[model_id] = MatrixCache(self._cache_dir(), model_id)
                all_ids, matrix = cache.load(self.store)
                searchable = np.searchsorted(all_ids, np.unique(everything.embedding_ids))
                self._vectors = LibraryVectors(signature, all_ids, matrix, searchable, everything)
                self._calibrations.clear()
            return self._vectors

    def _cache_dir(self) -> Path | None:
        return self._cache

    def calibrate(self, key: tuple[Any, ...], label_vectors: np.ndarray, background: np.ndarray,
                  vectors: LibraryVectors) -> tuple[calibration.Calibration, np.ndarray, np.ndarray]:
        """Per-label statistics over the whole library (whatever the scope), the library's (E, L) margins and
        (E,) background cosines. Statistics are cached per label vectors and library state."""
        if len(vectors.matrix):
            library_margins, background_scores = calibration.margins(vectors.matrix, label_vectors, background)
        else:
            library_margins = np.zeros((0, len(label_vectors)), np.float32)
            background_scores = np.zeros(0, np.float32)
        with self._lock:
            cal = self._calibrations.get((vectors.signature, key))
            if cal is None:
                if len(self._calibrations) > 256:  # label sets and album queries tried over a long session
                    self._calibrations.clear()
                population = library_margins if len(vectors.searchable) == len(library_margins) else (
                    library_margins[vectors.searchable])
                cal = self._calibrations[(vectors.signature, key)] = calibration.fit(population)
        return cal, library_margins, background_scores

    def scope_rows(self, model_id: str, folder: str | None = None, date_from: str | None = None,
                   date_to: str | None = None, album_id: int | None = None) -> ScopeRows:
        if not (folder or date_from or date_to or album_id is not None):
            return self.library_vectors(model_id).photos
        return self.store.scope(model_id, folder, date_from, date_to, album_id)
