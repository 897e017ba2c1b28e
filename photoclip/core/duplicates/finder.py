"""Finding near-duplicates in the stored vectors: nothing is decoded, embedded or moved.

``find(library)`` asks the HNSW index for the nearest neighbours of every indexed photo's vector once, at the
lowest threshold offered (``MIN_THRESHOLD``), and returns ``Candidates``; ``Candidates.groups(threshold)``
then groups at any threshold from there up to 1.0 without touching the index again (the app's slider).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from photoclip.core.control import JobControl
from photoclip.core.duplicates.groups import DuplicateGroup, DuplicatePhoto, build_groups
from photoclip.core.duplicates.pairs import SimilarPairs, similar_pairs
from photoclip.core.duplicates.store import DuplicateStore
from photoclip.core.errors import DuplicatesError
from photoclip.core.events import DuplicateScanProgress, EventBus

if TYPE_CHECKING:
    from photoclip.core.index.hnsw import VectorIndex
    from photoclip.core.store.catalog import Catalog

#: the lowest similarity (cosine) offered: below it, CLIP vectors of different photos of one kind of scene
#: (two beaches) start to link
MIN_THRESHOLD = 0.85
#: CLIP ViT-B/32 puts re-saves, resized copies and small crops or edits of one photo above ~0.97 and the
#: frames of a burst around 0.93-0.98; 0.95 catches most of both. The slider moves it; at 1.0 only identical
#: vectors (and exact copies) group. Not measured here on real photos with a real model: see docs/gui.md.
DEFAULT_THRESHOLD = 0.95


@dataclass(frozen=True)
class Candidates:
    """Everything at least ``MIN_THRESHOLD`` alike, ready to be grouped at any threshold."""

    pairs: SimilarPairs
    #: the indexed photos behind every embedding that is in a pair or has several photos
    photos: dict[int, list[DuplicatePhoto]]
    #: embeddings two or more photos share (byte-identical copies)
    exact_embeddings: list[int]
    #: vectors compared (one per distinct content among indexed photos)
    vectors: int
    seconds: float

    def without(self, photo_ids: set[int]) -> Candidates:
        """These candidates less some photos (those just moved to the trash), without querying again: a pair
        through a vector no photo holds any more no longer links its ends."""
        photos = {e: kept for e, found in self.photos.items() if (kept := [p for p in found
                                                                          if p.photo_id not in photo_ids])}
        held = np.array(sorted(photos), np.int64)
        keep = np.isin(self.pairs.first, held) & np.isin(self.pairs.second, held)
        pairs = SimilarPairs(self.pairs.first[keep], self.pairs.second[keep], self.pairs.similarity[keep],
                             self.pairs.floor)
        exact = [e for e in self.exact_embeddings if len(photos.get(e, ())) > 1]
        return Candidates(pairs, photos, exact, self.vectors, self.seconds)

    def groups(self, threshold: float = DEFAULT_THRESHOLD) -> list[DuplicateGroup]:
        check_threshold(threshold, self.pairs.floor)
        components = [(ids.tolist(), weakest) for ids, weakest in self.pairs.components(threshold)]
        return build_groups(components, self.photos, self.exact_embeddings)


def check_threshold(threshold: float, floor: float = MIN_THRESHOLD) -> None:
    if not floor <= threshold <= 1.0:
        raise DuplicatesError(f"The similarity threshold must be between {floor:g} and 1 (got {threshold:g}).",
                              f"Try {DEFAULT_THRESHOLD:g}; higher means closer copies only.")


def find(catalog: Catalog, index: VectorIndex | None, events: EventBus, floor: float = MIN_THRESHOLD,
         control: JobControl | None = None) -> Candidates:
    """Near-duplicate candidates among the indexed photos of a library: its catalog and the index of its stored
    vectors (None: nothing indexed). Emits ``DuplicateScanProgress`` on ``events``; ``control.cancel()`` stops
    it between chunks of queries with a ``DuplicatesError``."""
    check_threshold(floor, 0.0)
    started = time.perf_counter()
    store = DuplicateStore(catalog)
    if index is None:
        raise DuplicatesError("Nothing is indexed yet.", "Run 'photoclip index FOLDER' first.")
    model_id = index.model_id
    ids = store.live_embedding_ids(model_id)
    vectors = _vectors(catalog, model_id, ids)

    def progress(done: int, total: int) -> None:
        if control is not None and control.cancelled:
            raise DuplicatesError("Looking for duplicates was cancelled.")
        events.emit(DuplicateScanProgress(done, total))

    progress(0, len(ids))
    pairs = similar_pairs(index, ids, vectors, floor, progress=progress)
    exact = store.exact_copy_embeddings(model_id)
    wanted = set(pairs.first.tolist()) | set(pairs.second.tolist()) | set(exact)
    rows = store.photos_of(model_id, sorted(wanted))
    photos = {e: [DuplicatePhoto.of(row, e) for row in found] for e, found in rows.items()}
    return Candidates(pairs, photos, exact, len(ids), time.perf_counter() - started)


def _vectors(catalog: Catalog, model_id: str, ids: np.ndarray) -> np.ndarray:
    """The query vectors, from the catalog (0.2 s for 100k: hnswlib's get_items took 3 s)."""
    if not len(ids):  # every photo failed or sits on an unplugged drive
        return np.zeros((0, 0), np.float32)
    found, vectors = catalog.embeddings_by_id(model_id, ids.tolist())
    if not np.array_equal(found, ids):  # a cleanup elsewhere removed some since the ids were read
        raise DuplicatesError("The library changed while looking for duplicates.", "Try again.")
    return vectors
