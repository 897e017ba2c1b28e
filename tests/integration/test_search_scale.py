"""Search stays right whatever the scope and the page size: filtered results equal an exact search of the
filtered photos (folder, dates, both, album; searched exactly or through the index's allow-list), pages of 64k
and more results come back whole, and the recall self-check tells a right index from a starved one.

Synthetic vectors written through the real ``Catalog.commit_batch``, a real hnswlib index, no model.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from photoclip.core import search as search_module
from photoclip.core.embed.base import normalize_rows
from photoclip.core.index.recall import RECALL_K, measure_recall
from photoclip.core.library import Library
from photoclip.core.records import PhotoRecord
from photoclip.core.scope_vectors import ScopeVectors
from photoclip.core.search import Filters, ScopeCache, Searcher
from photoclip.core.settings import Settings
from photoclip.core.tagging.matrix_cache import MatrixCache
from photoclip.core.tagging.store import TagStore

ROOT = "/lib/Pictures"
FOLDERS = ["trip", "trip copy", "tripx", "party", "café"]  # "trip" must not take in its look-alikes


class VectorEmbedder:
    """Texts embed to a fixed random direction; photos are never embedded (their vectors are written)."""

    model_id = "test/vectors@v1"
    input_size = 16

    def __init__(self, dim: int) -> None:
        self.dim = dim

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        rows = [np.random.default_rng(len(t)).standard_normal(self.dim) for t in texts]
        return normalize_rows(np.stack(rows).astype(np.float32))


def build(root: Path, photos: int, dim: int, seed: int = 0) -> tuple[Library, dict]:
    """A library of ``photos`` photos spread over FOLDERS (and one not-UTF-8 name stored as bytes), dated over
    two years; returns it and, per photo, its embedding's vector, folder and date."""
    rng = np.random.default_rng(seed)
    vectors = normalize_rows(rng.standard_normal((photos, dim)).astype(np.float32))
    days = rng.integers(0, 730, photos)
    library = Library.open(Settings(data_dir=root / "data", cache_dir=root / "cache"), embedder=VectorEmbedder(dim))
    folder = library._catalog.add_folder(Path(ROOT))
    paths, dates = [], []
    for i in range(photos):
        sub = FOLDERS[i % len(FOLDERS)]
        name = os.fsdecode(f"{ROOT}/{sub}/caf".encode() + b"\xe9" + f"{i}.jpg".encode()) if i == 3 \
            else f"{ROOT}/{sub}/IMG_{i:06d}.jpg"
        paths.append(name)
        dates.append(str(np.datetime64("2020-01-01") + int(days[i])) + "T12:00:00")
    for start in range(0, photos, 5000):
        library._catalog.commit_batch(library.embedder.model_id, [
            PhotoRecord(folder.id, paths[i], 1000, 1, f"{i:032x}", "indexed", 10, 10, dates[i], None,
                        vector=vectors[i]) for i in range(start, min(start + 5000, photos))])
    ids = {p.path: p.id for p in library.photos(range(1, photos + 1))}
    return library, {"vectors": vectors, "paths": np.array(paths, object), "dates": np.array(dates),
                     "photo_ids": np.array([ids[p] for p in paths])}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    library, truth = build(tmp_path_factory.mktemp("scale"), 3000, 24)
    yield library, truth
    library.close()


def exact_paths(truth: dict, query: np.ndarray, keep: np.ndarray, limit: int) -> list[str]:
    scores = np.where(keep, truth["vectors"] @ query, -np.inf)
    order = np.argsort(-scores, kind="stable")[: min(limit, int(keep.sum()))]
    return list(truth["paths"][order])


def in_folder(truth: dict, name: str) -> np.ndarray:
    return np.array([p.startswith(f"{ROOT}/{name}/") for p in truth["paths"]])


def in_dates(truth: dict, first: str, last: str) -> np.ndarray:
    return (truth["dates"] >= first) & (truth["dates"] <= last + "T23:59:59")


