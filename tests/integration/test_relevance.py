"""Relevance you can trust: which hits are matches (an adaptive cutoff per query), their calibrated score, and
why they matched. Deterministic colour embedder, real catalog and HNSW index."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from photoclip.core.relevance import LibrarySample
from photoclip.core.search import Filters
from tests.support.color_embedder import NAMES
from tests.support.library_fixtures import open_indexed, write_photo

#: three photos of each palette colour, and two mixtures
COLOURED = [f"{colour}-{i}.jpg" for colour in NAMES for i in range(3)]


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    root = tmp_path_factory.mktemp("relevance")
    photos = root / "Pictures"
    for name in COLOURED:
        write_photo(photos / name, name.split("-")[0])
    write_photo(photos / "mixed" / "mostly-red.png", "red", second="white", share=0.3)
    write_photo(photos / "mixed" / "green-and-blue.png", "green", second="blue", share=0.5)
    lib = open_indexed(root, photos)
    yield lib
    lib.close()


def names(hits) -> list[str]:
    return [Path(h.path).name for h in hits]


def test_a_colour_matches_exactly_its_photos_and_the_rest_are_weaker(library):
    everything = len(COLOURED) + 2
    results = library.search_results("yellow", limit=100)
    assert sorted(names(results.matches)) == ["yellow-0.jpg", "yellow-1.jpg", "yellow-2.jpg"]
    assert len(results.ranking) == everything  # the full ranking is still there, matches first
    assert names(results.ranking)[:3] == names(results.matches)
    assert [h.match for h in results.ranking] == [True] * 3 + [False] * (everything - 3)
    assert len(results.weaker) == everything - 3
    assert min(h.calibrated for h in results.matches) >= 3 > max(h.calibrated for h in results.weaker)


def test_a_mixture_matches_the_colour_it_is_mostly_made_of(library):
    assert sorted(names(library.search("red", limit=100, matches_only=True))) == [
        "mostly-red.png", "red-0.jpg", "red-1.jpg", "red-2.jpg"]
    blue = names(library.search("blue", limit=100, matches_only=True))
    assert "green-and-blue.png" in blue and "mostly-red.png" not in blue


def test_a_query_that_matches_nothing_returns_no_matches(library):
    for query in ("dog", "a dog on the beach"):  # no colour words: every photo is as close as "a photo" is
        results = library.search_results(query, limit=100)
        assert results.matches == [] and not any(h.match for h in results.ranking)
        assert len(results.ranking) == len(COLOURED) + 2  # what --all and the folded section show
    assert library.search("dog", limit=100, matches_only=True) == []


def test_the_default_search_is_the_full_ranking_and_the_limit_holds(library):
    ranking = library.search("yellow", limit=5)
    assert len(ranking) == 5 and names(ranking)[:3] == ["yellow-0.jpg", "yellow-1.jpg", "yellow-2.jpg"]
    assert [h.score for h in ranking] == sorted((h.score for h in ranking), reverse=True)
    assert len(library.search("yellow", limit=2, matches_only=True)) == 2


def test_a_threshold_moves_the_cutoff(library):
    strict = library.search("red", limit=100, matches_only=True, threshold=1e6)
    assert strict == []
    loose = library.search("red", limit=100, matches_only=True, threshold=0.5)
    assert len(loose) >= 4


def test_filters_narrow_the_matches_but_the_library_calibrates(library):
    folder = str(library.photos_root / "mixed")
    results = library.search_results("red", limit=100, filters=Filters(folder=folder))
    assert names(results.matches) == ["mostly-red.png"] and names(results.weaker) == ["green-and-blue.png"]
    unfiltered = {h.path: h.calibrated for h in library.search("red", limit=100)}
    assert results.matches[0].calibrated == pytest.approx(unfiltered[results.matches[0].path])


def test_each_term_contributes_its_share_of_the_score(library):
    results = library.search_results("+red -blue", limit=100)
    top = results.matches[0]
    assert names([top])[0].startswith("red-")
    terms = {(t.term, t.sign): t for t in top.terms}
    assert set(terms) == {("red", 1), ("blue", -1)}
    assert terms[("red", 1)].contribution > 0.5 > abs(terms[("blue", -1)].contribution)
    assert sum(t.contribution for t in top.terms) == pytest.approx(top.score, abs=1e-5)  # they add up
    assert not any(n.startswith("blue-") for n in names(results.ranking))  # -blue drops the blue photos
    assert library.search("red", limit=1)[0].terms == ()  # one term: it is the whole score


def test_a_photo_query_names_the_nearest_reference_photo(library):
    photos = library.photos_root
    results = library.similar_results([photos / "red-0.jpg", photos / "blue-0.jpg"], limit=100)
    assert sorted(names(results.matches)) == ["blue-1.jpg", "blue-2.jpg", "green-and-blue.png", "mostly-red.png",
                                              "red-1.jpg", "red-2.jpg"]
    nearest = {Path(h.path).name: Path(h.reference).name for h in results.matches}
    assert nearest["blue-1.jpg"] == "blue-0.jpg" and nearest["red-2.jpg"] == "red-0.jpg"
    assert nearest["mostly-red.png"] == "red-0.jpg"
    assert "red-0.jpg" not in names(results.ranking) and "blue-0.jpg" not in names(results.ranking)
    single = library.similar(photos / "yellow-0.jpg", limit=100, matches_only=True)
    assert names(single) == ["yellow-1.jpg", "yellow-2.jpg"]
    assert {h.reference for h in single} == {str(photos / "yellow-0.jpg")}


def test_a_smart_album_holds_the_matches_of_its_search(library):
    albums = library.albums
    for query in ("red", "green -blue"):
        name = f"album {query}"
        albums.create_smart(name, query)
        members = {m.path: m.score for m in albums.members(name)}
        matches = {h.path: h.calibrated for h in library.search(query, limit=100, matches_only=True)}
        assert set(members) == set(matches), query
        for path, score in members.items():
            assert matches[path] == pytest.approx(score, rel=1e-4, abs=1e-3)


def test_a_large_library_is_calibrated_on_a_fixed_sample(tmp_path):
    photos = tmp_path / "Pictures"
    for i in range(40):
        write_photo(photos / f"p{i:02d}.jpg", NAMES[i % len(NAMES)], size=(48 + i, 32))  # 40 distinct files
    lib = open_indexed(tmp_path, photos)
    try:
        lib.relevance.sample = sample = LibrarySample(lib._catalog, size=16)
        model_id = lib.embedder.model_id
        drawn = sample.vectors(model_id, len(lib.index))
        assert drawn.shape == (16, lib.embedder.dim)
        assert sample.vectors(model_id, len(lib.index)) is drawn  # cached: a query does not read it again
        assert sorted(names(lib.search("red", limit=100, matches_only=True))) == [
            f"p{i:02d}.jpg" for i in range(0, 40, len(NAMES))]
        assert sample.vectors(model_id, 41) is drawn  # one photo more: under 5%, the same sample
        assert sample.vectors(model_id, 44) is not drawn  # 10% more: drawn again
        small = LibrarySample(lib._catalog, size=100)
        assert len(small.vectors(model_id, len(lib.index))) == 40  # a small library: every vector
        every = lib._catalog.filtered_embeddings(model_id, None, None, None)[1]
        assert np.array_equal(np.sort(small.vectors(model_id, 40), axis=0), np.sort(every, axis=0))
    finally:
        lib.close()
