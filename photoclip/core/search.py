"""Search: text or photo queries, ``+``/``-`` terms, folder and date filters, ranked by cosine similarity."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from photoclip.core.embed.base import Embedder
from photoclip.core.errors import QueryError
from photoclip.core.index.hnsw import VectorIndex
from photoclip.core.index.recall import search_ef
from photoclip.core.records import PhotoRow
from photoclip.core.store.catalog import BrowseScope, Catalog, effective_date, end_of

if TYPE_CHECKING:  # relevance imports tagging, whose albums import this module
    from photoclip.core.relevance import Cutoff, Relevance

#: Up to this many photos in a filter's scope, or this share of the library (1/12), an exact search of their
#: vectors (ids from an index range of the catalog, vectors from the mapped matrix file or by key from the
#: catalog, scored by numpy: always right); its ids (or, read from the catalog, its vectors up to
#: ``CACHED_SCOPE_ROWS``) stay in memory for its next query (``ScopeCache``). A larger scope is an
#: allow-list for hnswlib's filtered graph search, whose recall then stays that of an unfiltered search (an
#: over-fetch checked afterwards lost it), but which calls back into Python for every label it visits: at 300k
#: photos a 25k-photo scope took ~380 ms a query that way against ~20-35 ms for the exact search's later
#: queries (benchmarks/scale_search.py, docs/benchmarks.md).
EXACT_SCAN_LIMIT = 32_000
EXACT_SCAN_SHARE = 12
#: the largest scope whose vectors (exact: 64 MB of 512-d vectors) or ids (allow-list: a set of ~30 MB) a library
#: keeps for the next query
CACHED_SCOPE_ROWS = EXACT_SCAN_LIMIT
CACHED_SCOPE_IDS = 500_000
#: the vectors of these ids (sorted) of this model, or None: ``ScopeCache``'s faster source than the catalog
Gather = Callable[[Catalog, str, np.ndarray], "np.ndarray | None"]


@dataclass(frozen=True)
class Filters:
    folder: str | None = None
    date_from: str | None = None  # ISO date or date-time, inclusive
    date_to: str | None = None
    #: an album's name: only its photos (``Library`` resolves it into ``photo_ids``)
    album: str | None = None
    #: the album's photo ids, filled in by ``Library.scoped``; not part of a filter's identity
    photo_ids: frozenset[int] | None = field(default=None, compare=False, repr=False)

    @property
    def active(self) -> bool:
        return bool(self.folder or self.date_from or self.date_to or self.album or self.photo_ids is not None)


@dataclass(frozen=True)
class TermShare:
    """Why a photo matched a ``+``/``-`` query: one term's part of its score."""

    term: str
    sign: int  # +1 for the leading words and +terms, -1 for -terms
    cosine: float  # the photo's cosine with this term alone
    #: sign x cosine / |sum of positives - sum of negatives|: the terms' contributions add up to the score
    contribution: float


@dataclass(frozen=True)
class Hit:
    photo: PhotoRow
    #: cosine with the query: what ranks the hits
    score: float
    #: robust z of the margin over this library (core/relevance.py); None where nothing calibrated it
    calibrated: float | None = None
    #: stands out from the library for this query (calibrated >= threshold and margin > 0)
    match: bool = False
    #: text queries of several terms: each term's contribution
    terms: tuple[TermShare, ...] = ()
    #: photo queries: the reference photo this one is nearest to, and their cosine
    reference: str | None = None
    reference_score: float | None = None
    embedding_id: int = field(default=0, compare=False, repr=False)

    @property
    def path(self) -> str:
        return self.photo.path


