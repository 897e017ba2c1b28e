"""The Library façade: the one object the CLI and the GUI talk to. It wires catalog, index, model and pipeline.

The model is loaded lazily: opening a library and showing status never imports torch; an index run loads
it only when a photo needs embedding (its identity comes from its folder: ``embed/model_info.py``), and a
text query loads only the text tower where that can be had alone (``text_embedder``). Tests inject an
embedder, a factory (with ``describe`` to tell its model without loading it), or an embedder's importable name.

It is the one door into the core: tagging (``tags``), albums (``albums``), the models it can use (``models``)
and the watcher (``watcher``) are objects it owns and hands out; its catalog, model lock and job lock stay
private. What the watcher needs of it is ``scan/watcher.WatchedLibrary``.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from photoclip.core import model_switch
from photoclip.core.browse import BrowsePage, Cursor, DatedPhoto, Timeline
from photoclip.core.control import JobControl
from photoclip.core.embed.base import Embedder
from photoclip.core.embed.color_test_model import ColorEmbedder, is_test_spec, model_label
from photoclip.core.embed.model_info import ModelInfo
from photoclip.core.embed.query_cache import QueryVectors
from photoclip.core.errors import (
    READ_ONLY_HINT,
    FolderNotFoundError,
    ModelNotAvailableError,
    QueryError,
    ReadOnlyCatalogError,
    StorageError,
    user_error_for,
)
from photoclip.core.events import EventBus, IndexFinished, IndexWaiting, ModelLoading, ModelSwitched
from photoclip.core.fair_lock import FairLock
from photoclip.core.filenames import path_inside
from photoclip.core.imaging.thumbnails import ThumbnailCache
from photoclip.core.job_lock import JobLock
from photoclip.core.pipeline import Indexer
from photoclip.core.reclaim import GRACE_DAYS, ReclaimReport, ReclaimResult
from photoclip.core.records import FolderPlacement, FolderRow, IndexSummary, PhotoRow, SubfolderCount
from photoclip.core.relevance import Relevance
from photoclip.core.scan import availability
from photoclip.core.scan.queue import WorkQueue
from photoclip.core.scope_vectors import ScopeVectors
from photoclip.core.search import (
    CutText,
    Filters,
    Hit,
    ScopeCache,
    Searcher,
    SearchResults,
    cut_texts,
    query_terms,
)
from photoclip.core.settings import Settings
from photoclip.core.store.catalog import WATCH_MODE_PREFIX, BrowseScope, Catalog
from photoclip.core.store.db import Database

if TYPE_CHECKING:
    from photoclip.core.duplicates import Candidates, KeepChoice, TrashResult
    from photoclip.core.index.hnsw import VectorIndex
    from photoclip.core.models import Models
    from photoclip.core.scan.watcher import IndexRunner, Watcher, WatchOptions
    from photoclip.core.tagging.albums import Albums
    from photoclip.core.tagging.space import VectorSpace
    from photoclip.core.tagging.tagger import Tagger

EmbedderFactory = Callable[[Settings, EventBus], Embedder]
#: Which model the settings give, told without loading it (a factory may carry one as ``describe``).
ModelDescriber = Callable[[Settings], ModelInfo]
#: The text-only embedder for a model, or None where there is none to be had without the full load.
TextLoader = Callable[[Settings, ModelInfo], "Embedder | None"]
#: Build rounds a switch makes before giving up for now: photos the watcher adds during one round get a second.
SWITCH_ROUNDS = 3


@dataclass(frozen=True)
class SwitchOutcome:
    spec: str
    model_id: str
    #: True when the library now runs the new model
    switched: bool
    #: how far the build came when it was paused or not yet complete
    progress: model_switch.SwitchProgress | None

log = logging.getLogger(__name__)

#: vectors a one-shot search reads from the catalog to bring the mapped matrix up to date (~20 µs each); more
#: behind, it loads the HNSW index instead
ONE_SHOT_CATCH_UP = 20_000


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
    #: the library's model spec (hub id or folder) and a switch under way, if any (core/model_switch.py)
    model_spec: str | None = None
    switch: dict | None = None
    #: the first and last EXIF dates taken (ISO), where the date filter's calendars open
    taken_range: tuple[str | None, str | None] = (None, None)
    #: photos with a vector for the library's model (searchable); the rest are catalogued only (browsable)
    embedded: int = 0
    #: whether the library's model is on this computer (search and tagging wait for it otherwise)
    model_available: bool = True

    @property
    def catalogued(self) -> int:
        """Photos read into the catalog (dates, thumbnails), with or without a vector."""
        return sum(n for status, n in self.counts.items() if status != "failed")

    def as_dict(self) -> dict:
        return {
            "photos": sum(self.counts.values()),
            "counts": self.counts,
            "catalogued": self.catalogued,
            "embedded": self.embedded,
            "model_available": self.model_available,
            "model": self.model_id,
            "model_spec": self.model_spec,
            "model_switch": self.switch,
            "backend": self.backend,
            "quality_guard": self.quality_guard,
            "index_size": self.index_size,
            "folders": [
                {"path": f.path, "state": f.state, "counts": self.folder_counts.get(f.id, {})} for f in self.folders
            ],
            "failed": [{"path": p.path, "reason": p.error} for p in self.failures],
        }


class Library:
    def __init__(self, settings: Settings, catalog: Catalog, embedder_factory: EmbedderFactory,
                 *, loads_models: bool = False, remember_model: bool = True,
                 describe: ModelDescriber | None = None, text_loader: TextLoader | None = None) -> None:
        self.settings = settings
        self._catalog = catalog
        self.events = EventBus()
        self.thumbnails = ThumbnailCache(settings.thumbnails_dir)
        self._embedder_factory = embedder_factory
        #: True when models come from their folders (not injected by a test): a switch loads one the same way
        self._loads_models = loads_models
        #: False while trying a model: it must not become the library's (model_id, model.spec untouched)
        self._remember_model = remember_model
        self._embedder: Embedder | None = None
        #: which model, before it is loaded (None: loading it is the only way to tell)
        self._describe = describe
        self._info: ModelInfo | None = None
        self._text_loader = text_loader
        #: a text-only embedder (cold search), dropped once the whole model is loaded; False: none to be had
        self._text_embedder: Embedder | Literal[False] | None = None
        self._index: VectorIndex | None = None
        self._model_lock = threading.RLock()
        #: held while the model runs, so a query waits for one batch at most, not a whole run
        self._model_use = FairLock()
        #: what tagging and albums score in (prompt and library vectors), built on first use (``_tag_space``)
        self._space: VectorSpace | None = None
        self._space_lock = threading.Lock()
        #: text vectors of recent queries (core/embed/query_cache.py)
        self._query_vectors = QueryVectors()
        #: the last filter scope's vectors or ids, for the next query in it (core/search.py); its vectors come
        #: from the mapped matrix file where it is current (core/scope_vectors.py)
        self._scopes = ScopeCache(ScopeVectors(self.settings.cache_dir / "vectors", ONE_SHOT_CATCH_UP).gather)
        #: cores an index run leaves to the desktop (the app sets 1 while its window is in front)
        self.desktop_reserve = 0
        #: a process that runs a query or two and ends (the command line): searched exactly over the vector
        #: matrix the tags keep on disk where its file is current (core/index/exact.py), never loading the whole
        #: HNSW file; the text tower's cache is made, where missing, instead of loading the whole model
        self.one_shot = False
        #: a first load under ``auto`` embeds on torch's fast path at once while OpenVINO int8 is made in the
        #: background (the command line sets it, and waits: ``finish_optimising``)
        self.optimise_in_background = False
        #: index jobs share it, reclaiming space takes it alone; one job at a time writes a batch, across
        #: processes (core/job_lock.py)
        self._jobs = JobLock(settings.data_dir / "jobs.lock")
        #: which hits are matches: the library sample each query is calibrated on (core/relevance.py)
        self.relevance = Relevance(catalog, self._background)
        #: False: a model the library needs is never downloaded on the way (the app downloads it in its first-run
        #: dialog, with progress and Cancel); an index run without it catalogues the photos instead
        self.downloads_model = True
        #: the embedder's importable name when ``open`` was given one (another process can build it too)
        self.embedder_name: str | None = None
        #: the whole model in another process (the app's indexing process, gui/workers/index_process.py): texts
        #: the text-only path cannot serve and photos from outside the library are embedded there, so this
        #: process never loads it
        self.model_elsewhere: Embedder | None = None

    @classmethod
    def open(cls, settings: Settings | None = None, *, embedder: Embedder | None = None,
             embedder_factory: EmbedderFactory | None = None, embedder_name: str | None = None,
             describe: ModelDescriber | None = None, text_loader: TextLoader | None = None,
             remember_model: bool = True) -> Library:
        """Open the library the settings name, with its model from its folder, or (tests, demos) with one of:
        ``embedder``, an embedder; ``embedder_factory``, a factory called when the model is first needed (with
        ``describe`` to tell its model without loading it and ``text_loader`` for a text-only one, both
        optional); ``embedder_name``, the importable name of an embedder ("module:callable"): the app's
        indexing process then builds the same one (core/index_process.py). ``remember_model=False`` runs the
        model the settings name without making it the library's model (``photoclip model compare``)."""
        if sum(x is not None for x in (embedder, embedder_factory, embedder_name)) > 1:
            raise ValueError("give at most one of embedder, embedder_factory and embedder_name")
        settings = settings or Settings.from_env()
        if embedder_name is not None:
            embedder = _build_embedder(embedder_name)
        catalog = Catalog(Database(settings.catalog_path))
        hub: _FolderModel | None = None
        if embedder_factory is not None:
            factory: EmbedderFactory = embedder_factory
        elif embedder is not None:
            factory = _given(embedder)
        else:
            hub = _FolderModel(catalog, remember_model)
            factory, describe, text_loader = hub.load, hub.describe, hub.load_text
        if not catalog.db.read_only:
            catalog.fold_nested_roots()  # a catalog from before roots could not nest (cheap when none do)
        library = cls(settings, catalog, factory, loads_models=hub is not None, remember_model=remember_model,
                      describe=describe, text_loader=text_loader)
        if hub is not None:
            hub.bus, hub.library = library.events, library
            hub.may_download = lambda: library.downloads_model
        library.embedder_name = embedder_name
        return library

    @property
    def read_only(self) -> bool:
        """The catalog can be searched but not changed (a read-only disk or folder)."""
        return self._catalog.db.read_only

    # tagging, albums, models, watching -----------------------------------------------------------------
    @property
    def tags(self) -> Tagger:
        """Zero-shot tagging, the review queue, the user's tags, label sets and XMP write-back
        (core/tagging/tagger.py). ``library.tags.reporting(callback)`` tells of skipped sidecars as they come."""
        from photoclip.core.tagging.tagger import Tagger

        return Tagger(self._tag_space())

    @property
    def albums(self) -> Albums:
        """Manual and smart albums (core/tagging/albums.py)."""
        from photoclip.core.tagging.albums import Albums

        return Albums(self._tag_space())

    @property
    def models(self) -> Models:
        """The models this library can use: the catalog, which are on this computer, the one recommended for
        it, how fast each ran here (core/models.py)."""
        from photoclip.core.models import Models

        return Models(self.settings, lambda: self.model_spec, self.switch_progress)

    def _tag_space(self) -> VectorSpace:
        """The one vector space of this library's tagging and albums: its caches live as long as the library."""
        with self._space_lock:
            if self._space is None:
                from photoclip.core.tagging.space import VectorSpace
                from photoclip.core.tagging.store import TagStore

                self._space = VectorSpace(
                    TagStore(self._catalog), stored_model_id=self._stored_model_id,
                    text_embedder=lambda: self.text_embedder, model_lock=self._model_use,
                    cache_dir=self.settings.cache_dir / "vectors")
            return self._space

    def _stored_model_id(self) -> str | None:
        """The model the stored vectors belong to: the loaded one's, else the catalog's (never loads it)."""
        return self._embedder.model_id if self._embedder is not None else self._catalog.get_meta("model_id")

    def watcher(self, paths: list[str | Path] | None = None, options: WatchOptions | None = None, *,
                indexer: IndexRunner | None = None) -> Watcher:
        """A watcher that keeps this library's folders (those holding ``paths``; all when None) indexed while it
        runs (core/scan/watcher.py); not started. ``indexer``: what runs its indexing (the app's indexing
        worker), else this library."""
        from photoclip.core.scan.watcher import Watcher

        return Watcher(self, paths, options, indexer=indexer)

    # what the watcher reads and keeps (scan/watcher.WatchedLibrary) -------------------------------------
    def work_queue(self, settle: float, delete_hold: float) -> WorkQueue:
        """The watcher's queue of files to index, persisted in the catalog (core/scan/queue.py)."""
        return WorkQueue(self._catalog, settle, delete_hold)

    def photo_paths_under(self, folder: str) -> list[str]:
        """Paths of the library's photos inside ``folder`` (at any depth)."""
        return self._catalog.photo_paths_under(folder)

    def mark_offline(self, folder_id: int) -> None:
        """A library folder is unreachable (drive unplugged, share unmounted): its photos stay searchable."""
        self._catalog.set_photos_status(folder_id, "offline")
        self._catalog.set_folder_state(folder_id, "offline")

    def watch_mode(self, root: str) -> str | None:
        """How the user chose to watch a library folder ("auto", "native", "poll"), None when not chosen."""
        return self._catalog.get_meta(WATCH_MODE_PREFIX + root)

    def set_watch_mode(self, path: str | Path, mode: str) -> None:
        """Remember "auto", "native" or "poll" for a folder (for the root that holds it: roots are what is
        watched)."""
        folder = str(Path(path).expanduser().resolve())
        root = next((r.path for r in self._catalog.folders() if path_inside(folder, r.path)), folder)
        self._catalog.set_meta(WATCH_MODE_PREFIX + root, mode)

    def was_mount(self, path: str) -> bool:
        """The folder was a mount point when last seen (core/scan/availability.py)."""
        return availability.was_mount(self._catalog, path)

    def remember_if_mount(self, path: str) -> bool:
        """Record the folder as a mount point when it is one now; whether it is."""
        return availability.remember_if_mount(self._catalog, path)

    def close(self) -> None:
        if self._index is not None and not self.read_only:  # a read-only catalog's index is rebuilt in memory
            try:
                self._index.save()
            except Exception as exc:
                if not isinstance(user_error_for(exc), StorageError):
                    raise
                # a full disk: the index is a cache the next open catches up from the catalog
                log.info("the search index could not be saved (%s); it is rebuilt on the next start", exc)
        self._catalog.db.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # model and index -----------------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        """The whole model, loaded now if it is not yet."""
        with self._model_lock:
            if self._embedder is None:
                self._embedder = self._embedder_factory(self.settings, self.events)
                self._info, self._text_embedder = ModelInfo.of(self._embedder), None  # the text-only one goes
                # written only when it changed: a search must not need a write (a full or read-only disk)
                if (self._remember_model and not self.read_only
                        and self._catalog.get_meta("model_id") != self._embedder.model_id):
                    self._catalog.set_meta("model_id", self._embedder.model_id)
            return self._embedder

    @property
    def model(self) -> ModelInfo:
        """Which model the library runs (id, vector length, input), told from its folder without loading it."""
        with self._model_lock:
            if self._info is None:
                self._info = self._describe(self.settings) if self._describe is not None \
                    else ModelInfo.of(self.embedder)
            return self._info

    @property
    def text_embedder(self) -> Embedder:
        """What embedding texts needs: the whole model when loaded, else a text-only one where one can be had
        without it (OpenVINO's text tower and a light tokenizer: no torch), else the whole model."""
        with self._model_lock:
            if self._embedder is not None:
                return self._embedder
            # with the model elsewhere, try again each time: that process's first full load caches the text tower
            if self._text_embedder is None or (self._text_embedder is False and self.model_elsewhere is not None):
                loaded = self._text_loader(self.settings, self.model) if self._text_loader is not None else None
                self._text_embedder = loaded if loaded is not None else False
            return self._text_embedder or self.model_elsewhere or self.embedder

    @property
    def loads_models(self) -> bool:
        """True when the model comes from its folder (not an embedder a test injected)."""
        return self._loads_models

    def model_changed(self) -> None:
        """Another process switched this library's model (the app's indexing process): tell, load and index
        with the new one from the next use."""
        with self._model_lock:
            self._embedder, self._index, self._info, self._text_embedder = None, None, None, None

    def finish_optimising(self, timeout: float | None = None, *, idle: bool = False) -> bool:
        """Wait for a faster backend being prepared in the background (the first run on a computer: the model
        converted to OpenVINO and calibrated while indexing ran on torch), so it is kept for the next run. True
        when nothing is left (or nothing was being prepared); False when ``timeout`` passed first. ``idle``:
        nothing is embedded meanwhile, so the model at hand is set aside while the preparing process works
        (loaded again afterwards only if something asks and nothing faster came)."""
        set_aside = getattr(self._embedder, "set_aside", None) if idle else None
        if set_aside is not None:
            set_aside()
        wait = getattr(self._embedder, "wait", None)
        return True if wait is None else bool(wait(timeout))

    @property
    def optimise_error(self) -> BaseException | None:
        """Why preparing a faster backend in the background failed (indexing went on, on the backend at hand;
        the next run tries again), or None."""
        return getattr(self._embedder, "error", None)

    @property
    def optimising(self) -> bool:
        """A faster backend is being prepared in the background (``finish_optimising``)."""
        finished = getattr(self._embedder, "finished", None)
        return finished is not None and not finished.is_set()

    @property
    def loaded_embedder(self) -> Embedder | None:
        """The model if something has loaded it already, else None (never loads it: for About and status)."""
        return self._embedder

    @property
    def index(self) -> VectorIndex:
        with self._model_lock:
            if self._index is None or self._index.model_id != self.model.model_id:
                from photoclip.core.index.hnsw import VectorIndex

                if self._index is not None:  # opened by vector_index() for the catalog's last model
                    self._index.save()
                model = self.model
                index = VectorIndex(self.settings.index_dir, model.model_id, model.dim)
                index.sync(self._catalog)
                self._index = index
            return self._index

    def vector_index(self) -> VectorIndex | None:
        """The index of the stored vectors without loading a model: the open one, else the one of the model
        the catalog was last indexed with (loaded, caught up or rebuilt like ``index``). None when nothing is
        indexed yet."""
        with self._model_lock:
            model_id = self._catalog.get_meta("model_id")
            if self._index is not None and self._index.model_id == (model_id or self._index.model_id):
                return self._index
            from photoclip.core.index.hnsw import VectorIndex

            if not model_id:
                return None
            first = next(self._catalog.embeddings_after(model_id, 0, chunk=1), None)
            if first is None:
                return None
            index = VectorIndex(self.settings.index_dir, model_id, first[1].shape[1])
            index.sync(self._catalog)
            if self._index is None:
                self._index = index  # the model's own index once it loads (``index``), saved on close
            else:  # a model other than the library's is loaded (being tried): keep its index, save this one
                index.save()
            return index

    # folders -------------------------------------------------------------------------------------------
    def add_folder(self, path: Path | str) -> FolderRow:
        """The library folder (root) that holds ``path`` from now on: see ``place_folder``."""
        return self.place_folder(path).root

    def place_folder(self, path: Path | str) -> FolderPlacement:
        """Add a folder the way photo apps do: a folder inside a library folder is already part of it (nothing
        added, outcome "inside"); a folder that holds library folders becomes one and takes them in as its
        sub-folders ("added" with ``folded``: photos, tags and albums kept, nothing re-embedded)."""
        folder = Path(path).expanduser().resolve()
        if not folder.is_dir():
            raise FolderNotFoundError(f"{folder} is not a folder.", "Check the path and that the drive is connected.")
        if self.read_only:
            known = self._covering(str(folder))
            if known is not None:  # nothing to write: a read-only catalog can still say where it is
                return known
            self._check_writable()
        placement = self._catalog.place_folder(folder)
        if placement.folded:
            _carry_polling(self._catalog, placement)
        return placement

    def _covering(self, path: str) -> FolderPlacement | None:
        for root in self._catalog.folders():
            if root.path == path or path_inside(path, root.path):
                return FolderPlacement(root, path, "known" if root.path == path else "inside")
        return None

    def subfolders(self, path: str, failed: list[str] | None = None) -> list[SubfolderCount]:
        """The sub-folders of a library folder (or of a folder inside one) that hold photos, with counts;
        ``failed``: the paths of the files that could not be indexed, where the caller has them (the status)."""
        return self._catalog.subfolders(path, failed)

    def remove_folder(self, path: Path | str) -> int:
        folder = self._catalog.folder_by_path(Path(path).expanduser().resolve())
        if folder is None:
            covering = self._covering(str(Path(path).expanduser().resolve()))
            if covering is not None:  # a sub-folder is part of its library folder: removed only with it
                raise FolderNotFoundError(
                    f"{path} is inside the library folder {covering.root.path}: only whole library folders can be "
                    "removed.", f"Remove {covering.root.path}, or move these photos out of it.")
            raise FolderNotFoundError(f"{path} is not in the library.", "Run 'photoclip status' to list folders.")
        return self._catalog.remove_folder(folder.id)

    def folders(self) -> list[FolderRow]:
        return self._catalog.folders()

    def photo_at(self, path: Path | str) -> PhotoRow | None:
        """The library's photo at ``path`` (resolved), None when there is none."""
        return self._catalog.photo_by_path(str(Path(path).expanduser().resolve()))

    def vector_coverage(self, model_id: str) -> tuple[int, int]:
        """(photos with a vector for ``model_id``, photos that could have one): how far a model's vectors are."""
        return self._catalog.vector_coverage(model_id)

    # indexing ------------------------------------------------------------------------------------------
    def index_folders(self, paths: list[Path | str] | None = None, control: JobControl | None = None) -> IndexSummary:
        """Add the given folders (all known folders when None) and bring the index up to date."""
        self._check_writable()
        if paths:
            placed = [self.place_folder(p) for p in paths]
            # where each landed once all are placed: a later one may have folded an earlier one's root
            folders = _scan_scopes([self._covering(p.path) or p for p in placed])
        else:
            folders = self._catalog.folders()
        with self._jobs.indexing(self._waiting_for_cleanup):
            indexer, missing = self._indexer_or_catalog()
            summary = indexer.run(folders, control)
        summary.model_missing = missing
        self.events.emit(IndexFinished(summary.as_dict()))
        return summary

    def index_paths(self, paths: list[str], control: JobControl | None = None) -> IndexSummary:
        """Index, update or remove single files (the watcher's entry point). Paths outside every library
        folder are ignored."""
        self._check_writable()
        folders = sorted(self._catalog.folders(), key=lambda f: len(f.path), reverse=True)
        items = []
        for path in paths:
            folder = next((f for f in folders if _is_under(path, f.path)), None)
            if folder is not None:
                items.append((folder.id, path))
        with self._jobs.indexing(self._waiting_for_cleanup):
            indexer, missing = self._indexer_or_catalog()
            summary = indexer.run_paths(items, control)
        summary.model_missing = missing
        self.events.emit(IndexFinished(summary.as_dict()))
        return summary

    def _check_writable(self) -> None:
        if self.read_only:
            raise ReadOnlyCatalogError(
                f"The catalog at {self.settings.catalog_path} is read-only: photoclip can search it but not index "
                "into it.", READ_ONLY_HINT)

    def _indexer(self) -> Indexer:
        self.model  # noqa: B018 -- told from its folder, no load; raises ModelNotAvailableError without one
        # the index opens only when the run has something to embed (core/pipeline.py)
        return self._indexer_for(_LazyEmbedder(self), lambda: self.index, self._model_use)

    def _indexer_or_catalog(self) -> tuple[Indexer, str | None]:
        """The model's indexer; without a model on this computer (offline, not downloaded yet), a catalog pass
        (core/pipeline.py) and why: the photos are browsable now, and the first run with the model embeds them."""
        try:
            return self._indexer(), None
        except ModelNotAvailableError as exc:
            log.info("no model (%s): cataloguing without vectors", exc.user_message)
            return self._indexer_for(None, None, self._model_use), f"{exc.user_message} {exc.hint}".strip()

    def has_model(self) -> bool:
        """Whether the library's model is on this computer (or loaded, or given by a test); looks at files
        only: no download, no load."""
        if self._embedder is not None or not self._loads_models or is_test_spec(self.model_spec):
            return True
        from photoclip.core.embed.registry import find_local_model

        return find_local_model(self.model_spec, self.settings.models_dir,
                                bundled_dir=self.settings.bundled_models_dir) is not None

    def _indexer_for(self, embedder: Embedder | None, index, lock: FairLock) -> Indexer:
        return Indexer(
            self._catalog, index, _LockedEmbedder(embedder, lock) if embedder is not None else None,
            self.thumbnails, self.events,
            batch_size=self.settings.batch_size, decode_workers=self.settings.decode_workers,
            max_pixels=self.settings.max_pixels, decode_mode=self.settings.decode_mode, writer=self._jobs.writing,
            model_threads=self.settings.threads, start_threads=self.settings.start_threads,
            reserve=lambda: self.desktop_reserve,
        )

    def _waiting_for_cleanup(self, holder: str) -> None:
        self.events.emit(IndexWaiting(holder, "cleanup"))

    # search --------------------------------------------------------------------------------------------
    def _searcher(self) -> Searcher:
        index = self._one_shot_vectors() if self.one_shot and self._index is None else None
        return Searcher(self._catalog, index or self.index,
                        _LockedEmbedder(_LazyEmbedder(self), self._model_use, self._query_vectors), self.relevance,
                        self._scopes)

    def _one_shot_vectors(self):
        """The model's vectors as the tags' mapped matrix, searched exactly (``one_shot``), when its file holds
        the catalog's vectors (at most ``ONE_SHOT_CATCH_UP`` newer ones are read from the catalog); else None
        (the HNSW index then, as always: building the matrix would read every vector)."""
        from photoclip.core.index.exact import ExactVectors
        from photoclip.core.matrix_blocks import product
        from photoclip.core.tagging.matrix_cache import current_matrix
        from photoclip.core.tagging.store import TagStore

        model_id = self.model.model_id
        mapped = current_matrix(self.settings.cache_dir / "vectors", TagStore(self._catalog), model_id,
                                ONE_SHOT_CATCH_UP)
        return ExactVectors(model_id, *mapped, product) if mapped is not None else None

    def search(self, query: str, limit: int = 20, filters: Filters | None = None, *, matches_only: bool = False,
               threshold: float | None = None) -> list[Hit]:
        """The ``limit`` best photos by cosine, each with its calibrated score and match flag; with
        ``matches_only``, only the matches (photos that stand out from the library for this query: see
        core/relevance.py), up to ``limit``. ``threshold``: on the calibrated score (default 3)."""
        results = self.search_results(query, limit, filters, threshold)
        return results.matches if matches_only else results.ranking

    def search_results(self, query: str, limit: int = 20, filters: Filters | None = None,
                       threshold: float | None = None) -> SearchResults:
        """Matches and the ranking of one query at once (what the app shows: matches, then the weaker ones)."""
        return self._searcher().text_results(query, limit, self.scoped(filters), threshold)

    def cut_query_terms(self, query: str) -> list[CutText]:
        """The terms of ``query`` longer than the model reads (the CLI warns, the app shows a hint)."""
        return cut_texts(self.text_embedder, query_terms(query))

    def cut_texts(self, texts: list[str]) -> list[CutText]:
        """Of ``texts`` (e.g. label prompts), those longer than the model reads."""
        return cut_texts(self.text_embedder, texts)

    def similar(self, path: Path | str | list[Path | str], limit: int = 20, filters: Filters | None = None, *,
                matches_only: bool = False, threshold: float | None = None) -> list[Hit]:
        """Photos like the one at ``path`` (or like several: each hit names its nearest), inside or outside
        the library; the reference photos themselves are left out."""
        results = self.similar_results(path, limit, filters, threshold)
        return results.matches if matches_only else results.ranking

    def similar_results(self, path: Path | str | list[Path | str], limit: int = 20, filters: Filters | None = None,
                        threshold: float | None = None) -> SearchResults:
        paths = path if isinstance(path, list | tuple) else [path]
        if not paths:
            raise QueryError("No photo to compare with.", "Give the path of a photo.")
        targets = [Path(p).expanduser().resolve() for p in paths]
        references = [(str(t), self._vector_of(t)) for t in dict.fromkeys(targets)]
        return self._searcher().similar_results(references, limit, self.scoped(filters), threshold)

    def _background(self, model_id: str) -> np.ndarray:
        """The neutral prompts' vector ("a photo", ...), shared with tagging and smart albums (cached there in
        memory and in the catalog), so a search and a smart album of the same query score alike."""
        return self._tag_space().background(model_id)

    def embed_images(self, images: list[np.ndarray]) -> np.ndarray:
        """Vectors of photos given as RGB arrays (from outside the library), with the whole model, waiting for
        the batch being indexed at most (the app's indexing process serves these: core/index_process.py)."""
        from PIL import Image

        embedder = self.embedder
        with self._model_use:
            return embedder.embed_prepared(np.stack([embedder.prepare(Image.fromarray(a)) for a in images]))

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        """Vectors of texts with what texts need (``text_embedder``), waiting for one indexing batch at most."""
        embedder = self.text_embedder
        with self._model_use:
            return embedder.embed_texts(list(texts))

    def _vector_of(self, path: Path) -> np.ndarray:
        from photoclip.core.errors import DecodeError
        from photoclip.core.imaging.decode import decode_photo
        from photoclip.core.imaging.source import open_photo

        try:
            with open_photo(path) as source:  # never opens a pipe or a device; large files are streamed
                stored = self._catalog.vector_for_hash(source.content_hash, self.model.model_id)
                if stored is not None:  # a photo of the library: no model needed
                    return stored
                photo = decode_photo(source.data, min_side=self.model.input_size,
                                     max_pixels=self.settings.max_pixels, name=path.name)
        except DecodeError as exc:
            raise QueryError(
                f"Cannot use {path} as a query: {exc.reason}.", "Pick a JPEG, PNG, HEIC or WebP photo."
            ) from exc
        embedder = self._embedder or self.model_elsewhere or self.embedder
        with self._model_use:
            return embedder.embed_prepared(embedder.prepare(photo.image)[None])[0]

    # near-duplicates -----------------------------------------------------------------------------------
    def find_duplicates(self, floor: float | None = None, control: JobControl | None = None) -> Candidates:
        """Near-duplicate candidates among the indexed photos, from stored vectors (core/duplicates); reads
        only. ``Candidates.groups(threshold)`` groups them at any threshold from ``floor`` up."""
        from photoclip.core.duplicates import MIN_THRESHOLD, find

        return find(self._catalog, self.vector_index(), self.events, MIN_THRESHOLD if floor is None else floor,
                    control)

    def trash_duplicates(self, choices: list[KeepChoice]) -> TrashResult:
        """The explicit action: give each keeper the others' tags and albums, move the others to the system
        trash (never deleted) and forget them as a rescan would."""
        from photoclip.core.duplicates import move_others_to_trash

        return move_others_to_trash(self._catalog, self.tags, choices)

    def scoped(self, filters: Filters | None) -> Filters | None:
        """``filters`` with an album's photo ids filled in (AlbumError if there is no such album)."""
        if filters is None or filters.album is None or filters.photo_ids is not None:
            return filters
        return replace(filters, photo_ids=self.albums.photo_ids(filters.album))

    # browsing --------------------------------------------------------------------------------------------
    def browse(self, filters: Filters | None = None, after: Cursor | None = None, limit: int = 200) -> BrowsePage:
        """A page of the library newest first by date taken (EXIF, else file time), after the cursor of the
        previous page. Reads the catalog only: never loads the model."""
        rows = self._catalog.browse_page(self._browse_scope(filters), after, limit)
        photos = [DatedPhoto(photo, taken) for photo, taken in rows]
        last = photos[-1] if photos and len(photos) == limit else None
        return BrowsePage(photos, (last.taken, last.photo.id) if last else None)

    def timeline(self, filters: Filters | None = None) -> Timeline:
        """Every photo of the scope in browse order (ids and days only): the grid's layout."""
        return Timeline(*self._catalog.timeline(self._browse_scope(filters)))

    def photos(self, ids: list[int]) -> list[PhotoRow]:
        """The rows of these photos (any number), in no particular order."""
        return [p for start in range(0, len(ids), 500) for p in self._catalog.photos_by_ids(ids[start:start + 500])]

    def _browse_scope(self, filters: Filters | None) -> BrowseScope:
        f = self.scoped(filters) or Filters()
        return BrowseScope(f.folder, f.date_from, f.date_to, f.photo_ids)

    # status --------------------------------------------------------------------------------------------
    def status(self) -> LibraryStatus:
        """Counts and failures from the catalog alone: never loads the model."""
        model_id = self._embedder.model_id if self._embedder else self._catalog.get_meta("model_id")
        index_size = None
        embedded = 0
        if model_id:
            index_size, _ = self._catalog.embedding_stats(model_id)
            embedded = self._catalog.vector_coverage(model_id)[0]
        switch = self.switch_progress()
        folder_counts = self._catalog.folder_counts()
        counts: dict[str, int] = {}
        for per_folder in folder_counts.values():  # every photo has its folder: no second pass over them
            for state, n in per_folder.items():
                counts[state] = counts.get(state, 0) + n
        return LibraryStatus(
            counts=counts, model_id=model_id, index_size=index_size,
            folders=self._catalog.folders(), folder_counts=folder_counts,
            failures=self._catalog.failures(), backend=getattr(self._embedder, "backend", None),
            quality_guard=self._guard_results(model_id), model_spec=self.model_spec,
            switch=switch.as_dict() if switch else None, taken_range=self._catalog.taken_range(),
            embedded=embedded, model_available=self.has_model(),
        )

    def recall_check(self, queries: int = 20):
        """recall@50 of the search index against an exact search of the stored vectors, for text-like and
        photo-like queries (core/index/recall.py); None when nothing is indexed. Never loads the model; reads
        every vector once (seconds at a million photos)."""
        from photoclip.core.index.recall import measure_recall

        index = self.vector_index()
        return None if index is None else measure_recall(index, self._catalog, queries)

    # switching models ----------------------------------------------------------------------------------
    @property
    def model_spec(self) -> str:
        """The hub id or folder of the library's model (``PHOTOCLIP_MODEL`` overrides it for one run)."""
        return model_switch.library_model(self.settings, self._catalog)

    def switch_progress(self) -> model_switch.SwitchProgress | None:
        """How far a switch to another model has come (None when none is under way); reads the catalog only."""
        pending = model_switch.pending(self._catalog)
        return model_switch.progress(self._catalog, pending) if pending else None

    def switch_model(self, spec: str | None = None, control: JobControl | None = None) -> SwitchOutcome:
        """Switch the library to ``spec`` (None: resume the switch under way) without downtime.

        The new model's vectors are built by the normal indexing pipeline (progress events as for indexing;
        ``control`` pauses and cancels, and a cancelled or killed build resumes where it stopped) while searches,
        tags and albums keep using the current model. When every photo has a vector, one transaction makes the
        new model the library's, and this process swaps to it.
        """
        pending = model_switch.pending(self._catalog)
        spec = spec or (pending.spec if pending else None)
        if spec is None:
            raise QueryError("No model switch is under way.", "Name the model: photoclip model use ID.")
        target = self._load_other_model(spec)
        if target.model_id == self._catalog.get_meta("model_id") and pending is None:
            model_switch.remember_model(self._catalog, spec)
            return SwitchOutcome(spec, target.model_id, switched=True, progress=None)
        switch = model_switch.begin(self._catalog, spec, target.model_id)
        from photoclip.core.index.hnsw import VectorIndex

        index = VectorIndex(self.settings.index_dir, target.model_id, target.dim)
        index.sync(self._catalog)
        indexer = self._indexer_for(target, index, FairLock())
        for _ in range(SWITCH_ROUNDS):  # photos added meanwhile (the watcher) need a second, short round
            with self._jobs.indexing():
                summary = indexer.run(self._catalog.folders(), control)
            if summary.cancelled:
                index.save()
                return SwitchOutcome(spec, target.model_id, False, model_switch.progress(self._catalog, switch))
            if model_switch.finish(self._catalog, switch):
                break
        else:
            return SwitchOutcome(spec, target.model_id, False, model_switch.progress(self._catalog, switch))
        self._adopt(target, index)
        self.events.emit(ModelSwitched(spec, target.model_id))
        return SwitchOutcome(spec, target.model_id, switched=True, progress=None)

    def needs_switch(self, spec: str) -> bool:
        """Whether making ``spec`` the library's model means building vectors (photos are indexed with another
        model) rather than just recording it (a new library, or ``spec`` already the library's)."""
        model_id = self._catalog.get_meta("model_id")
        if spec == self.model_spec or not model_id:  # never embedded (at most catalogued): nothing to switch from
            return False
        return self._catalog.vector_coverage(model_id)[1] > 0

    def set_model(self, spec: str) -> None:
        """Make ``spec`` the model of a library that has nothing indexed yet (first run); with indexed photos
        use ``switch_model``. Takes effect when the model next loads."""
        if self.needs_switch(spec):
            raise QueryError("This library's photos are indexed with another model.",
                             "Switch with 'photoclip model use' (or Settings in the app): search keeps working.")
        changed = spec != self.model_spec
        model_switch.remember_model(self._catalog, spec)
        if changed:
            with self._model_lock:  # loaded before the choice (nothing indexed with it): load the chosen one
                self._embedder, self._index, self._info, self._text_embedder = None, None, None, None

    def cancel_switch(self) -> None:
        """Give up the switch under way; the current model stays (built vectors are reclaimable)."""
        model_switch.cancel(self._catalog)

    def _load_other_model(self, spec: str) -> Embedder:
        other = replace(self.settings, model=spec, model_explicit=True)
        if self._loads_models:
            return _load_clip(other, self.events, self._catalog, remember=False)
        return self._embedder_factory(other, self.events)

    def _adopt(self, embedder: Embedder, index) -> None:
        with self._model_lock:
            old = self._index
            self._embedder, self._index = embedder, index
            self._info, self._text_embedder = ModelInfo.of(embedder), None
        if old is not None:
            old.save()
        index.save()

    # reclaiming space ----------------------------------------------------------------------------------
    def reclaimable(self, older_than_days: float = GRACE_DAYS, now: float | None = None) -> ReclaimReport:
        """What a cleanup would free (orphan vectors past ``older_than_days``, models no longer in use);
        changes nothing and never loads the model."""
        from photoclip.core.reclaim import models_in_use, survey

        loaded = self._embedder.model_id if self._embedder else self._info.model_id if self._info else None
        in_use = models_in_use(self.settings, self._catalog, loaded)
        return survey(self.settings, self._catalog, in_use, older_than_days, now)

    def reclaim(self, older_than_days: float = GRACE_DAYS, old_models: bool = False,
                now: float | None = None) -> ReclaimResult:
        """Delete orphan vectors past the grace period (and, with ``old_models``, every trace of models no
        longer in use), keep the HNSW index consistent, vacuum. ``LibraryBusyError`` while indexing runs."""
        from photoclip.core.reclaim import Reclaimer

        with self._jobs.reclaiming():
            report = self.reclaimable(older_than_days, now)
            reclaimer = Reclaimer(self.settings, self._catalog, self.events, self._index)
            return reclaimer.run(report, old_models, now)

    def _guard_results(self, model_id: str | None) -> list[dict]:
        from photoclip.core.embed.quality_guard import GuardResult, meta_key

        if not model_id:
            return []
        stored = self._catalog.meta_with_prefix(meta_key(model_id, ""))
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

    def ensure_loaded(self) -> None:
        """Load the model now if it is not yet (the indexer does, before it takes the library's writer lock)."""
        ensure = getattr(self._inner, "ensure_loaded", None)
        if ensure is not None:
            ensure()

    def embed_prepared(self, batch: np.ndarray) -> np.ndarray:
        with self._lock:
            return self._inner.embed_prepared(batch)

    @property
    def threads(self) -> int | None:
        return getattr(self._inner, "threads", None)

    @property
    def streams(self) -> int:
        return getattr(self._inner, "streams", 1)

    @property
    def stream_threads(self) -> int:
        return getattr(self._inner, "stream_threads", 1)

    def set_threads(self, threads: int) -> bool:
        """Run the model on ``threads`` threads from the next batch; False when it cannot change."""
        set_threads = getattr(self._inner, "set_threads", None)
        if set_threads is None:
            return False
        with self._lock:
            return bool(set_threads(threads))

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        if self._query_vectors is not None:  # a query seen before neither runs the text tower nor waits for it
            return self._query_vectors.embed(self.model_id, texts, self._embed_texts)
        return self._embed_texts(texts)

    def _embed_texts(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return self._inner.embed_texts(texts)


class _LazyEmbedder:
    """The library's model as the pipeline and search use it: its identity at once (``Library.model``), the
    model itself only when an image is embedded, and for texts only what texts need (``text_embedder``)."""

    def __init__(self, library: Library) -> None:
        info = library.model
        self._library = library
        self.model_id = info.model_id
        self.dim = info.dim
        self.input_size = info.input_size
        self.preprocess_config = info.preprocess_config

    def ensure_loaded(self) -> None:
        self._library.embedder  # noqa: B018 - loads it

    def prepare(self, image):
        if self.preprocess_config is not None:
            return self.preprocess_config(image)
        return self._library.embedder.prepare(image)

    def embed_prepared(self, batch: np.ndarray) -> np.ndarray:
        return self._library.embedder.embed_prepared(batch)

    @property
    def threads(self) -> int | None:
        loaded = self._library.loaded_embedder
        return getattr(loaded, "threads", None) if loaded is not None else None

    @property
    def streams(self) -> int:
        """The model's independent streams (``OpenVinoEmbedder``); 1 until it is loaded."""
        return getattr(self._library.loaded_embedder, "streams", 1)

    @property
    def stream_threads(self) -> int:
        return getattr(self._library.loaded_embedder, "stream_threads", 1)

    def set_threads(self, threads: int) -> bool:
        set_threads = getattr(self._library.embedder, "set_threads", None)
        return bool(set_threads(threads)) if set_threads is not None else False

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        return self._library.text_embedder.embed_texts(texts)


class _FolderModel:
    """The library's model from its folder: described cheaply (no torch), loaded when something needs it."""

    def __init__(self, catalog: Catalog, remember: bool) -> None:
        self._catalog = catalog
        self._remember = remember
        self._described: dict[str, ModelInfo] = {}
        self._lock = threading.Lock()
        #: whether a missing model may be downloaded now (``Library.downloads_model``)
        self.may_download: Callable[[], bool] = lambda: True
        #: the library's events, and the library (set once it exists)
        self.bus = EventBus()
        self.library: Library | None = None

    def describe(self, settings: Settings) -> ModelInfo:
        from photoclip.core.embed.model_info import describe_folder
        from photoclip.core.embed.registry import resolve_model

        spec = model_switch.library_model(settings, self._catalog)
        if is_test_spec(spec):  # built in: nothing to resolve
            return ModelInfo.of(ColorEmbedder())
        with self._lock:
            if spec not in self._described:
                self.bus.emit(ModelLoading(spec, "resolving"))
                folder, model_id = resolve_model(spec, settings.models_dir,
                                                 allow_download=settings.allow_download and self.may_download(),
                                                 bundled_dir=settings.bundled_models_dir)
                self._described = {spec: describe_folder(folder, model_id)}
            return self._described[spec]

    def load(self, settings: Settings, bus: EventBus) -> Embedder:
        background = self.library is not None and self.library.optimise_in_background
        return _load_clip(settings, bus, self._catalog, remember=self._remember, info=self.describe(settings),
                          background=background)

    def load_text(self, settings: Settings, info: ModelInfo) -> Embedder | None:
        from photoclip.core.embed.backend_choice import load_text_embedder

        if info.folder is None:
            return None
        # a one-shot process (the command line) makes the text tower's cache rather than load the whole model
        one_shot = self.library is not None and self.library.one_shot
        embedder = load_text_embedder(_request(settings, info.folder, info.model_id), make=one_shot)
        if embedder is not None:
            spec = model_switch.library_model(settings, self._catalog)
            self.bus.emit(ModelLoading(spec, "ready", f"{embedder.backend} on {embedder.device}"))
        return embedder


def _given(embedder: Embedder) -> EmbedderFactory:
    """The factory of an embedder given as it is (a test's)."""
    return lambda _settings, _bus: embedder


def _scan_scopes(placements: list[FolderPlacement]) -> list[FolderRow]:
    """What to scan for the folders asked for: a whole root, or just a folder inside one (``FolderRow.scope``;
    the whole root when it was offline, so all of it is checked). Each root or folder is scanned once."""
    whole = {p.root.id for p in placements if p.outcome != "inside" or p.root.state == "offline"}
    rows: list[FolderRow] = []
    roots: set[int] = set()
    scopes: set[str] = set()
    for p in placements:
        if p.root.id in whole:
            if p.root.id not in roots:
                roots.add(p.root.id)
                rows.append(p.root)
            continue
        others = [q.path for q in placements if q.root.id == p.root.id and q.path != p.path]
        if p.path not in scopes and not any(path_inside(p.path, other) for other in others):
            scopes.add(p.path)
            rows.append(replace(p.root, scope=p.path))
    return rows


def _carry_polling(catalog: Catalog, placement: FolderPlacement) -> None:
    """A folded sub-folder that was polled because of where it lives (a network share inside the new root)
    still needs polling: the root is polled then, unless the user chose its mode (the catalog already carried
    explicit overrides up, ``catalog._fold``)."""
    from photoclip.core.scan.volumes import choose_mode

    key = WATCH_MODE_PREFIX + placement.root.path
    if catalog.get_meta(key) is None and any(choose_mode(p) == "poll" for p in placement.folded):
        catalog.set_meta(key, "poll")


def _build_embedder(name: str) -> Embedder:
    """``"package.module:callable"`` -> the embedder the callable returns. Here, not in core/index_process.py
    (which imports this module), so the two do not import each other."""
    import importlib

    module, _, attribute = name.partition(":")
    return getattr(importlib.import_module(module), attribute)()


def _is_under(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip("/\\") + os.sep)


def _load_clip(settings: Settings, bus: EventBus, catalog: Catalog | None = None, *,
               remember: bool = True, info: ModelInfo | None = None, background: bool = False) -> Embedder:
    """Resolve (and if allowed, download) the library's model, then load it with the configured backend.

    ``catalog``: the library's, for its model (``model_switch.library_model``), int8 calibration photos and the
    quality guard's record. ``remember``: record the model as the library's once it loaded. ``info``: the
    model already resolved (``_FolderModel.describe``). ``background``: ``Library.optimise_in_background``.
    """
    from photoclip.core.embed.backend_choice import load_embedder
    from photoclip.core.embed.registry import resolve_model

    spec = model_switch.library_model(settings, catalog) if catalog is not None else settings.model
    if is_test_spec(spec):
        return _load_test_model(spec, bus, catalog if remember else None)
    if info is not None and info.folder is not None:
        folder, model_id = info.folder, info.model_id
    else:
        bus.emit(ModelLoading(spec, "resolving"))
        folder, model_id = resolve_model(spec, settings.models_dir, allow_download=settings.allow_download,
                                         bundled_dir=settings.bundled_models_dir)
    bus.emit(ModelLoading(spec, "loading", str(folder)))
    request = _request(settings, folder, model_id)
    if catalog is not None:
        request.sample, request.store = _sampler(catalog, settings), catalog
        request.library_photos = lambda: catalog.status_counts().get("indexed", 0)
    request.progress = lambda step, fraction: bus.emit(ModelLoading(spec, "optimising", step, fraction))
    request.background = background
    embedder = load_embedder(request)
    if remember and catalog is not None:
        model_switch.remember_model(catalog, spec)
    bus.emit(ModelLoading(spec, "ready", f"{embedder.backend} on {embedder.device}"))
    return embedder


def _load_test_model(spec: str, bus: EventBus, catalog: Catalog | None) -> Embedder:
    """The built-in test model (``PHOTOCLIP_MODEL=test:colors``): no files, no torch; said to be one."""
    embedder = ColorEmbedder()
    if catalog is not None:
        model_switch.remember_model(catalog, spec)
    bus.emit(ModelLoading(spec, "ready", model_label(spec)))
    return embedder


def _request(settings: Settings, folder: Path, model_id: str):
    from photoclip.core.embed.backend_choice import LoadRequest

    return LoadRequest(folder, model_id, settings.backend, settings.device, settings.start_threads,
                       settings.cache_dir)


def _sampler(catalog: Catalog, settings: Settings):
    def sample(prepare, min_side: int, count: int) -> np.ndarray:
        from photoclip.core.photo_sample import library_sample

        return library_sample(catalog, prepare, min_side=min_side, count=count, max_pixels=settings.max_pixels)

    return sample
