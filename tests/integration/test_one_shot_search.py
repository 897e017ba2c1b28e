"""A one-shot search (the command line: ``Library.one_shot``) is answered exactly from the vector matrix the
tags keep on disk instead of loading the whole HNSW file: the same results as the index gives, with and without
filters, for words and for similar photos; the index is used when the matrix file is missing or no longer the
catalog's (never a rebuild of the matrix on the way), and a few vectors newer than the file are taken in."""

from __future__ import annotations

import time

import pytest

from photoclip.core.search import Filters, ScopeCache
from photoclip.core.tagging.matrix_cache import MatrixCache
from photoclip.core.tagging.store import TagStore
from tests.support.color_embedder import ColorEmbedder
from tests.support.library_fixtures import open_library, write_photo

COLOURS = ("red", "green", "blue", "yellow", "purple", "orange")
QUERIES = ("red", "a green photo", "blue -green", "yellow + orange")


def make_library(tmp_path, wider: int = 0):
    photos = tmp_path / "Pictures"
    for i in range(18):
        write_photo(photos / f"sub{i % 3}" / f"p{i:02d}.jpg", COLOURS[i % len(COLOURS)],
                    second=COLOURS[(i + 1) % len(COLOURS)], share=0.1 * (i % 4), size=(320 + i + wider, 240))
    library = open_library(tmp_path)
    library.index_folders([photos])
    return library, photos


def matrix_file(library) -> MatrixCache:
    cache = MatrixCache(library.settings.cache_dir / "vectors", ColorEmbedder.model_id)
    cache.load(TagStore(library._catalog))  # as the app's tag counts leave it
    return cache


def answers(library, photos) -> list:
    out = []
    for query in QUERIES:
        for filters in (None, Filters(folder=str(photos / "sub1"))):
            results = library.search_results(query, limit=5, filters=filters)
            out.append([(h.photo.path, round(h.score, 5), h.match) for h in results.ranking])
            out.append([h.photo.path for h in results.matches])
    out.append([h.photo.path for h in library.similar(photos / "sub0" / "p00.jpg", limit=6)])
    return out


def test_a_one_shot_search_answers_from_the_matrix_as_the_index_does(tmp_path):
    library, photos = make_library(tmp_path)
    with library:
        matrix_file(library)
    with open_library(tmp_path) as library:
        want = answers(library, photos)
    with open_library(tmp_path) as library:
        library.one_shot = True
        assert answers(library, photos) == want
        assert library._index is None  # the HNSW file was never loaded


def test_without_a_current_matrix_file_it_uses_the_index_and_never_builds_one(tmp_path):
    library, photos = make_library(tmp_path)
    with library:
        want = answers(library, photos)
    with open_library(tmp_path) as library:
        library.one_shot = True
        assert answers(library, photos) == want
        assert library._index is not None
        assert not list((library.settings.cache_dir / "vectors").glob("*.f32"))

    with open_library(tmp_path) as library:  # the file, then a vector reclaimed: no longer the catalog's rows
        matrix_file(library)
        (photos / "sub0" / "p00.jpg").unlink()
        library.index_folders([photos])
        library.reclaim(older_than_days=0, now=time.time() + 10)
        want = answers_without_p00(library, photos)
    with open_library(tmp_path) as library:
        library.one_shot = True
        assert not MatrixCache(library.settings.cache_dir / "vectors", ColorEmbedder.model_id).current_on_disk(
            TagStore(library._catalog), 1000)
        assert answers_without_p00(library, photos) == want and library._index is not None


def answers_without_p00(library, photos) -> list:
    return [[h.photo.path for h in library.search(q, limit=5)] for q in QUERIES]


@pytest.mark.parametrize("behind", [1, 3])
def test_vectors_newer_than_the_matrix_file_are_taken_in(tmp_path, monkeypatch, behind):
    import photoclip.core.library as library_module

    library, photos = make_library(tmp_path)
    with library:
        matrix_file(library)
        for i in range(3):
            write_photo(photos / "new" / f"n{i}.jpg", "red", second="blue", share=0.05 * i, size=(500 + i, 240))
        library.index_folders([photos])
        library._scopes = ScopeCache()  # its filtered searches would bring the matrix file up to date
        want = answers(library, photos)
    monkeypatch.setattr(library_module, "ONE_SHOT_CATCH_UP", behind)
    with open_library(tmp_path) as library:
        library.one_shot = True
        assert answers(library, photos) == want
        assert (library._index is None) == (behind >= 3)  # more behind than allowed: the index


def test_exact_vectors_answer_as_numpy_does_for_any_k_and_allow_list():
    import numpy as np

    from photoclip.core.index.exact import ExactVectors

    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((500, 8)).astype(np.float32)
    ids = np.arange(10, 510, dtype=np.int64)
    exact = ExactVectors("m", ids, matrix)
    query = rng.standard_normal(8).astype(np.float32)
    scores = matrix @ query
    for k in (1, 50, 500, 900):
        got_ids, got_scores = exact.query(query, k)
        want = np.argsort(-scores, kind="stable")[:k]
        assert got_ids.tolist() == ids[want].tolist()
        np.testing.assert_allclose(got_scores, scores[want], rtol=1e-6)
    allowed = {int(i) for i in ids[::7]}
    got_ids, _ = exact.query(query, 20, allowed=allowed)
    assert set(got_ids.tolist()) <= allowed and len(got_ids) == 20
    assert got_ids.tolist() == exact.query(query, 20, allowed=np.array(sorted(allowed)))[0].tolist()
    assert len(exact.query(query, 5, allowed=set())[0]) == 0
    assert len(ExactVectors("m", np.zeros(0, np.int64), np.zeros((0, 8), np.float32)).query(query, 5)[0]) == 0


def test_another_catalogs_matrix_file_is_not_taken_nor_rebuilt(tmp_path):
    """Two libraries sharing a cache folder and a model (the default cache folder): the file is the other's."""
    library, photos = make_library(tmp_path / "a")
    with library:
        want = answers_without_p00(library, photos)
    other, _ = make_library(tmp_path / "b", wider=100)  # the same ids, other contents
    with other:
        cache = MatrixCache(library.settings.cache_dir / "vectors", ColorEmbedder.model_id)
        cache.load(TagStore(other._catalog))  # the other library's vectors, in library a's cache folder
    files = sorted(p.name for p in (library.settings.cache_dir / "vectors").iterdir())
    with open_library(tmp_path / "a") as library:
        library.one_shot = True
        assert answers_without_p00(library, photos) == want and library._index is not None
    assert sorted(p.name for p in (library.settings.cache_dir / "vectors").iterdir()) == files
