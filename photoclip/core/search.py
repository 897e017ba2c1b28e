"""Search: text or photo queries, ``+``/``-`` terms, folder and date filters, ranked by cosine similarity."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from photoclip.core.embed.base import Embedder
from photoclip.core.errors import QueryError
from photoclip.core.index.hnsw import VectorIndex
from photoclip.core.store.catalog import Catalog, PhotoRow, effective_date, end_of

#: Below this many candidate photos an exact scan of the filtered set is cheaper and exact.
EXACT_SCAN_LIMIT = 20_000


@dataclass(frozen=True)
class Filters:
    folder: str | None = None
    date_from: str | None = None  # ISO date or date-time, inclusive
    date_to: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.folder or self.date_from or self.date_to)


@dataclass(frozen=True)
class Hit:
    photo: PhotoRow
    score: float

    @property
    def path(self) -> str:
        return self.photo.path


@dataclass(frozen=True)
class ParsedQuery:
    positive: list[str]
    negative: list[str]


# A sign counts only at the start of a word, so "t-shirt" and "e-mail" stay one word.
_TERM = re.compile(r'(?<=\s)([+-])("[^"]*"|\S+)')


def parse_query(text: str) -> ParsedQuery:
    """``beach -people +sunset``: the leading words form one phrase; each ``+term`` adds a phrase,
    each ``-term`` subtracts one. Quotes group words: ``-"red car"``."""
    positive: list[str] = []
    negative: list[str] = []
    base = _TERM.sub(" ", " " + text).strip()
    if base:
        positive.append(" ".join(base.split()))
    for sign, term in _TERM.findall(" " + text):
        term = term.strip('"').strip()
        if term:
            (positive if sign == "+" else negative).append(term)
    if not positive and not negative:
        raise QueryError("The search is empty.", "Type a few words that describe the photo.")
    return ParsedQuery(positive, negative)


@dataclass(frozen=True)
class CutText:
    """A query term or label prompt longer than the model reads: only its first ``limit`` tokens count."""

    text: str
    tokens: int
    limit: int

    @property
    def message(self) -> str:
        shown = self.text if len(self.text) <= 60 else self.text[:57] + "…"
        return (f"the model reads {self.limit} tokens of text and “{shown}” has {self.tokens}; "
                "the rest of it was not used")


def cut_texts(embedder: object, texts: list[str]) -> list[CutText]:
    """The ``texts`` the embedder would cut at its limit (read from the model's config, never assumed 77).
    Embedders without a tokenizer (the colour test embedder) cut nothing."""
    counter = getattr(embedder, "token_counts", None)
    limit = getattr(embedder, "max_text_tokens", None)
    if counter is None or not limit or not texts:
        return []
    return [CutText(t, n, limit) for t, n in zip(texts, counter(list(texts)), strict=True) if n > limit]


def query_terms(query: str) -> list[str]:
    parsed = parse_query(query)
    return parsed.positive + parsed.negative


def compose(positive: np.ndarray, negative: np.ndarray) -> np.ndarray:
    """Query vector = normalised (sum of positives - sum of negatives), as in rclip and CLIP arithmetic."""
    dim = positive.shape[1] if len(positive) else negative.shape[1]
    vector = np.zeros(dim, np.float32)
    if len(positive):
        vector += positive.sum(axis=0)
    if len(negative):
        vector -= negative.sum(axis=0)
    norm = float(np.linalg.norm(vector))
    if norm < 1e-9:
        raise QueryError("The + and - terms cancel each other out.", "Remove one of the opposing terms.")
    return vector / norm


class Searcher:
    def __init__(self, catalog: Catalog, index: VectorIndex, embedder: Embedder) -> None:
        self.catalog = catalog
        self.index = index
        self.embedder = embedder

    def text(self, query: str, limit: int = 20, filters: Filters | None = None) -> list[Hit]:
        parsed = parse_query(query)
        vectors = self.embedder.embed_texts(parsed.positive + parsed.negative)  # one pass through the text tower
        pos, neg = vectors[: len(parsed.positive)], vectors[len(parsed.positive) :]
        hits = self.vector(compose(pos, neg), limit + (limit if len(neg) else 0), filters)
        if len(neg):
            hits = self._drop_negative_matches(hits, pos, neg)
        return hits[:limit]

    def _drop_negative_matches(self, hits: list[Hit], pos: np.ndarray, neg: np.ndarray) -> list[Hit]:
        """A ``-term`` also removes photos that match it better than they match the positive words
        (a zero-shot choice between the two); arithmetic alone only pushes them down."""
        if not hits or not len(pos):
            return hits
        vectors = np.stack([self._stored_vector(h.photo) for h in hits])
        pos_score = vectors @ pos.mean(axis=0)
        neg_score = (vectors @ neg.T).max(axis=1)
        return [h for h, p, n in zip(hits, pos_score, neg_score, strict=True) if n <= p]

    def _stored_vector(self, photo: PhotoRow) -> np.ndarray:
        vector = self.catalog.vector_for_hash(photo.content_hash or "", self.embedder.model_id)
        assert vector is not None  # searchable photos always have a vector for the model
        return vector

    def vector(self, query: np.ndarray, limit: int = 20, filters: Filters | None = None,
               exclude_paths: frozenset[str] = frozenset()) -> list[Hit]:
        filters = filters or Filters()
        model_id = self.embedder.model_id
        if filters.active and self.catalog.count_filtered(
            model_id, filters.folder, filters.date_from, filters.date_to
        ) <= EXACT_SCAN_LIMIT:
            ids, vectors = self.catalog.filtered_embeddings(model_id, filters.folder, filters.date_from,
                                                            filters.date_to)
            scores = vectors @ query if len(ids) else np.zeros(0, np.float32)
            order = np.argsort(-scores)[: limit * 2 + len(exclude_paths)]
            return self._hits(ids[order], scores[order], limit, filters, exclude_paths)
        fetch = max(limit * 4, 64)
        while True:
            ids, scores = self.index.query(query, fetch + len(exclude_paths))
            hits = self._hits(ids, scores, limit, filters, exclude_paths)
            if len(hits) >= limit or len(ids) >= len(self.index) or len(ids) < fetch + len(exclude_paths):
                return hits  # (fewer than asked for: there is nothing more to widen to)
            fetch *= 4  # stale vectors (deleted photos) or filters ate the over-fetch: widen

    def _hits(self, ids: np.ndarray, scores: np.ndarray, limit: int, filters: Filters,
              exclude_paths: frozenset[str]) -> list[Hit]:
        score_of = {int(i): float(s) for i, s in zip(ids, scores, strict=True)}
        rows = self.catalog.searchable_photos(self.embedder.model_id, list(score_of))
        hits = [
            Hit(photo, score_of[eid]) for eid, photo in rows
            if photo.path not in exclude_paths and _matches(photo, filters)
        ]
        hits.sort(key=lambda h: (-h.score, h.photo.path))
        return hits[:limit]


def _matches(photo: PhotoRow, filters: Filters) -> bool:
    """Re-check filters on HNSW candidates (the exact-scan path filtered in SQL already)."""
    if filters.folder:
        prefix = filters.folder.rstrip("/\\")
        if not (photo.path == prefix or photo.path.startswith(prefix + "/") or photo.path.startswith(prefix + "\\")):
            return False
    if filters.date_from or filters.date_to:
        taken = effective_date(photo)
        if filters.date_from and taken < filters.date_from:
            return False
        if filters.date_to and taken > end_of(filters.date_to):
            return False
    return True