@dataclass(frozen=True)
class SearchResults:
    """One query's answer: the ranking and, among all hits, the matches."""

    #: the best ``limit`` hits by cosine, best first (the full ranking, as before the cutoff); each knows
    #: whether it is a match
    ranking: list[Hit]
    #: the matches, best first, up to ``limit``: those of the ranking plus any the margin ranking found
    #: below its end (a photo much closer to the query than to "a photo" but with a modest cosine)
    matches: list[Hit]
    threshold: float
    limit: int

    @property
    def weaker(self) -> list[Hit]:
        """The ranking's hits that are not matches, best first."""
        return [h for h in self.ranking if not h.match]

    @property
    def more_available(self) -> bool:
        """A larger limit would rank more photos."""
        return len(self.ranking) >= self.limit


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
    def __init__(self, catalog: Catalog, index: VectorIndex, embedder: Embedder,
                 relevance: Relevance | None = None, scopes: ScopeCache | None = None) -> None:
        self.catalog = catalog
        self.index = index
        self.embedder = embedder
        self.relevance = relevance
        self.scopes = scopes or ScopeCache()

    def text(self, query: str, limit: int = 20, filters: Filters | None = None) -> list[Hit]:
        return self.text_results(query, limit, filters).ranking

    def text_results(self, query: str, limit: int = 20, filters: Filters | None = None,
                     threshold: float | None = None) -> SearchResults:
        parsed = parse_query(query)
        vectors = self.embedder.embed_texts(parsed.positive + parsed.negative)  # one pass through the text tower
        pos, neg = vectors[: len(parsed.positive)], vectors[len(parsed.positive) :]
        query_vector = compose(pos, neg)
        fetch = limit + (limit if len(neg) else 0)  # room for the photos a -term drops
        cutoff = self._cutoff(query_vector, True, threshold)
        prefetch = getattr(self.index, "prefetch", None)  # an exact search: both rankings in one pass
        if prefetch is not None and not (filters and filters.active):
            prefetch(np.stack([query_vector, *([query_vector - cutoff.background] if cutoff is not None else [])]))
        ranking = self.vector(query_vector, fetch, filters)
        candidates = ranking
        if cutoff is not None and len(ranking) >= fetch:  # (a shorter ranking holds every photo in scope)
            # inner products with (query - background) are margins: this ranking finds the matches a
            # generic-looking photo with a higher cosine pushed below the cosine ranking's end
            ids, margins = self.index.query(query_vector - cutoff.background, fetch,
                                            ef=search_ef(len(self.index), True))
            known = {h.embedding_id for h in ranking}
            extra = [i for i, (eid, margin) in enumerate(zip(ids, margins, strict=True))
                     if margin >= cutoff.floor and int(eid) not in known]
            if extra:  # rows are read only for these (the filters are checked on them as on any HNSW hit)
                candidates = _union(ranking, self._hits(ids[extra], margins[extra], fetch, filters or Filters(),
                                                        frozenset()))
        stored = self._stored_vectors(candidates)
        scores = stored @ query_vector if len(stored) else np.zeros(0, np.float32)
        hits = self._annotate(candidates, stored, scores, cutoff, _Terms.of(parsed, pos, neg))
        if len(neg) and len(pos):
            # a -term also removes photos that match it better than they match the positive words (a
            # zero-shot choice between the two); arithmetic alone only pushes them down
            keep = (stored @ neg.T).max(axis=1) <= stored @ pos.mean(axis=0) if len(stored) else []
            hits = [h for h, k in zip(hits, keep, strict=True) if k]
        return self._results(hits, {h.photo.id for h in ranking}, limit, cutoff)

    def similar_results(self, references: list[tuple[str, np.ndarray]], limit: int = 20,
                        filters: Filters | None = None, threshold: float | None = None) -> SearchResults:
        """Photos like the reference photos (path, vector): ranked by cosine with their normalised mean; each
        hit names the reference it is nearest to. The references themselves are left out."""
        refs = np.stack([v for _, v in references]).astype(np.float32)
        query_vector = refs.mean(axis=0)
        norm = float(np.linalg.norm(query_vector))
        if norm < 1e-9:
            raise QueryError("These photos cancel each other out.", "Pick photos that have something in common.")
        query_vector /= norm
        ranking = self.vector(query_vector, limit, filters, exclude_paths=frozenset(p for p, _ in references),
                              words=False)
        cutoff = self._cutoff(query_vector, False, threshold)
        stored = self._stored_vectors(ranking)
        scores = np.array([h.score for h in ranking], np.float32)
        hits = self._annotate(ranking, stored, scores, cutoff, None)
        if len(hits):
            to_refs = stored @ refs.T
            nearest = to_refs.argmax(axis=1)
            hits = [replace(h, reference=references[int(i)][0], reference_score=float(to_refs[row, i]))
                    for row, (h, i) in enumerate(zip(hits, nearest, strict=True))]
        return self._results(hits, {h.photo.id for h in ranking}, limit, cutoff)

    def _cutoff(self, query: np.ndarray, words: bool, threshold: float | None) -> Cutoff | None:
        if self.relevance is None:
            return None
        return self.relevance.cutoff(query, self.embedder.model_id, len(self.index), words=words,
                                     threshold=threshold)

    def _stored_vectors(self, hits: list[Hit]) -> np.ndarray:
        """The hits' stored vectors, in their order (one read per 500 hits)."""
        if not hits:
            return np.zeros((0, self.embedder.dim), np.float32)
        ids, vectors = self.catalog.embeddings_by_id(self.embedder.model_id,
                                                     sorted({h.embedding_id for h in hits}))
        row = {int(i): r for r, i in enumerate(ids)}
        return vectors[[row[h.embedding_id] for h in hits]]

    @staticmethod
    def _annotate(hits: list[Hit], stored: np.ndarray, scores: np.ndarray, cutoff: Cutoff | None,
                  terms: _Terms | None) -> list[Hit]:
        """Each hit with its cosine, calibrated score, match flag and, for several terms, their shares."""
        if not hits:
            return []
        if cutoff is not None:
            margins = cutoff.margins(stored, scores)
            calibrated, match = cutoff.calibrated(margins), cutoff.is_match(margins)
        shares = terms.shares(stored) if terms is not None else None
        return [
            replace(
                hit, score=float(scores[i]),
                calibrated=None if cutoff is None else float(calibrated[i]),
                match=False if cutoff is None else bool(match[i]),
                terms=() if shares is None else shares[i],
            )
            for i, hit in enumerate(hits)
        ]

    @staticmethod
    def _results(hits: list[Hit], ranked: set[int], limit: int, cutoff: Cutoff | None) -> SearchResults:
        """``ranked``: the photos the cosine ranking fetched; the other hits came from the margin ranking and
        can only add matches."""
        by_rank = sorted(hits, key=lambda h: (-h.score, h.photo.path))
        ranking = [h for h in by_rank if h.photo.id in ranked][:limit]
        matches = [h for h in by_rank if h.match][:limit]
        threshold = cutoff.threshold if cutoff is not None else float("inf")
        return SearchResults(ranking, matches, threshold, limit)

    def vector(self, query: np.ndarray, limit: int = 20, filters: Filters | None = None,
               exclude_paths: frozenset[str] = frozenset(), words: bool = True) -> list[Hit]:
        """The ``limit`` best photos for ``query`` in the filters' scope. ``words``: a text query (searched wider:
        index/recall.py). A scope of up to ``EXACT_SCAN_LIMIT`` photos is searched exactly from its vectors (SQL
        names them from an index range, numpy scores them); a larger one through the index with its vectors' ids
        as the allow-list. Neither reads more than the scope."""
        filters = filters or Filters()
        want = limit + len(exclude_paths)
        fetch = want + max(16, want // 4)  # room for stale vectors (photos deleted since) and copies
        allowed = None
        if filters.active:
            scope = BrowseScope(filters.folder, filters.date_from, filters.date_to, filters.photo_ids)
            exact_up_to = max(EXACT_SCAN_LIMIT, len(self.index) // EXACT_SCAN_SHARE)
            if self.scopes.count(self.catalog, scope, exact_up_to + 1) <= exact_up_to:
                ids, vectors = self.scopes.vectors(self.catalog, self.embedder.model_id, scope)
                scores = vectors @ query if len(ids) else np.zeros(0, np.float32)
                order = np.argsort(-scores, kind="stable")[:fetch]
                return self._hits(ids[order], scores[order], limit, filters, exclude_paths)
            allowed = self.scopes.ids(self.catalog, self.embedder.model_id, scope)
        ef = search_ef(len(self.index), words)
        while True:
            ids, scores = self.index.query(query, fetch, ef=ef, allowed=allowed)
            hits = self._hits(ids, scores, limit, filters, exclude_paths)
            if len(hits) >= limit or len(ids) >= len(self.index) or len(ids) < fetch:
                return hits  # (fewer than asked for: there is nothing more to widen to)
            fetch *= 4  # stale vectors (deleted photos) ate the over-fetch: widen

    def _hits(self, ids: np.ndarray, scores: np.ndarray, limit: int, filters: Filters,
              exclude_paths: frozenset[str]) -> list[Hit]:
        score_of = {int(i): float(s) for i, s in zip(ids, scores, strict=True)}
        rows = self.catalog.searchable_photos(self.embedder.model_id, list(score_of))
        hits = [
            Hit(photo, score_of[eid], embedding_id=eid) for eid, photo in rows
            if photo.path not in exclude_paths and _matches(photo, filters)
        ]
        hits.sort(key=lambda h: (-h.score, h.photo.path))
        return hits[:limit]


class ScopeCache:
    """The last filter scope's size, and its vectors (searched exactly) or its ids as a set (the allow-list),
    kept until anything is written to the catalog: the next query in the same folder or dates (typing, the open
    search re-run) skips reading them again. Bounded: up to ``CACHED_SCOPE_ROWS`` vectors or ``CACHED_SCOPE_IDS``
    ids, one scope at a time."""

    def __init__(self, gather: Gather | None = None) -> None:
        """``gather(catalog, model_id, ids)``: the vectors of those ids from somewhere faster than the catalog
        (core/scope_vectors.py), or None where it cannot tell them."""
        self._lock = threading.Lock()
        self._kept: dict[str, tuple[tuple, object]] = {}
        self._gather = gather

    def count(self, catalog: Catalog, scope: BrowseScope, bound: int) -> int:
        return self._get("count", (scope, bound), catalog, lambda: catalog.count_in_scope(scope, bound), 0)

    def vectors(self, catalog: Catalog, model_id: str, scope: BrowseScope) -> tuple[np.ndarray, np.ndarray]:
        """The scope's (ids, vectors): the ids from the catalog (kept) and their vectors gathered from the mapped
        matrix where it has them; else both from the catalog (kept up to ``CACHED_SCOPE_ROWS``)."""
        if self._gather is not None:
            ids = self._get("scope ids", (model_id, scope), catalog,
                            lambda: catalog.scope_embedding_ids(model_id, scope), CACHED_SCOPE_IDS)
            vectors = self._gather(catalog, model_id, ids)
            if vectors is not None:
                return ids, vectors
        return self._get("scope", (model_id, scope, True), catalog,
                         lambda: catalog.scope_embeddings(model_id, scope), CACHED_SCOPE_ROWS)

    def ids(self, catalog: Catalog, model_id: str, scope: BrowseScope) -> set[int]:
        return self._get("scope", (model_id, scope, False), catalog,
                         lambda: set(catalog.scope_embedding_ids(model_id, scope).tolist()), CACHED_SCOPE_IDS)

    def _get(self, slot: str, what: tuple, catalog: Catalog, read, most: int):
        key = (*what, catalog.change_mark())
        with self._lock:
            kept = self._kept.get(slot)
            if kept is not None and kept[0] == key:
                return kept[1]
        value = read()
        size = len(value[0]) if isinstance(value, tuple) else len(value) if isinstance(value, set | np.ndarray) else 0
        if size <= most:
            with self._lock:
                self._kept[slot] = (key, value)
        return value


def _matches(photo: PhotoRow, filters: Filters) -> bool:
    """Re-check filters on HNSW candidates (the exact-scan path filtered in SQL already)."""
    if filters.photo_ids is not None and photo.id not in filters.photo_ids:
        return False
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


def _union(first: list[Hit], second: list[Hit]) -> list[Hit]:
    """``first``, then the photos of ``second`` not in it."""
    seen = {h.photo.id for h in first}
    return first + [h for h in second if h.photo.id not in seen]


@dataclass(frozen=True)
class _Terms:
    """The terms of a query of several terms and their vectors: explains a hit's score term by term."""

    texts: list[str]
    signs: np.ndarray  # (T,) +1 / -1
    vectors: np.ndarray  # (T, d)
    norm: float  # |sum of positives - sum of negatives|: compose() divides by it

    @classmethod
    def of(cls, parsed: ParsedQuery, pos: np.ndarray, neg: np.ndarray) -> _Terms | None:
        if len(parsed.positive) + len(parsed.negative) < 2:
            return None  # one term: it is the whole score
        vectors = np.vstack([v for v in (pos, neg) if len(v)])
        signs = np.array([1] * len(pos) + [-1] * len(neg), np.float32)
        norm = float(np.linalg.norm((vectors * signs[:, None]).sum(axis=0)))
        return cls(parsed.positive + parsed.negative, signs, vectors, norm)

    def shares(self, stored: np.ndarray) -> list[tuple[TermShare, ...]]:
        cosines = stored @ self.vectors.T  # (N, T)
        contributions = cosines * self.signs / self.norm
        return [
            tuple(TermShare(t, int(s), float(c), float(x))
                  for t, s, c, x in zip(self.texts, self.signs, row_cos, row_share, strict=True))
            for row_cos, row_share in zip(cosines, contributions, strict=True)
        ]