def through_the_index(monkeypatch) -> None:
    """Scopes of more than 50 photos go to the index as an allow-list (not searched exactly)."""
    monkeypatch.setattr(search_module, "EXACT_SCAN_LIMIT", 50)
    monkeypatch.setattr(search_module, "EXACT_SCAN_SHARE", 10**9)


def from_the_mapped_matrix(library: Library) -> tuple[ScopeCache, list[bool]]:
    """Scopes whose vectors are gathered from the matrix file the tags keep (made here as their first use
    makes it), and a record of each gather: True where the matrix answered (not the catalog)."""
    directory = library.settings.cache_dir / "vectors"
    MatrixCache(directory, library.embedder.model_id).load(TagStore(library._catalog))
    source, answered = ScopeVectors(directory, catch_up=20_000), []

    def gather(*args):
        vectors = source.gather(*args)
        answered.append(vectors is not None)
        return vectors

    return ScopeCache(gather), answered


CASES = {
    "folder": (Filters(folder=f"{ROOT}/trip"), lambda t: in_folder(t, "trip")),
    "folder with a name stored as bytes": (Filters(folder=f"{ROOT}/party/"), lambda t: in_folder(t, "party")),
    "dates": (Filters(date_from="2020-03-01", date_to="2020-08-31"), lambda t: in_dates(t, "2020-03-01",
                                                                                           "2020-08-31")),
    "folder and dates": (Filters(folder=f"{ROOT}/tripx", date_from="2021-01-01"),
                         lambda t: in_folder(t, "tripx") & in_dates(t, "2021-01-01", "2099-12-31")),
    "album": (Filters(photo_ids=frozenset(range(1, 3001, 7))), None),
}


@pytest.mark.parametrize("path", ["exact", "exact, mapped matrix", "allow-list"])
@pytest.mark.parametrize("case", list(CASES))
def test_filtered_results_equal_an_exact_search_of_the_filtered_photos(small, monkeypatch, case, path):
    library, truth = small
    if path == "allow-list":  # the scopes here hold 80-600 photos: send them through the index instead
        through_the_index(monkeypatch)
    scopes, answered = from_the_mapped_matrix(library) if path == "exact, mapped matrix" else (ScopeCache(), [])
    filters, mask = CASES[case]
    keep = mask(truth) if mask else np.isin(truth["photo_ids"], sorted(filters.photo_ids))
    assert 50 < keep.sum() < len(keep) / 2
    searcher = Searcher(library._catalog, library.index, library.embedder, scopes=scopes)
    rng = np.random.default_rng(5)
    for query in normalize_rows(rng.standard_normal((5, 24)).astype(np.float32)):
        hits = searcher.vector(query, 40, filters)
        assert [h.path for h in hits] == exact_paths(truth, query, keep, 40)
    if path == "exact, mapped matrix":
        assert answered and all(answered)  # no query fell back to reading the vectors from the catalog
    if case == "folder with a name stored as bytes":  # the photo whose name is not UTF-8 is in scope
        found = searcher.vector(truth["vectors"][3], 1, filters)
        assert [h.path for h in found] == [truth["paths"][3]] and "\udce9" in found[0].path


def test_a_scope_smaller_than_the_page_returns_all_of_it(small, monkeypatch):
    """hnswlib raises when fewer than k labels pass its filter: the search then answers from the vectors."""
    library, truth = small
    through_the_index(monkeypatch)
    keep = in_folder(truth, "café")
    searcher = Searcher(library._catalog, library.index, library.embedder)
    query = truth["vectors"][10]
    hits = searcher.vector(query, 5000, Filters(folder=f"{ROOT}/café"))
    assert [h.path for h in hits] == exact_paths(truth, query, keep, 5000)


