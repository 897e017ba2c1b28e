"""Which hits of a search are matches: an adaptive cutoff per query, on the calibrated score smart albums and
tag suggestions use (core/calibration.py), so a saved search holds the photos its search matched.

A cosine means different things for different queries and models (one query's matches sit at 0.25, another's
non-matches at 0.30), so no flat cutoff works. Instead each query is compared with the library itself:

* **margin** = cos(photo, query) − cos(photo, background), the background being the neutral prompts ("a photo",
  "an image", ...). A margin ≤ 0 means the words say nothing about the photo that "a photo" does not: never a
  match (a word the model cannot see gives every photo a margin of about 0).
* **calibrated score** = robust z of the margin over the library's stored vectors: (margin − median) /
  (1.4826 × MAD). Exact over every vector of a library of up to ``SAMPLE`` distinct photos; over a fixed random
  sample of ``SAMPLE`` of them above that, so a query never scans a large library (the median of 4,096 is
  within ~0.02 spreads of the whole library's).
* **match** = calibrated score ≥ the threshold (``DEFAULT_THRESHOLD``, 3: three typical-photo spreads above a
  typical photo of this library) and margin > 0.

A photo query (``similar``) has no words, so no background: its margin is its cosine.
docs/search.md has the measurement behind this choice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from photoclip.core import calibration
from photoclip.core.calibration import DEFAULT_THRESHOLD
from photoclip.core.store.catalog import Catalog

#: Stored vectors a large library's statistics are fitted on; a smaller library uses all of its vectors.
SAMPLE = 4096
#: A large library's sample is drawn again once it grew or shrank by this share since the last draw.
REDRAW_CHANGE = 0.05

__all__ = ["DEFAULT_THRESHOLD", "SAMPLE", "Cutoff", "LibrarySample", "Relevance"]


@dataclass(frozen=True)
class Cutoff:
    """One query's statistics over the library: what turns its hits' margins into calibrated scores."""

    background: np.ndarray  # (d,) neutral prompts' vector; zeros for a photo query
    center: float  # median margin over the library
    scale: float  # robust spread of the margins over the library
    threshold: float

    def margins(self, vectors: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """Margins of photos from their stored vectors and their cosines with the query."""
        if not len(vectors):
            return np.zeros(0, np.float32)
        margins: np.ndarray = scores - vectors @ self.background
        return margins

    def calibrated(self, margins: np.ndarray) -> np.ndarray:
        return (np.asarray(margins, np.float32) - self.center) / self.scale

    def is_match(self, margins: np.ndarray) -> np.ndarray:
        return (self.calibrated(margins) >= self.threshold) & (np.asarray(margins) > calibration.MIN_MARGIN)

    @property
    def floor(self) -> float:
        """The smallest margin that can be a match."""
        return max(self.center + self.threshold * self.scale, calibration.MIN_MARGIN)


class LibrarySample:
    """The stored vectors a query is calibrated on: every searchable vector of a small library (changes seen at
    once), a fixed random sample of a large one (drawn again when the library's size moved by ``REDRAW_CHANGE``,
    so indexing does not redraw it at every batch). Thread-safe; one per Library."""

    def __init__(self, catalog: Catalog, size: int = SAMPLE, seed: int = 0) -> None:
        self._catalog = catalog
        self._size = size
        self._seed = seed
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._drawn_at = 0  # the library's vector count when the sample was drawn
        self._vectors = np.zeros((0, 0), np.float32)

    def vectors(self, model_id: str, live: int) -> np.ndarray:
        """``live``: how many vectors the model's index holds now (a cheap size; removed photos' vectors
        included), which decides small (exact) or large (sampled)."""
        with self._lock:
            if live <= self._size:
                key = ("all", self._signature(model_id))
                if key != self._key:
                    _, self._vectors = self._catalog.filtered_embeddings(model_id, None, None, None)
                    self._key = key
            elif (self._key is None or self._key != ("sample", model_id)
                  or abs(live - self._drawn_at) > REDRAW_CHANGE * self._drawn_at):
                self._vectors = self._draw(model_id)
                self._key, self._drawn_at = ("sample", model_id), live
            return self._vectors

    def _signature(self, model_id: str) -> tuple[Any, ...]:
        return self._catalog.library_signature(model_id)

    def _draw(self, model_id: str) -> np.ndarray:
        ids = self._catalog.sample_searchable_embedding_ids(model_id, self._size, self._seed)
        if len(ids) > self._size:
            ids = np.sort(np.random.default_rng(self._seed).choice(ids, self._size, replace=False))
        _, vectors = self._catalog.embeddings_by_id(model_id, ids.tolist())
        return vectors


class Relevance:
    """Fits a query's cutoff: the Library's one instance holds the sample and the background vector."""

    def __init__(self, catalog: Catalog, background: Callable[[str], np.ndarray]) -> None:
        self.sample = LibrarySample(catalog)
        self._background = background

    def cutoff(self, query: np.ndarray, model_id: str, live: int, *, words: bool = True,
               threshold: float | None = None) -> Cutoff:
        """``query``: the normalised query vector; ``words``: a text query (a photo query has no background)."""
        background = (np.asarray(self._background(model_id), np.float32) if words
                      else np.zeros_like(query, dtype=np.float32))
        vectors = self.sample.vectors(model_id, live)
        if len(vectors):
            library_margins, _ = calibration.margins(vectors, query[None], background)
        else:
            library_margins = np.zeros((0, 1), np.float32)
        fitted = calibration.fit(library_margins)
        return Cutoff(background, float(fitted.center[0]), float(fitted.scale[0]),
                      DEFAULT_THRESHOLD if threshold is None else float(threshold))
