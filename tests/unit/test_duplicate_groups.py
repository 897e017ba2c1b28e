"""The grouping arithmetic on its own: numpy union-find against a plain one, thresholds, removing photos."""

from __future__ import annotations

import numpy as np

from photoclip.core.duplicates import Candidates, DuplicatePhoto
from photoclip.core.duplicates.pairs import SimilarPairs, connected_roots


def plain_components(n: int, edges: list[tuple[int, int]]) -> set[frozenset[int]]:
    parent = list(range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in edges:
        parent[root(a)] = root(b)
    groups: dict[int, set[int]] = {}
    for node in {x for e in edges for x in e}:
        groups.setdefault(root(node), set()).add(node)
    return {frozenset(g) for g in groups.values()}


def components_of(n: int, a: np.ndarray, b: np.ndarray) -> set[frozenset[int]]:
    roots = connected_roots(n, a, b)
    groups: dict[int, set[int]] = {}
    for node in set(a.tolist()) | set(b.tolist()):
        groups.setdefault(int(roots[node]), set()).add(node)
    return {frozenset(g) for g in groups.values()}


def test_numpy_union_find_matches_a_plain_one_on_random_graphs_and_a_long_chain():
    rng = np.random.default_rng(0)
    for n, m in ((10, 5), (200, 150), (2000, 1900), (5000, 200)):
        a, b = rng.integers(0, n, m), rng.integers(0, n, m)
        assert components_of(n, a, b) == plain_components(n, list(zip(a.tolist(), b.tolist(), strict=True)))
    chain = rng.permutation(3000)  # a burst of 3,000 frames, each linked only to the next, in shuffled ids
    assert components_of(3000, chain[:-1], chain[1:]) == {frozenset(range(3000))}


def photo(photo_id: int, embedding_id: int, content_hash: str) -> DuplicatePhoto:
    return DuplicatePhoto(photo_id, f"/p/{photo_id}.jpg", content_hash, embedding_id, 100, 100, 1000,
                          photo_id, "2024-01-01T00:00:00")


def test_thresholds_and_removing_the_photo_that_linked_two_others():
    # A ≈ X ≈ B at 0.96, A and B only 0.90 alike; C has an identical copy C2 (one vector)
    pairs = SimilarPairs(np.array([1, 2, 1]), np.array([2, 3, 3]), np.array([0.96, 0.96, 0.90], np.float32), 0.85)
    photos = {1: [photo(10, 1, "a")], 2: [photo(20, 2, "x")], 3: [photo(30, 3, "b")],
              4: [photo(40, 4, "c"), photo(41, 4, "c")]}
    candidates = Candidates(pairs, photos, [4], vectors=4, seconds=0.0)

    def ids(groups):
        return sorted(sorted(p.photo_id for p in g.photos) for g in groups)

    assert ids(candidates.groups(0.95)) == [[10, 20, 30], [40, 41]]
    assert [round(g.similarity, 2) for g in candidates.groups(0.95)] == [0.96, 1.0]
    assert ids(candidates.groups(0.97)) == [[40, 41]]  # exact copies need no pair
    without_x = candidates.without({20})
    assert ids(without_x.groups(0.95)) == [[40, 41]]  # A and B were held together by X only
    assert ids(without_x.groups(0.9)) == [[10, 30], [40, 41]]
    assert ids(candidates.without({41}).groups(0.95)) == [[10, 20, 30]]  # one copy left: no group