def test_the_recall_check_reports_a_right_index_and_catches_a_starved_one(small):
    library, _ = small
    right = measure_recall(library.index, library._catalog, queries=10)
    assert right.k == RECALL_K and right.queries == 20 and right.text_source == "synthetic"
    assert (right.text_mean, right.photo_mean, right.text_min, right.photo_min) == (1.0, 1.0, 1.0, 1.0)
    assert right.ok
    starved = measure_recall(library.index, library._catalog, queries=10, ef_text=1, ef_photo=1)
    assert starved.text_mean < 1.0  # ef forced to k: the graph search misses some of the best 50
    assert starved.text_min < right.text_min


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    library, truth = build(tmp_path_factory.mktemp("pages"), 66_000, 4, seed=1)
    yield library, truth
    library.close()


def test_scroll_to_load_pages_of_64k_and_100k_results_come_back_whole(large):
    """The grid asks 1k, 4k, 16k, 64k, ... results: no SQL variable limit, no hnswlib error at k near the
    library's size, with and without a filter, for text and photo queries."""
    library, truth = large
    everything = np.ones(len(truth["paths"]), bool)
    query = library.embedder.embed_texts(["a photo"])[0]
    hits = library.search("a photo", limit=64_000)
    assert len(hits) == 64_000
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert {h.path for h in hits} == set(exact_paths(truth, query, everything, 64_000))
    dates = Filters(date_from="2020-02-01", date_to="2021-11-30")
    keep = in_dates(truth, "2020-02-01", "2021-11-30")
    dated = library.search("a photo", limit=100_000, filters=dates)
    assert len(dated) == int(keep.sum()) > 60_000
    assert {h.path for h in dated} == set(truth["paths"][keep])
    searcher = Searcher(library._catalog, library.index, library.embedder)  # a photo of the library as the query
    like = searcher.similar_results([(truth["paths"][0], truth["vectors"][0])], 100_000).ranking
    assert len(like) == 66_000 - 1 and truth["paths"][0] not in {h.path for h in like}


@pytest.mark.parametrize("case", list(CASES))
def test_a_filter_is_answered_from_index_ranges_never_a_pass_over_every_photo(small, case):
    from photoclip.core.store.catalog import BrowseScope, _scope_sql

    library, _ = small
    filters = CASES[case][0]
    where, args = _scope_sql(BrowseScope(filters.folder, filters.date_from, filters.date_to, filters.photo_ids))
    plan = library._catalog.db.conn.execute(
        f"""EXPLAIN QUERY PLAN SELECT e.id FROM photos p CROSS JOIN embeddings e
            ON e.content_hash = p.content_hash AND e.model_id = ? WHERE p.status IN ('indexed', 'offline') {where}""",
        ("m", *args)).fetchall()
    steps = [row[3] for row in plan]
    assert not [s for s in steps if s.startswith(("SCAN p", "SCAN e")) or "embeddings_model" in s], steps


@pytest.mark.parametrize("mapped", [False, True], ids=["catalog", "mapped matrix"])
def test_a_photo_written_into_a_searched_scope_is_found_by_the_next_query(tmp_path, mapped):
    """The last scope's vectors are kept for the next query, until anything is written to the catalog; the
    mapped matrix, one vector behind, takes the new one in."""
    library, _ = build(tmp_path, 400, 8)
    if mapped:
        library._scopes, answered = from_the_mapped_matrix(library)
    try:
        query = normalize_rows(np.ones((1, 8), np.float32))[0]
        scope = Filters(folder=f"{ROOT}/trip")
        first = library.search_results("x", 5, scope)  # reads the scope
        assert library.search_results("x", 5, scope).ranking == first.ranking  # from the kept scope
        folder = library.folders()[0]
        new = f"{ROOT}/trip/new.jpg"
        library._catalog.commit_batch(library.embedder.model_id, [PhotoRecord(
            folder.id, new, 1000, 1, "f" * 32, "indexed", 10, 10, "2020-05-05T10:00:00", None, vector=query)])
        searcher = Searcher(library._catalog, library.index, library.embedder, scopes=library._scopes)
        assert searcher.vector(query, 1, scope)[0].path == new
        if mapped:
            assert answered and all(answered)
    finally:
        library.close()
