"""The Library façade: the one object the CLI and the GUI talk to. It wires catalog, index, model and pipeline.

The model is loaded lazily (first index or search), so opening a library and showing status never imports
torch. Tests inject an embedder.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from photoclip.core.control import JobControl
from photoclip.core.embed.base import Embedder
from photoclip.core.embed.query_cache import QueryVectors
from photoclip.core.errors import FolderNotFoundError, QueryError
from photoclip.core.events import EventBus, IndexFinished, IndexWaiting, ModelLoading
from photoclip.core.fair_lock import FairLock
from photoclip.core.imaging.thumbnails import ThumbnailCache
from photoclip.core.job_lock import JobLock
from photoclip.core.pipeline import Indexer, IndexSummary
from photoclip.core.reclaim import GRACE_DAYS, ReclaimReport, ReclaimResult
from photoclip.core.search import CutText, Filters, Hit, Searcher, cut_texts, query_terms
from photoclip.core.settings import Settings
from photoclip.core.store.catalog import Catalog, FolderRow, PhotoRow
from photoclip.core.store.db import Database

EmbedderFactory = Callable[[Settings, EventBus], Embedder]


@dataclass(frozen=True)
class LibraryStatus:
    counts: dict[str, int]
    model_id: str | None
    index_size: int | None
    folders: list[FolderRow]
    folder_counts: dict[int, dict[str, int]]
    failures: list[PhotoRow]
    #: backend of the loaded model (None when not loaded in this process)
    backend: str | None = None
    #: quality-guard results recorded for this library's model (see embed/quality_guard.py)
    quality_guard: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "photos": sum(self.counts.values()),
            "counts": self.counts,
            "model": self.model_id,
            "backend": self.backend,
            "quality_guard": self.quality_guard,
            "index_size": self.index_size,
            "folders": [
                {"path": f.path, "state": f.state, "counts": self.folder_counts.get(f.id, {})} for f in self.folders
            ],
            "failed": [{"path": p.path, "reason": p.error} for p in self.failures],
        }


class Library:
    def __init__(self, settings: Settings, catalog: Catalog, embedder_factory: EmbedderFactory) -> None:
        self.settings = settings
        self.catalog = catalog
        self.events = EventBus()
        self.thumbnails = ThumbnailCache(settings.thumbnails_dir)
        self._embedder_factory = embedder_factory
        self._embedder: Embedder | None = None
        self._index = None
        self._model_lock = threading.RLock()
        #: held while the model runs, so a query waits for one batch at most, not a whole run
        self.model_use = FairLock()
        #: text vectors of recent queries (core/embed/query_cache.py)
        self.query_vectors = QueryVectors()
        #: index jobs share it, reclaiming space takes it alone; one job at a time writes a batch, across
        #: processes (core/job_lock.py)
        self.jobs = JobLock(settings.data_dir / "jobs.lock")

    @classmethod
    def open(cls, settings: Settings | None = None, embedder: Embedder | EmbedderFactory | None = None) -> Library:
        settings = settings or Settings.from_env()
        catalog = Catalog(Database(settings.catalog_path))
        if embedder is None:
            factory: EmbedderFactory = lambda s, b: _load_clip(s, b, catalog)  # noqa: E731
        elif callable(embedder) and not hasattr(embedder, "embed_texts"):
            factory = embedder
        else:
            factory = lambda _s, _b, e=embedder: e  # noqa: E731
        return cls(settings, catalog, factory)

    def close(self) -> None:
        if self._index is not None:
            self._index.save()
        self.catalog.db.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # model and index -----------------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        with self._model_lock:
            if self._embedder is None:
                self._embedder = self._embedder_factory(self.settings, self.events)
                self.catalog.set_meta("model_id", self._embedder.model_id)
            return self._embedder

    @property
    def loaded_embedder(self) -> Embedder | None:
        """The model if something has loaded it already, else None (never loads it: for About and status)."""
        return self._embedder

    @property
    def index(self):
        with self._model_lock:
            if self._index is None:
                from photoclip.core.index.hnsw import VectorIndex

                embedder = self.embedder
                index = VectorIndex(self.settings.index_dir, embedder.model_id, embedder.dim)
                index.sync(self.catalog)
                self._index = index
            return self._index

    # folders -------------------------------------------------------------------------------------------
    def add_folder(self, path: Path | str) -> FolderRow:
        folder = Path(path).expanduser().resolve()
        if not folder.is_dir():
            raise FolderNotFoundError(f"{folder} is not a folder.", "Check the path and that the drive is connected.")
        return self.catalog.add_folder(folder)

    def remove_folder(self, path: Path | str) -> int:
        folder = self.catalog.folder_by_path(Path(path).expanduser().resolve())
        if folder is None:
            raise FolderNotFoundError(f"{path} is not in the library.", "Run 'photoclip status' to list folders.")
        return self.catalog.remove_folder(folder.id)

    def folders(self) -> list[FolderRow]:
        return self.catalog.folders()

    # indexing ------------------------------------------------------------------------------------------
    def index_folders(self, paths: list[Path | str] | None = None, control: JobControl | None = None) -> IndexSummary:
        """Add the given folders (all known folders when None) and bring the index up to date."""
        folders = [self.add_folder(p) for p in paths] if paths else self.catalog.folders()
        with self.jobs.indexing(self._waiting_for_cleanup):
            summary = self._indexer().run(folders, control)
        self.events.emit(IndexFinished(summary.as_dict()))
        return summary

    def index_paths(self, paths: list[str], control: JobControl | None = None) -> IndexSummary:
        """Index, update or remove single files (the watcher's entry point). Paths outside every library
        folder are ignored."""
        folders = sorted(self.catalog.folders(), key=lambda f: len(f.path), reverse=True)
        items = []
        for path in paths:
            folder = next((f for f in folders if _is_under(path, f.path)), None)
            if folder is not None:
                items.append((folder.id, path))
        with self.jobs.indexing(self._waiting_for_cleanup):
            summary = self._indexer().run_paths(items, control)
        self.events.emit(IndexFinished(summary.as_dict()))
        return summary

    def _indexer(self) -> Indexer:
        return Indexer(
            self.catalog, self.index, _LockedEmbedder(self.embedder, self.model_use), self.thumbnails, self.events,
            batch_size=self.settings.batch_size, decode_workers=self.settings.decode_workers,
            max_pixels=self.settings.max_pixels, decode_mode=self.settings.decode_mode, writer=self.jobs.writing,
        )

    def _waiting_for_cleanup(self, holder: str) -> None:
        self.events.emit(IndexWaiting(holder, "cleanup"))

    # search --------------------------------------------------------------------------------------------
    def _searcher(self) -> Searcher:
        return Searcher(self.catalog, self.index, _LockedEmbedder(self.embedder, self.model_use, self.query_vectors))

    def search(self, query: str, limit: int = 20, filters: Filters | None = None) -> list[Hit]:
        return self._searcher().text(query, limit, filters)

    def cut_query_terms(self, query: str) -> list[CutText]:
        """The terms of ``query`` longer than the model reads (the CLI warns, the app shows a hint)."""
        return cut_texts(self.embedder, query_terms(query))

    def cut_texts(self, texts: list[str]) -> list[CutText]:
        """Of ``texts`` (e.g. label prompts), those longer than the model reads."""
        return cut_texts(self.embedder, texts)

    def similar(self, path: Path | str, limit: int = 20, filters: Filters | None = None) -> list[Hit]:
        """Photos like the one at ``path``, which may be inside or outside the library."""
        target = Path(path).expanduser().resolve()
        vector = self._vector_of(target)
        return self._searcher().vector(vector, limit, filters, exclude_paths=frozenset({str(target)}))

    def _vector_of(self, path: Path) -> np.ndarray:
        from photoclip.core.errors import DecodeError
        from photoclip.core.imaging.decode import decode_photo
        from photoclip.core.pipeline import content_hash

        try:
            data = path.read_bytes()
        except OSError as exc:
            raise QueryError(f"Cannot read {path}: {exc.strerror or exc}.", "Check the path.") from exc
        stored = self.catalog.vector_for_hash(content_hash(data), self.embedder.model_id)
        if stored is not None:
            return stored
        try:
            photo = decode_photo(data, min_side=self.embedder.input_size, max_pixels=self.settings.max_pixels,
                                 name=path.name)
        except DecodeError as exc:
            raise QueryError(
                f"Cannot use {path} as a query: {exc.reason}.", "Pick a JPEG, PNG, HEIC or WebP photo."
            ) from exc
        with self.model_use:
            return self.embedder.embed_prepared(self.embedder.prepare(photo.image)[None])[0]

    # status --------------------------------------------------------------------------------------------
    def status(self) -> LibraryStatus:
        """Counts and failures from the catalog alone: never loads the model."""
        model_id = self._embedder.model_id if self._embedder else self.catalog.get_meta("model_id")
        index_size = None
        if model_id:
            index_size, _ = self.catalog.embedding_stats(model_id)
        return LibraryStatus(
            counts=self.catalog.status_counts(), model_id=model_id, index_size=index_size,
            folders=self.catalog.folders(), folder_counts=self.catalog.folder_counts(),
            failures=self.catalog.failures(), backend=getattr(self._embedder, "backend", None),
            quality_guard=self._guard_results(model_id),
        )

    # reclaiming space ----------------------------------------------------------------------------------
    def reclaimable(self, older_than_days: float = GRACE_DAYS, now: float | None = None) -> ReclaimReport:
        """What a cleanup would free (orphan vectors past ``older_than_days``, models no longer in use);
        changes nothing and never loads the model."""
        from photoclip.core.reclaim import models_in_use, survey

        loaded = self._embedder.model_id if self._embedder else None
        in_use = models_in_use(self.settings, self.catalog, loaded)
        return survey(self.settings, self.catalog, in_use, older_than_days, now)

    def reclaim(self, older_than_days: float = GRACE_DAYS, old_models: bool = False,
                now: float | None = None) -> ReclaimResult:
        """Delete orphan vectors past the grace period (and, with ``old_models``, every trace of models no
        longer in use), keep the HNSW index consistent, vacuum. ``LibraryBusyError`` while indexing runs."""
        from photoclip.core.reclaim import Reclaimer

        with self.jobs.reclaiming():
            report = self.reclaimable(older_than_days, now)
            reclaimer = Reclaimer(self.settings, self.catalog, self.events, self._index)
            return reclaimer.run(report, old_models, now)

    def _guard_results(self, model_id: str | None) -> list[dict]:
        from photoclip.core.embed.quality_guard import GuardResult, meta_key

        if not model_id:
            return []
        stored = self.catalog.meta_with_prefix(meta_key(model_id, ""))
        results = (GuardResult.from_json(text) for text in stored.values())
        return [r.as_dict() | {"summary": r.summary()} for r in results if r is not None]


class _LockedEmbedder:
    """Serialises model calls between the indexer and queries; prepare() stays lock-free (decode threads)."""

    def __init__(self, inner: Embedder, lock: FairLock, query_vectors: QueryVectors | None = None) -> None:
        self._inner = inner
        self._lock = lock
        self._query_vectors = query_vectors
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.input_size = inner.input_size
        self.preprocess_config = getattr(inner, "preprocess_config", None)  # lets decoding run in processes

    def prepare(self, image):
        return self._inner.prepare(image)

    def embed_prepared(self, batch: np.ndarray) -> np.ndarray:
        with self._lock:
            return self._inner.embed_prepared(batch)

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        if self._query_vectors is not None:  # a query seen before neither runs the text tower nor waits for it
            return self._query_vectors.embed(self.model_id, texts, self._embed_texts)
        return self._embed_texts(texts)

    def _embed_texts(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return self._inner.embed_texts(texts)


def _is_under(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip("/\\") + os.sep)


def _load_clip(settings: Settings, bus: EventBus, catalog: Catalog | None = None) -> Embedder:
    """Resolve (and if allowed, download) the configured CLIP model, then load it with the configured backend.

    ``catalog``: the library's, for int8 calibration photos and the quality guard's record.
    """
    from photoclip.core.embed.backend_choice import LoadRequest, load_embedder
    from photoclip.core.embed.registry import resolve_model

    bus.emit(ModelLoading(settings.model, "resolving"))
    folder, model_id = resolve_model(settings.model, settings.models_dir, allow_download=settings.allow_download,
                                     bundled_dir=settings.bundled_models_dir)
    bus.emit(ModelLoading(settings.model, "loading", str(folder)))
    embedder = load_embedder(LoadRequest(
        folder, model_id, settings.backend, settings.device, settings.threads, settings.cache_dir,
        sample=_sampler(catalog, settings) if catalog is not None else None, store=catalog,
        progress=lambda step, fraction: bus.emit(ModelLoading(settings.model, "optimising", step, fraction)),
    ))
    bus.emit(ModelLoading(settings.model, "ready", f"{embedder.backend} on {embedder.device}"))
    return embedder


def _sampler(catalog: Catalog, settings: Settings):
    def sample(prepare, min_side: int, count: int) -> np.ndarray:
        from photoclip.core.photo_sample import library_sample

        return library_sample(catalog, prepare, min_side=min_side, count=count, max_pixels=settings.max_pixels)

    return sample
