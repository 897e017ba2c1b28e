"""How right the HNSW search is, and how wide it searches to be right.

HNSW finds the true nearest vectors only as well as its search width ``ef`` allows, and text queries are its
weak case: CLIP text vectors lie outside the image vectors' cone (the modality gap), so the graph's greedy walk
starts far from where they point. hnswlib returns the best ``k`` of the ``ef`` it kept, with exact scores, so
recall@k depends on ef alone (an exact rerank of its answer changes nothing). ``search_ef`` gives ef by library
size and query kind, from recall measured against exact search (benchmarks/scale_search.py, docs/benchmarks.md);
``measure_recall`` checks it on a library (``photoclip status --recall``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from photoclip.core.embed.base import normalize_rows
from photoclip.core.index.hnsw import VectorIndex
from photoclip.core.store.catalog import Catalog

#: what the self-check measures: recall of the best 50 (a screen of results)
RECALL_K = 50
#: what search aims at (mean over queries); no query below RECALL_FLOOR
RECALL_GOAL = 0.95
RECALL_FLOOR = 0.8


def search_ef(size: int, words: bool) -> int:
    """The ef a query searches with, ``size`` vectors in the index. Measured (benchmarks/scale_search.py):
    text-like queries need ef to grow with the library — at ef 200, recall@50 0.33 at 300k — while photo
    queries, which start inside the image vectors' cone, reach 0.95 at a small fraction of it."""
    if words:
        return int(min(max(size // 64, 400), 20_000))
    return int(min(max(size // 100, 256), 8_000))


@dataclass(frozen=True)
class RecallReport:
    """recall@k of the index against an exact search of the catalog's vectors, by query kind."""

    size: int
    k: int
    queries: int
    ef_text: int
    ef_photo: int
    text_mean: float
    text_min: float
    photo_mean: float
    photo_min: float
    #: where the text-like queries came from: "stored texts" (the model's own text vectors) or "synthetic"
    text_source: str

    @property
    def ok(self) -> bool:
        return (min(self.text_mean, self.photo_mean) >= RECALL_GOAL
                and min(self.text_min, self.photo_min) >= RECALL_FLOOR)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def measure_recall(index: VectorIndex, catalog: Catalog, queries: int = 20, k: int = RECALL_K,
                   ef_text: int | None = None, ef_photo: int | None = None, seed: int = 0) -> RecallReport:
    """recall@k of ``queries`` text-like and ``queries`` photo-like queries at the ef search uses (or the
    given ones). Exact answers come from one pass over the catalog's vectors (seconds at 1M photos)."""
    size = len(index)
    ef_text = ef_text or search_ef(size, True)
    ef_photo = ef_photo or search_ef(size, False)
    rng = np.random.default_rng(seed)
    ids = catalog.embedding_ids(index.model_id, index.max_id)
    if size == 0 or not len(ids):
        return RecallReport(size, k, 0, ef_text, ef_photo, 1.0, 1.0, 1.0, 1.0, "none")
    photo_ids = rng.choice(ids, min(queries, len(ids)), replace=False)
    photos = catalog.embeddings_by_id(index.model_id, sorted(int(i) for i in photo_ids))[1]
    texts, source = text_like_queries(catalog, index.model_id, photos, queries, rng)
    everything = np.vstack([texts, photos])
    exact = _exact_top(catalog, index.model_id, everything, min(k, size))
    found = [index.query(q, k, ef=ef_text if row < len(texts) else ef_photo)[0] for row, q in enumerate(everything)]
    recall = np.array([len(np.intersect1d(f, e)) / max(len(e), 1) for f, e in zip(found, exact, strict=True)])
    text, photo = recall[: len(texts)], recall[len(texts):]
    return RecallReport(size, k, len(everything), ef_text, ef_photo, float(text.mean()), float(text.min()),
                        float(photo.mean()), float(photo.min()), source)


def text_like_queries(catalog: Catalog, model_id: str, photos: np.ndarray, count: int,
                      rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """The model's own text vectors (neutral prompts, labels, past queries cached in the catalog) where it has
    enough, else vectors off the photos' distribution as text vectors are: each photo's direction without the
    library's shared component, drowned in noise (cosine ~0.3 with the photo, ~0 with the library's mean)."""
    rows = catalog.db.conn.execute(
        "SELECT vector FROM text_vectors WHERE model_id = ? ORDER BY text LIMIT ?", (model_id, count)).fetchall()
    if len(rows) >= min(count, 5):
        return np.stack([np.frombuffer(r[0], np.float32) for r in rows]), "stored texts"
    return synthetic_text_queries(photos, rng), "synthetic"


def synthetic_text_queries(photos: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One text-like vector per photo vector: off the photos' distribution (see ``text_like_queries``)."""
    mean = normalize_rows(photos.mean(axis=0, keepdims=True))[0]
    own = normalize_rows(photos - np.outer(photos @ mean, mean))
    noise = normalize_rows(rng.standard_normal(photos.shape).astype(np.float32))
    return normalize_rows(0.3 * own + 0.95 * noise).astype(np.float32)


def _exact_top(catalog: Catalog, model_id: str, queries: np.ndarray, k: int) -> list[np.ndarray]:
    """The ids of each query's ``k`` best vectors, by one pass over the model's vectors in the catalog."""
    best_ids = np.zeros((len(queries), 0), np.int64)
    best = np.zeros((len(queries), 0), np.float32)
    for ids, vectors in catalog.embeddings_after(model_id, 0):
        best_ids = np.hstack([best_ids, np.broadcast_to(ids, (len(queries), len(ids)))])
        best = np.hstack([best, queries @ vectors.T])
        if best.shape[1] > k:
            keep = np.argpartition(-best, k - 1, axis=1)[:, :k]
            best_ids, best = np.take_along_axis(best_ids, keep, 1), np.take_along_axis(best, keep, 1)
    return list(best_ids)
