"""Which stored vectors are near each other: k nearest neighbours of every vector from the HNSW index, kept
when their cosine reaches a floor, then connected components at any threshold at or above that floor.

The neighbour queries are the expensive part (seconds at 100k vectors: docs/benchmarks.md), so they run once
at the lowest threshold the app offers; moving the slider only filters the pairs and re-runs the components,
which is numpy over arrays of pairs (milliseconds).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from photoclip.core.index.hnsw import VectorIndex

#: neighbours asked for per vector: a burst larger than this still ends up in one group, because each of its
#: photos links to its own nearest ones and the groups are connected components
NEIGHBOURS = 12
#: search breadth of each query; near-duplicates are the very nearest points, found with a narrow search
EF = 48
#: vectors per knn call: the index lock is released between chunks, so a search waits for one chunk at most
CHUNK = 4096


@dataclass(frozen=True)
class SimilarPairs:
    """Pairs of embedding ids (first < second) whose vectors have a cosine of at least ``floor``."""

    first: np.ndarray  # int64
    second: np.ndarray  # int64
    similarity: np.ndarray  # float32
    floor: float

    def __len__(self) -> int:
        return len(self.first)

    def components(self, threshold: float) -> list[tuple[np.ndarray, float]]:
        """Groups of embedding ids linked (directly or through each other) by pairs at or above ``threshold``,
        each with the lowest similarity among those links."""
        keep = self.similarity >= threshold
        first, second, sims = self.first[keep], self.second[keep], self.similarity[keep]
        if not len(first):
            return []
        nodes, inverse = np.unique(np.concatenate([first, second]), return_inverse=True)
        a, b = inverse[: len(first)], inverse[len(first):]
        roots = connected_roots(len(nodes), a, b)
        order = np.argsort(roots, kind="stable")
        starts = np.flatnonzero(np.r_[True, roots[order][1:] != roots[order][:-1]])
        members = np.split(nodes[order], starts[1:])
        weakest = np.full(len(nodes), np.inf, np.float32)
        np.minimum.at(weakest, roots[a], sims)  # the pair's root is the component's root
        return [(group, float(weakest[roots[order][start]])) for group, start in zip(members, starts, strict=True)]


def connected_roots(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Union-find over edges (a[i], b[i]) in numpy: every node's component root (its smallest member index).

    Hooking: each edge whose ends have different roots points the larger root at the smaller one; then
    pointer jumping flattens the trees. Roots only ever decrease, so there are no cycles, and a few rounds
    suffice even for long chains (each round at least halves the distance to the root)."""
    parent = np.arange(n)
    while True:
        ra, rb = parent[a], parent[b]
        lo, hi = np.minimum(ra, rb), np.maximum(ra, rb)
        moving = lo != hi
        if not moving.any():
            return parent
        np.minimum.at(parent, hi[moving], lo[moving])
        while True:
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped


def similar_pairs(index: VectorIndex, ids: np.ndarray, vectors: np.ndarray, floor: float, *,
                  neighbours: int = NEIGHBOURS,
                  progress: Callable[[int, int], None] | None = None) -> SimilarPairs:
    """Query ``index`` (VectorIndex) with each of ``vectors`` (rows of embedding ``ids``) and keep the pairs
    of ``ids`` at least ``floor`` alike. Neighbours that are not among ``ids`` (vectors of removed or offline
    photos, still in the index for a while) are left out."""
    ids = np.asarray(ids, np.int64)
    known = np.sort(ids)
    firsts, seconds, sims = [], [], []
    total = len(ids)
    for start in range(0, total, CHUNK):
        rows = slice(start, start + CHUNK)
        labels, scores = index.query_many(vectors[rows], neighbours + 1, ef=EF)  # +1: a vector finds itself
        own = np.broadcast_to(ids[rows, None], labels.shape)
        keep = (scores >= floor) & (labels != own)
        keep &= _member(known, labels)
        lo, hi = np.minimum(own[keep], labels[keep]), np.maximum(own[keep], labels[keep])
        firsts.append(lo)
        seconds.append(hi)
        sims.append(scores[keep])
        if progress is not None:
            progress(min(start + CHUNK, total), total)
    if not firsts:
        empty = np.zeros(0, np.int64)
        return SimilarPairs(empty, empty, np.zeros(0, np.float32), floor)
    first, second, sim = np.concatenate(firsts), np.concatenate(seconds), np.concatenate(sims)
    # each pair is usually found from both ends: keep one (the scores agree up to rounding)
    _, unique = np.unique(np.stack([first, second], axis=1), axis=0, return_index=True)
    return SimilarPairs(first[unique], second[unique], np.clip(sim[unique], -1.0, 1.0), floor)


def _member(known: np.ndarray, labels: np.ndarray) -> np.ndarray:
    if not len(known):
        return np.zeros(labels.shape, bool)
    at = np.searchsorted(known, labels).clip(0, len(known) - 1)
    found: np.ndarray = known[at] == labels
    return found
